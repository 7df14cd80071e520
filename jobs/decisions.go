package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// The office's commands: close-out (销号) and extension (延期). Each logs the
// decision in the ledger, then tells the unit by mail. The mail is keyed by
// the logged decision, and every run queues the notices still missing, so a
// crash between the two sends the notice at the next run, never twice.

// ErrDecision is wrapped by every refusal of an office command the operator
// can fix (wrong task, wrong status, date before the deadline …).
var ErrDecision = errors.New("未执行")

func refusef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDecision, fmt.Sprintf(format, args...))
}

// Decided is the result of an office command.
type Decided struct {
	Summary   string // one line for the office, in Chinese
	MessageID string // the notice to the unit; "" when none was queued
	Flush     FlushResult
}

// CloseTask closes task taskID out: its lead unit reported it 已完成 in
// period p (zero: its latest report), and the office confirms. From the
// next period the task is shown locked in the unit's template, not asked
// and never chased. Without force, a task whose latest report in p is not
// 已完成 is refused.
func (c *Cycle) CloseTask(ctx context.Context, taskID string, p plan.Period, note string, force bool) (Decided, error) {
	t, ok := c.Plan.Task(taskID)
	if !ok {
		return Decided{}, refusef("没有任务“%s”；任务编号为：%s", taskID, c.taskIDs())
	}
	if cur, closed, err := c.closure(ctx, t.ID); err != nil {
		return Decided{}, err
	} else if closed {
		return Decided{}, refusef("任务 %s 已于%s销号；如需撤销：duban close --task %s --reopen", t.ID, periodLabel(cur.Period), t.ID)
	}
	if p.IsZero() {
		p = c.Schedule.CurrentPeriod(c.now())
	}
	sub, found, err := c.Ledger.LatestBefore(ctx, t.Lead, p.Next().String())
	if err != nil {
		return Decided{}, fmt.Errorf("reading %s's reports: %w", t.Lead, err)
	}
	status := sub.Answer(t.ID).Status
	switch {
	case found && status == plan.StatusDone:
		p, _ = plan.ParsePeriod(sub.Period) // the report that says 已完成
	case force:
	case !found:
		return Decided{}, refusef("%s截至%s没有通过校验的报送，无从确认任务 %s 已完成；如仍要销号，请加 --force", c.Plan.UnitName(t.Lead), p.Label(), t.ID)
	default:
		return Decided{}, refusef("%s最近一次报送（%s）中任务 %s 的完成状态为“%s”，不是“%s”；待其报送“%s”后再销号，或加 --force",
			c.Plan.UnitName(t.Lead), periodLabel(sub.Period), t.ID, status, plan.StatusDone, plan.StatusDone)
	}
	e, err := c.Ledger.AddClosureEvent(ctx, store.ClosureEvent{Task: t.ID, Action: store.ActionClose, Period: p.String(), Note: note, At: c.now()})
	if err != nil {
		return Decided{}, err
	}
	c.log().Info("task closed", "task", t.ID, "period", p.String(), "note", note)
	d := Decided{Summary: fmt.Sprintf("任务 %s 已销号：确认%s%s已完成；自%s起该任务在模板中仅作展示，不再要求填报，也不再催报", t.ID, c.Plan.UnitName(t.Lead), p.Label(), p.Next().Label())}
	return c.finishDecision(ctx, d, closureKey(e.ID))
}

// ReopenTask reopens a closed task: it is asked and chased again from the
// period being collected now. The reopening is logged like the close-out.
func (c *Cycle) ReopenTask(ctx context.Context, taskID, note string) (Decided, error) {
	t, ok := c.Plan.Task(taskID)
	if !ok {
		return Decided{}, refusef("没有任务“%s”；任务编号为：%s", taskID, c.taskIDs())
	}
	if _, closed, err := c.closure(ctx, t.ID); err != nil {
		return Decided{}, err
	} else if !closed {
		return Decided{}, refusef("任务 %s 未销号，无需撤销", t.ID)
	}
	p := c.Schedule.CurrentPeriod(c.now())
	e, err := c.Ledger.AddClosureEvent(ctx, store.ClosureEvent{Task: t.ID, Action: store.ActionReopen, Period: p.String(), Note: note, At: c.now()})
	if err != nil {
		return Decided{}, err
	}
	c.log().Info("task reopened", "task", t.ID, "period", p.String(), "note", note)
	d := Decided{Summary: fmt.Sprintf("任务 %s 已撤销销号：%s自%s起恢复按月报送", t.ID, c.Plan.UnitName(t.Lead), p.Label())}
	return c.finishDecision(ctx, d, closureKey(e.ID))
}

// closure returns the task's latest log entry and whether it is a close.
func (c *Cycle) closure(ctx context.Context, taskID string) (store.ClosureEvent, bool, error) {
	events, err := c.Ledger.ClosureEvents(ctx)
	if err != nil {
		return store.ClosureEvent{}, false, err
	}
	var last store.ClosureEvent
	for _, e := range events {
		if e.Task == taskID {
			last = e
		}
	}
	return last, last.Action == store.ActionClose, nil
}

func (c *Cycle) taskIDs() string {
	ids := make([]string, len(c.Plan.Tasks))
	for i, t := range c.Plan.Tasks {
		ids[i] = t.ID
	}
	return strings.Join(ids, ", ")
}

// Extend records the office's decision on unit's deadline for period p:
// granted until the given day, or refused when until is zero. A granted
// extension moves the unit's deadline: the chase ladder and the colours
// count from it, and a report by then is on time.
func (c *Cycle) Extend(ctx context.Context, unitID string, p plan.Period, until time.Time, note string) (Decided, error) {
	u, _, err := c.leadUnit(unitID)
	if err != nil {
		return Decided{}, refusef("%v", err)
	}
	d := store.ExtensionDecision{Period: p.String(), Unit: u.ID, Decision: store.ExtensionRefused, Note: note, At: c.now()}
	deadline := c.Schedule.Deadline(p)
	summary := fmt.Sprintf("不同意%s%s推进情况延期报送：截止日期仍为%s", u.Name, p.Label(), plan.DateCN(deadline))
	if !until.IsZero() {
		until = time.Date(until.Year(), until.Month(), until.Day(), 0, 0, 0, 0, c.Schedule.Location)
		if !until.After(deadline) {
			return Decided{}, refusef("--until %s 不晚于%s的截止日期%s，无需延期", until.Format(time.DateOnly), p.Label(), plan.DateCN(deadline))
		}
		if next := c.Schedule.Deadline(p.Next()); until.After(next) {
			return Decided{}, refusef("--until %s 晚于下一期的截止日期%s；最多延期至该日，届时下一期报送也已截止",
				until.Format(time.DateOnly), plan.DateCN(next))
		}
		d.Decision, d.Until = store.ExtensionGranted, until.Format(time.DateOnly)
		summary = fmt.Sprintf("同意%s%s推进情况延期至%s报送；催报和预警自该日起计算", u.Name, p.Label(), plan.DateCN(until))
	}
	saved, err := c.Ledger.AddExtensionDecision(ctx, d)
	if err != nil {
		return Decided{}, err
	}
	c.log().Info("extension decided", "unit", u.ID, "period", p.String(), "decision", d.Decision, "until", d.Until)
	return c.finishDecision(ctx, Decided{Summary: summary}, extensionKey(saved.ID))
}

func closureKey(id int64) string   { return fmt.Sprintf("closure/%d", id) }
func extensionKey(id int64) string { return fmt.Sprintf("extension/%d", id) }

// finishDecision queues every decision notice still missing (this one
// included), sends them, and names this one's Message-ID in d.
func (c *Cycle) finishDecision(ctx context.Context, d Decided, key string) (Decided, error) {
	if c.Mail == nil {
		return d, nil
	}
	if err := c.NotifyDecisions(ctx); err != nil {
		return d, err
	}
	if m, found, err := c.Ledger.OutboxByKey(ctx, key); err != nil {
		return d, err
	} else if found {
		d.MessageID = m.MessageID
	}
	var err error
	d.Flush, err = c.Flush(ctx)
	return d, err
}

// NotifyDecisions queues the notice of every close-out, reopening and
// extension decision of the plan year that has none yet.
func (c *Cycle) NotifyDecisions(ctx context.Context) error {
	if c.Mail == nil {
		return nil
	}
	first, last := plan.Period{Year: c.Plan.Year, Month: time.January}, plan.Period{Year: c.Plan.Year, Month: time.December}
	d, err := c.Ledger.ReadDecisions(ctx, first.String(), last.String())
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(d.Closures)+len(d.Extensions))
	for _, e := range d.Closures {
		keys = append(keys, closureKey(e.ID))
	}
	for _, x := range d.Extensions {
		keys = append(keys, extensionKey(x.ID))
	}
	noticed, err := c.Ledger.OutboxByKeys(ctx, keys)
	if err != nil {
		return err
	}
	for _, e := range d.Closures {
		if _, done := noticed[closureKey(e.ID)]; done {
			continue
		}
		if err := c.notifyClosure(ctx, e); err != nil {
			return fmt.Errorf("telling the lead unit of task %s: %w", e.Task, err)
		}
	}
	for _, x := range d.Extensions {
		if _, done := noticed[extensionKey(x.ID)]; done {
			continue
		}
		p, err := plan.ParsePeriod(x.Period)
		if err != nil {
			return err
		}
		if err := c.notifyExtension(ctx, p, x); err != nil {
			return fmt.Errorf("telling %s of its extension for %s: %w", x.Unit, p, err)
		}
	}
	return nil
}

// notifyClosure queues the notice of close-out event e (NotifyDecisions
// found none queued).
func (c *Cycle) notifyClosure(ctx context.Context, e store.ClosureEvent) error {
	key := closureKey(e.ID)
	t, ok := c.Plan.Task(e.Task)
	if !ok {
		return nil // a task since removed from the plan
	}
	u, ok := c.Plan.Unit(t.Lead)
	if !ok {
		return nil
	}
	p, err := plan.ParsePeriod(e.Period)
	if err != nil {
		return err
	}
	data := templates.ClosureData{
		Letter: c.letter(u, p), Task: t.ID + " " + t.Title, Next: p.Next().Label(),
		Reopened: e.Action == store.ActionReopen, Note: e.Note,
	}
	if data.Reopened {
		data.Next = p.Label()
	}
	r, err := c.Mail.Texts.Render(templates.Closure, data)
	if err != nil {
		return err
	}
	msg := mail.Message{To: addresses(u.Contacts), Cc: append(addresses(u.CC), c.Mail.OfficeTo...), Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	if data.Reopened {
		// The template of the period being collected no longer matches:
		// the task is asked again, so the unit gets a fresh one.
		if err := c.attachTemplate(ctx, &msg, u, p); err != nil {
			return err
		}
	}
	_, _, err = c.queue(ctx, outgoing{key: key, kind: kindClosure, period: e.Period, unit: u.ID, msg: msg})
	return err
}

// notifyExtension queues the notice of extension decision d of period p
// (NotifyDecisions found none queued).
func (c *Cycle) notifyExtension(ctx context.Context, p plan.Period, d store.ExtensionDecision) error {
	key := extensionKey(d.ID)
	u, ok := c.Plan.Unit(d.Unit)
	if !ok {
		return nil
	}
	ext, err := c.extensionFor(ctx, p, u.ID)
	if err != nil {
		return err
	}
	data := templates.ExtensionData{
		Letter: c.letter(u, p), Deadline: dueByCN(c.Schedule.DueBy(p)),
		Reason: ext.Reason, Decision: d.Decision, Note: d.Note,
	}
	if !ext.Requested.IsZero() {
		data.Requested = dateCN(ext.Requested)
	}
	msg := mail.Message{To: addresses(u.Contacts), Cc: append(addresses(u.CC), c.Mail.OfficeTo...)}
	if d.Decision == store.ExtensionGranted {
		data.Until = dueCN(c.day(d.Until))
		// The template carries the new deadline.
		if err := c.attachTemplate(ctx, &msg, u, p); err != nil {
			return err
		}
		data.FileName = msg.Attachments[0].Name
	}
	r, err := c.Mail.Texts.Render(templates.Extension, data)
	if err != nil {
		return err
	}
	msg.Subject, msg.Text, msg.HTML = r.Subject, r.Text, r.HTML
	if rem, found, err := c.Ledger.OutboxByKey(ctx, reminderKey(p, u.ID)); err != nil {
		return err
	} else if found {
		msg.InReplyTo, msg.References = rem.MessageID, []string{rem.MessageID}
	}
	_, _, err = c.queue(ctx, outgoing{key: key, kind: kindExtension, period: p.String(), unit: u.ID, msg: msg})
	return err
}

// attachTemplate attaches the unit's fresh template for period p.
func (c *Cycle) attachTemplate(ctx context.Context, msg *mail.Message, u plan.Unit, p plan.Period) error {
	tpl, err := c.BuildTemplate(ctx, u.ID, p)
	if err != nil {
		return err
	}
	msg.Attachments = append(msg.Attachments, mail.Attachment{Name: tpl.FileName, ContentType: mail.XLSXType, Data: tpl.Data})
	return nil
}

// periodLabel is a recorded period (YYYY-MM) as the office writes it:
// 2023年5月; as recorded when it does not parse.
func periodLabel(s string) string {
	if p, err := plan.ParsePeriod(s); err == nil {
		return p.Label()
	}
	return s
}
