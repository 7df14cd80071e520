package e2e

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
)

// deliveryTimeout bounds every wait for Postfix to deliver into Dovecot.
const deliveryTimeout = 60 * time.Second

// Kinds of reply the units send, and the answer each must get.
const (
	replyGood       = "receipt"     // a valid workbook: 【回执】
	replyBadStatus  = "rejection"   // a status typed by hand: 【退回】 with a fresh template
	replyNoWorkbook = "no_workbook" // no attachment: 【请补附件】
	replyStranger   = "stranger"    // not a registered contact: nothing, the office's daily digest lists it
)

// subjectPrefix is how the answer to each kind of reply starts.
var subjectPrefix = map[string]string{
	replyGood:       "【回执】",
	replyBadStatus:  "【退回】",
	replyNoWorkbook: "【请补附件】",
}

// replyCase is one reply sent to duban in a real client's style.
type replyCase struct {
	fixture string // clientsDir/<fixture>.eml
	unit    string // whose reminder is answered (and, for a stranger, whose template is filled)
	kind    string

	sender    person
	messageID string
	answers   []plan.Answer
}

// TestMailCycle runs one period's mail through Postfix and Dovecot: the
// reminders reach every contact once, replies written by seven real mail
// clients (and a bad one, one without the workbook, one from a stranger)
// are collected, answered in their threads and moved out of the inbox, the
// compiled workbook holds the accepted answers, and nothing happens twice.
func TestMailCycle(t *testing.T) {
	needServers(t, postfixAddr, dovecotAddr)
	ctx := t.Context()
	cfg := loopbackConfig(t, filepath.Join(t.TempDir(), "data"))
	log := logger(t, slog.LevelInfo)
	p := plan.Period{Year: 2023, Month: time.May}
	clk := &clock{}
	c := newCycle(t, cfg, cfg.Storage.DataDir, nil, clk, log)
	clk.Set(c.Schedule.RemindAt(p))

	var unitAddrs, officeAddrs []string
	for _, u := range c.Plan.Units {
		for _, ct := range append(slices.Clone(u.Contacts), u.CC...) {
			unitAddrs = append(unitAddrs, ct.Email)
		}
	}
	for _, r := range cfg.Office.Recipients {
		officeAddrs = append(officeAddrs, r.Email)
	}
	users := map[string]*imapUser{}
	for _, a := range append(append(slices.Clone(unitAddrs), officeAddrs...), dubanAddr, strangerAddr) {
		users[a] = login(t, a)
		users[a].reset()
	}

	// 1. Reminders: one per lead unit, to its contacts and cc.
	leads := c.Plan.LeadUnits()
	res, err := c.Remind(ctx, p, jobs.RemindOptions{})
	if err != nil || res.Flush.Sent != len(leads) || res.Flush.Retried+res.Flush.Failed != 0 {
		t.Fatalf("Remind(%s) = %+v, %v; want %d sent", p, res.Flush, err, len(leads))
	}
	reminderID := map[string]string{}
	for _, l := range res.Lines {
		reminderID[l.Unit.ID] = l.MessageID
	}
	tpl := map[string][]byte{} // the template each unit received
	var received [][]byte
	var wantSubject, wantFile []string
	for _, u := range leads {
		for _, ct := range append(slices.Clone(u.Contacts), u.CC...) {
			raw := users[ct.Email].wait("INBOX", 1, deliveryTimeout)[0]
			m := mustParse(t, raw)
			name := u.Name + "-2023年5月推进情况.xlsx"
			if !strings.HasPrefix(m.Subject, "【报送提醒】") || !strings.Contains(m.Subject, u.Name) || !strings.Contains(m.Subject, "2023年5月") {
				t.Errorf("%s's reminder subject = %q, want 【报送提醒】… with %s and 2023年5月", ct.Email, m.Subject, u.Name)
			}
			if m.MessageID != reminderID[u.ID] || m.Kind != "reminder" {
				t.Errorf("%s's reminder Message-ID, X-Duban-Kind = %q, %q; want %q, reminder", ct.Email, m.MessageID, m.Kind, reminderID[u.ID])
			}
			if len(m.Files) != 1 || m.Files[0].Name != name {
				t.Fatalf("%s's reminder files = %v, want one named %q", ct.Email, fileNames(m.Files), name)
			}
			if ret := reader.Parse(m.Files[0].Data, reports.Limits{}); !ret.HasMeta || ret.Meta.Unit != u.ID || ret.Meta.Period != p.String() {
				t.Errorf("%s's attached template is for %q %q (meta %v), want %s %s", ct.Email, ret.Meta.Unit, ret.Meta.Period, ret.HasMeta, u.ID, p)
			}
			tpl[u.ID] = m.Files[0].Data
			received = append(received, raw)
			wantSubject = append(wantSubject, m.Subject)
			wantFile = append(wantFile, name)
		}
	}
	for i, py := range parseWithPython(t, received) {
		if py.Subject != wantSubject[i] || !slices.Equal(py.Attachments, []string{wantFile[i]}) || len(py.Defects) > 0 {
			t.Errorf("Python reads reminder %d as subject %q, attachments %q, defects %v; want %q, [%q], none", i, py.Subject, py.Attachments, py.Defects, wantSubject[i], wantFile[i])
		}
	}

	res, err = c.Remind(ctx, p, jobs.RemindOptions{})
	if err != nil || res.Flush.Sent != 0 {
		t.Fatalf("Remind(%s) again = %+v, %v; want nothing sent", p, res.Flush, err)
	}
	for _, l := range res.Lines {
		if l.Action != "already reminded" {
			t.Errorf("Remind(%s) again: %s %q, want already reminded", p, l.Unit.ID, l.Action)
		}
	}
	isLead := map[string]bool{}
	for _, u := range leads {
		for _, ct := range append(slices.Clone(u.Contacts), u.CC...) {
			isLead[ct.Email] = true
		}
	}
	for addr, msgs := range settle(t, users, unitAddrs, "after-second-remind") {
		want := 0
		if isLead[addr] {
			want = 1
		}
		if len(msgs) != want {
			t.Errorf("%s holds %d message(s) after two reminder runs, want %d", addr, len(msgs), want)
		}
	}

	// 2. Replies, each in a real client's style, through Postfix.
	cases := []replyCase{
		{fixture: "foxmail", unit: "fgw", kind: replyGood},
		{fixture: "outlook", unit: "jtj", kind: replyGood},
		{fixture: "applemail", unit: "kjj", kind: replyGood},
		{fixture: "qqmail", unit: "swj", kind: replyGood},
		{fixture: "netease163", unit: "sthjj", kind: replyGood},
		{fixture: "coremail", unit: "jxj", kind: replyGood},
		{fixture: "forwarded", unit: "whlyj", kind: replyGood},
		{fixture: "outlook", unit: "wjw", kind: replyBadStatus},
		{fixture: "no-attachment", unit: "jyj", kind: replyNoWorkbook},
		{fixture: "qqmail", unit: "nyncj", kind: replyStranger},
	}
	var sent []replyCase
	count := map[string]int{}
	for i, rc := range cases {
		raw := readFixture(t, rc.fixture)
		if raw == nil {
			continue
		}
		u, ok := c.Plan.Unit(rc.unit)
		if !ok {
			t.Fatalf("unit %s is not in the example configuration", rc.unit)
		}
		rc.sender = person{Name: u.Contacts[0].Name, Email: u.Contacts[0].Email}
		if rc.kind == replyStranger {
			rc.sender = person{Name: "王某", Email: strangerAddr}
		}
		_, domain, _ := strings.Cut(rc.sender.Email, "@")
		rc.messageID = fmt.Sprintf("e2e.%d.%s.%s.%d@%s", i, rc.fixture, rc.unit, time.Now().UnixNano(), domain)
		edit := replyEdit{
			From: rc.sender, To: person{Name: cfg.Mail.From.Name, Email: dubanAddr},
			InReplyTo: reminderID[rc.unit], MessageID: rc.messageID,
		}
		if rc.kind == replyStranger {
			edit.InReplyTo = ""
		}
		if rc.kind != replyNoWorkbook {
			rc.answers = answersFor(c.Plan, rc.unit, rc.kind == replyBadStatus)
			edit.Workbook, err = reader.Fill(tpl[rc.unit], rc.sender.Name, "0551-63500000", rc.answers)
			if err != nil {
				t.Fatalf("reader.Fill(%s): %v", rc.unit, err)
			}
		}
		reply, err := rewriteReply(raw, edit)
		if err != nil {
			t.Fatalf("rewriteReply(%s for %s): %v", rc.fixture, rc.unit, err)
		}
		inject(t, rc.sender.Email, []string{dubanAddr}, reply)
		sent = append(sent, rc)
		count[rc.kind]++
	}
	if len(sent) == 0 {
		t.Fatal("no client fixture found: nothing to reply with")
	}

	// 3. Collect once they are all in duban's INBOX.
	users[dubanAddr].wait("INBOX", len(sent), deliveryTimeout)
	box := dialMailbox(t, cfg, log)
	clk.Set(c.Schedule.RemindAt(p).Add(26 * time.Hour))
	got, err := c.Collect(ctx, box)
	want := jobs.CollectResult{
		Fetched: len(sent), Processed: count[replyGood], Rejected: count[replyBadStatus] + count[replyNoWorkbook],
		Quarantine: count[replyStranger], Settled: len(sent),
		// One answer per reply; nothing for the stranger (the office's
		// daily digest lists it).
		Flush: jobs.FlushResult{Sent: len(sent) - count[replyStranger]},
	}
	got.Flush.SentByKind, got.Flush.FailedByKind = nil, nil
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Collect() = %+v, %v; want %+v", got, err, want)
	}

	var answers [][]byte
	var answerSubjects []string
	for _, rc := range sent {
		if rc.kind == replyStranger {
			continue
		}
		msgs := users[rc.sender.Email].wait("INBOX", 2, deliveryTimeout)
		var found [][]byte
		for _, raw := range msgs {
			if slices.Contains(mustParse(t, raw).InReplyTo, rc.messageID) {
				found = append(found, raw)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s (%s, %s) has %d answer(s) in reply to %s, want 1", rc.sender.Email, rc.fixture, rc.kind, len(found), rc.messageID)
			continue
		}
		m := mustParse(t, found[0])
		if !strings.HasPrefix(m.Subject, subjectPrefix[rc.kind]) || !slices.Equal(m.To, []string{rc.sender.Email}) {
			t.Errorf("answer to %s (%s, %s): subject %q to %v; want %s… to %s", rc.sender.Email, rc.fixture, rc.kind, m.Subject, m.To, subjectPrefix[rc.kind], rc.sender.Email)
		}
		if rc.kind == replyBadStatus {
			if len(m.Files) != 1 || !strings.HasSuffix(m.Files[0].Name, ".xlsx") {
				t.Errorf("rejection to %s carries %v, want a fresh template", rc.sender.Email, fileNames(m.Files))
			} else if ret := reader.Parse(m.Files[0].Data, reports.Limits{}); ret.Meta.Unit != rc.unit || ret.Meta.Period != p.String() {
				t.Errorf("rejection to %s carries a template for %q %q, want %s %s", rc.sender.Email, ret.Meta.Unit, ret.Meta.Period, rc.unit, p)
			}
			if !strings.Contains(m.Text, "进行中") {
				t.Errorf("rejection to %s does not name the wrong status 进行中:\n%s", rc.sender.Email, m.Text)
			}
		}
		answers = append(answers, found[0])
		answerSubjects = append(answerSubjects, m.Subject)
	}
	if count[replyStranger] > 0 {
		// The daily digest, in office hours, lists the stranger's message.
		if res, err := c.DigestDue(ctx); err != nil || res.Messages != count[replyStranger] || res.Flush.SentByKind["digest"] != 1 {
			t.Fatalf("DigestDue() = %+v, %v; want one digest listing the stranger's message", res, err)
		}
		for _, addr := range officeAddrs {
			msgs := users[addr].wait("INBOX", 1, deliveryTimeout)
			m := mustParse(t, msgs[0])
			if !strings.Contains(m.Subject, "隔离邮件日报") || !strings.Contains(m.Text, strangerAddr) || len(m.Files) != 0 {
				t.Errorf("office mail to %s: subject %q, files %v; want the daily digest naming %s, nothing attached", addr, m.Subject, fileNames(m.Files), strangerAddr)
			}
			answers = append(answers, msgs[0])
			answerSubjects = append(answerSubjects, m.Subject)
		}
	}
	for i, py := range parseWithPython(t, answers) {
		if py.Subject != answerSubjects[i] || len(py.Defects) > 0 {
			t.Errorf("Python reads answer %d as subject %q (defects %v), go-message as %q", i, py.Subject, py.Defects, answerSubjects[i])
		}
	}
	duban := users[dubanAddr]
	folders := map[string]int{"INBOX": 0, "duban/processed": count[replyGood], "duban/rejected": count[replyBadStatus] + count[replyNoWorkbook], "duban/quarantine": count[replyStranger]}
	for folder, n := range folders {
		if got := duban.count(folder); got != n {
			t.Errorf("duban's %s holds %d message(s) after Collect, want %d", folder, got, n)
		}
	}

	// 4. The compiled workbook holds the accepted answers, and only those.
	clk.Set(c.Schedule.DueBy(p))
	compiled, err := c.Compile(ctx, p)
	if err != nil {
		t.Fatalf("Compile(%s): %v", p, err)
	}
	// Version 1 goes to the office through Postfix, once.
	if !compiled.New || compiled.Version != 1 {
		t.Errorf("Compile(%s) = version %d new %v; want version 1, new", p, compiled.Version, compiled.New)
	}
	if f, err := c.Flush(ctx); err != nil || f.SentByKind["compiled"] != 1 {
		t.Errorf("Flush after Compile = %+v, %v; want the compiled version sent", f, err)
	}
	cells := workbookText(t, compiled.Data)
	for _, rc := range sent {
		for _, a := range rc.answers {
			if in := strings.Contains(cells, a.Progress); in != (rc.kind == replyGood) {
				t.Errorf("compiled workbook contains %s's (%s) answer %q: %v, want %v", rc.unit, rc.kind, a.Progress, in, rc.kind == replyGood)
			}
		}
	}

	// 5. Collecting again finds nothing and answers nobody twice.
	got, err = c.Collect(ctx, box)
	if err != nil || !reflect.DeepEqual(got, jobs.CollectResult{}) {
		t.Errorf("Collect() again = %+v, %v; want nothing", got, err)
	}
	var watched []string
	wantCount := map[string]int{}
	for _, rc := range sent {
		if rc.kind != replyStranger {
			watched = append(watched, rc.sender.Email)
			wantCount[rc.sender.Email] = 2 // the reminder and one answer
		}
	}
	watched = append(watched, strangerAddr)
	for _, a := range officeAddrs {
		watched = append(watched, a)
		wantCount[a] = 1 // the compiled version
		if count[replyStranger] > 0 {
			wantCount[a]++ // and the note about the stranger
		}
	}
	for addr, msgs := range settle(t, users, watched, "after-second-collect") {
		if len(msgs) != wantCount[addr] {
			t.Errorf("%s holds %d message(s) at the end, want %d", addr, len(msgs), wantCount[addr])
		}
	}
	if n := duban.count("INBOX"); n != 0 {
		t.Errorf("duban's INBOX holds %d message(s) at the end, want 0", n)
	}
}

// answersFor is a unit's answers, each progress text unique to the unit and
// task so the compiled workbook can be searched for it, and one event for
// each indicator the template asks; badStatus types the last status by hand.
func answersFor(p *plan.Plan, unit string, badStatus bool) []plan.Answer {
	tasks := p.TasksLedBy(unit)
	out := make([]plan.Answer, len(tasks))
	for i, t := range tasks {
		out[i] = plan.Answer{
			TaskID:    t.ID,
			Progress:  fmt.Sprintf("端到端测试%s-%s：本月召开专题推进会，完成阶段性目标。", unit, t.ID),
			Status:    plan.StatusOnTrack,
			NextSteps: "继续按序时推进。",
		}
		for _, ind := range p.IndicatorsOf(t.ID) {
			if out[i].Counts == nil {
				out[i].Counts = map[string]int{}
			}
			out[i].Counts[ind.Name] = 1
		}
	}
	if badStatus {
		out[len(out)-1].Status = "进行中"
	}
	return out
}

// settle proves no more mail is on its way to addrs: it sends each of them
// a marker through Postfix, after everything duban sent, waits until every
// marker has arrived, and returns each address's other messages. Postfix
// hands its queue to the delivery agent in order, and nothing duban sent
// is still queued by then (the callers check duban sent nothing new).
func settle(t *testing.T, users map[string]*imapUser, addrs []string, name string) map[string][][]byte {
	t.Helper()
	marker := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	msg := "From: e2e-marker@outside.example\r\nTo: undisclosed-recipients:;\r\nSubject: marker " + marker +
		"\r\nMessage-ID: <" + marker + "@outside.example>\r\nX-E2E-Marker: " + marker + "\r\n\r\nmarker\r\n"
	inject(t, "e2e-marker@outside.example", addrs, []byte(msg))
	out := map[string][][]byte{}
	deadline := time.Now().Add(deliveryTimeout)
	for _, a := range addrs {
		for {
			msgs := users[a].messages("INBOX")
			var others [][]byte
			arrived := false
			for _, raw := range msgs {
				switch {
				case bytes.Contains(raw, []byte("X-E2E-Marker: "+marker)):
					arrived = true
				case !bytes.Contains(raw, []byte("X-E2E-Marker: ")):
					others = append(others, raw)
				}
			}
			if arrived {
				out[a] = others
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("marker %s did not reach %s within %v", marker, a, deliveryTimeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return out
}

// workbookText is every cell of every sheet, one per line.
func workbookText(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("opening the compiled workbook: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("reading sheet %s: %v", sheet, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				b.WriteString(cell + "\n")
			}
		}
	}
	return b.String()
}

func fileNames(fs []file) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}
