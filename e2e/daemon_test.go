package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// TestDaemonMonth runs the daemon's jobs through one month of the example
// plan against Postfix and Dovecot, with its clock moved from tick to tick:
// period 2023-09, whose reminders go out on Saturday 7 October 2023, a
// make-up working day after the National Day holiday. Units reply on time,
// late or never; each gets exactly the reminders, chases and answers the
// ladder prescribes, the office gets the compiled workbook at the deadline
// and a second version after a late report, and every job run twice at
// every step sends nothing twice.
func TestDaemonMonth(t *testing.T) {
	needServers(t, postfixAddr, dovecotAddr)
	ctx := t.Context()
	cfg := loopbackConfig(t, filepath.Join(t.TempDir(), "data"))
	log := logger(t, slog.LevelWarn)
	clk := &clock{}
	c := newCycle(t, cfg, cfg.Storage.DataDir, nil, clk, log)
	box := dialMailbox(t, cfg, log)
	d := &jobs.Daemon{
		Cycle: c, Log: log,
		OpenMailbox: func(context.Context) (jobs.Mailbox, func() error, error) {
			return box, func() error { return nil }, nil
		},
	}
	leads := c.Plan.LeadUnits()
	office := cfg.Office.Recipients[0].Email

	users := map[string]*imapUser{}
	var addrs []string
	for _, u := range c.Plan.Units {
		for _, ct := range append(slices.Clone(u.Contacts), u.CC...) {
			addrs = append(addrs, ct.Email)
		}
	}
	addrs = append(addrs, office)
	for _, a := range append(slices.Clone(addrs), dubanAddr) {
		users[a] = login(t, a)
		users[a].reset()
	}
	// tick sets the clock and runs every job twice, as two ticks would.
	tick := func(at string) {
		t.Helper()
		tm, err := time.ParseInLocation("2006-01-02 15:04", at, c.Schedule.Location)
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(tm)
		d.RunOnce(ctx)
		d.RunOnce(ctx)
	}

	// Who does what: the first eight reply on time, the ninth after the
	// pre-deadline chase, the tenth after the first overdue notice, the
	// last three never.
	onTime, afterChase, afterOverdue := leads[:8], leads[8], leads[9]
	never := leads[10:]

	// 1. Saturday 7 October, 09:05: the reminders.
	tick("2023-10-07 09:05")
	reminder := map[string]parsed{} // by unit id
	for _, u := range leads {
		raw := users[u.Contacts[0].Email].wait("INBOX", 1, deliveryTimeout)[0]
		m := mustParse(t, raw)
		if m.Kind != "reminder" || !strings.Contains(m.Subject, "2023年9月") {
			t.Fatalf("%s's first message is %q (%s), want the 2023-09 reminder", u.ID, m.Subject, m.Kind)
		}
		reminder[u.ID] = m
	}
	reply := func(u plan.Unit, at string) {
		t.Helper()
		rem := reminder[u.ID]
		answers := answersFor(c.Plan, u.ID, false)
		if u.ID == leads[0].ID {
			// Still not started in September: the task is red, and the
			// bulletin must say so.
			answers[0].Status = plan.StatusNotStarted
		}
		book, err := reader.Fill(rem.Files[0].Data, u.Contacts[0].Name, "0551-63500000", answers)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := mail.Compose(mail.Message{
			MessageID: fmt.Sprintf("daemon.%s.%d@%s.example", u.ID, time.Now().UnixNano(), u.ID),
			Date:      time.Now(),
			From:      mail.Address{Name: u.Contacts[0].Name, Email: u.Contacts[0].Email},
			To:        []mail.Address{{Email: dubanAddr}},
			Subject:   "回复：" + rem.Subject, Text: "报表见附件。",
			InReplyTo: rem.MessageID, References: []string{rem.MessageID},
			Attachments: []mail.Attachment{{Name: rem.Files[0].Name, Data: book}},
		})
		if err != nil {
			t.Fatal(err)
		}
		inject(t, u.Contacts[0].Email, []string{dubanAddr}, raw)
		users[dubanAddr].wait("INBOX", 1, deliveryTimeout)
		tick(at)
	}

	// 2. Sunday 8 October (a make-up working day): eight replies.
	for _, u := range onTime {
		reply(u, "2023-10-08 10:00")
	}
	// 3. Monday 9 October: the pre-deadline chase to the five others.
	tick("2023-10-09 09:05")
	reply(afterChase, "2023-10-10 15:00")
	// 4. Thursday 12 October: the compiled workbook (08:30), then the first
	// overdue notices (09:00, office in copy); a late reply makes v2.
	tick("2023-10-12 08:35")
	tick("2023-10-12 09:05")
	reply(afterOverdue, "2023-10-12 14:00")
	// 5. The weekly notices, then the next period opens on 1 November.
	for _, at := range []string{"2023-10-19 09:05", "2023-10-26 09:05", "2023-10-31 17:00", "2023-11-01 09:05", "2023-11-02 09:05"} {
		tick(at)
	}

	// What everybody got, once nothing is on its way any more.
	got := settle(t, users, addrs, "daemon-month")
	kinds := func(addr string) []string {
		var out []string
		for _, raw := range got[addr] {
			m := mustParse(t, raw)
			// Our Message-IDs name the period (reminder.2023-09.jtj@…);
			// answers are all to 2023-09 replies.
			period := "2023-09"
			if strings.Contains(m.MessageID, ".2023-10.") {
				period = "2023-10"
			}
			out = append(out, period+" "+m.Kind)
		}
		slices.Sort(out)
		return out
	}
	want := map[string][]string{}
	for _, u := range onTime {
		want[u.ID] = []string{"2023-09 receipt", "2023-09 reminder", "2023-10 reminder"}
	}
	want[afterChase.ID] = []string{"2023-09 chase", "2023-09 receipt", "2023-09 reminder", "2023-10 reminder"}
	want[afterOverdue.ID] = []string{"2023-09 chase", "2023-09 overdue", "2023-09 receipt", "2023-09 reminder", "2023-10 reminder"}
	for _, u := range never {
		want[u.ID] = []string{"2023-09 chase", "2023-09 overdue", "2023-09 overdue", "2023-09 overdue", "2023-09 reminder", "2023-10 reminder"}
	}
	for _, u := range leads {
		if g := kinds(u.Contacts[0].Email); !slices.Equal(g, want[u.ID]) {
			t.Errorf("%s (%s) got %v, want %v", u.ID, u.Name, g, want[u.ID])
		}
	}
	// The office: v1 and v2 of the compiled workbook, and a copy of every
	// overdue notice (the first to the tenth unit and the last three, two
	// more to each of the last three).
	var compiled []string
	overdueCopies := 0
	for _, raw := range got[office] {
		m := mustParse(t, raw)
		switch m.Kind {
		case "compiled":
			compiled = append(compiled, m.Subject)
			if len(m.Files) != 2 || !strings.HasSuffix(m.Files[0].Name, ".xlsx") || !strings.HasSuffix(m.Files[1].Name, ".docx") {
				t.Errorf("compiled mail %q carries %v, want the .xlsx and the bulletin .docx", m.Subject, fileNames(m.Files))
			} else if strings.Contains(m.Subject, "第2版") {
				checkBulletin(t, m.Files[1].Data, m.Text)
			}
			if strings.Contains(m.Subject, "第2版") && !strings.Contains(m.Text, afterOverdue.Name+"：补报") {
				t.Errorf("v2's mail does not name %s's late report:\n%s", afterOverdue.Name, m.Text)
			}
		case "overdue":
			overdueCopies++
		}
	}
	slices.Sort(compiled)
	if len(compiled) != 2 || !strings.Contains(compiled[0], "第1版") || !strings.Contains(compiled[1], "第2版") ||
		!strings.Contains(compiled[0], "已报9/13") || !strings.Contains(compiled[1], "已报10/13") {
		t.Errorf("the office got compiled workbooks %q, want 第1版 (已报9/13) and 第2版 (已报10/13)", compiled)
	}
	if want := 1 + 3*len(never); overdueCopies != want {
		t.Errorf("the office got %d copies of overdue notices, want %d", overdueCopies, want)
	}
	if n := users[dubanAddr].count("INBOX"); n != 0 {
		t.Errorf("duban's INBOX still holds %d messages", n)
	}
}

// checkBulletin has LibreOffice open the bulletin draft as it reached the
// office, print it to PDF and read back its text: it must hold the period
// and every task the mail names in red.
func checkBulletin(t *testing.T, docx []byte, mailText string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "bulletin.docx")
	if err := os.WriteFile(src, docx, 0o644); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(testtools.Convert(t, src, "pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("the bulletin did not convert to PDF: %v", err)
	}
	text, err := os.ReadFile(testtools.Convert(t, src, "txt:Text (encoded):UTF8"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2023年9月", "推进情况通报"}
	// 红色预警任务N项：3.推进合作专题落实（市发展改革委）；…。
	for _, line := range strings.Split(mailText, "\n") {
		_, list, ok := strings.Cut(line, "红色预警任务")
		if !ok {
			continue
		}
		_, list, _ = strings.Cut(list, "：")
		for _, item := range strings.Split(strings.TrimSuffix(strings.TrimSpace(list), "。"), "；") {
			title, _, _ := strings.Cut(item, "（")
			if _, rest, ok := strings.Cut(title, "."); ok {
				want = append(want, rest)
			}
		}
	}
	if len(want) == 2 {
		t.Errorf("the compiled mail names no red task; want the one left 未启动:\n%s", mailText)
	}
	for _, w := range want {
		if !bytes.Contains(text, []byte(w)) {
			t.Errorf("the bulletin, read by LibreOffice, lacks %q", w)
		}
	}
	t.Logf("bulletin checked by LibreOffice: %d bytes of PDF, %d red tasks", len(pdf), len(want)-2)
}
