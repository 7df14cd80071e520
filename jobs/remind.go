package jobs

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/template"
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
// Building the workbooks and composing the messages is the costly part
// of a fan-out, so it runs on every core, every template from one
// prepared template.Base; recording in the outbox stays in unit order, and
// what is recorded is sent meanwhile. A message is sent only from the
// outbox, after it was archived and recorded there.
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
	sender := c.startFlusher(ctx)
	defer func() { _, _ = sender.finish() }() // on an early return; the normal path reports it
	base := template.NewBase()
	err = inOrder(ctx, len(todo), func(j int) (composed, error) {
		i := todo[j]
		tpl, err := c.templateFromBase(s, units[i].ID, secret, base)
		if err != nil {
			return composed{}, fmt.Errorf("building reminders for %s: %w", p, err)
		}
		m, data, err := c.reminderMessage(s, units[i], keys[i], tpl, secret)
		if err != nil {
			return composed{}, fmt.Errorf("reminding %s for %s: %w", units[i].ID, p, err)
		}
		return composed{m, data}, nil
	}, func(j int, m composed) error {
		i := todo[j]
		saved, _, err := c.enqueue(ctx, m.out, m.data)
		if err != nil {
			return fmt.Errorf("reminding %s for %s: %w", units[i].ID, p, err)
		}
		res.Lines[i].Action, res.Lines[i].MessageID = "queued", saved.MessageID
		sender.poke()
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Flush, err = c.drain(ctx, sender)
	return res, err
}

// composed is a message composed and not yet recorded in the outbox.
type composed struct {
	out  store.OutMessage
	data []byte
}

// inOrder runs build(0) … build(n-1) on as many goroutines as there are
// CPUs and use on their results in index order on the calling goroutine,
// with at most a few results waiting, so that memory stays bounded
// whatever n. It returns the first error (of build, in index order, or of
// use); after it, or once ctx is done, nothing more is built or used.
func inOrder[T any](ctx context.Context, n int, build func(i int) (T, error), use func(i int, v T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // first: the goroutines below stop on it
		wg.Wait()
	}()
	type result struct {
		v   T
		err error
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	ahead := make(chan struct{}, 4*workers) // a token per result built and not yet used
	done := make([]chan result, n)
	for i := range done {
		done[i] = make(chan result, 1)
	}
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				v, err := build(i)
				done[i] <- result{v, err}
			}
		})
	}
	wg.Go(func() {
		defer close(next)
		for i := range n {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	})
	for i := range n {
		var r result
		select {
		case r = <-done[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-ahead
		if r.err != nil {
			return r.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := use(i, r.v); err != nil {
			return err
		}
	}
	return nil
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

// reminderMessage composes unit u's reminder for the period of s around
// its template, to be recorded in the outbox under key. It lists the tasks
// to report: a task closed out (销号) is only counted, as the template
// shows it greyed and asks nothing.
func (c *Cycle) reminderMessage(s periodState, u plan.Unit, key string, tpl Template, secret []byte) (store.OutMessage, []byte, error) {
	p := s.Period
	data := templates.ReminderData{
		Letter: c.letter(u, p), Plan: c.Plan.Title,
		Deadline: dueByCN(c.Schedule.DueBy(p)), FileName: tpl.FileName, UploadLink: c.uploadLink(secret, u.ID, p),
	}
	open := c.openTasks(u.ID, s.Closed)
	for _, t := range open {
		data.Tasks = append(data.Tasks, templates.TaskLine{Number: taskNumber(c.Plan, t.ID), Title: t.Title})
	}
	data.Closed = len(c.Plan.TasksLedBy(u.ID)) - len(open)
	r, err := c.Mail.Texts.Render(templates.Reminder, data)
	if err != nil {
		return store.OutMessage{}, nil, err
	}
	msg := mail.Message{
		To: addresses(u.Contacts), Cc: addresses(u.CC),
		Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Attachments: []mail.Attachment{{Name: tpl.FileName, ContentType: mail.XLSXType, Data: tpl.Data}},
	}
	return c.compose(outgoing{key: key, kind: kindReminder, period: p.String(), unit: u.ID, msg: msg})
}

func addresses(cs []plan.Contact) []mail.Address {
	out := make([]mail.Address, 0, len(cs))
	for _, c := range cs {
		out = append(out, mail.Address{Name: c.Name, Email: c.Email})
	}
	return out
}
