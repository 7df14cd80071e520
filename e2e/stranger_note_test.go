package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
)

// TestStrangerNotePeriod: mail from an unknown sender that answers none of
// our messages is recorded with no period (it once was "0000-00"), and is
// waiting for the office's daily digest, not told in a note of its own.
// Needs no server.
func TestStrangerNotePeriod(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := loopbackConfig(t, dir)
	clk := &clock{}
	c := newCycle(t, cfg, dir, &mail.Folder{Dir: t.TempDir()}, clk, nil)
	p := plan.Period{Year: 2023, Month: time.May}
	clk.Set(c.Schedule.RemindAt(p).Add(time.Hour))
	tpl, err := c.BuildTemplate(t.Context(), "fgw", p)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mail.Compose(mail.Message{
		MessageID: "stranger.1@outside.example", Date: clk.Now(),
		From: mail.Address{Name: "王某", Email: strangerAddr}, To: []mail.Address{{Email: dubanAddr}},
		Subject: "推进情况", Text: "见附件。",
		Attachments: []mail.Attachment{{Name: tpl.FileName, Data: tpl.Data}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := c.IngestMessage(t.Context(), raw, "stranger.eml")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Period != "" || !rec.Stranger {
		t.Errorf("the stranger's message is recorded with period %q, stranger %v; want \"\", true", rec.Period, rec.Stranger)
	}
	notes, err := c.Ledger.OutboxOf(t.Context(), "", "office_note")
	if err != nil {
		t.Fatal(err)
	}
	pending, err := c.Ledger.PendingDigest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 || len(pending) != 1 {
		t.Errorf("office notes: %d, messages for the daily digest: %d; want 0 and 1", len(notes), len(pending))
	}
}
