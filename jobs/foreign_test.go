package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// Every message of the foreign corpus (real clients and broken mail from
// the wild, ../shared/corpus/foreign-mail) and every workbook of
// ../shared/corpus/foreign-xlsx, each attached to a message from a
// registered contact, go through one collect, followed by a good reply:
// each gets a recorded decision, nothing panics or hangs, every message is
// archived byte for byte, and the good reply placed last is accepted.
func TestForeignFilesInOneBatch(t *testing.T) {
	ctx := context.Background()
	c, clock, out, drop := mailCycle(t)
	reminder := remindLina(t, c, clock, out, RemindOptions{})
	lina := mail.Address{Name: "李娜", Email: "li.na@jtj.metro.example"}

	mails, _ := filepath.Glob(filepath.Join(testtools.Shared(t, "corpus/foreign-mail"), "*.raw"))
	books, _ := filepath.Glob(filepath.Join(testtools.Shared(t, "corpus/foreign-xlsx"), "*.xlsx"))
	if len(mails) == 0 || len(books) == 0 {
		t.Fatalf("foreign corpus not found: %d messages, %d workbooks", len(mails), len(books))
	}
	sort.Strings(mails)
	sort.Strings(books)
	when := time.Date(2023, 6, 2, 10, 0, 0, 0, time.UTC)
	raws := map[string][]byte{} // by drop file name
	for i, path := range mails {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(drop.Dir, fmt.Sprintf("a%03d.eml", i))
		if err := os.WriteFile(name, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(name, when, when)
		raws[dropKey(raw)] = raw
	}
	for i, path := range books {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dropMail(t, drop, fmt.Sprintf("b%03d", i), mail.Message{From: lina, Subject: "回复：报送提醒", InReplyTo: reminder.MessageID,
			Attachments: []mail.Attachment{{Name: filepath.Base(path), Data: data}}})
	}
	good, err := reader.Fill(reminder.Workbooks()[0].Data, "李娜", "0551-63001234", answersFor(c, "jtj", "五月进展"))
	if err != nil {
		t.Fatal(err)
	}
	dropMail(t, drop, "z-good", mail.Message{From: lina, Subject: "回复：报送提醒", InReplyTo: reminder.MessageID, Date: when.Add(time.Hour),
		Attachments: []mail.Attachment{{Name: reminder.Workbooks()[0].Name, Data: good}}})

	goodRaw, err := os.ReadFile(filepath.Join(drop.Dir, "z-good.eml"))
	if err != nil {
		t.Fatal(err)
	}
	// Thirty messages from one contact within the hour: more than the
	// per-sender limit, which is not what this test is about.
	c.Intake.SenderPerHour = 1000
	clock.Set(at(t, c, "2023-06-02 11:00"))
	done := make(chan struct{})
	var res CollectResult
	go func() {
		defer close(done)
		res, err = c.Collect(ctx, drop)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("collect of the foreign corpus did not finish within 2 minutes")
	}
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	total := len(mails) + len(books) + 1
	if res.Fetched != total || res.Settled != total {
		t.Errorf("Collect = %+v, want %d fetched and settled", res, total)
	}
	recs, err := c.Ledger.Inbound(ctx, drop.Name())
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	var last store.InMessage
	for _, r := range recs {
		outcomes[r.Outcome]++
		if raw, ok := raws[r.Key]; ok {
			if got, err := c.Ledger.ReadArchived(ctx, r.RawSHA256); err != nil || string(got) != string(raw) {
				t.Errorf("%s: archived copy differs from what arrived (%v)", r.Key, err)
			}
		}
		if r.Key == dropKey(goodRaw) {
			last = r
		}
	}
	if len(recs) != total {
		t.Errorf("%d messages recorded, want %d", len(recs), total)
	}
	if last.Outcome != store.InProcessed {
		t.Errorf("the good reply placed last: %+v, want processed", last)
	}
	latest, _ := c.Ledger.Latest(ctx, "2023-05")
	if s, ok := latest["jtj"]; !ok || s.Answers[0].Progress == "" || !strings.HasPrefix(s.Answers[0].Progress, "五月进展") {
		t.Errorf("jtj's accepted report is %+v, want the good reply's answers", s)
	}
	t.Logf("%d foreign messages and %d foreign workbooks, then the good reply: outcomes %v", len(mails), len(books), outcomes)
}
