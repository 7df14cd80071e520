package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// The daemon's jobs are reconcilers: given now and the ledger, each does
// what is due and not yet done, so a run missed while the daemon was down
// is made up at the next one, and running one by hand does exactly what
// the daemon's tick would. Catch-up is bounded to the open period: a
// period whose successor has opened gets no reminders or chases any more.

// layoutMinute is how the daemon writes times in its log and on the
// command line; mail writes them in words (words.go).
const layoutMinute = "2006-01-02 15:04"

// OpenPeriod is the period the daemon works on at now: the latest whose
// reminders are due. When it falls outside the plan's year, idle says why
// nothing is sent.
func (c *Cycle) OpenPeriod(now time.Time) (p plan.Period, idle string) {
	p = c.Schedule.CurrentPeriod(now)
	first, last := plan.Period{Year: c.Plan.Year, Month: time.January}, plan.Period{Year: c.Plan.Year, Month: time.December}
	switch {
	case p.Before(first):
		return p, fmt.Sprintf("the plan's first period %s opens at %s", first, c.Schedule.RemindAt(first).Format(layoutMinute))
	case last.Before(p):
		return p, fmt.Sprintf("the plan year %d is over (its last period %s closed at %s); nothing is sent until plan.year and the tasks of a new plan are configured",
			c.Plan.Year, last, c.Schedule.RemindAt(last.Next()).Format(layoutMinute))
	}
	return p, ""
}

// officeIdle says why scheduled mail must wait, or "" in office hours.
func (c *Cycle) officeIdle(now time.Time) string {
	if c.Schedule.InOfficeHours(now) {
		return ""
	}
	return "outside office hours; next at " + c.Schedule.NextOfficeTime(now).Format(layoutMinute)
}

// RemindDue sends the open period's reminders to every lead unit not yet
// reminded, in office hours. Idle says why nothing was attempted.
func (c *Cycle) RemindDue(ctx context.Context) (res RemindResult, p plan.Period, idle string, err error) {
	now := c.now()
	p, idle = c.OpenPeriod(now)
	if idle == "" {
		idle = c.officeIdle(now)
	}
	if idle != "" {
		return res, p, idle, nil
	}
	res, err = c.Remind(ctx, p, RemindOptions{})
	return res, p, "", err
}

// ChaseLine is one unit's chase.
type ChaseLine struct {
	Unit      plan.Unit
	MessageID string
	Action    string // "queued", "already sent", "submitted", "reminded after this rung was due"
}

// ChaseResult is one chase run.
type ChaseResult struct {
	Period plan.Period
	Rung   plan.Rung // the rung due now; zero when none is
	Lines  []ChaseLine
	Idle   string
	Flush  FlushResult
}

func chaseKey(p plan.Period, unit, rung string) string {
	return fmt.Sprintf("chase/%s/%s/%s", p, unit, rung)
}

// ChaseDue sends the latest chase rung that is due for the open period to
// every lead unit without an accepted report, once per unit and rung, in
// office hours. A rung missed while the daemon was down is not sent late
// once a later one is due: the unit gets the notice that fits now; and a
// unit whose reminder went out only after the rung fell due is not chased
// until the next rung.
func (c *Cycle) ChaseDue(ctx context.Context) (ChaseResult, error) {
	now := c.now()
	var res ChaseResult
	// A decision logged by a command that crashed before queueing its
	// notice gets it now.
	if err := c.NotifyDecisions(ctx); err != nil {
		return res, err
	}
	res.Period, res.Idle = c.OpenPeriod(now)
	if res.Idle == "" {
		res.Idle = c.officeIdle(now)
	}
	if res.Idle != "" {
		return res, nil
	}
	p := res.Period
	res.Rung, _ = c.Schedule.RungDue(p, c.Schedule.Deadline(p), now)
	if res.Rung.Name == "" {
		res.Idle = "no chase is due"
		return res, nil
	}
	s, err := c.readPeriod(ctx, p, store.PeriodWants{})
	if err != nil {
		return res, err
	}
	steps := c.chaseSteps(s, res.Rung, now)
	var tpl *periodState // read when the first chase is queued
	var secret []byte
	for _, st := range steps {
		if st.Action == "" {
			if tpl == nil {
				loaded, err := c.readPeriod(ctx, p, c.templateWants())
				if err != nil {
					return res, err
				}
				if secret, err = c.secret(ctx); err != nil {
					return res, fmt.Errorf("reading the template key: %w", err)
				}
				tpl = &loaded
			}
			id, err := c.queueChase(ctx, *tpl, secret, st)
			if err != nil {
				return res, fmt.Errorf("chasing %s for %s: %w", st.Unit.ID, p, err)
			}
			st.Action, st.MessageID = "queued", id
		}
		res.Lines = append(res.Lines, st.ChaseLine)
	}
	res.Flush, err = c.Flush(ctx)
	return res, err
}

// chaseStep is one unit's line of a chase tick and, when its Action is
// still empty, the chase to queue.
type chaseStep struct {
	ChaseLine
	rung     plan.Rung
	key      string
	deadline time.Time
}

// chaseSteps decides, from period state s, each lead unit's chase at now
// when rung is the period's rung due.
func (c *Cycle) chaseSteps(s periodState, rung plan.Rung, now time.Time) []chaseStep {
	p := s.Period
	var out []chaseStep
	for _, u := range c.Plan.LeadUnits() {
		st := chaseStep{ChaseLine: ChaseLine{Unit: u}, rung: rung, deadline: s.deadlineOf(u.ID)}
		if e := s.Ext[u.ID]; e.Decision == reports.ExtensionGranted {
			// The unit's own ladder, from its new deadline.
			st.rung, _ = c.Schedule.RungDue(p, st.deadline, now)
		}
		if st.rung.Name == "" {
			st.Action = "extended"
			out = append(out, st)
			continue
		}
		st.key = chaseKey(p, u.ID, st.rung.Name)
		if prev, found := s.sent(st.key); found {
			st.Action, st.MessageID = "already sent", prev.MessageID
		} else if s.Latest[u.ID].ID != 0 {
			st.Action = "submitted"
		} else if c.allClosed(u.ID, s.Closed) {
			st.Action = "all tasks closed"
		} else if rem, found := s.sent(reminderKey(p, u.ID)); !found || rem.CreatedAt.After(st.rung.At) {
			// A rung that fell due before the unit was even reminded (the
			// daemon was down over the reminders' time) is not the unit's
			// fault: it waits for the next rung.
			st.Action = "reminded after this rung was due"
		}
		out = append(out, st)
	}
	return out
}

// queueChase composes one chase with a fresh template attached (built from
// period state s, read with templateWants), threaded to the unit's
// reminder, copied as the rung says (plan/chase.go).
func (c *Cycle) queueChase(ctx context.Context, s periodState, secret []byte, st chaseStep) (string, error) {
	p, u, r, deadline := s.Period, st.Unit, st.rung, st.deadline
	tpl, err := c.templateFrom(s, u.ID, secret)
	if err != nil {
		return "", err
	}
	now := c.now()
	data := templates.ChaseData{
		Letter:   c.letter(u, p),
		Deadline: dueCN(deadline), Overdue: r.Overdue, FileName: tpl.FileName, UploadLink: c.uploadLink(secret, u.ID, p),
	}
	msg := mail.Message{To: addresses(u.Contacts), Cc: addresses(u.CC)}
	if r.Overdue > 0 {
		data.DaysLate = c.workdaysBetween(deadline, now)
	} else {
		data.DaysLeft = c.workdaysBetween(now, deadline)
	}
	if r.CopiesOffice() && len(c.Mail.OfficeTo) > 0 {
		data.OfficeCopied = true
		msg.Cc = append(msg.Cc, c.Mail.OfficeTo...)
	}
	if r.CopiesLeader() && c.Mail.Leader.Email != "" {
		data.Leader = c.Mail.Leader.Name
		if data.Leader == "" {
			data.Leader = c.Mail.Leader.Email
		}
		msg.Cc = append(msg.Cc, c.Mail.Leader)
	}
	rendered, err := c.Mail.Texts.Render(templates.Chase, data)
	if err != nil {
		return "", err
	}
	msg.Subject, msg.Text, msg.HTML = rendered.Subject, rendered.Text, rendered.HTML
	msg.Attachments = []mail.Attachment{{Name: tpl.FileName, ContentType: mail.XLSXType, Data: tpl.Data}}
	if rem, found := s.sent(reminderKey(p, u.ID)); found {
		msg.InReplyTo, msg.References = rem.MessageID, []string{rem.MessageID}
	}
	kind := kindChase
	if r.Overdue > 0 {
		kind = kindOverdue
	}
	saved, _, err := c.queue(ctx, outgoing{key: st.key, kind: kind, period: p.String(), unit: u.ID, msg: msg})
	return saved.MessageID, err
}

// workdaysBetween counts the working days after from's day up to and
// including to's day.
func (c *Cycle) workdaysBetween(from, to time.Time) int {
	n := 0
	for d := c.Schedule.Calendar.NextWorkday(from); !d.After(to); d = c.Schedule.Calendar.NextWorkday(d) {
		n++
	}
	return n
}

// Delivery is one compiled workbook mailed to the office.
type Delivery struct {
	Period    plan.Period
	Version   int
	FileName  string
	MessageID string
	Changes   []string
}

// CompileDueResult is one compile run.
type CompileDueResult struct {
	Delivered []Delivery
	Idle      string
	Flush     FlushResult
}

// CompileDue compiles, for the open period and the one before it, every
// period whose deadline is over and whose reminders went out, and mails
// each new version to the office in office hours: the first at the
// deadline, then one for every change in the accepted reports (a late
// report, a correction), with what changed named in the mail.
func (c *Cycle) CompileDue(ctx context.Context) (CompileDueResult, error) {
	now := c.now()
	var res CompileDueResult
	if res.Idle = c.officeIdle(now); res.Idle != "" {
		return res, nil
	}
	open, _ := c.OpenPeriod(now)
	for _, p := range []plan.Period{open.Prev(), open} {
		if p.Year != c.Plan.Year || now.Before(c.Schedule.CompileAt(p)) {
			continue
		}
		reminded, err := c.Ledger.OutboxOf(ctx, p.String(), string(kindReminder))
		if err != nil {
			return res, err
		}
		if len(reminded) == 0 {
			continue // a period this ledger never ran
		}
		d, err := c.CompileAndDeliver(ctx, p)
		if err != nil {
			return res, err
		}
		if d != nil {
			res.Delivered = append(res.Delivered, *d)
		}
	}
	if len(res.Delivered) == 0 {
		res.Idle = "no new version to compile"
	}
	var err error
	res.Flush, err = c.Flush(ctx)
	return res, err
}

// CompileAndDeliver compiles period p and, when that makes a new version,
// queues it to the office. It returns nil when nothing changed since the
// last version.
func (c *Cycle) CompileAndDeliver(ctx context.Context, p plan.Period) (*Delivery, error) {
	// Most ticks find nothing new: tell from the ledger, without building
	// the workbook (which costs milliseconds on every tick).
	if last, found, err := c.Ledger.LatestCompilation(ctx, p.String()); err != nil {
		return nil, fmt.Errorf("reading %s's last compilation: %w", p, err)
	} else if found {
		subs, err := c.Ledger.Submissions(ctx, p.String())
		if err != nil {
			return nil, fmt.Errorf("reading %s's submissions: %w", p, err)
		}
		if fingerprint(subs) == last.Note {
			return nil, nil
		}
	}
	out, err := c.Compile(ctx, p)
	if err != nil {
		return nil, err
	}
	if !out.New {
		return nil, nil
	}
	return &Delivery{Period: p, Version: out.Version, FileName: out.FileName, MessageID: out.MessageID, Changes: out.Changes}, nil
}

func compiledKey(p plan.Period, version int) string {
	return fmt.Sprintf("compiled/%s/v%d", p, version)
}
