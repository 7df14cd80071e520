package inbound

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/duban/duban/internal/testtools"
	"github.com/emersion/go-message/textproto"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("报", 200) + ".xlsx"
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "市报.xlsx", "市报.xlsx"},
		{"unix path", "../../etc/passwd", "passwd"},
		{"windows path", `C:\Users\x\市报.xlsx`, "市报.xlsx"},
		{"dot dot inside", "a..xlsx", "a.xlsx"},
		{"only dots", "..", ""},
		{"leading dot", ".hidden.xlsx", "hidden.xlsx"},
		{"trailing dot and space", "报表.xlsx. ", "报表.xlsx"},
		{"control characters", "a\x00b\x1fc\x7f.xlsx", "abc.xlsx"},
		{"newline becomes nothing", "a\r\nb.xlsx", "ab.xlsx"},
		{"right-to-left override", "report\u202Exslx.exe", "reportxslx.exe"},
		{"zero-width space", "市\u200B报.xlsx", "市报.xlsx"},
		{"windows-forbidden characters", `a:b*c?"<>|.xlsx`, "a_b_c_____.xlsx"},
		{"tab becomes space", "a\tb.xlsx", "a b.xlsx"},
		{"invalid UTF-8", "a\xffb.xlsx", "a\uFFFDb.xlsx"},
		{"empty", "", ""},
		{"too long keeps extension", long, strings.Repeat("报", 115) + ".xlsx"},
		{"too long with silly extension", strings.Repeat("a", 130) + "." + strings.Repeat("b", 30), strings.Repeat("a", 120)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sanitizeName(tc.in)
			if got != tc.want {
				t.Errorf("sanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if utf8.RuneCountInString(got) > maxNameRunes {
				t.Errorf("sanitizeName(%q) has %d characters", tc.in, utf8.RuneCountInString(got))
			}
		})
	}
}

func TestSniff(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	xlsm := testtools.Zip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>", "xl/vbaProject.bin": "x"})
	xlsmByType := testtools.Zip(t, map[string]string{"[Content_Types].xml": `<Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>`, "xl/workbook.xml": "<w/>"})
	ods := testtools.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
	odt := testtools.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text"})
	xlsb := testtools.Zip(t, map[string]string{"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "x"})
	plainZip := testtools.Zip(t, map[string]string{"a.txt": "hello"})
	bmp := append([]byte("BM"), make([]byte, 16)...)
	bmp[14] = 40
	for _, tc := range []struct {
		name     string
		data     []byte
		declared string
		complete bool
		kind     string
		ext      string
		damaged  bool
	}{
		{"xlsx", xlsx, "application/octet-stream", true, KindXLSX, ".xlsx", false},
		{"xlsx head only", xlsx[:2000], "", false, KindXLSX, ".xlsx", false},
		{"xlsx truncated", xlsx[:2000], "", true, KindZip, ".zip", true},
		{"xlsm by vbaProject", xlsm, "", true, KindXLSM, ".xlsm", false},
		{"xlsm by content type", xlsmByType, "", true, KindXLSM, ".xlsm", false},
		{"xlsm by declared type", testtools.Zip(t, map[string]string{"xl/workbook.xml": "<w/>"}), "application/vnd.ms-excel.sheet.macroenabled.12", true, KindXLSM, ".xlsm", false},
		{"ods", ods, "", true, KindODS, ".ods", false},
		{"odt is a plain zip", odt, "", true, KindZip, ".zip", false},
		{"xlsb is a plain zip", xlsb, "", true, KindZip, ".zip", false},
		{"zip", plainZip, "application/zip", true, KindZip, ".zip", false},
		{"empty zip", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), "", true, KindZip, ".zip", false},
		{"ole xls", makeOLE(), "application/vnd.ms-excel", true, KindOLE, ".xls", false},
		{"ole doc", makeOLE(), "application/msword", true, KindOLE, ".doc", false},
		{"ole unknown", makeOLE(), "application/octet-stream", true, KindOLE, ".bin", false},
		{"ole ppt", makeOLE(), "application/vnd.ms-powerpoint", true, KindOLE, ".ppt", false},
		{"pdf", []byte("%PDF-1.7\n"), "", true, KindPDF, ".pdf", false},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0}, "", true, KindImage, ".jpg", false},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), "", true, KindImage, ".png", false},
		{"gif", []byte("GIF89a..."), "", true, KindImage, ".gif", false},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "", true, KindImage, ".webp", false},
		{"tiff", []byte("II*\x00...."), "", true, KindImage, ".tif", false},
		{"heic", []byte("\x00\x00\x00\x18ftypheic...."), "", true, KindImage, ".heic", false},
		{"bmp", bmp, "", true, KindImage, ".bmp", false},
		{"text starting with BM is not a bmp", []byte("BMW annual report, draft 2"), "text/plain", true, KindOther, ".txt", false},
		{"html", []byte("<html>"), "text/html", true, KindOther, ".html", false},
		{"csv", []byte("a,b"), "text/csv", true, KindOther, ".csv", false},
		{"eml", []byte("From: x"), "message/rfc822", true, KindOther, ".eml", false},
		{"empty", nil, "", true, KindOther, ".bin", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, ext, damaged := sniff(tc.data, tc.declared, tc.complete)
			if kind != tc.kind || ext != tc.ext || damaged != tc.damaged {
				t.Errorf("sniff(%s) = %q %q damaged=%v, want %q %q damaged=%v", tc.name, kind, ext, damaged, tc.kind, tc.ext, tc.damaged)
			}
		})
	}
}

func TestIsWorkbookLike(t *testing.T) {
	for kind, want := range map[string]bool{
		KindXLSX: true, KindXLSM: true, KindODS: true, KindOLE: true, KindZip: true,
		KindImage: false, KindPDF: false, KindOther: false,
	} {
		if got := (File{Kind: kind}).IsWorkbookLike(); got != want {
			t.Errorf("File{Kind: %q}.IsWorkbookLike() = %v, want %v", kind, got, want)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		name, cte, in, want string
		complete, problem   bool
	}{
		{"base64", "base64", "aGVs\r\nbG8=\r\n", "hello", true, false},
		{"base64 upper-case with junk after", " BASE64 ", "aGVsbG8=\r\ntrailing junk", "hello", true, false},
		{"base64 indented lines", "base64", "  aGVs\r\n\tbG8=", "hello", true, false},
		{"base64 stray characters", "base64", "aGV*sbG8=", "hello", true, true},
		{"base64 one extra character", "base64", "aGVsbG8hA", "hello!", true, true},
		{"base64 no padding", "base64", "aGVsbG8", "hello", true, false},
		{"quoted-printable", "quoted-printable", "caf=C3=A9 =\r\nau lait=\nx", "café au laitx", true, false},
		{"qp bad escape kept", "quoted-printable", "100=%", "100=%", true, false},
		{"qp trailing spaces dropped", "quoted-printable", "a  \r\nb=20\r\n", "a\r\nb \r\n", true, false},
		{"qp soft break with spaces", "quoted-printable", "a= \r\nb", "ab", true, false},
		{"qp equals at end", "quoted-printable", "ab=", "ab", true, false},
		{"7bit", "7bit", "as is", "as is", true, false},
		{"none", "", "as is", "as is", true, false},
		{"binary", "Binary", "\x00\x01", "\x00\x01", true, false},
		{"unknown", "x-uuencode", "begin 644", "begin 644", true, true},
		{"over limit", "8bit", strings.Repeat("x", 50), strings.Repeat("x", 50), false, false},
		{"base64 over limit", "base64", strings.Repeat("eHh4", 20), strings.Repeat("x", 60), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decodeBody(tc.cte, []byte(tc.in), 40, sniffHead)
			if string(d.data) != tc.want || d.complete != tc.complete || (d.problem != "") != tc.problem {
				t.Errorf("decodeBody(%q, %q) = %q complete=%v problem=%q, want %q complete=%v problem=%v",
					tc.cte, tc.in, d.data, d.complete, d.problem, tc.want, tc.complete, tc.problem)
			}
		})
	}
}

func TestSplitMultipart(t *testing.T) {
	for _, tc := range []struct {
		name, body     string
		max            int
		parts          []string
		found, closed  bool
		more           bool
		boundaryOption string
	}{
		{"two parts", "pre\r\n--b\r\nA\r\n--b\r\nB\r\n--b--\r\nepilogue", 10, []string{"A", "B"}, true, true, false, ""},
		{"LF only", "--b\nA\n--b\nB\n--b--\n", 10, []string{"A", "B"}, true, true, false, ""},
		{"no closing", "--b\r\nA\r\n--b\r\nB\r\n", 10, []string{"A", "B\r\n"}, true, false, false, ""},
		{"longer boundary is not ours", "--b\r\nA\r\n--bc\r\nstill A\r\n--b--", 10, []string{"A\r\n--bc\r\nstill A"}, true, true, false, ""},
		{"closing of a longer boundary is not ours", "--b\r\nA\r\n--b--x\r\n--b--", 10, []string{"A\r\n--b--x"}, true, true, false, ""},
		{"boundary not at line start", "--b\r\nA x--b\r\n--b--", 10, []string{"A x--b"}, true, true, false, ""},
		{"spaces after boundary", "--b  \r\nA\r\n--b--  \r\n", 10, []string{"A"}, true, true, false, ""},
		{"empty part", "--b\r\n--b\r\nB\r\n--b--", 10, []string{"", "B"}, true, true, false, ""},
		{"closing only", "--b--\r\n", 10, nil, true, true, false, ""},
		{"not found", "no delimiter here", 10, nil, false, false, false, ""},
		{"max parts", "--b\r\n1\r\n--b\r\n2\r\n--b\r\n3\r\n--b--", 2, []string{"1", "2"}, true, false, true, ""},
		{"closing at end without line end", "--b\r\nA\r\n--b--", 10, []string{"A"}, true, true, false, ""},
		{"empty boundary", "----\r\n", 10, nil, false, false, false, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			boundary := "b"
			if tc.boundaryOption == "empty" {
				boundary = ""
			}
			s := splitMultipart([]byte(tc.body), boundary, tc.max)
			var got []string
			for _, p := range s.parts {
				got = append(got, string(p))
			}
			if !slices.Equal(got, tc.parts) || s.found != tc.found || s.closed != tc.closed || s.more != tc.more {
				t.Errorf("splitMultipart(%q) = %q found=%v closed=%v more=%v, want %q found=%v closed=%v more=%v",
					tc.body, got, s.found, s.closed, s.more, tc.parts, tc.found, tc.closed, tc.more)
			}
		})
	}
}

func TestGuessBoundary(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"after preamble", "This is a multi-part message.\r\n\r\n--abc\r\nContent-Type: text/plain\r\n\r\nx\r\n--abc--", "abc"},
		{"dash line without header after", "----\r\n\r\ntext", ""},
		{"spaces in line", "-- abc\r\nContent-Type: x\r\n", ""},
		{"too long", "--" + strings.Repeat("a", 80) + "\r\nContent-Type: x\r\n", ""},
		{"nothing", "hello", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := guessBoundary([]byte(tc.body)); got != tc.want {
				t.Errorf("guessBoundary(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

func header(t *testing.T, s string) textproto.Header {
	t.Helper()
	h, notes := readHeader([]byte(s))
	if len(notes) > 0 {
		t.Fatalf("readHeader(%q) notes = %q", s, notes)
	}
	return h
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct{ name, hdr, want string }{
		{"person", "From: a@b.example\r\nSubject: 回复：报表\r\n", ""},
		{"auto-submitted no", "From: a@b.example\r\nAuto-Submitted: no\r\n", ""},
		{"auto-generated", "From: a@b.example\r\nAuto-Submitted: auto-generated\r\n", AutoSubmitted},
		{"auto-notified with comment", "From: a@b.example\r\nAuto-Submitted: auto-notified (daily)\r\n", AutoSubmitted},
		{"auto-replied", "From: a@b.example\r\nAuto-Submitted: auto-replied\r\n", AutoReply},
		{"auto-replied upper case with parameter", "From: a@b.example\r\nAuto-Submitted: Auto-Replied; owner-email=\"x@y\"\r\n", AutoReply},
		{"X-Autoreply", "From: a@b.example\r\nX-Autoreply: yes\r\n", AutoReply},
		{"X-Autoreply no", "From: a@b.example\r\nX-Autoreply: no\r\n", ""},
		{"X-Autorespond", "From: a@b.example\r\nX-Autorespond: x\r\n", AutoReply},
		{"X-Autoresponder", "From: a@b.example\r\nX-Autoresponder: 1\r\n", AutoReply},
		{"X-Auto-Response-Suppress All", "From: a@b.example\r\nX-Auto-Response-Suppress: All\r\n", AutoReply},
		{"X-Auto-Response-Suppress empty", "From: a@b.example\r\nX-Auto-Response-Suppress:\r\n", AutoReply},
		{"precedence bulk", "From: a@b.example\r\nPrecedence: bulk\r\n", AutoReply},
		{"precedence junk", "From: a@b.example\r\nPrecedence: Junk\r\n", AutoReply},
		{"precedence auto_reply", "From: a@b.example\r\nPrecedence: auto_reply\r\n", AutoReply},
		{"precedence list is a person", "From: a@b.example\r\nPrecedence: list\r\n", ""},
		{"precedence first-class", "From: a@b.example\r\nPrecedence: first-class\r\n", ""},
		{"subject 自动回复 alone is a person", "From: a@b.example\r\nSubject: 自动回复: 报表\r\n", ""},
		{"subject Automatic reply alone is a person", "From: a@b.example\r\nSubject: Automatic reply: report\r\n", ""},
		{"subject out of office alone is a person", "From: a@b.example\r\nSubject: Out of Office: x\r\n", ""},
		{"subject 外出 alone is a person", "From: a@b.example\r\nSubject: 外出\r\n", ""},
		{"subject with Auto-Submitted", "From: a@b.example\r\nSubject: 自动回复: 报表\r\nAuto-Submitted: auto-replied\r\n", AutoReply},
		{"delivery-status report", "From: a@b.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n", AutoBounce},
		{"delivery-status report quoted", "From: a@b.example\r\nContent-Type: multipart/report; report-type=\"Delivery-Status\"; boundary=x\r\n", AutoBounce},
		{"read receipt", "From: a@b.example\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n", AutoReply},
		{"mailer-daemon", "From: MAILER-DAEMON@mx.example\r\n", AutoBounce},
		{"postmaster", "From: Postmaster <postmaster@163.com>\r\n", AutoBounce},
		{"null return path alone is a person", "Return-Path: <>\r\nFrom: a@b.example\r\n", ""},
		{"null return path with spaces alone is a person", "Return-Path: < >\r\nFrom: a@b.example\r\n", ""},
		{"bounce subject with null path", "Return-Path: <>\r\nFrom: mail@qq.com\r\nSubject: 系统退信\r\n", AutoBounce},
		{"bounce subject with auto-submitted", "From: mail@qq.com\r\nSubject: Undeliverable: 报表\r\nAuto-Submitted: auto-generated\r\n", AutoBounce},
		{"bounce subject with auto-submitted no is a person", "From: a@b.example\r\nSubject: 退信说明\r\nAuto-Submitted: no\r\n", ""},
		{"bounce subject alone is a person", "From: a@b.example\r\nSubject: 退信怎么处理\r\n", ""},
		{"bounce beats auto-submitted", "From: MAILER-DAEMON@x.example\r\nAuto-Submitted: auto-replied\r\n", AutoBounce},
		{"list-id is a person", "From: a@b.example\r\nList-Id: <news.example>\r\n", ""},
		{"list-unsubscribe is a person", "From: a@b.example\r\nList-Unsubscribe: <mailto:u@x>\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := header(t, tc.hdr)
			subject, _ := decodeWords(h.Get("Subject"))
			from := looseAddress(h.Get("From"))
			got := classify(h, parseParams(h.Get("Content-Type")), from, subject)
			if got != tc.want {
				t.Errorf("classify(%q) = %q, want %q", tc.hdr, got, tc.want)
			}
		})
	}
}

func TestSubjectAuto(t *testing.T) {
	for _, tc := range []struct {
		subject string
		want    bool
	}{
		{"自动回复: 报表", true},
		{"自动回复：【报送提醒】请于6月7日前报送", true},
		{"【自动回复】报表", true},
		{"自动答复: 报表", true},
		{"自動回覆：報表", true},
		{"Automatic reply: report", true},
		{"[Auto Reply] report", true},
		{"Auto-Reply: report", true},
		{"AutoReply: report", true},
		{"Out of Office: x", true},
		{"out of the office until Monday", true},
		{"外出", true},
		{"【外出】", true},
		{" 休假 ", true},
		{"外出自动回复", true},
		{"外出自动回复：报表", true},
		{"外出：报表", true},
		{"休假: 报表", true},
		{"休假回复：报表", true},
		{"休假通知", true},
		{"【休假】通知", true},
		{"【外出】 自动回复", true},
		{"外出调研期间报送2023-05推进情况", false},
		{"外出调研，推进情况表见附件", false},
		{"休假期间的报表", false},
		{"【外出】调研", false},
		{"【休假】申请", false},
		{"回复：休假期间的报表", false},
		{"回复：自动回复：报表", false},
		{"Re: Automatic reply: report", false},
		{"回复：【报送提醒】请于6月7日前报送2023-05推进情况", false},
		{"报表（自动回复）", false},
		{"", false},
	} {
		if got := subjectAuto(tc.subject); got != tc.want {
			t.Errorf("subjectAuto(%q) = %v, want %v", tc.subject, got, tc.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"paragraphs", "<p>李主任：</p><p>您好！</p>", "李主任：\n\n您好！"},
		{"br and entities", "a<br>b &amp; c&nbsp;d", "a\nb & c d"},
		{"script and style dropped", "<style>p{}</style><SCRIPT>x()</script >text", "text"},
		{"head dropped", "<html><head><title>t</title></head><body>body</body></html>", "body"},
		{"comment dropped", "a<!-- hidden -->b", "ab"},
		{"unterminated comment", "a<!-- hidden", "a"},
		{"unterminated tag", "a<div", "a"},
		{"unterminated script", "a<script>x", "a"},
		{"self-closing script", "a<script/>b", "a b"},
		{"blank runs collapsed", "<div>a</div>\n\n\n<div>b</div>", "a\n\nb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := htmlText(tc.in)
			if tc.name == "self-closing script" {
				if !strings.Contains(got, "a") || !strings.Contains(got, "b") {
					t.Errorf("htmlText(%q) = %q", tc.in, got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("htmlText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCapText(t *testing.T) {
	s := strings.Repeat("报", 10) // 30 bytes
	for _, tc := range []struct {
		max  int
		want string
	}{{30, s}, {29, strings.Repeat("报", 9)}, {3, "报"}, {2, ""}, {100, s}} {
		if got := capText(s, tc.max); got != tc.want {
			t.Errorf("capText(%d) = %q, want %q", tc.max, got, tc.want)
		}
	}
	m, err := Parse([]byte("From: a@b.example\r\n\r\n"+strings.Repeat("报", 30000)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Text) > maxText || !utf8.ValidString(m.Text) || len(m.Text) < maxText-3 {
		t.Errorf("Parse(90 KB text) Text = %d bytes, valid %v; want just under 64 KiB", len(m.Text), utf8.ValidString(m.Text))
	}
}

func TestHTMLOnlyBody(t *testing.T) {
	raw := "From: a@b.example\r\nContent-Type: text/html; charset=gbk\r\n\r\n<p>\xca\xd0\xb1\xa8</p>"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "市报" {
		t.Errorf("Parse(html only) Text = %q, want %q", m.Text, "市报")
	}
}

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Address
	}{
		{"quoted encoded-word (Foxmail)", `"=?GB2312?B?1cXI/Q==?=" <ZhangSan@FGW.metro.example>`, Address{"张三", "zhangsan@fgw.metro.example"}},
		{"encoded-word", `=?utf-8?B?546L5by6?= <a@b.example>`, Address{"王强", "a@b.example"}},
		{"raw GBK name", "\xd5\xc5\xc8\xfd <a@b.example>", Address{"张三", "a@b.example"}},
		{"bare address", `A@B.example`, Address{"", "a@b.example"}},
		{"comment name", `MAILER-DAEMON@mx.example (Mail Delivery System)`, Address{"Mail Delivery System", "mailer-daemon@mx.example"}},
		{"no domain in brackets", `Mail Delivery Subsystem <MAILER-DAEMON>`, Address{"Mail Delivery Subsystem", "mailer-daemon"}},
		{"list takes first", `a@b.example, c@d.example`, Address{"", "a@b.example"}},
		{"unparsable with address inside", `broken "name <x@y.example>`, Address{"broken \"name", "x@y.example"}},
		{"junk", `nobody`, Address{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte("From: "+tc.in+"\r\nSubject: x\r\n\r\n"), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.From != tc.want {
				t.Errorf("Parse(From: %q) From = %+v, want %+v", tc.in, m.From, tc.want)
			}
		})
	}
}

func TestEnvelopeFields(t *testing.T) {
	raw := "From: a@b.example\r\n" +
		"Sender: \"Sec\" <Sec@B.example>\r\n" +
		"Reply-To: =?utf-8?B?5byg?= <Reply@B.example>\r\n" +
		"Return-Path: <Bounce@B.example>\r\n" +
		"Message-ID: no-brackets-no-at\r\n" +
		"In-Reply-To: <a@x> (comment) <b@y>\r\n" +
		"References: <one@x>\r\n <two without at>\r\n" +
		"Date: 2023-06-05 10:23:45 +0800\r\n\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sender != "sec@b.example" || m.ReplyTo != "reply@b.example" || m.ReturnPath != "bounce@b.example" {
		t.Errorf("Sender/ReplyTo/ReturnPath = %q %q %q", m.Sender, m.ReplyTo, m.ReturnPath)
	}
	if m.MessageID != "no-brackets-no-at" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if !slices.Equal(m.InReplyTo, []string{"a@x", "b@y"}) {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	if !slices.Equal(m.References, []string{"one@x", "two without at"}) {
		t.Errorf("References = %q", m.References)
	}
	if want := time.Date(2023, 6, 5, 2, 23, 45, 0, time.UTC); !m.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", m.Date, want)
	}
}

func TestDates(t *testing.T) {
	want := time.Date(2023, 6, 7, 0, 47, 20, 0, time.UTC)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Wed, 7 Jun 2023 08:47:20 +0800", true},
		{"Wed, 7 Jun 2023 08:47:20 +0800 (CST)", true},
		{"Wed, 7 Jun 2023 08:47:20 +0800 (GMT+08:00)", true},
		{"7 Jun 2023 08:47:20 +0800", true},
		{"2023-06-07 08:47:20 +0800", true},
		{"2023-06-07T08:47:20+08:00", true},
		{"Wed Jun 7 08:47:20 +0800 2023", true},
		{"yesterday", false},
	} {
		m, err := Parse([]byte("From: a@b.example\r\nDate: "+tc.in+"\r\n\r\n"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if tc.ok && !m.Date.Equal(want) {
			t.Errorf("Parse(Date: %q) = %v, want %v (notes %q)", tc.in, m.Date, want, m.Notes)
		}
		if !tc.ok && (!m.Date.IsZero() || !hasNote(m, "Date")) {
			t.Errorf("Parse(Date: %q) = %v notes %q, want zero and a note", tc.in, m.Date, m.Notes)
		}
	}
}

func TestHeaderRepairs(t *testing.T) {
	for _, tc := range []struct {
		name, raw  string
		subject    string
		noteSubstr string
	}{
		{"indented first field", " From: a@b.example\r\nSubject: s\r\n\r\n", "s", ""},
		{"mbox separator", "From a@b.example Mon Jun  5 10:23:45 2023\r\nFrom: a@b.example\r\nSubject: s\r\n\r\n", "s", "dropped"},
		{"fold without indent", "From: a@b.example\r\nSubject: first\r\nsecond half\r\n\r\n", "first second half", "joined"},
		{"byte-order mark", "\xEF\xBB\xBFFrom: a@b.example\r\nSubject: s\r\n\r\n", "s", ""},
		{"space before colon", "From : a@b.example\r\nSubject : s\r\n\r\n", "s", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject || m.From.Email != "a@b.example" {
				t.Errorf("Parse(%q) subject %q from %q", tc.raw, m.Subject, m.From.Email)
			}
			if tc.noteSubstr != "" && !hasNote(m, tc.noteSubstr) {
				t.Errorf("Parse(%q) notes %q, want one with %q", tc.raw, m.Notes, tc.noteSubstr)
			}
		})
	}
}

func TestSplitHeader(t *testing.T) {
	for _, tc := range []struct {
		name, raw, hdr, body string
		err                  error
	}{
		{"CRLF", "A: 1\r\n\r\nbody", "A: 1\r\n", "body", nil},
		{"LF", "A: 1\n\nbody", "A: 1\n", "body", nil},
		{"mixed, earliest wins", "A: 1\n\r\nB: 2\n\nbody", "A: 1\n", "B: 2\n\nbody", nil},
		{"no header", "\r\nbody", "", "body", nil},
		{"no body", "A: 1\r\n", "A: 1\r\n", "", nil},
		{"body without header", "just text\r\nmore", "", "just text\r\nmore", nil},
		{"too large", "A: " + strings.Repeat("x", 100) + "\r\n\r\nbody", "", "", ErrHeaderTooLarge},
		{"too large, no end", "A: " + strings.Repeat("x", 100), "", "", ErrHeaderTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr, body, err := splitHeader([]byte(tc.raw), 50)
			if string(hdr) != tc.hdr || string(body) != tc.body || !errors.Is(err, tc.err) {
				t.Errorf("splitHeader(%q) = %q, %q, %v; want %q, %q, %v", tc.raw, hdr, body, err, tc.hdr, tc.body, tc.err)
			}
		})
	}
}

func TestNotesAreCapped(t *testing.T) {
	parts := make([]string, 150)
	for i := range parts {
		parts[i] = "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-bad\r\n\r\nx"
	}
	m, err := Parse(multipartOf("n", parts...), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Notes) != maxNotes+1 || m.Notes[maxNotes] != "further notes left out" {
		t.Errorf("Parse(150 noisy parts) has %d notes, want %d and a last one saying more were left out", len(m.Notes), maxNotes+1)
	}
}

func TestDigestAndMisc(t *testing.T) {
	// multipart/digest parts default to message/rfc822.
	xlsxMsg := "From: c@d.example\r\nContent-Type: application/octet-stream; name=\"d.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(readFixture(t, "reply.xlsx"), 76)
	raw := "From: a@b.example\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n" + xlsxMsg + "\r\n--d--\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fileSums(m); len(got) != 1 || got[0] != (fileSum{"d.xlsx", KindXLSX}) {
		t.Errorf("Parse(digest) files = %v", got)
	}
	// A base64-encoded forwarded message, a TNEF attachment, an application
	// part without a name, and an attachment without a name.
	fwd := base64.StdEncoding.EncodeToString([]byte(xlsxMsg))
	raw2 := multipartOf("m",
		"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"+fwd,
		"Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\n\r\nxx",
		"Content-Type: application/x-thing\r\n\r\nunnamed",
		"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnotes",
	)
	m, err = Parse(raw2, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []fileSum{{"d.xlsx", KindXLSX}, {"winmail.dat", KindOther}, {"attachment-3.txt", KindOther}}
	if got := fileSums(m); !slices.Equal(got, want) {
		t.Errorf("Parse(misc) files = %v, want %v", got, want)
	}
	if !hasNote(m, "TNEF") || !hasNote(m, "application/x-thing part without a file name ignored") {
		t.Errorf("Parse(misc) notes = %q", m.Notes)
	}
}
