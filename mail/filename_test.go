package mail

import (
	"encoding/base64"
	"mime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitiseFilename(t *testing.T) {
	long := strings.Repeat("很", 60) + ".xlsx"
	tests := []struct {
		name, in, mediaType, want string
	}{
		{"chinese kept", reminderFile, XLSXType, reminderFile},
		{"quotes and backslash", `a"b\c.xlsx`, XLSXType, "ab_c.xlsx"},
		{"crlf", "报表\r\nBcc: x@evil.example.xlsx", XLSXType, "报表Bcc_ x@evil.example.xlsx"},
		{"path traversal", "../../etc/passwd.xlsx", XLSXType, "_.._etc_passwd.xlsx"},
		{"windows reserved", `a<b>c:d|e?f*.xlsx`, XLSXType, "a_b_c_d_e_f_.xlsx"},
		{"bidi override", "report\u202Exslx.exe", octetStream, "reportxslx.exe"},
		{"control characters", "a\x00b\x1bc\x7f.xlsx", XLSXType, "abc.xlsx"},
		{"invalid utf-8", "a\xffb.xlsx", XLSXType, "ab.xlsx"},
		{"spaces collapse", "  推进  情况\t表 .xlsx", XLSXType, "推进 情况 表.xlsx"},
		{"hidden file", ".xlsx", XLSXType, fallbackStem + ".xlsx"},
		{"only dots", "...", XLSXType, fallbackStem + ".xlsx"},
		{"empty", "", octetStream, fallbackStem},
		{"missing extension added", "推进情况", XLSXType, "推进情况.xlsx"},
		{"odd extension is not one", "v1.2 final", XLSXType, "v1.2 final.xlsx"},
		{"long name capped keeps extension", long, XLSXType, strings.Repeat("很", (maxFilenameBytes-5)/3) + ".xlsx"},
		{"ideographic space", "推进\u3000情况.xlsx", XLSXType, "推进 情况.xlsx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sanitiseFilename(tc.in, tc.mediaType)
			if got != tc.want {
				t.Errorf("sanitiseFilename(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(got) > maxFilenameBytes || !utf8.ValidString(got) {
				t.Errorf("sanitiseFilename(%q) = %q: %d bytes or invalid UTF-8", tc.in, got, len(got))
			}
		})
	}
}

func TestEncodeWords(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		first, rest int
	}{
		{"short", "张三", 70, 75},
		{"subject", "【督办提醒】请于6月7日前报送2023年5月都市圈一体化建设重点任务推进情况", 67, 75},
		{"tiny budget still progresses", "一二三四五", 1, 1},
		{"four-byte runes", "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋𠀌𠀍𠀎𠀏𠀐𠀑𠀒𠀓", 30, 30},
		{"empty", "", 70, 75},
	}
	dec := new(mime.WordDecoder)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			words := encodeWords(tc.in, tc.first, tc.rest)
			for i, w := range words {
				limit := tc.rest
				if i == 0 {
					limit = tc.first
				}
				raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(w, "=?UTF-8?B?"), "?="))
				if err != nil || !utf8.Valid(raw) {
					t.Errorf("word %d %q: not base64 of whole UTF-8 characters (%v)", i, w, err)
				}
				if len(w) > limit && utf8.RuneCount(raw) > 1 {
					t.Errorf("word %d %q is %d long, limit %d", i, w, len(w), limit)
				}
				if len(w) > maxWord {
					t.Errorf("word %d %q is longer than %d", i, w, maxWord)
				}
			}
			got, err := dec.DecodeHeader(strings.Join(words, "\r\n "))
			if err != nil || got != tc.in {
				t.Errorf("decode(encodeWords(%q)) = %q, %v", tc.in, got, err)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		name   string
		domain string
		parts  []string
		want   string
	}{
		{"plain", "metro.example", []string{"remind", "2023-05", "jtj"}, "remind.2023-05.jtj@metro.example"},
		{"dots inside kept", "metro.example", []string{"v1.2"}, "v1.2@metro.example"},
		{"empty parts dropped", "metro.example", []string{"", "a", ""}, "a@metro.example"},
		{"nothing", "metro.example", nil, "duban@metro.example"},
		{"domain cleaned", " Metro.Example. ", []string{"a"}, "a@metro.example"},
		{"no domain", "", []string{"a"}, "a@duban.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MessageID(tc.domain, tc.parts...); got != tc.want {
				t.Errorf("MessageID(%q, %q) = %q, want %q", tc.domain, tc.parts, got, tc.want)
			}
		})
	}
	// Sanitised parts stay valid, readable and distinct.
	a := MessageID("metro.example", "remind", "交通局")
	b := MessageID("metro.example", "remind", "科技局")
	c := MessageID("metro.example", "remind", "a b")
	d := MessageID("metro.example", "remind", "a/b")
	e := MessageID("metro.example", "..x..y..")
	for _, id := range []string{a, b, c, d, e} {
		if err := checkMsgID("id", id); err != nil {
			t.Errorf("MessageID gave an invalid id: %v", err)
		}
		left := id[:strings.IndexByte(id, '@')]
		if strings.HasPrefix(left, ".") || strings.HasSuffix(left, ".") || strings.Contains(left, "..") {
			t.Errorf("MessageID gave %q: not a dot-atom", id)
		}
		for _, r := range left {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
				t.Errorf("MessageID gave %q with %q", id, r)
			}
		}
	}
	if a == b || c == d {
		t.Errorf("MessageID collided: %q %q %q %q", a, b, c, d)
	}
	if !strings.HasPrefix(c, "remind.a-b-") {
		t.Errorf("MessageID(remind, a b) = %q, want the readable prefix remind.a-b-", c)
	}
	if MessageID("metro.example", "remind", "交通局") != a {
		t.Errorf("MessageID is not deterministic")
	}
}
