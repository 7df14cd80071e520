package inbound

import (
	"encoding/base64"
	"testing"
)

func TestDecodeWords(t *testing.T) {
	gbkShi := []byte{0xca, 0xd0} // 市
	gbkBao := []byte{0xb1, 0xa8} // 报
	split := base64.StdEncoding.EncodeToString(append(gbkShi, gbkBao[0]))
	rest := base64.StdEncoding.EncodeToString(gbkBao[1:])
	for _, tc := range []struct {
		name, in, want string
		problem        bool
	}{
		{"plain ASCII", "Re: report", "Re: report", false},
		{"GB2312 B", "=?GB2312?B?ytCxqA==?=", "市报", false},
		{"gbk lowercase b", "=?gbk?b?ytCxqA==?=", "市报", false},
		{"GB18030 four-byte", "=?gb18030?B?lTKCNg==?=", "𠀀", false},
		{"UTF-8 Q", "=?utf-8?Q?=E5=B8=82_A?=", "市 A", false},
		{"words joined without the space between", "=?utf-8?B?5biC?= =?utf-8?B?5oql?=", "市报", false},
		{"GBK character split across words", "=?GBK?B?" + split + "?=\t=?GBK?B?" + rest + "?=", "市报", false},
		{"UTF-8 character split across words", "=?utf-8?B?5biC5g==?= =?utf-8?B?iqU6?=", "市报:", false},
		{"literal text around words", "Re: =?utf-8?B?5biC?= end", "Re: 市 end", false},
		{"space kept between word and text", "=?utf-8?B?5biC?= x", "市 x", false},
		{"language suffix", "=?utf-8*zh?B?5biC?=", "市", false},
		{"unknown charset", "=?x-mars?B?YWJj?=", "abc", true},
		{"bad encoding letter", "=?utf-8?X?abc?=", "=?utf-8?X?abc?=", false},
		{"unterminated word", "=?utf-8?B?5biC", "=?utf-8?B?5biC", false},
		{"space inside word", "=?utf-8?Q?a b?=", "=?utf-8?Q?a b?=", false},
		{"raw GBK", "\xca\xd0\xb1\xa8", "市报", false},
		{"raw GBK next to a word", "\xca\xd0 =?utf-8?B?5oql?=", "市 报", false},
		{"empty", "", "", false},
		{"lone =?", "a =? b", "a =? b", false},
		{"bad base64 skipped", "=?utf-8?B?5b*iC?=", "市", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, problem := decodeWords(tc.in)
			if got != tc.want || (problem != "") != tc.problem {
				t.Errorf("decodeWords(%q) = %q (problem %q), want %q (problem %v)", tc.in, got, problem, tc.want, tc.problem)
			}
		})
	}
}

func TestDecodeBytes(t *testing.T) {
	for _, tc := range []struct {
		name, label string
		in          []byte
		want        string
		problem     bool
	}{
		{"utf-8", "UTF-8", []byte("市"), "市", false},
		{"no label, GBK bytes", "", []byte{0xca, 0xd0}, "市", false},
		{"labelled utf-8, GBK bytes", "utf-8", []byte{0xca, 0xd0}, "市", true},
		{"gb2312 carrying a GBK-only character", "gb2312", []byte{0xe9, 0x46}, "镕", false},
		{"quoted label", `"gbk"`, []byte{0xca, 0xd0}, "市", false},
		{"doubled charset=", "charset=us-ascii", []byte("abc"), "abc", false},
		{"big5", "big5", []byte{0xa5, 0xab}, "市", false},
		{"iso-8859-1", "iso-8859-1", []byte{0xe9}, "é", false},
		{"unknown", "x-mars", []byte("abc"), "abc", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, problem := decodeBytes(tc.in, tc.label)
			if got != tc.want || (problem != "") != tc.problem {
				t.Errorf("decodeBytes(%x, %q) = %q (problem %q), want %q (problem %v)", tc.in, tc.label, got, problem, tc.want, tc.problem)
			}
		})
	}
}
