package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban/jobs"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/sim"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// demoMarker marks a folder the demo made, so a second run may clear it and
// nothing else is ever deleted.
const demoMarker = ".duban-demo"

// Demo plays two whole reporting periods over real mail servers running in
// process on loopback (internal/mailserver): reminders go out over SMTP,
// simulated units read them from their own IMAP inboxes and answer through
// the same SMTP server (in the second period one unit late, one whose first
// reply is invalid and then corrected, an out-of-office auto-reply and a
// message from a stranger), duban collects from its IMAP mailbox, and the
// consolidated workbooks are compiled.
type Demo struct {
	// Cycle is the cycle under demonstration. Its Now must read the clock
	// given to Run; its Mail needs everything but the Transport, which the
	// demo sets to its own SMTP server for the duration of Run.
	Cycle *jobs.Cycle
	Dir   string
	Out   io.Writer
}

// PrepareDir makes dir ready for a demo: created if missing, cleared if
// an earlier demo made it, refused if it holds anything else.
func PrepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading %s: %w", dir, err)
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not made by the demo; name an empty or new folder with --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clearing the previous demo in %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by duban demo; the next demo run may delete this folder\n"), 0o644)
}

// demoRun is one run of the demo: the mail server, the passwords of its
// mailboxes, duban's own mailbox and what each simulated reader has seen.
type demoRun struct {
	*Demo
	c        *jobs.Cycle
	clock    *clock.Manual
	mail     *sim.World
	box      *mailbox.IMAP // duban's mailbox
	stranger mail.Address
	away     mail.Address // a cc whose out-of-office answers the reminder
}

// Run plays the demo. clock must be the one the Cycle reads.
func (d *Demo) Run(ctx context.Context, clock *clock.Manual) (err error) {
	c := d.Cycle
	if c.Mail == nil {
		return errors.New("the demo needs the cycle's mail settings (sender, office, texts)")
	}
	lead := c.Plan.LeadUnits()
	if len(lead) < 3 {
		return fmt.Errorf("the demo needs a plan with at least 3 reporting units, this one has %d", len(lead))
	}
	r := &demoRun{Demo: d, c: c, clock: clock}
	cur := plan.Period{Year: c.Plan.Year, Month: time.May}
	prev := cur.Prev()
	clock.Set(c.Schedule.RemindAt(prev))
	fmt.Fprintf(d.Out, "duban demo: plan %q, %d reporting units, %d tasks\n", c.Plan.Title, len(lead), len(c.Plan.Tasks))

	if err := r.startMail(ctx, lead); err != nil {
		return err
	}
	defer func() {
		if cerr := r.mail.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	smtp, err := r.mail.SMTPAs(c.Mail.From.Email)
	if err != nil {
		return err
	}
	saved := c.Mail.Transport
	c.Mail.Transport = smtp
	defer func() {
		c.Mail.Transport = saved
		smtp.Close()
	}()
	r.box, err = mailbox.DialIMAP(ctx, r.mail.IMAPConfig(c.Mail.From.Email), c.Logger())
	if err != nil {
		return fmt.Errorf("opening duban's mailbox on the demo server: %w", err)
	}
	defer r.box.Close()

	// The earlier period: everybody answers on the next working day.
	if err := r.period(ctx, prev, nil); err != nil {
		return err
	}
	// The office confirms a task reported done: closed out (销号), it is
	// shown but not asked in May's template.
	if err := r.closeDoneTask(ctx, prev); err != nil {
		return err
	}
	// The period of interest: one unit invalid first, one late, one granted
	// an extension, one that never answers, plus an out-of-office reply and
	// a stranger.
	tw := &twists{invalid: lead[1].ID, late: lead[2].ID}
	if len(lead) >= 5 {
		tw.extension, tw.silent = lead[3].ID, lead[4].ID
	}
	if err := r.period(ctx, cur, tw); err != nil {
		return err
	}
	st, err := c.Status(ctx, cur)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "\nstatus of %s (deadline %s):\n", cur, st.Deadline.Format(plan.DateLayout))
	for _, u := range st.Units {
		fmt.Fprintf(d.Out, "  %-8s %-16s %-9s versions=%d rejected=%d\n", u.Unit.ID, u.Unit.Name, u.State, u.Versions, u.Rejected)
	}
	n, err := r.mail.WriteMailboxes(filepath.Join(d.Dir, "mail"))
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "\n%d messages, as each mailbox received them, written to %s\n", n, filepath.Join(d.Dir, "mail", "<address>"))
	fmt.Fprintf(d.Out, "\neverything is under %s:\n", d.Dir)
	for _, l := range [][2]string{
		{"templates", "each unit's workbook, as the reminder carried it"},
		{"mail", "every message every mailbox received (.eml)"},
		{"compiled", "the office's consolidated workbooks"},
		{"data", "duban's ledger and archive"},
	} {
		fmt.Fprintf(d.Out, "  %-10s %-40s %s\n", l[0], filepath.Join(d.Dir, l[0]), l[1])
	}
	return nil
}

// startMail starts the mail server with a mailbox for duban, every contact
// and cc of the plan, the office and a stranger.
func (r *demoRun) startMail(ctx context.Context, lead []plan.Unit) error {
	c := r.c
	addrs := Participants(c)
	taken := map[string]bool{}
	for _, a := range addrs {
		taken[strings.ToLower(a)] = true
	}
	r.stranger = mail.Address{Name: "李明", Email: "li.ming@163.example"}
	for i := 2; taken[r.stranger.Email]; i++ {
		r.stranger.Email = fmt.Sprintf("li.ming%d@163.example", i)
	}
	r.away = awayContact(lead)
	w, err := sim.Start(ctx, append(addrs, r.stranger.Email), r.clock.Now, c.Inbound, c.Logger())
	if err != nil {
		return fmt.Errorf("starting the demo mail server: %w", err)
	}
	r.mail = w
	fmt.Fprintf(r.Out, "mail servers on loopback: SMTP %s, IMAP %s (implicit TLS, throw-away certificate), %d mailboxes\n",
		w.Server.SMTPAddr(), w.Server.IMAPAddr(), len(w.Addresses()))
	return nil
}

// Participants are the addresses of everyone a cycle mails or hears from:
// duban, every contact and cc of the plan, the office and its leader, and
// the operator.
func Participants(c *jobs.Cycle) []string {
	addrs := []string{c.Mail.From.Email}
	for _, u := range c.Plan.Units {
		for _, ct := range append(append([]plan.Contact{}, u.Contacts...), u.CC...) {
			addrs = append(addrs, ct.Email)
		}
	}
	for _, a := range c.Mail.OfficeTo {
		addrs = append(addrs, a.Email)
	}
	if c.Mail.Leader.Email != "" {
		addrs = append(addrs, c.Mail.Leader.Email)
	}
	if c.Mail.Operator.Email != "" {
		addrs = append(addrs, c.Mail.Operator.Email)
	}
	return addrs
}

// awayContact picks the person whose out-of-office answers May's reminder:
// a cc of a unit that is neither the invalid nor the late one, else a
// second contact; none when the plan has neither.
func awayContact(lead []plan.Unit) mail.Address {
	others := append([]plan.Unit{lead[0]}, lead[3:]...)
	for _, u := range others {
		if len(u.CC) > 0 {
			return mail.Address{Name: u.CC[0].Name, Email: strings.ToLower(u.CC[0].Email)}
		}
	}
	for _, u := range others {
		if len(u.Contacts) > 1 {
			return mail.Address{Name: u.Contacts[1].Name, Email: strings.ToLower(u.Contacts[1].Email)}
		}
	}
	return mail.Address{}
}

// collect is duban polling its mailbox, a couple of minutes after the
// clock's time.
func (r *demoRun) collect(ctx context.Context) (jobs.CollectResult, error) {
	r.clock.Set(r.clock.Now().Add(2 * time.Minute))
	res, err := r.c.Collect(ctx, r.box)
	if err != nil {
		return res, fmt.Errorf("collecting duban's mail: %w", err)
	}
	if res.Flush.Failed > 0 {
		return res, fmt.Errorf("collecting duban's mail: %d answers could not be sent", res.Flush.Failed)
	}
	return res, nil
}

// unitMail is what one unit holds in a period: the message it answers and
// the workbook to fill.
type unitMail struct {
	unit     plan.Unit
	reader   mail.Address // the contact who reads and answers
	answers  *inbound.Message
	template inbound.File
}

// twists are what goes wrong in a period: a unit whose first reply is
// invalid, a unit that replies late; an out-of-office auto-reply and a
// stranger come with them.
type twists struct{ invalid, late, extension, silent string }

// period plays one period: reminders, replies, compile at the deadline,
// and with twists, the late reply and a second compilation.
func (r *demoRun) period(ctx context.Context, p plan.Period, tw *twists) error {
	if tw == nil {
		tw = &twists{}
	}
	invalid, late := tw.invalid, tw.late
	c := r.c
	sched := c.Schedule
	remindAt := sched.RemindAt(p)
	r.clock.Set(remindAt)
	fmt.Fprintf(r.Out, "\n== %s: reminders at %s, deadline %s\n", p, remindAt.Format("2006-01-02 15:04"), sched.Deadline(p).Format(plan.DateLayout))

	res, err := c.Remind(ctx, p, jobs.RemindOptions{})
	if err != nil {
		return err
	}
	addresses := 0
	for _, l := range res.Lines {
		addresses += len(l.To)
	}
	fmt.Fprintf(r.Out, "   %s reminders sent over SMTP: %d units, %d messages, %d recipients\n", r.stamp(), len(res.Lines), res.Flush.Sent, addresses)

	// Each unit's first contact finds the reminder in their inbox.
	units := map[string]*unitMail{}
	tplDir := filepath.Join(r.Dir, "templates", p.String())
	for _, l := range res.Lines {
		u := l.Unit
		if len(u.Contacts) == 0 {
			return fmt.Errorf("unit %s has no contact to answer the reminder", u.ID)
		}
		reader := mail.Address{Name: u.Contacts[0].Name, Email: strings.ToLower(u.Contacts[0].Email)}
		msg, err := r.mail.Find(ctx, reader.Email, l.MessageID, false)
		if err != nil {
			return err
		}
		books := msg.Workbooks()
		if len(books) == 0 {
			return fmt.Errorf("the reminder to %s carries no workbook", reader.Email)
		}
		if err := writeFile(filepath.Join(tplDir, filepath.Base(books[0].Name)), books[0].Data); err != nil {
			return err
		}
		units[u.ID] = &unitMail{unit: u, reader: reader, answers: msg, template: books[0]}
	}
	fmt.Fprintf(r.Out, "   %d units read the reminder in their IMAP inbox; the workbooks they got are in %s\n", len(units), tplDir)

	if invalid != "" && r.away.Email != "" {
		if err := r.outOfOffice(ctx, res); err != nil {
			return err
		}
	}

	// Replies come in on the next working day from 10:00; the unit whose
	// first reply was rejected sends a corrected one the working day after.
	at := sched.Calendar.NextWorkday(remindAt).Add(10 * time.Hour)
	for i, l := range res.Lines {
		r.clock.Set(at.Add(time.Duration(i) * 7 * time.Minute))
		switch l.Unit.ID {
		case late, tw.silent:
			continue
		case tw.extension:
			if err := r.askForTime(ctx, p, units[l.Unit.ID]); err != nil {
				return err
			}
			continue
		}
		if err := r.reply(ctx, p, units[l.Unit.ID], 1, l.Unit.ID == invalid); err != nil {
			return err
		}
	}
	if invalid != "" {
		r.clock.Set(at.Add(time.Duration(len(res.Lines))*7*time.Minute + 20*time.Minute))
		if err := r.strangerWrites(ctx, p, units[res.Lines[0].Unit.ID]); err != nil {
			return err
		}
		r.clock.Set(sched.Calendar.NextWorkday(at).Add(9*time.Hour + 30*time.Minute))
		if err := r.reply(ctx, p, units[invalid], 2, false); err != nil {
			return err
		}
	}

	// The first version goes to the office in its first office hours after
	// the deadline day.
	r.clock.Set(sched.CompileAt(p))
	if err := r.compile(ctx, p); err != nil {
		return err
	}
	if late == "" {
		return nil
	}
	r.clock.Set(sched.Calendar.NextWorkday(sched.Deadline(p)).Add(11 * time.Hour))
	if err := r.reply(ctx, p, units[late], 1, false); err != nil {
		return err
	}
	if tw.extension != "" {
		// Within its extension: on time.
		r.clock.Set(r.clock.Now().Add(4 * time.Hour))
		if err := r.reply(ctx, p, units[tw.extension], 2, false); err != nil {
			return err
		}
	}
	if err := r.compile(ctx, p); err != nil {
		return err
	}
	if tw.silent == "" {
		return nil
	}
	// A week and more on, the silent unit is red: the second overdue notice
	// copies the office leader, and the workbook and bulletin say so.
	day := sched.Deadline(p)
	for range 6 {
		day = sched.Calendar.NextWorkday(day)
	}
	r.clock.Set(day.Add(10 * time.Hour))
	chase, err := c.ChaseDue(ctx)
	if err != nil {
		return err
	}
	for _, l := range chase.Lines {
		if l.Action == "queued" {
			fmt.Fprintf(r.Out, "   %s %-8s %-16s chased (%s)%s\n", r.stamp(), l.Unit.ID, l.Unit.Name, chase.Rung.Name, leaderNote(c, chase.Rung))
		}
	}
	return r.draft(ctx, p)
}

// leaderNote says when a chase rung copies the office leader.
func leaderNote(c *jobs.Cycle, rung plan.Rung) string {
	if rung.CopiesLeader() && c.Mail.Leader.Email != "" {
		return ", red: the office leader " + c.Mail.Leader.Email + " is copied"
	}
	return ""
}

// askForTime is unit um sending its template with only the extension
// request filled in; duban acknowledges it (the office copied), and the
// office grants three working days more with duban extend.
func (r *demoRun) askForTime(ctx context.Context, p plan.Period, um *unitMail) error {
	c := r.c
	until := c.Schedule.Deadline(p)
	for range 3 {
		until = c.Schedule.Calendar.NextWorkday(until)
	}
	data, err := reader.FillExtensionRequest(um.template.Data, um.reader.Name, sim.Phone, until.Format(time.DateOnly), "部分项目数据需待统计部门核定后报送。")
	if err != nil {
		return err
	}
	id := mail.MessageID(sim.DomainOf(um.reader.Email), "reply", p.String(), um.unit.ID, "extension")
	err = r.mail.Send(ctx, um.reader, mail.Message{
		MessageID: id, To: []mail.Address{c.Mail.From},
		Subject:   "回复：" + um.answers.Subject + "（申请延期）",
		Text:      fmt.Sprintf("%s：\n\n我单位申请延期报送，详见附件。\n\n%s\n", c.Mail.Office, um.unit.Name),
		InReplyTo: um.answers.MessageID, References: append(append([]string{}, um.answers.References...), um.answers.MessageID),
		Attachments: []mail.Attachment{{Name: um.template.Name, ContentType: mail.XLSXType, Data: data}},
	})
	if err != nil {
		return err
	}
	sentAt := r.stamp()
	if _, err := r.collect(ctx); err != nil {
		return err
	}
	receipt, err := r.mail.Find(ctx, um.reader.Email, id, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "   %s %-8s %-16s asks for time until %s → %s\n", sentAt, um.unit.ID, um.unit.Name, until.Format(time.DateOnly), receipt.Subject)
	d, err := c.Extend(ctx, um.unit.ID, p, until, "同意延期，请按期报送。")
	if err != nil {
		return err
	}
	decision, err := r.mail.Find(ctx, um.reader.Email, d.MessageID, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "   %s office: duban extend --unit %s --period %s --until %s → %s\n", r.stamp(), um.unit.ID, p, until.Format(time.DateOnly), decision.Subject)
	um.answers = decision
	if books := decision.Workbooks(); len(books) > 0 {
		um.template = books[0]
	}
	return nil
}

// closeDoneTask is the office confirming the first task reported 已完成 in
// period p: duban close.
func (r *demoRun) closeDoneTask(ctx context.Context, p plan.Period) error {
	c := r.c
	latest, err := c.Ledger.Latest(ctx, p.String())
	if err != nil {
		return err
	}
	for _, t := range c.Plan.Tasks {
		if latest[t.Lead].Answer(t.ID).Status != plan.StatusDone {
			continue
		}
		d, err := c.CloseTask(ctx, t.ID, p, "经核实，该项任务已完成，予以销号。", false)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.Out, "\n   %s office: duban close --task %s → %s\n", r.stamp(), t.ID, d.Summary)
		return nil
	}
	return nil
}

// reply is unit um filling its workbook and mailing it back in answer to
// the message it holds; duban then collects, and the unit reads the answer,
// which becomes the message it holds (a rejection carries a fresh template).
func (r *demoRun) reply(ctx context.Context, p plan.Period, um *unitMail, attempt int, invalid bool) error {
	c := r.c
	u := um.unit
	closed, err := c.Closed(ctx, p)
	if err != nil {
		return err
	}
	var answers []plan.Answer
	for _, a := range sim.Answers(c.Plan, p, u.ID) {
		if _, ok := closed[a.TaskID]; !ok {
			answers = append(answers, a)
		}
	}
	phone := sim.Phone
	if invalid {
		answers[0].Progress = ""
		answers[len(answers)-1].Status = "进行中"
		phone = ""
	}
	filled, err := reader.Fill(um.template.Data, um.reader.Name, phone, answers)
	if err != nil {
		return fmt.Errorf("filling %s's template: %w", u.ID, err)
	}
	id := mail.MessageID(sim.DomainOf(um.reader.Email), "reply", p.String(), u.ID, strconv.Itoa(attempt))
	refs := append(append([]string{}, um.answers.References...), um.answers.MessageID)
	err = r.mail.Send(ctx, um.reader, mail.Message{
		MessageID: id,
		To:        []mail.Address{c.Mail.From},
		Subject:   "回复：" + um.answers.Subject,
		Text:      fmt.Sprintf("%s：\n\n附件是我单位%s推进情况表，请查收。\n\n%s\n%s %s\n", c.Mail.Office, p.Label(), u.Name, um.reader.Name, phone),
		InReplyTo: um.answers.MessageID, References: refs,
		Attachments: []mail.Attachment{{Name: um.template.Name, ContentType: mail.XLSXType, Data: filled}},
	})
	if err != nil {
		return err
	}
	sentAt := r.stamp()
	if _, err := r.collect(ctx); err != nil {
		return err
	}
	sub, err := r.lastSubmission(ctx, p, u.ID)
	if err != nil {
		return err
	}
	verdict := "accepted"
	switch {
	case !sub.Accepted:
		verdict = fmt.Sprintf("REJECTED with %d problem(s)", len(sub.Problems))
	case sub.Late:
		verdict = "accepted, LATE"
	}
	answer, err := r.mail.Find(ctx, um.reader.Email, id, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "   %s %-8s %-16s reply %d %-26s → %s %s\n", sentAt, u.ID, u.Name, attempt, verdict, r.clock.Now().Format("15:04"), answer.Subject)
	um.answers = answer
	if books := answer.Workbooks(); len(books) > 0 {
		um.template = books[0]
	}
	return nil
}

// lastSubmission is the newest decision on unit's workbooks for p.
func (r *demoRun) lastSubmission(ctx context.Context, p plan.Period, unit string) (store.Submission, error) {
	subs, err := r.c.Ledger.Submissions(ctx, p.String())
	if err != nil {
		return store.Submission{}, err
	}
	for i := len(subs) - 1; i >= 0; i-- {
		if subs[i].Unit == unit {
			return subs[i], nil
		}
	}
	return store.Submission{}, fmt.Errorf("no workbook of %s for %s was recorded", unit, p)
}

// outOfOffice is r.away's auto-responder answering the reminder.
func (r *demoRun) outOfOffice(ctx context.Context, res jobs.RemindResult) error {
	var reminderID string
	for _, l := range res.Lines {
		for _, to := range l.To {
			if strings.EqualFold(to, r.away.Email) {
				reminderID = l.MessageID
			}
		}
	}
	if reminderID == "" {
		return nil
	}
	reminder, err := r.mail.Find(ctx, r.away.Email, reminderID, false)
	if err != nil {
		return err
	}
	r.clock.Set(r.clock.Now().Add(time.Minute))
	err = r.mail.Send(ctx, r.away, mail.Message{
		MessageID: mail.MessageID(sim.DomainOf(r.away.Email), "auto", reminderID),
		To:        []mail.Address{r.c.Mail.From},
		Subject:   "自动回复：" + reminder.Subject,
		Text:      "您好，我正在休假，期间不便查看邮件，返岗后将尽快回复。\n",
		InReplyTo: reminder.MessageID, References: []string{reminder.MessageID},
		AutoSubmitted: "auto-replied",
		Headers:       map[string]string{"X-Autoreply": "yes"},
	})
	if err != nil {
		return err
	}
	sentAt := r.stamp()
	res2, err := r.collect(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "   %s %s (cc) is away: an out-of-office auto-reply arrives → %d ignored, not answered\n", sentAt, r.away.Email, res2.Ignored)
	return nil
}

// strangerWrites is someone who is no unit's contact sending a unit's
// workbook: duban quarantines it unread and lists it in the office's daily
// digest, never answering the sender.
func (r *demoRun) strangerWrites(ctx context.Context, p plan.Period, um *unitMail) error {
	filled, err := reader.Fill(um.template.Data, r.stranger.Name, sim.Phone, sim.Answers(r.c.Plan, p, um.unit.ID))
	if err != nil {
		return fmt.Errorf("filling the stranger's workbook: %w", err)
	}
	err = r.mail.Send(ctx, r.stranger, mail.Message{
		MessageID:   mail.MessageID(sim.DomainOf(r.stranger.Email), "stranger", p.String()),
		To:          []mail.Address{r.c.Mail.From},
		Subject:     fmt.Sprintf("%s%s推进情况", um.unit.Name, p.Label()),
		Text:        "您好，同事让我代为报送，附件请查收。\n" + r.stranger.Name + "\n",
		Attachments: []mail.Attachment{{Name: um.template.Name, ContentType: mail.XLSXType, Data: filled}},
	})
	if err != nil {
		return err
	}
	sentAt := r.stamp()
	res, err := r.collect(ctx)
	if err != nil {
		return err
	}
	// The office is told once a day, in the daily digest of what was set
	// aside, never once per message.
	digest, err := r.c.DigestDue(ctx)
	if err != nil {
		return err
	}
	office := "the office's next daily digest lists it (" + digest.Idle + ")"
	if digest.Messages > 0 && len(r.c.Mail.OfficeTo) > 0 {
		msgs, err := r.mail.Read(ctx, r.c.Mail.OfficeTo[0].Email)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			office = fmt.Sprintf("%s gets the daily digest %s", r.c.Mail.OfficeTo[0].Email, m.Subject)
		}
	}
	fmt.Fprintf(r.Out, "   %s %s, not a registered contact, sends a workbook → %d quarantined unread, no answer; %s\n", sentAt, r.stranger.Email, res.Quarantine, office)
	return nil
}

// compile is the daemon's compile step: a new version when reports were
// accepted since the last, mailed to the office (the demo prints what
// landed in the office's mailbox), and written under compiled/.
func (r *demoRun) compile(ctx context.Context, p plan.Period) error {
	res, err := r.c.Compile(ctx, p)
	if err != nil {
		return err
	}
	if _, err := r.c.Flush(ctx); err != nil {
		return err
	}
	if !res.New {
		fmt.Fprintf(r.Out, "   %s no report accepted since version %d: no new version, nothing mailed\n", r.stamp(), res.Version)
		return nil
	}
	path, err := r.writeCompiled(res)
	if err != nil {
		return err
	}
	var got []string
	subject, files := "", 0
	for _, to := range r.c.Mail.OfficeTo {
		msgs, err := r.mail.Read(ctx, to.Email)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.MessageID == res.MessageID {
				got, subject, files = append(got, to.Email), m.Subject, len(m.Files)
			}
		}
	}
	landed := fmt.Sprintf("the office's mailboxes %s received %s (%d attachments)", strings.Join(got, ", "), subject, files)
	if len(got) == 0 {
		landed = "no office mailbox received it"
	}
	fmt.Fprintf(r.Out, "   %s compiled version %d → %s (+ %s); red: %s\n                %s\n",
		r.stamp(), res.Version, path, res.BulletinName, redList(res), landed)
	return nil
}

// draft is the office looking at the period as it stands, between
// versions: `duban compile --no-mail` writes an unnumbered draft.
func (r *demoRun) draft(ctx context.Context, p plan.Period) error {
	res, err := r.c.Draft(ctx, p)
	if err != nil {
		return err
	}
	path, err := r.writeCompiled(res)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "   %s office: duban compile --no-mail → draft %s (+ %s), not numbered, not mailed; red: %s\n",
		r.stamp(), path, res.BulletinName, redList(res))
	return nil
}

func redList(res jobs.Compiled) string {
	if red := res.Red(); len(red) > 0 {
		return strings.Join(red, " ")
	}
	return "none"
}

func (r *demoRun) writeCompiled(res jobs.Compiled) (string, error) {
	path := filepath.Join(r.Dir, "compiled", res.FileName)
	if err := writeFile(path, res.Data); err != nil {
		return "", err
	}
	return path, writeFile(filepath.Join(r.Dir, "compiled", res.BulletinName), res.Bulletin)
}

func (r *demoRun) stamp() string {
	return r.clock.Now().In(r.c.Schedule.Location).Format("01-02 15:04")
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// DeskTransport is where the demo's desk sends mail once the demo's own
// mail servers are gone (a decision's notice to a unit, a receipt of an
// upload): a folder under the demo's mail.
func (d *Demo) DeskTransport() jobs.Transport {
	return &mail.Folder{Dir: filepath.Join(d.Dir, "mail", "from-desk")}
}
