package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
)

// TestStrangerNotePeriod: the office's note about mail from an unknown
// sender that answers none of our messages has no period (it once was
// recorded as "0000-00"). Needs no server.
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
	if _, _, err := c.IngestMessage(t.Context(), raw, "stranger.eml"); err != nil {
		t.Fatal(err)
	}
	bad, err := c.Ledger.OutboxOf(t.Context(), "0000-00", "office_note")
	if err != nil {
		t.Fatal(err)
	}
	good, err := c.Ledger.OutboxOf(t.Context(), "", "office_note")
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 0 || len(good) != 1 {
		t.Errorf(`office notes with period "0000-00": %d, with "": %d; want 0 and 1`, len(bad), len(good))
	}
}
