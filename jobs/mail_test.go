package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/mail/mailtest"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// mailCycle is a cycle whose mail goes to a folder (the real offline
// transport) and comes from a drop folder (the real offline mailbox).
func mailCycle(t *testing.T) (*Cycle, *clock.Manual, string, *mailbox.Drop) {
	t.Helper()
	c, clock := newCycle(t, testPlan())
	texts, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	drop, err := mailbox.OpenDrop(filepath.Join(t.TempDir(), "drop"))
	if err != nil {
		t.Fatal(err)
	}
	c.Mail = &Mail{
		Transport: &mail.Folder{Dir: out},
		From:      mail.Address{Name: "都市圈办公室", Email: "duban@metro.example"},
		Domain:    "metro.example",
		Office:    "都市圈办公室",
		OfficeTo:  []mail.Address{{Name: "办公室", Email: "office@metro.example"}},
		Texts:     texts,
	}
	return c, clock, out, drop
}

// remindLina sends May's reminders (opts) and returns the one 李娜 of 市交通运输局 got.
func remindLina(t *testing.T, c *Cycle, clock *clock.Manual, out string, opts RemindOptions) *inbound.Message {
	t.Helper()
	clock.Set(c.Schedule.RemindAt(may))
	if _, err := c.Remind(t.Context(), may, opts); err != nil {
		t.Fatal(err)
	}
	return sent(t, out)["li.na@jtj.metro.example"][0]
}

// sent parses every message the folder transport wrote, by recipient.
func sent(t *testing.T, dir string) map[string][]*inbound.Message {
	t.Helper()
	out := map[string][]*inbound.Message{}
	for _, s := range mailtest.Folder(t, dir) {
		to := headerOf(s.Raw, "To")
		out[to] = append(out[to], s.Msg)
	}
	return out
}

// headerOf returns the address inside <> of the first header line name.
func headerOf(raw []byte, name string) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if strings.HasPrefix(line, name+": ") {
			if i, j := strings.Index(line, "<"), strings.LastIndex(line, ">"); i >= 0 && j > i {
				return line[i+1 : j]
			}
			return strings.TrimPrefix(line, name+": ")
		}
	}
	return ""
}

// dropMail composes a message the way a unit's client would send it and
// puts it in the drop folder.
func dropMail(t *testing.T, drop *mailbox.Drop, name string, m mail.Message) {
	t.Helper()
	if m.MessageID == "" {
		m.MessageID = name + "@client.example"
	}
	if m.Date.IsZero() {
		m.Date = time.Date(2023, 6, 2, 10, 0, 0, 0, time.UTC)
	}
	if len(m.To) == 0 {
		m.To = []mail.Address{{Email: "duban@metro.example"}}
	}
	if m.Text == "" {
		m.Text = "您好，附件是本月报表。"
	}
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(drop.Dir, name+".eml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// The drop folder takes a file's arrival time from its modification time.
	if err := os.Chtimes(path, m.Date, m.Date); err != nil {
		t.Fatal(err)
	}
}

func TestRemindOncePerUnit(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	clock.Set(c.Schedule.RemindAt(may))

	res, err := c.Remind(ctx, may, RemindOptions{DryRun: true})
	if err != nil || len(res.Lines) != 3 || res.Lines[0].Action != "would send" {
		t.Fatalf("Remind(dry run) = %+v, %v", res, err)
	}
	if got := sent(t, out); len(got) != 0 {
		t.Fatalf("a dry run sent %d messages", len(got))
	}
	res, err = c.Remind(ctx, may, RemindOptions{})
	if err != nil || res.Flush.Sent != 3 {
		t.Fatalf("Remind = %+v, %v; want 3 sent", res, err)
	}
	res, err = c.Remind(ctx, may, RemindOptions{})
	if err != nil || res.Flush.Sent != 0 || res.Lines[1].Action != "already reminded" {
		t.Errorf("Remind again = %+v, %v; want nobody mailed twice", res, err)
	}
	got := sent(t, out)
	jtj := got["li.na@jtj.metro.example"]
	if len(jtj) != 1 {
		t.Fatalf("jtj got %d reminders, want 1", len(jtj))
	}
	r := jtj[0]
	if !strings.Contains(r.Subject, "2023年5月") || !strings.Contains(r.Subject, "市交通运输局") {
		t.Errorf("reminder subject = %q", r.Subject)
	}
	books := r.Workbooks()
	if len(books) != 1 || books[0].Name != "市交通运输局-2023年5月推进情况.xlsx" {
		t.Fatalf("reminder attachments = %+v, want the unit's template", r.Files)
	}
	if ret := reader.Parse(books[0].Data, c.Limits); ret.Meta.Unit != "jtj" || ret.Meta.Period != "2023-05" {
		t.Errorf("attached template is for %s/%s, want jtj/2023-05", ret.Meta.Unit, ret.Meta.Period)
	}
	res, err = c.Remind(ctx, may, RemindOptions{Unit: "jtj", Force: true})
	if err != nil || res.Flush.Sent != 1 {
		t.Errorf("Remind --force --unit jtj = %+v, %v; want 1 more sent", res, err)
	}
}

func TestCollectAnswersEveryKindOfMessage(t *testing.T) {
	ctx := context.Background()
	c, clock, out, drop := mailCycle(t)
	reminder := remindLina(t, c, clock, out, RemindOptions{})
	tpl := reminder.Workbooks()[0]
	good, err := reader.Fill(tpl.Data, "李娜", "0551-63001234", answersFor(c, "jtj", "五月进展"))
	if err != nil {
		t.Fatal(err)
	}
	bad := answersFor(c, "jtj", "五月进展")
	bad[0].Status = "完成"
	badBook, _ := reader.Fill(tpl.Data, "李娜", "0551-63001234", bad)
	lina := mail.Address{Name: "李娜", Email: "Li.Na@jtj.metro.example"}

	dropMail(t, drop, "1-good", mail.Message{From: lina, Subject: "回复：报送提醒", InReplyTo: reminder.MessageID,
		Attachments: []mail.Attachment{{Name: tpl.Name, Data: good}}})
	dropMail(t, drop, "2-bad", mail.Message{From: lina, Subject: "回复：报送提醒", InReplyTo: reminder.MessageID,
		Attachments: []mail.Attachment{{Name: "改.xlsx", Data: badBook}}})
	dropMail(t, drop, "3-none", mail.Message{From: lina, Subject: "报表", Attachments: []mail.Attachment{{Name: "照片.jpg", Data: []byte("\xff\xd8\xff\xe0photo")}}})
	dropMail(t, drop, "4-stranger", mail.Message{From: mail.Address{Email: "someone@qq.example"}, Subject: "报表",
		Attachments: []mail.Attachment{{Name: tpl.Name, Data: good}}})
	dropMail(t, drop, "5-ooo", mail.Message{From: lina, Subject: "自动回复：报送提醒", AutoSubmitted: "auto-replied"})
	dropMail(t, drop, "6-wrong-unit", mail.Message{From: mail.Address{Email: "zhang.wei@fgw.metro.example"}, Subject: "报表",
		Attachments: []mail.Attachment{{Name: tpl.Name, Data: good}}})

	clock.Set(at(t, c, "2023-06-02 11:00"))
	res, err := c.Collect(ctx, drop)
	if err != nil {
		t.Fatal(err)
	}
	want := CollectResult{Fetched: 6, Processed: 1, Rejected: 3, Quarantine: 1, Ignored: 1, Settled: 6}
	want.Flush = res.Flush
	if !reflect.DeepEqual(res, want) {
		t.Errorf("Collect = %+v, want %+v", res, want)
	}

	got := sent(t, out)
	var answers []*inbound.Message
	for _, m := range got["li.na@jtj.metro.example"] {
		if !strings.HasPrefix(m.Subject, "【报送提醒】") {
			answers = append(answers, m)
		}
	}
	kinds := map[string]*inbound.Message{}
	for _, m := range answers {
		switch {
		case strings.HasPrefix(m.Subject, "【回执】"):
			kinds["receipt"] = m
		case strings.HasPrefix(m.Subject, "【退回】"):
			kinds["rejection"] = m
		case strings.HasPrefix(m.Subject, "【请补附件】"):
			kinds["no_workbook"] = m
		}
	}
	if len(answers) != 3 || len(kinds) != 3 {
		t.Fatalf("li.na got %d answers %v; want a receipt, a rejection and a request for the workbook", len(answers), kinds)
	}
	if r := kinds["receipt"]; len(r.InReplyTo) != 1 || r.InReplyTo[0] != "1-good@client.example" || !strings.Contains(r.Text, "3. 优化轨道交通布局：序时推进") {
		t.Errorf("receipt In-Reply-To %v, text:\n%s", r.InReplyTo, r.Text)
	}
	if r := kinds["rejection"]; !strings.Contains(r.Text, "G7") || len(r.Workbooks()) != 1 {
		t.Errorf("rejection should name cell G7 and carry a fresh template; text:\n%s files %v", r.Text, r.Files)
	}
	var fgw []string
	for _, m := range got["zhang.wei@fgw.metro.example"] {
		if !strings.HasPrefix(m.Subject, "【报送提醒】") {
			fgw = append(fgw, m.Subject+"\n"+m.Text)
		}
	}
	if len(fgw) != 1 || !strings.HasPrefix(fgw[0], "【退回】") || !strings.Contains(fgw[0], "市交通运输局") {
		t.Errorf("fgw's contact who sent jtj's template should get one rejection naming whose template it is; got %q", fgw)
	}
	if n := len(got["someone@qq.example"]); n != 0 {
		t.Errorf("a stranger got %d answers; want none (quarantine, never an auto-reply)", n)
	}
	if office := got["office@metro.example"]; len(office) != 0 {
		t.Errorf("the office got %d notes at once; want none: strangers go into its daily digest", len(office))
	}
	pending, _ := c.Ledger.PendingDigest(ctx)
	if len(pending) != 1 || pending[0].From != "someone@qq.example" || pending[0].Office != "未登记的发件人" {
		t.Errorf("pending for the office's digest = %+v; want the stranger's message", pending)
	}

	st, _ := c.Status(ctx, intakeMay)
	for _, u := range st.Units {
		if u.Unit.ID == "jtj" && (u.State != reports.StateSubmitted || u.Versions != 1) {
			t.Errorf("jtj after collect = %s with %d versions, want submitted once", u.State, u.Versions)
		}
		if u.Unit.ID == "fgw" && u.Versions != 0 {
			t.Errorf("fgw got a submission from jtj's template: %+v", u)
		}
	}

	// Everything was moved out of the drop folder; a second poll does nothing.
	res, err = c.Collect(ctx, drop)
	if err != nil || res.Fetched != 0 || res.Flush.Sent != 0 {
		t.Errorf("second Collect = %+v, %v; want nothing", res, err)
	}
}

// failingSettle wraps a mailbox and fails the first settles, as a crash
// between the ledger commit and the move would leave things.
type failingSettle struct {
	*mailbox.Drop
	fail int
}

func (f *failingSettle) SettleAll(ctx context.Context, ins []mailbox.Incoming, out mailbox.Outcome) error {
	if f.fail > 0 {
		f.fail--
		return errors.New("connection lost")
	}
	return f.Drop.SettleAll(ctx, ins, out)
}

func TestCollectResumesAfterAFailedMove(t *testing.T) {
	ctx := context.Background()
	c, clock, out, drop := mailCycle(t)
	reminder := remindLina(t, c, clock, out, RemindOptions{Unit: "jtj"})
	good, _ := reader.Fill(reminder.Workbooks()[0].Data, "李娜", "0551-63001234", answersFor(c, "jtj", "进展"))
	dropMail(t, drop, "reply", mail.Message{From: mail.Address{Email: "li.na@jtj.metro.example"}, Subject: "回复",
		InReplyTo: reminder.MessageID, Attachments: []mail.Attachment{{Name: "a.xlsx", Data: good}}})

	flaky := &failingSettle{Drop: drop, fail: 1}
	if _, err := c.Collect(ctx, flaky); err == nil {
		t.Fatal("Collect with a failing move: want an error")
	}
	res, err := c.Collect(ctx, flaky)
	if err != nil {
		t.Fatal(err)
	}
	if res.Settled != 1 || res.Fetched != 0 {
		t.Errorf("Collect after the failed move = %+v; want the leftover settled and nothing fetched again", res)
	}
	if answers := sent(t, out)["li.na@jtj.metro.example"]; len(answers) != 2 {
		t.Errorf("li.na got %d messages, want the reminder and exactly one receipt", len(answers))
	}
	subs, _ := c.Ledger.Submissions(ctx, "2023-05")
	if len(subs) != 1 {
		t.Errorf("%d submissions recorded, want 1", len(subs))
	}
}

// flakyTransport refuses with the given errors, then delivers to a folder.
type flakyTransport struct {
	errs []error
	*mail.Folder
}

func (f *flakyTransport) Send(ctx context.Context, from string, to []string, data []byte) error {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	return f.Folder.Send(ctx, from, to, data)
}

func TestFlushRetriesTransientAndReportsPermanentFailures(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	c.Mail.Operator = mail.Address{Name: "信息中心值班", Email: "it.duty@metro.example"}
	clock.Set(c.Schedule.RemindAt(may))
	c.Mail.Transport = &flakyTransport{
		errs: []error{
			&mail.SendError{Code: 451, Temporary: true, Err: errors.New("451 try again later")},
			&mail.SendError{Code: 550, Temporary: false, Err: errors.New("550 mailbox unavailable")},
		},
		Folder: &mail.Folder{Dir: out},
	}
	res, err := c.Remind(ctx, may, RemindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// fgw: 451 → retry; jtj: 550 → failed, office and operator told; kjj:
	// sent; the two notes: sent.
	if f := res.Flush; f.Sent != 3 || f.Retried != 1 || f.Failed != 1 {
		t.Errorf("first flush = %+v, want 3 sent, 1 retried, 1 failed", res.Flush)
	}
	clock.Set(clock.Now().Add(2 * time.Minute))
	f, err := c.Flush(ctx)
	if err != nil || f.Sent != 1 {
		t.Errorf("flush after the back-off = %+v, %v; want the retried reminder sent", f, err)
	}
	f, _ = c.Flush(ctx)
	if f.Sent+f.Retried+f.Failed != 0 {
		t.Errorf("a third flush = %+v, want nothing left", f)
	}
	failed, _, _ := c.Ledger.OutboxByKey(ctx, reminderKey(may, "jtj"))
	if failed.State != store.OutFailed {
		t.Errorf("jtj's reminder state = %s, want failed", failed.State)
	}
	// The office reads a short note in its words; the operator the
	// server's answer and what to do about it.
	office := sent(t, out)["office@metro.example"]
	if len(office) != 1 || office[0].Subject != "【提示】邮件未能送达：市交通运输局" || !strings.Contains(office[0].Text, "拒收") ||
		!strings.Contains(office[0].Text, "信息中心值班") {
		t.Fatalf("office notes = %d; want one naming jtj, why and whom to tell", len(office))
	}
	for _, technical := range []string{"550", "mailbox unavailable", "units[]", "duban"} {
		if strings.Contains(office[0].Subject+office[0].Text, technical) {
			t.Errorf("the office's note says %q:\n%s", technical, office[0].Text)
		}
	}
	operator := sent(t, out)["it.duty@metro.example"]
	if len(operator) != 1 || !strings.Contains(operator[0].Text, "550 mailbox unavailable") || !strings.Contains(operator[0].Text, "li.na@jtj.metro.example") ||
		!strings.Contains(operator[0].Text, "units[].contacts") {
		t.Errorf("operator notes = %d; want one note with the error, the address and what to correct", len(operator))
	}
}

// A server that cannot be reached, or refuses our login, is not the
// messages' fault: the flush stops with an error saying what to check,
// nothing is marked failed or counted as an attempt, and everything goes
// out once the server answers again.
func TestFlushStopsWhileTheServerRefusesUs(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	clock.Set(c.Schedule.RemindAt(may))
	for _, down := range []error{
		&mail.SendError{Code: 535, Connection: true, Err: errors.New("smtp AUTH PLAIN: 535 authentication failed")},
		&mail.SendError{Temporary: true, Connection: true, Err: errors.New("dial tcp 127.0.0.1:465: connection refused")},
	} {
		c.Mail.Transport = &flakyTransport{errs: []error{down}, Folder: &mail.Folder{Dir: out}}
		res, err := c.Remind(ctx, may, RemindOptions{})
		var se *ServerError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "mail.smtp") || res.Flush.Sent+res.Flush.Failed+res.Flush.Retried != 0 {
			t.Fatalf("Remind with the server refusing us (%v) = %+v, %v; want a ServerError naming mail.smtp, nothing sent or failed", down, res.Flush, err)
		}
		queued, err := c.Ledger.DueOutbox(ctx, clock.Now(), 100)
		if want := len(c.Plan.LeadUnits()); err != nil || len(queued) != want {
			t.Fatalf("%d messages due after the refusal (%v), want all %d reminders", len(queued), err, want)
		}
		for _, m := range queued {
			if m.Attempts != 0 || m.State != store.OutQueued {
				t.Errorf("%s: state %s, %d attempts; want queued, none counted", m.Key, m.State, m.Attempts)
			}
		}
		if n := len(sent(t, out)); n != 0 {
			t.Errorf("%d mailboxes got mail while the server refused us", n)
		}
	}
	f, err := c.Flush(ctx)
	if want := len(c.Plan.LeadUnits()); err != nil || f.Sent != want || f.Failed != 0 {
		t.Errorf("flush once the server answers = %+v, %v; want %d sent", f, err, want)
	}
}

func TestCollectRefusesAnAttachmentOverTheLimit(t *testing.T) {
	ctx := context.Background()
	c, clock, out, drop := mailCycle(t)
	c.Inbound.MaxFileBytes = 64 << 10
	clock.Set(at(t, c, "2023-06-02 11:00"))
	big := append([]byte("PK\x03\x04"), make([]byte, 200<<10)...)
	dropMail(t, drop, "big", mail.Message{From: mail.Address{Email: "li.na@jtj.metro.example"}, Subject: "报表",
		Attachments: []mail.Attachment{{Name: "报表.xlsx", Data: big}}})
	res, err := c.Collect(ctx, drop)
	if err != nil || res.Rejected != 1 {
		t.Fatalf("Collect = %+v, %v; want the message rejected", res, err)
	}
	answers := sent(t, out)["li.na@jtj.metro.example"]
	if len(answers) != 1 || !strings.Contains(answers[0].Text, "超过") || !strings.Contains(answers[0].Text, "报表.xlsx") {
		t.Fatalf("answer to an oversized attachment = %d messages; want one rejection naming the file and the limit", len(answers))
	}
}

func TestWorkbookCandidates(t *testing.T) {
	f := func(name, kind string, tooLarge bool) inbound.File {
		return inbound.File{Name: name, Kind: kind, TooLarge: tooLarge}
	}
	tests := []struct {
		name  string
		files []inbound.File
		want  []string
	}{
		{"xlsx beside a photo and a docx", []inbound.File{f("照片.jpg", "image", false), f("说明.docx", "zip", false), f("报表.xlsx", "xlsx", false)}, []string{"报表.xlsx"}},
		{"only an old .xls", []inbound.File{f("报表.xls", "ole", false), f("说明.doc", "ole", false)}, []string{"报表.xls"}},
		{"a zipped workbook", []inbound.File{f("报表.zip", "zip", false)}, []string{"报表.zip"}},
		{"an .ods", []inbound.File{f("报表.ods", "ods", false)}, []string{"报表.ods"}},
		{"a macro workbook named .xlsx", []inbound.File{f("报表.xlsx", "xlsm", false)}, []string{"报表.xlsx"}},
		{"too large", []inbound.File{f("报表.xlsx", "xlsx", true)}, []string{"报表.xlsx"}},
		{"only a docx", []inbound.File{f("说明.docx", "zip", false)}, nil},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range workbookCandidates(tt.files) {
			got = append(got, c.Name)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: workbookCandidates = %v, want %v", tt.name, got, tt.want)
		}
	}
}
