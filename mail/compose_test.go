package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
)

const reminderFile = "市交通运输局-2023年5月推进情况.xlsx"

// fakeWorkbook is attachment data long enough to span several base64 lines.
func fakeWorkbook() []byte {
	b := []byte("PK\x03\x04")
	for i := 0; len(b) < 300; i++ {
		b = append(b, byte(i*7))
	}
	return b
}

// reminder is a reminder like the ones jobs sends.
func reminder() Message {
	shanghai := time.FixedZone("CST", 8*3600)
	return Message{
		MessageID: "remind.2023-05.jtj@metro.example",
		Date:      time.Date(2023, 6, 1, 9, 0, 0, 0, shanghai),
		From:      Address{Name: "都市圈办公室", Email: "duban@metro.example"},
		To:        []Address{{Name: "张三", Email: "zhangsan@jtj.metro.example"}},
		Cc:        []Address{{Name: "Li Si", Email: "lisi@jtj.metro.example"}, {Email: "archive@metro.example"}},
		Subject:   "【督办提醒】请于6月7日前报送2023年5月都市圈一体化建设重点任务推进情况",
		Text:      "张三：\n\n您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n\n都市圈办公室\n",
		HTML:      "<p>张三：</p><p>您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。</p><p>都市圈办公室</p>\n",
		InReplyTo: "abc.123@jtj.metro.example",
		References: []string{
			"first.1@jtj.metro.example", "abc.123@jtj.metro.example",
		},
		AutoSubmitted: "auto-generated",
		Headers:       map[string]string{"X-Duban-Kind": "reminder", "X-Duban-Period": "2023-05"},
		Attachments:   []Attachment{{Name: reminderFile, ContentType: XLSXType, Data: fakeWorkbook()}},
	}
}

var boundaryRE = regexp.MustCompile(`boundary=([0-9a-f]{20,})`)

// normaliseBoundaries replaces the random MIME boundaries with BOUNDARY-1,
// BOUNDARY-2, … in order of appearance.
func normaliseBoundaries(b []byte) []byte {
	for i, m := range boundaryRE.FindAllSubmatch(b, -1) {
		b = bytes.ReplaceAll(b, m[1], []byte("BOUNDARY-"+string(rune('1'+i))))
	}
	return b
}

func TestComposeGolden(t *testing.T) {
	got, err := Compose(reminder())
	if err != nil {
		t.Fatalf("Compose(reminder) error = %v", err)
	}
	got = normaliseBoundaries(got)
	testtools.Golden(t, filepath.Join("testdata", "reminder.eml.golden"), got)
}

// TestComposeDeterministic: the same message composes to the same bytes,
// boundaries aside; the outbox relies on it.
func TestComposeDeterministic(t *testing.T) {
	a, err := Compose(reminder())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compose(reminder())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(normaliseBoundaries(a), normaliseBoundaries(b)) {
		t.Errorf("two Compose(reminder) calls differ beyond their boundaries")
	}
}

// TestComposeLines checks the shape of every line: CRLF only, no line over
// 998 characters, header lines holding encoded-words at most 76.
func TestComposeLines(t *testing.T) {
	m := reminder()
	m.Subject = strings.Repeat("关于报送都市圈一体化建设重点任务推进情况的通知", 5)
	m.To = append(m.To, Address{Name: "市住房和城乡建设局办公室综合科科长助理", Email: "zhuli@zjj.metro.example"})
	m.Attachments = append(m.Attachments, Attachment{Name: strings.Repeat("很长的文件名", 30) + ".xlsx", Data: []byte("x")})
	raw, err := Compose(m)
	if err != nil {
		t.Fatalf("Compose error = %v", err)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Errorf("Compose output has a bare CR or LF")
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > maxHardLine {
			t.Errorf("line %d is %d characters long, want at most %d", i+1, len(line), maxHardLine)
		}
		if strings.Contains(line, "=?UTF-8?B?") && len(line) > maxLine {
			t.Errorf("line %d holds an encoded-word and is %d characters long, want at most %d: %q", i+1, len(line), maxLine, line)
		}
	}
}

func TestComposeRejects(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*Message)
		wantSub   string
		injection bool
	}{
		{"subject with CRLF", func(m *Message) { m.Subject = "提醒\r\nBcc: victim@evil.example" }, "subject", true},
		{"subject with LF", func(m *Message) { m.Subject = "提醒\nBcc: victim@evil.example" }, "subject", true},
		{"from name with CRLF", func(m *Message) { m.From.Name = "办公室\r\nBcc: victim@evil.example" }, "from name", true},
		{"to name with CR", func(m *Message) { m.To[0].Name = "张三\rBcc: x@evil.example" }, "to[0] name", true},
		{"cc email with LF", func(m *Message) { m.Cc[0].Email = "lisi@jtj.metro.example\nBcc: x@evil.example" }, "cc[0] email", true},
		{"header value with CRLF", func(m *Message) { m.Headers["X-Duban-Kind"] = "reminder\r\nBcc: victim@evil.example" }, "X-Duban-Kind", true},
		{"in-reply-to with CRLF", func(m *Message) { m.InReplyTo = "a@b\r\nBcc: victim@evil.example" }, "referenced message id", true},
		{"reference with LF", func(m *Message) { m.References = []string{"a@b\nBcc: victim@evil.example"} }, "referenced message id", true},
		{"message id with CRLF", func(m *Message) { m.MessageID = "a@b\r\nBcc: victim@evil.example" }, "message id", true},
		{"header name with colon", func(m *Message) { m.Headers["Bcc: victim@evil.example\r\nX"] = "1" }, "not a valid field name", false},
		{"reserved header", func(m *Message) { m.Headers["bcc"] = "victim@evil.example" }, "cannot be set", false},
		{"reserved header subject", func(m *Message) { m.Headers["Subject"] = "x" }, "cannot be set", false},
		{"duplicate header", func(m *Message) { m.Headers["x-duban-kind"] = "y" }, "twice", false},
		{"subject with control character", func(m *Message) { m.Subject = "提醒\x00" }, "control character", false},
		{"invalid UTF-8 subject", func(m *Message) { m.Subject = "\xff\xfe" }, "UTF-8", false},
		{"no message id", func(m *Message) { m.MessageID = "" }, "message id", false},
		{"message id with brackets", func(m *Message) { m.MessageID = "<a@b>" }, "without <>", false},
		{"no date", func(m *Message) { m.Date = time.Time{} }, "date", false},
		{"no recipient", func(m *Message) { m.To = nil }, "no recipient", false},
		{"bad email", func(m *Message) { m.To[0].Email = "zhangsan" }, "not a valid address", false},
		{"email with name", func(m *Message) { m.To[0].Email = "张三 <z@x.example>" }, "ASCII", false},
		{"no text", func(m *Message) { m.Text = "" }, "text body", false},
		{"bad auto-submitted", func(m *Message) { m.AutoSubmitted = "yes" }, "RFC 3834", false},
		{"attachment type with CRLF", func(m *Message) { m.Attachments[0].ContentType = "text/plain\r\nBcc: x@evil.example" }, "content type", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := reminder()
			tc.change(&m)
			raw, err := Compose(m)
			if err == nil {
				t.Fatalf("Compose() = %d bytes, nil error; want an error containing %q", len(raw), tc.wantSub)
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("Compose() error = %v, want one containing %q", err, tc.wantSub)
			}
			if tc.injection && !errors.Is(err, errHeaderInjection) {
				t.Errorf("Compose() error = %v, want errors.Is(err, errHeaderInjection)", err)
			}
		})
	}
}

// TestComposeDropsMalformedReferences: ids from other people's messages
// that are malformed (but not an injection) are left out, not fatal.
func TestComposeDropsMalformedReferences(t *testing.T) {
	m := reminder()
	m.InReplyTo = "has space@x"
	m.References = []string{"<angled@x>", "ok.1@x", "also bad@x"}
	raw, err := Compose(m)
	if err != nil {
		t.Fatalf("Compose() error = %v", err)
	}
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	if strings.Contains(head, "In-Reply-To") {
		t.Errorf("header has In-Reply-To for a malformed id:\n%s", head)
	}
	if !strings.Contains(head, "References: <ok.1@x>\r\n") {
		t.Errorf("header References = not just <ok.1@x>:\n%s", head)
	}
}

func TestComposeTrimsReferences(t *testing.T) {
	m := reminder()
	m.References = nil
	for i := range 30 {
		m.References = append(m.References, "r"+string(rune('A'+i))+"@x")
	}
	raw, err := Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	if n := strings.Count(head, "@x>"); n != maxReferences {
		t.Errorf("References holds %d ids, want %d", n, maxReferences)
	}
	if !strings.Contains(head, "<rA@x>") || !strings.Contains(head, "<r"+string(rune('A'+29))+"@x>") || strings.Contains(head, "<rB@x>") {
		t.Errorf("References should keep the first and the latest ids:\n%s", head)
	}
}

// TestComposeAttachmentInjection: a file name that tries to break out of
// its quoted parameter cannot add a header; it is sanitised, not refused.
func TestComposeAttachmentInjection(t *testing.T) {
	names := []string{
		"evil\".xlsx\"\r\nBcc: victim@evil.example\r\nX: \".xlsx",
		"../../etc/Bcc: victim@evil.example\n.xlsx",
		"报表\r\nBcc: victim@evil.example\r\n\r\n--boundary\r\n.xlsx",
		"\\\"; filename=\"evil.exe",
	}
	for _, name := range names {
		m := reminder()
		m.Attachments = []Attachment{{Name: name, ContentType: XLSXType, Data: []byte("x")}}
		raw, err := Compose(m)
		if err != nil {
			t.Fatalf("Compose(attachment %q) error = %v", name, err)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(line, "X: ") {
				t.Errorf("Compose(attachment %q) wrote an injected header line %q", name, line)
			}
		}
		if strings.Count(string(raw), "Content-Disposition:") != 1 {
			t.Errorf("Compose(attachment %q): want exactly one Content-Disposition", name)
		}
		// The attachment part has exactly the headers Compose writes: the
		// name stayed inside its quoted values.
		part := attachmentPartHeader(t, raw)
		var keys []string
		for k := range part {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"Content-Disposition", "Content-Id", "Content-Transfer-Encoding", "Content-Type"}; !slices.Equal(keys, want) {
			t.Errorf("Compose(attachment %q) part headers = %v, want %v", name, keys, want)
		}
		_, params, err := mime.ParseMediaType(part.Get("Content-Disposition"))
		if err != nil {
			t.Fatalf("Compose(attachment %q): Content-Disposition %q: %v", name, part.Get("Content-Disposition"), err)
		}
		if got, want := params["filename"], sanitiseFilename(name, XLSXType); got != want || len(params) != 1 {
			t.Errorf("Compose(attachment %q) disposition params = %v, want only filename=%q", name, params, want)
		}
		if strings.ContainsAny(params["filename"], "\r\n\"\\/") {
			t.Errorf("Compose(attachment %q) file name %q keeps a line break, quote or path separator", name, params["filename"])
		}
	}
}

// attachmentPartHeader returns the header of the first part of raw's
// top-level multipart/mixed body that is not the text.
func attachmentPartHeader(t *testing.T, raw []byte) textproto.MIMEHeader {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Header["Bcc"]) > 0 {
		t.Errorf("message has a Bcc header: %q", msg.Header["Bcc"])
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			t.Fatal("no attachment part")
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "multipart/") {
			return p.Header
		}
	}
}
