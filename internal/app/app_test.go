package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/config"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/mailbox"
)

// TestOpenWiresTheConfiguration: every limit of the configuration reaches
// the cycle, each under its own value, and the embedded example keeps mail
// in folders of the data directory and says so.
func TestOpenWiresTheConfiguration(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	// A distinct value for every limit, so that a swapped or forgotten
	// mapping shows.
	lv := reflect.ValueOf(&cfg.Limits).Elem()
	for i := range lv.NumField() {
		f := lv.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(1000 + i))
		}
	}
	cfg.Retention.QuarantineDays = 77
	cfg.Security.AuthServID = "mx.example"
	if problems := cfg.Validate(); len(problems) > 0 {
		t.Fatalf("Validate: %v", problems)
	}
	dir := filepath.Join(t.TempDir(), "data")
	var notice bytes.Buffer
	now := func() time.Time { return time.Date(2023, 6, 1, 9, 0, 0, 0, time.UTC) }
	a, err := Open(context.Background(), cfg, dir, Options{Now: now, Notice: &notice})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c, l := a.Cycle, cfg.Limits
	for _, w := range []struct {
		name      string
		got, want int64
	}{
		{"reports.MaxFileBytes", c.Limits.MaxFileBytes, l.MaxAttachmentBytes},
		{"reports.MaxUnzipBytes", c.Limits.MaxUnzipBytes, l.MaxUnzipBytes},
		{"reports.MaxTextChars", int64(c.Limits.MaxTextChars), int64(l.MaxTextChars)},
		{"reports.MaxRows", int64(c.Limits.MaxRows), int64(l.MaxSheetRows)},
		{"reports.MaxColumns", int64(c.Limits.MaxColumns), int64(l.MaxSheetColumns)},
		{"reports.MaxCellsOutside", int64(c.Limits.MaxCellsOutside), int64(l.MaxCellsOutside)},
		{"reports.MaxXMLDepth", int64(c.Limits.MaxXMLDepth), int64(l.MaxXMLDepth)},
		{"reports.MaxXMLElements", int64(c.Limits.MaxXMLElements), int64(l.MaxXMLElements)},
		{"reports.MaxSharedStrings", int64(c.Limits.MaxSharedStrings), int64(l.MaxSharedStrings)},
		{"reports.MaxTextBytes", c.Limits.MaxTextBytes, l.MaxWorkbookTextBytes},
		{"inbound.MaxMessageBytes", c.Inbound.MaxMessageBytes, l.MaxMessageBytes},
		{"inbound.MaxHeaderBytes", int64(c.Inbound.MaxHeaderBytes), int64(l.MaxHeaderBytes)},
		{"inbound.MaxParts", int64(c.Inbound.MaxParts), int64(l.MaxMIMEParts)},
		{"inbound.MaxDepth", int64(c.Inbound.MaxDepth), int64(l.MaxMIMEDepth)},
		{"inbound.MaxFileBytes", c.Inbound.MaxFileBytes, l.MaxAttachmentBytes},
		{"intake.Attachments", int64(c.Intake.Attachments), int64(l.MaxAttachments)},
		{"intake.BatchBytes", c.Intake.BatchBytes, l.MaxBatchBytes},
		{"intake.QuarantineBytes", c.Intake.QuarantineBytes, l.QuarantineBytes},
		{"intake.SenderPerHour", int64(c.Intake.SenderPerHour), int64(l.SenderMessagesPerHour)},
		{"intake.RetentionDays", int64(c.Intake.RetentionDays), 77},
	} {
		if w.got != w.want {
			t.Errorf("%s = %d, want %d", w.name, w.got, w.want)
		}
	}
	if c.Inbound.AuthServID != "mx.example" || !c.Now().Equal(now()) || c.Plan == nil || c.Mail.Office != cfg.Office.Name {
		t.Errorf("cycle = %+v", c)
	}
	// The office's contact ends every mail to a unit; the operator gets the
	// technical notes.
	if ct := c.Mail.Contact; ct.Name != cfg.Office.Contact.Name || ct.Phone != cfg.Office.Contact.Phone || ct.Name == "" {
		t.Errorf("Mail.Contact = %+v, want office.contact %+v", ct, cfg.Office.Contact)
	}
	if op := c.Mail.Operator; op.Email != cfg.Operator.Email || op.Name != cfg.Operator.Name || op.Email == "" {
		t.Errorf("Mail.Operator = %+v, want operator %+v", op, cfg.Operator)
	}
	// The embedded example: a folder for outgoing mail, and one for
	// incoming mail, under the data directory, and a notice of each.
	if f, ok := c.Mail.Transport.(*mail.Folder); !ok || f.Dir != filepath.Join(dir, "mail-out") {
		t.Errorf("transport = %#v, want a folder under the data directory", c.Mail.Transport)
	}
	mb, closeMB, err := a.OpenMailbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeMB()
	if d, ok := mb.(*mailbox.Drop); !ok || d.Dir != filepath.Join(dir, "mail-in") || d.MaxMessageBytes != l.MaxMessageBytes || d.MaxHeaderBytes != l.MaxHeaderBytes {
		t.Errorf("mailbox = %#v, want the drop folder under the data directory with the limits", mb)
	}
	if n := strings.Count(notice.String(), "embedded example configuration"); n != 2 {
		t.Errorf("notices = %q, want one for each folder", notice.String())
	}
}

func TestOpenOptions(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	own := &mail.Folder{Dir: t.TempDir()}
	a, err := Open(context.Background(), cfg, t.TempDir(), Options{Transport: own})
	if err != nil {
		t.Fatal(err)
	}
	if a.Cycle.Mail.Transport != own {
		t.Errorf("Options.Transport not used: %#v", a.Cycle.Mail.Transport)
	}
	a.Close()
	a, err = Open(context.Background(), cfg, t.TempDir(), Options{NoTransport: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Cycle.Mail.Transport != nil {
		t.Errorf("NoTransport: transport %#v", a.Cycle.Mail.Transport)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	cfg.Mail.TemplatesDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(cfg.Mail.TemplatesDir, "receipt.txt.tmpl"), []byte("{{define"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *ConfigError
	if _, err := Open(context.Background(), cfg, t.TempDir(), Options{}); !errors.As(err, &ce) {
		t.Errorf("Open with a broken template = %v, want a ConfigError", err)
	}
}
