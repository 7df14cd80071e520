package jobs

import (
	"context"
	"fmt"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// RemindOptions narrow and shape a reminder run.
type RemindOptions struct {
	Unit   string // only this unit; "" for every lead unit
	DryRun bool   // say what would be sent, send nothing
	Force  bool   // send again to units already reminded for the period
}

// RemindLine is what happened for one unit.
type RemindLine struct {
	Unit      plan.Unit
	MessageID string
	Action    string // "queued", "already reminded", "would send"
	To        []string
}

// RemindResult is one reminder run.
type RemindResult struct {
	Lines []RemindLine
	Flush FlushResult
}

// Remind sends each lead unit its template for period p, once: a unit
// already reminded for p is skipped unless opts.Force, so a resumed or
// repeated run mails nobody twice. Queued messages are sent at once.
//
// Building the workbooks is the costly part of a fan-out, so it runs on
// every core; queueing and sending stay in unit order.
func (c *Cycle) Remind(ctx context.Context, p plan.Period, opts RemindOptions) (RemindResult, error) {
	units := c.Plan.LeadUnits()
	if opts.Unit != "" {
		u, _, err := c.leadUnit(opts.Unit)
		if err != nil {
			return RemindResult{}, err
		}
		units = []plan.Unit{u}
	}
	var res RemindResult
	var todo []int // indexes into res.Lines of reminders to build
	keys := make([]string, len(units))
	wants := c.templateWants()
	if opts.DryRun {
		wants = store.PeriodWants{}
	}
	s, err := c.readPeriod(ctx, p, wants)
	if err != nil {
		return res, err
	}
	for i, u := range units {
		line, key := reminderFor(s, u, opts)
		if line.Action == "" && c.allClosed(u.ID, s.Closed) {
			line.Action = "all tasks closed" // nothing to report
		}
		res.Lines = append(res.Lines, line)
		keys[i] = key
		if line.Action == "" {
			todo = append(todo, i)
		}
	}
	if opts.DryRun {
		return res, nil
	}
	secret, err := c.secret(ctx)
	if err != nil {
		return res, fmt.Errorf("reading the template key: %w", err)
	}
	built := make([]Template, len(units))
	err = parallel(ctx, len(todo), func(j int) error {
		i := todo[j]
		tpl, err := c.templateFrom(s, units[i].ID, secret)
		built[i] = tpl
		return err
	})
	if err != nil {
		return res, fmt.Errorf("building reminders for %s: %w", p, err)
	}
	for _, i := range todo {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		id, err := c.queueReminder(ctx, s, units[i], keys[i], built[i], secret)
		if err != nil {
			return res, fmt.Errorf("reminding %s for %s: %w", units[i].ID, p, err)
		}
		res.Lines[i].Action, res.Lines[i].MessageID = "queued", id
		built[i] = Template{} // let the workbook go
	}
	res.Flush, err = c.Flush(ctx)
	return res, err
}

func reminderKey(p plan.Period, unit string) string {
	return fmt.Sprintf("reminder/%s/%s", p, unit)
}

// reminderFor decides, from period state s, what to do for one unit: the
// line says "already reminded" or "would send", or has no action yet when a
// reminder must be built under the returned key.
func reminderFor(s periodState, u plan.Unit, opts RemindOptions) (RemindLine, string) {
	line := RemindLine{Unit: u}
	for _, ct := range append(append([]plan.Contact{}, u.Contacts...), u.CC...) {
		line.To = append(line.To, ct.Email)
	}
	key := reminderKey(s.Period, u.ID)
	prev, found := s.sent(key)
	if found && opts.Force {
		// A forced reminder is a new message with its own key.
		for n := 2; found; n++ {
			key = fmt.Sprintf("%s/%d", reminderKey(s.Period, u.ID), n)
			prev, found = s.sent(key)
		}
	}
	switch {
	case found:
		line.Action, line.MessageID = "already reminded", prev.MessageID
	case opts.DryRun:
		line.Action = "would send"
	}
	return line, key
}

// queueReminder composes unit u's reminder for the period of s around its
// template and queues it. It lists the tasks to report: a task closed out
// (销号) is only counted, as the template shows it greyed and asks nothing.
func (c *Cycle) queueReminder(ctx context.Context, s periodState, u plan.Unit, key string, tpl Template, secret []byte) (string, error) {
	p := s.Period
	data := templates.ReminderData{
		Office: c.Mail.Office, Contact: c.Mail.Contact, Plan: c.Plan.Title, Unit: u.Name, Period: p.Label(),
		Deadline: dueByCN(c.Schedule.DueBy(p)), FileName: tpl.FileName, UploadLink: c.uploadLink(secret, u.ID, p),
	}
	open := c.openTasks(u.ID, s.Closed)
	for _, t := range open {
		data.Tasks = append(data.Tasks, templates.TaskLine{Number: taskNumber(c.Plan, t.ID), Title: t.Title})
	}
	data.Closed = len(c.Plan.TasksLedBy(u.ID)) - len(open)
	r, err := c.Mail.Texts.Render(templates.Reminder, data)
	if err != nil {
		return "", err
	}
	msg := mail.Message{
		To: addresses(u.Contacts), Cc: addresses(u.CC),
		Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Attachments: []mail.Attachment{{Name: tpl.FileName, ContentType: mail.XLSXType, Data: tpl.Data}},
	}
	saved, _, err := c.queue(ctx, outgoing{key: key, kind: kindReminder, period: p.String(), unit: u.ID, msg: msg})
	return saved.MessageID, err
}

func addresses(cs []plan.Contact) []mail.Address {
	out := make([]mail.Address, 0, len(cs))
	for _, c := range cs {
		out = append(out, mail.Address{Name: c.Name, Email: c.Email})
	}
	return out
}
