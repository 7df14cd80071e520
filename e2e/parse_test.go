package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset" // GB2312/GBK/GB18030 in headers and bodies
	gomail "github.com/emersion/go-message/mail"

	"github.com/duban/duban/internal/testtools"
)

// parsed is a message as go-message reads it.
type parsed struct {
	Subject    string
	From       person
	To         []string
	MessageID  string
	InReplyTo  []string
	References []string
	Kind       string // X-Duban-Kind
	Text       string // the first text/plain part, decoded
	Files      []file // every leaf part with a file name, forwarded messages included
}

type file struct {
	Name string
	Data []byte
}

// parseMail reads raw with go-message (and its charset package), walking
// multiparts and forwarded messages.
func parseMail(raw []byte) (parsed, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return parsed{}, fmt.Errorf("reading the message: %w", err)
	}
	h := gomail.Header{Header: e.Header}
	var p parsed
	if p.Subject, err = h.Subject(); err != nil {
		return p, fmt.Errorf("subject: %w", err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) == 0 {
		return p, fmt.Errorf("from: %v %w", from, err)
	}
	p.From = person{Name: quotedWords(from[0].Name), Email: from[0].Address}
	to, err := h.AddressList("To")
	if err != nil {
		return p, fmt.Errorf("to: %w", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	if p.MessageID, err = h.MessageID(); err != nil {
		return p, fmt.Errorf("message-id: %w", err)
	}
	if p.InReplyTo, err = h.MsgIDList("In-Reply-To"); err != nil {
		return p, fmt.Errorf("in-reply-to: %w", err)
	}
	if p.References, err = h.MsgIDList("References"); err != nil {
		return p, fmt.Errorf("references: %w", err)
	}
	p.Kind = h.Get("X-Duban-Kind")
	return p, p.walk(e, 0)
}

// quotedWords decodes encoded-words that a client put inside a quoted
// display name ("=?GBK?B?…?=" <a@b>): RFC 2047 forbids it, so net/mail (and
// go-message) leave them, but Foxmail, QQ Mail and 163 write them.
func quotedWords(name string) string {
	if !strings.HasPrefix(name, "=?") {
		return name
	}
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	if s, err := dec.DecodeHeader(name); err == nil {
		return s
	}
	return name
}

func (p *parsed) walk(e *message.Entity, depth int) error {
	if depth > 8 {
		return fmt.Errorf("nested too deep")
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil && !message.IsUnknownCharset(err) {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := p.walk(part, depth+1); err != nil {
				return err
			}
		}
	}
	ct, _, _ := e.Header.ContentType()
	if ct == "message/rfc822" {
		inner, err := message.Read(e.Body)
		if err != nil && !message.IsUnknownCharset(err) {
			return fmt.Errorf("forwarded message: %w", err)
		}
		return p.walk(inner, depth+1)
	}
	data, err := io.ReadAll(e.Body)
	if err != nil {
		return fmt.Errorf("reading a %s part: %w", ct, err)
	}
	ah := gomail.AttachmentHeader{Header: e.Header}
	name, _ := ah.Filename()
	switch {
	case name != "":
		p.Files = append(p.Files, file{Name: name, Data: data})
	case ct == "text/plain" && p.Text == "":
		p.Text = string(data)
	}
	return nil
}

// mustParse is parseMail that fails the test.
func mustParse(tb testing.TB, raw []byte) parsed {
	tb.Helper()
	p, err := parseMail(raw)
	if err != nil {
		tb.Fatalf("parsing a message with go-message: %v\n%s", err, head(raw))
	}
	return p
}

func head(raw []byte) string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i > 0 {
		return string(raw[:i])
	}
	return string(raw[:min(len(raw), 2000)])
}

// pyParsed is what Python's email package (policy=default) reads.
type pyParsed struct {
	File        string   `json:"file"`
	Subject     string   `json:"subject"`
	From        string   `json:"from"`
	MessageID   string   `json:"message_id"`
	InReplyTo   string   `json:"in_reply_to"`
	Attachments []string `json:"attachments"`
	Defects     []string `json:"defects"`
}

// parseWithPython writes each message to a file and reads them all with
// Python's email package (testdata/read_mail.py), in order.
func parseWithPython(tb testing.TB, raws [][]byte) []pyParsed {
	tb.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", "read_mail.py"))
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	var paths []string
	for i, raw := range raws {
		path := filepath.Join(dir, fmt.Sprintf("%03d.eml", i))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, path)
	}
	out := testtools.RunPython(tb, string(script), paths...)
	var res []pyParsed
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p pyParsed
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			tb.Fatalf("read_mail.py printed %q: %v", line, err)
		}
		res = append(res, p)
	}
	if len(res) != len(raws) {
		tb.Fatalf("read_mail.py read %d messages, want %d", len(res), len(raws))
	}
	return res
}
