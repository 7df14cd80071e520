package inbound

import (
	"maps"
	"testing"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		value    string
		plain    map[string]string
		dup      bool
	}{
		{"simple", `text/plain; charset="GB2312"`, "text/plain", map[string]string{"charset": "GB2312"}, false},
		{"folded and upper-case", "Multipart/Mixed;\r\n\tBoundary=\"----=_001_x_=----\"", "multipart/mixed", map[string]string{"boundary": "----=_001_x_=----"}, false},
		{"trailing semicolon (QQ)", `multipart/alternative; boundary="b1";`, "multipart/alternative", map[string]string{"boundary": "b1"}, false},
		{"unquoted tspecials", `application/pdf; name=Invoice_(3021).pdf`, "application/pdf", map[string]string{"name": "Invoice_(3021).pdf"}, false},
		{"missing semicolon after type", `application/pdf name="a.pdf"`, "application/pdf", map[string]string{"name": "a.pdf"}, false},
		{"duplicate keeps first", `text/plain; charset=utf-8; charset=gbk`, "text/plain", map[string]string{"charset": "utf-8"}, true},
		{"unterminated quote", `text/html; charset="UTF-8`, "text/html", map[string]string{"charset": "UTF-8"}, false},
		{"escaped quote", `attachment; filename="a\"b.xlsx"`, "attachment", map[string]string{"filename": `a"b.xlsx`}, false},
		{"windows path backslashes kept", `attachment; filename="C:\Users\x\报表.xlsx"`, "attachment", map[string]string{"filename": `C:\Users\x\报表.xlsx`}, false},
		{"parameter without value", `inline; foo; name=a`, "inline", map[string]string{"name": "a"}, false},
		{"empty", ``, "", map[string]string{}, false},
		{"only semicolons", `;;;`, "", map[string]string{}, false},
		{"no equals at end", `text/plain; junk`, "text/plain", map[string]string{}, false},
		{"empty name", `text/plain; =x; a=b`, "text/plain", map[string]string{"a": "b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hp := parseParams(tc.in)
			if hp.value != tc.value || !maps.Equal(hp.plain, tc.plain) || hp.dup != tc.dup {
				t.Errorf("parseParams(%q) = %q %v dup=%v, want %q %v dup=%v", tc.in, hp.value, hp.plain, hp.dup, tc.value, tc.plain, tc.dup)
			}
		})
	}
}

func TestParamText(t *testing.T) {
	for _, tc := range []struct {
		name, in, param, want string
		problem               bool
	}{
		{"RFC 2231 utf-8", `attachment; filename*=utf-8''%E5%B8%82%E6%8A%A5.xlsx`, "filename", "市报.xlsx", false},
		{"RFC 2231 GBK", `attachment; filename*=GBK''%CA%D0%B1%A8.xlsx`, "filename", "市报.xlsx", false},
		{"RFC 2231 gb2312 with language", `attachment; filename*=gb2312'zh-cn'%CA%D0%B1%A8.xlsx`, "filename", "市报.xlsx", false},
		{"RFC 2231 GB18030 four-byte", `attachment; filename*=GB18030''%95%32%82%36.xlsx`, "filename", "𠀀.xlsx", false},
		{"RFC 2231 continuations out of order", `attachment; filename*1*=%E6%8A%A5.xlsx; filename*0*=utf-8''%E5%B8%82`, "filename", "市报.xlsx", false},
		{"RFC 2231 mixed plain section", `attachment; filename*0*=utf-8''%E5%B8%82; filename*1="-2023.xlsx"`, "filename", "市-2023.xlsx", false},
		{"RFC 2231 gap stops", `attachment; filename*0=a; filename*2=c`, "filename", "a", false},
		{"RFC 2231 no charset quotes", `attachment; filename*=%E5%B8%82.xlsx`, "filename", "市.xlsx", false},
		{"RFC 2231 unknown charset", `attachment; filename*=x-mars''abc.xlsx`, "filename", "abc.xlsx", true},
		{"RFC 2231 bad percent", `attachment; filename*=utf-8''100%25%zz.xlsx`, "filename", "100%%zz.xlsx", false},
		{"RFC 2047 in quotes", `attachment; filename="=?GB2312?B?ytCxqC54bHN4?="`, "filename", "市报.xlsx", false},
		{"RFC 2047 folded in quotes", `attachment; filename="=?UTF-8?B?5biC?= =?UTF-8?B?5oqlLnhsc3g=?="`, "filename", "市报.xlsx", false},
		{"raw GBK", "attachment; filename=\"\xca\xd0\xb1\xa8.xlsx\"", "filename", "市报.xlsx", false},
		{"raw UTF-8", `attachment; filename="市报.xlsx"`, "filename", "市报.xlsx", false},
		{"ext wins over plain", `attachment; filename="plain.xlsx"; filename*=utf-8''ext.xlsx`, "filename", "ext.xlsx", false},
		{"missing", `attachment`, "filename", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hp := parseParams(tc.in)
			got, problem := "", ""
			if s, p, ok := hp.extText(tc.param); ok && s != "" {
				got, problem = s, p
			} else {
				got, problem = hp.plainText(tc.param)
			}
			if got != tc.want || (problem != "") != tc.problem {
				t.Errorf("param %s of %q = %q (problem %q), want %q (problem %v)", tc.param, tc.in, got, problem, tc.want, tc.problem)
			}
		})
	}
}

func TestFileNameOrder(t *testing.T) {
	for _, tc := range []struct{ name, disp, ct, want string }{
		{"disposition ext first", `attachment; filename="b.xlsx"; filename*=utf-8''a.xlsx`, `application/octet-stream; name="c.xlsx"`, "a.xlsx"},
		{"disposition plain second", `attachment; filename="b.xlsx"`, `application/octet-stream; name*=utf-8''c.xlsx`, "b.xlsx"},
		{"content-type ext third", `attachment`, `application/octet-stream; name*=utf-8''c.xlsx; name="d.xlsx"`, "c.xlsx"},
		{"content-type name only", ``, `application/octet-stream; name="d.xlsx"`, "d.xlsx"},
		{"clean candidate beats one with replacement characters", "attachment; filename*=utf-8''%FF%FE.xlsx", `application/octet-stream; name="=?GB2312?B?ytCxqC54bHN4?="`, "市报.xlsx"},
		{"blank names skipped", `attachment; filename="  "`, `application/octet-stream; name="d.xlsx"`, "d.xlsx"},
		{"none", `inline`, `image/png`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := fileName(parseParams(tc.disp), parseParams(tc.ct))
			if got != tc.want {
				t.Errorf("fileName(%q, %q) = %q, want %q", tc.disp, tc.ct, got, tc.want)
			}
		})
	}
}
