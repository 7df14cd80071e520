package jobs

import (
	"context"
	"testing"

	"github.com/duban/duban/config"
	"github.com/duban/duban/internal/clock"
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
	ct := cfg.Office.Contact
	m := &Mail{
		Transport: transport,
		From:      cfg.Mail.From.Address(),
		Domain:    cfg.Mail.MessageIDDomain,
		Office:    cfg.Office.Name,
		OfficeTo:  cfg.Office.RecipientAddresses(),
		Contact:   templates.OfficeContact{Name: ct.Name, Phone: ct.Phone, Email: ct.Email},
		Operator:  cfg.Operator.Address(),
		Texts:     texts,
	}
	l := cfg.Limits
	return &Cycle{
		Plan:     cfg.Plan(),
		Schedule: sched,
		Limits:   cfg.WorkbookLimits(),
		Ledger:   ledger,
		Now:      clk.Now,
		Mail:     m,
		Inbound:  cfg.MessageLimits(),
		Intake: IntakeLimits{
			Attachments: l.MaxAttachments, BatchBytes: l.MaxBatchBytes, QuarantineBytes: l.QuarantineBytes,
			SenderPerHour: l.SenderMessagesPerHour, RetentionDays: cfg.Retention.QuarantineDays,
		},
		ColorRules: cfg.ColorRules(),
	}, cfg
}
