package jobs

import (
	"context"
	"testing"

	"github.com/duban/duban/config"
	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// exampleCycle is a cycle of the embedded example configuration — its
// plan, schedule, sender, office, texts and limits, mapped as internal/app
// maps them (internal/app's TestOpenWiresTheConfiguration holds the
// mapping) — with a ledger in dataDir, the clock and the transport (nil for
// none). The tests that play the product's own configuration use it;
// tests of one job build only what the job needs (newCycle).
func exampleCycle(t testing.TB, dataDir string, clk *clock.Manual, transport Transport) (*Cycle, *config.Config) {
	t.Helper()
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Embedded {
		t.Fatalf("config.Load(\"\") read %s; the test needs the embedded example", cfg.Source)
	}
	sched, err := cfg.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	texts, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ledger.Close() })
	m := &Mail{
		Transport: transport,
		From:      mail.Address{Name: cfg.Mail.From.Name, Email: cfg.Mail.From.Email},
		Domain:    cfg.Mail.MessageIDDomain,
		Office:    cfg.Office.Name,
		Texts:     texts,
	}
	for _, r := range cfg.Office.Recipients {
		m.OfficeTo = append(m.OfficeTo, mail.Address{Name: r.Name, Email: r.Email})
	}
	ct := cfg.Office.Contact
	m.Contact = templates.OfficeContact{Name: ct.Name, Phone: ct.Phone, Email: ct.Email}
	m.Operator = mail.Address{Name: cfg.Operator.Name, Email: cfg.Operator.Email}
	l := cfg.Limits
	return &Cycle{
		Plan:     cfg.Plan(),
		Schedule: sched,
		Limits: reports.Limits{
			MaxFileBytes: l.MaxAttachmentBytes, MaxUnzipBytes: l.MaxUnzipBytes, MaxTextChars: l.MaxTextChars,
			MaxRows: l.MaxSheetRows, MaxColumns: l.MaxSheetColumns, MaxCellsOutside: l.MaxCellsOutside,
			MaxXMLDepth: l.MaxXMLDepth, MaxXMLElements: l.MaxXMLElements, MaxSharedStrings: l.MaxSharedStrings,
			MaxTextBytes: l.MaxWorkbookTextBytes,
		},
		Ledger: ledger,
		Now:    clk.Now,
		Mail:   m,
		Inbound: inbound.Limits{
			MaxMessageBytes: l.MessageBytes(), MaxHeaderBytes: l.MaxHeaderBytes, MaxParts: l.MaxMIMEParts,
			MaxDepth: l.MaxMIMEDepth, MaxFileBytes: l.MaxAttachmentBytes, AuthServID: cfg.Security.AuthServID,
		},
		Intake: IntakeLimits{
			Attachments: l.MaxAttachments, BatchBytes: l.MaxBatchBytes, QuarantineBytes: l.QuarantineBytes,
			SenderPerHour: l.SenderMessagesPerHour, RetentionDays: cfg.Retention.QuarantineDays,
		},
		ColorRules: cfg.ColorRules(),
	}, cfg
}
