package inbound

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

// TestGoMessageTraps shows each go-message trap listed in LIBRARIES.md on a
// fixture — what the library alone gives — and that Parse avoids it.
func TestGoMessageTraps(t *testing.T) {
	t.Run("GBK subject needs the charset package", func(t *testing.T) {
		e, err := message.Read(bytes.NewReader(readFixture(t, "netease163.eml")))
		if err != nil {
			t.Fatal(err)
		}
		// Passes only because this package imports go-message/charset.
		s, err := e.Header.Text("Subject")
		if err != nil || s != clientCaseBy(t, "netease163.eml").subject {
			t.Fatalf("go-message Subject = %q, %v: the charset package is not registered", s, err)
		}
	})

	t.Run("RFC 2231 in GBK comes back empty from go-message", func(t *testing.T) {
		e, err := message.Read(bytes.NewReader(readFixture(t, "gbk-rfc2231.eml")))
		if err != nil {
			t.Fatal(err)
		}
		part := libraryPart(t, e, "attachment")
		if _, params, _ := part.ContentDisposition(); params["filename"] != "" {
			t.Errorf("go-message filename = %q: the trap is gone, update LIBRARIES.md", params["filename"])
		}
		m, err := Parse(readFixture(t, "gbk-rfc2231.eml"), Limits{})
		if err != nil || len(m.Files) != 1 || m.Files[0].Name != "市人力资源社会保障局5月推进情况.xlsx" {
			t.Fatalf("Parse(gbk-rfc2231.eml) files = %v, %v", fileSums(m), err)
		}
	})

	t.Run("raw GBK file name is invalid UTF-8 in go-message", func(t *testing.T) {
		name := libraryFileName(t, "netease163.eml")
		if utf8.ValidString(name) {
			t.Errorf("go-message filename = %q is valid UTF-8: the trap is gone, update LIBRARIES.md", name)
		}
		m, err := Parse(readFixture(t, "netease163.eml"), Limits{})
		if err != nil || len(m.Files) != 1 || m.Files[0].Name != "市生态环境局5月推进情况.xlsx" {
			t.Fatalf("Parse(netease163.eml) files = %v, %v", fileSums(m), err)
		}
	})

	t.Run("an inline workbook is not an AttachmentHeader", func(t *testing.T) {
		if n := libraryAttachments(t, "inline-xlsx.eml"); n != 0 {
			t.Errorf("go-message sees %d attachment(s) in inline-xlsx.eml: the trap is gone", n)
		}
		m, err := Parse(readFixture(t, "inline-xlsx.eml"), Limits{})
		if err != nil || len(m.Workbooks()) != 1 {
			t.Errorf("Parse(inline-xlsx.eml) workbooks = %d, %v; want 1", len(m.Workbooks()), err)
		}
	})

	t.Run("unknown charset comes with a usable entity", func(t *testing.T) {
		raw := []byte("From: a@b.example\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla'")
		e, err := message.Read(bytes.NewReader(raw))
		if !message.IsUnknownCharset(err) || e == nil {
			t.Fatalf("go-message Read = %v, %v; want an unknown-charset error and an entity", e, err)
		}
		m, err := Parse(raw, Limits{})
		if err != nil || m.Text != "qapla'" {
			t.Errorf("Parse(unknown charset) = %q, %v", m.Text, err)
		}
	})

	t.Run("go-message has no header limit below 1 MB by default", func(t *testing.T) {
		raw := hugeHeader(900 << 10)
		if _, err := message.Read(bytes.NewReader(raw)); err != nil {
			t.Logf("go-message refused a 900 KB header: %v", err)
		}
		if _, err := Parse(raw, Limits{}); !errors.Is(err, ErrHeaderTooLarge) {
			t.Errorf("Parse(900 KB header) error = %v, want ErrHeaderTooLarge (limit 256 KiB)", err)
		}
	})
}

func clientCaseBy(t *testing.T, file string) struct{ subject string } {
	t.Helper()
	for _, c := range clientCases {
		if c.file == file {
			return struct{ subject string }{c.subject}
		}
	}
	t.Fatalf("no client case %s", file)
	return struct{ subject string }{}
}

// libraryFileName returns what go-message's mail reader says is the first
// attachment's file name.
func libraryFileName(t *testing.T, file string) string {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(readFixture(t, file)))
	if err != nil && !message.IsUnknownCharset(err) {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return ""
		}
		if err != nil && !message.IsUnknownCharset(err) {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
			name, _ := h.Filename()
			return name
		}
	}
}

// libraryAttachments counts go-message's AttachmentHeader parts.
func libraryAttachments(t *testing.T, file string) int {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(readFixture(t, file)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Header.(*gomail.AttachmentHeader); ok {
			n++
		}
	}
}

// libraryPart walks an entity with go-message and returns the header of the
// first part whose Content-Disposition starts with disp.
func libraryPart(t *testing.T, e *message.Entity, disp string) message.Header {
	t.Helper()
	var found *message.Header
	err := e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) {
			return err
		}
		if found == nil && strings.HasPrefix(part.Header.Get("Content-Disposition"), disp) {
			h := part.Header
			found = &h
		}
		return nil
	})
	if err != nil || found == nil {
		t.Fatalf("walking with go-message: %v, found %v", err, found != nil)
	}
	return *found
}
