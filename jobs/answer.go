package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// handle decides on a unit's message as a whole — its workbooks checked
// and recorded, one answer — and fills rec's outcome. Every action is keyed
// on the raw message's hash, so handling it again repeats nothing.
func (c *Cycle) handle(ctx context.Context, a arrival, rec *store.InMessage) error {
	if a.parseErr != nil {
		rec.Outcome, rec.Note, rec.Office = store.InQuarantine, "unreadable: "+a.parseErr.Error(), "无法解析的邮件"
		return nil
	}
	msg, unit := a.msg, a.verdict.unit
	thread := a.verdict.thread
	from := &origin{unit: unit, period: thread.periodOr(c.Schedule.CurrentPeriod(a.received)), threaded: !thread.period.IsZero()}
	// Mail a machine sent (RFC 3834 headers) is never answered: no loops.
	machine := msg.Auto != ""
	if len(a.books) == 0 {
		if machine || msg.SubjectAuto {
			why := msg.Auto
			if why == "" {
				why = "auto-reply subject"
			}
			rec.Outcome, rec.Note = store.InProcessed, noteIgnored+why
			return nil
		}
		rec.Outcome, rec.Period, rec.Note = store.InRejected, from.period.String(), "no workbook attached"
		return c.answerNoWorkbook(ctx, msg, a.rawSHA, unit, from.period, a.received, a.others)
	}
	// A message with a workbook is always a report, whatever its subject.
	ds, err := c.decideAll(ctx, a.books, from, a.received)
	if err != nil {
		return err
	}
	// The message went through when a workbook of it was taken.
	rec.Outcome = store.InRejected
	if ds[0].Accepted {
		rec.Outcome = store.InProcessed
	}
	var notes []string
	for _, d := range ds {
		if !d.Period.IsZero() && rec.Period == "" {
			rec.Period = d.Period.String()
		}
		notes = append(notes, fmt.Sprintf("%s: accepted=%v version=%d problems=%d", d.FileName, d.Accepted, d.Version, len(d.Problems)))
	}
	if a.skipped > 0 {
		notes = append(notes, fmt.Sprintf("%d more files not looked at (limits.max_attachments)", a.skipped))
	}
	rec.Note = strings.Join(notes, "; ")
	if machine {
		rec.Note += "; not answered: " + msg.Auto
		rec.Office = "自动发送的邮件（" + msg.Auto + "）附有报送表，已按报送登记，未自动回复"
		return nil
	}
	return c.answer(ctx, msg, a.rawSHA+"/0", unit, ds, a.skipped)
}

// decideAll decides on the workbooks of one message together. Identical
// files count once. When several files are for the same unit and period,
// the one that passes is taken and the others are refused with the reason;
// when more than one passes, none is taken and the unit is asked to send
// one. Decisions come back in file order, the one taken first.
func (c *Cycle) decideAll(ctx context.Context, books []workbook, from *origin, now time.Time) ([]Decision, error) {
	var evs []evaluation
	seen := map[string]bool{}
	for _, wb := range books {
		if seen[wb.sha256] {
			continue
		}
		seen[wb.sha256] = true
		ev, err := c.evaluate(ctx, wb, from, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	if len(evs) > 1 {
		settleRivals(evs)
	}
	ds := make([]Decision, len(evs))
	for i, ev := range evs {
		d, err := c.record(ctx, ev)
		if err != nil {
			return nil, err
		}
		ds[i] = d
	}
	slices.SortStableFunc(ds, func(a, b Decision) int { return boolRank(b.taken()) - boolRank(a.taken()) })
	return ds, nil
}

// taken reports whether the decision is one the unit is answered with a
// receipt for.
func (d Decision) taken() bool { return d.Accepted || d.Submission.RequestOnly() }

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Problem kinds of a message with several workbooks.
const (
	kindNotTaken  = "not_taken" // another file of the message for the same period was taken
	kindAmbiguous = "ambiguous" // several files for the same period pass: none is taken
)

// settleRivals refuses the files of one message that compete for the same
// unit and period: the only one that passes is taken; when several pass,
// none is.
func settleRivals(evs []evaluation) {
	groups := map[string][]int{}
	var order []string
	for i, ev := range evs {
		if ev.final != nil || ev.sub.Unit == "" {
			continue
		}
		k := ev.sub.Unit + "/" + ev.sub.Period
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		var passing []int
		var names []string
		for _, i := range idx {
			names = append(names, "“"+evs[i].wb.name+"”")
			if evs[i].sub.Accepted || evs[i].sub.RequestOnly() {
				passing = append(passing, i)
			}
		}
		period := evs[idx[0]].sub.Period
		if p, err := plan.ParsePeriod(period); err == nil {
			period = p.Label()
		}
		switch {
		case len(passing) > 1:
			for _, i := range passing {
				evs[i].refuse(reports.Problem{Kind: kindAmbiguous, Message: fmt.Sprintf(
					"本邮件附有 %d 份%s推进情况表（%s），无法确定以哪一份为准，均未登记。请只附一份填写好的表格重新发送。",
					len(idx), period, strings.Join(names, "、"))})
			}
		case len(passing) == 1:
			taken := evs[passing[0]].wb.name
			for _, i := range idx {
				if i != passing[0] {
					evs[i].refuse(reports.Problem{Kind: kindNotTaken, Message: fmt.Sprintf(
						"本邮件另附的“%s”已通过校验并登记，本文件未采用。", taken)})
				}
			}
		}
	}
}

// answer queues the one answer to a message: a receipt when a workbook was
// taken, a rejection (with a fresh template, so the unit can start again
// from the right one) otherwise; the other files of the message are
// accounted for in it. ds come from decideAll, the one taken first.
func (c *Cycle) answer(ctx context.Context, msg *inbound.Message, key string, u plan.Unit, ds []Decision, skipped int) error {
	d := ds[0]
	if d.Submission.RequestOnly() {
		return c.answerExtensionRequest(ctx, msg, key, u, d)
	}
	data := c.replyData(d, u)
	kind, tmpl := kindReceipt, templates.Receipt
	var attach []mail.Attachment
	if d.Accepted {
		titles := map[string]string{}
		for _, t := range c.Plan.TasksLedBy(u.ID) {
			titles[t.ID] = t.Title
		}
		steps := map[string]bool{} // tasks the receipt warns about
		for _, w := range d.Warnings {
			steps[w.TaskID] = w.Kind == reader.KindStepBack
		}
		answers := slices.Clone(d.Submission.Answers)
		slices.SortStableFunc(answers, func(a, b plan.Answer) int { return c.Plan.TaskNumber(a.TaskID) - c.Plan.TaskNumber(b.TaskID) })
		for _, a := range answers { // in the plan's order
			status := string(a.Status)
			if steps[a.TaskID] {
				status += stepBackNote
			}
			data.Tasks = append(data.Tasks, templates.TaskLine{Number: taskNumber(c.Plan, a.TaskID), Title: titles[a.TaskID], Status: status})
		}
		for _, o := range ds[1:] {
			data.Others = append(data.Others, otherLine(o))
		}
	} else {
		kind, tmpl = kindRejection, templates.Rejection
		if len(ds) > 1 {
			// Every file's problems, each named with its file.
			var names []string
			data.Problems = nil
			for _, o := range ds {
				names = append(names, o.FileName)
				for _, p := range o.Problems {
					data.Problems = append(data.Problems, problemLine(p, "附件“"+o.FileName+"”："+p.Message))
				}
			}
			data.FileName = strings.Join(names, "”、“") // inside the template's quotes
		}
		p := d.Period
		if p.IsZero() {
			p = c.Schedule.CurrentPeriod(c.now())
		}
		if data.Period == "" {
			data.Period = p.Label()
			data.Deadline = dueByCN(c.Schedule.DueBy(p))
		}
		tpl, err := c.BuildTemplate(ctx, u.ID, p)
		if err != nil {
			return err
		}
		attach = []mail.Attachment{{Name: tpl.FileName, ContentType: mail.XLSXType, Data: tpl.Data}}
	}
	if skipped > 0 {
		data.Others = append(data.Others, fmt.Sprintf("另有 %d 个附件未读取：每封邮件最多读取 %d 个附件，请每次只附本期推进情况表。",
			skipped, c.intakeLimits().Attachments))
	}
	r, err := c.Mail.Texts.Render(tmpl, data)
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + key, kind: kind, period: d.Period.String(), unit: u.ID,
		msg: mail.Message{To: to, Subject: r.Subject, Text: r.Text, HTML: r.HTML, InReplyTo: irt, References: refs,
			AutoSubmitted: "auto-replied", Attachments: attach},
	})
	return err
}

// stepBackNote follows the status of a task the receipt warns about (see
// reader.Warnings): the receipt lists each task with its status, and
// says the rest there.
const stepBackNote = "（请注意：上次报送为“已完成”，本次已按所填状态登记；如该任务确已完成，请改回“已完成”后重新报送）"

// otherLine says in a receipt what became of another file of the message.
func otherLine(d Decision) string {
	switch {
	case d.Accepted:
		return fmt.Sprintf("附件“%s”：%s推进情况已登记为本期第%d次报送。", d.FileName, d.Period.Label(), d.Version)
	case d.Submission.RequestOnly():
		return fmt.Sprintf("附件“%s”：延期申请已收到。", d.FileName)
	case len(d.Problems) > 0:
		return fmt.Sprintf("附件“%s”：未采用。%s", d.FileName, d.Problems[0].Message)
	}
	return fmt.Sprintf("附件“%s”：未采用。", d.FileName)
}

// answerExtensionRequest acknowledges a workbook that only asks for more
// time. The office is copied: it decides with `duban extend`.
func (c *Cycle) answerExtensionRequest(ctx context.Context, msg *inbound.Message, key string, u plan.Unit, d Decision) error {
	s := d.Submission
	r, err := c.Mail.Texts.Render(templates.Extension, templates.ExtensionData{
		Letter:     c.letter(u, d.Period),
		Deadline:   dueByCN(c.Schedule.DueBy(d.Period)),
		Requested:  dateCN(c.day(s.ExtensionUntil)),
		Reason:     s.ExtensionReason,
		ReceivedAt: timeCN(s.ReceivedAt.In(c.Schedule.Location)),
	})
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + key, kind: kindExtension, period: d.Period.String(), unit: u.ID,
		msg: mail.Message{To: to, Cc: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
			InReplyTo: irt, References: refs, AutoSubmitted: "auto-replied"},
	})
	return err
}

func (c *Cycle) answerNoWorkbook(ctx context.Context, msg *inbound.Message, rawSHA string, u plan.Unit, p plan.Period, received time.Time, others []string) error {
	return c.answerNoRead(ctx, msg, rawSHA, u, p, templates.NoWorkbookData{
		ReceivedAt: timeCN(received.In(c.Schedule.Location)),
		Found:      strings.Join(others, "、"),
	})
}

// answerTooLarge tells a unit its message was over the size limit and not
// read: only its header was judged.
func (c *Cycle) answerTooLarge(ctx context.Context, a arrival, u plan.Unit, period string) error {
	p, err := plan.ParsePeriod(period)
	if err != nil {
		p = c.Schedule.CurrentPeriod(a.received)
	}
	lim := c.intakeLimits()
	return c.answerNoRead(ctx, a.verdict.env, a.rawSHA, u, p, templates.NoWorkbookData{
		ReceivedAt: timeCN(a.received.In(c.Schedule.Location)),
		TooLarge:   fmt.Sprintf("%.1f MB，超过了 %.0f MB 的上限", float64(a.in.Size)/(1<<20), float64(lim.message)/(1<<20)),
	})
}

// answerNoRead asks a unit for its workbook again: none was found, or the
// message could not be read.
func (c *Cycle) answerNoRead(ctx context.Context, msg *inbound.Message, rawSHA string, u plan.Unit, p plan.Period, d templates.NoWorkbookData) error {
	d.Letter = c.letter(u, p)
	d.Deadline = dueByCN(c.Schedule.DueBy(p))
	r, err := c.Mail.Texts.Render(templates.NoWorkbook, d)
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + rawSHA, kind: kindNoWorkbook, period: p.String(), unit: u.ID,
		msg: mail.Message{To: to, Subject: r.Subject, Text: r.Text, HTML: r.HTML, InReplyTo: irt, References: refs, AutoSubmitted: "auto-replied"},
	})
	return err
}

// threadRef is what a reply's In-Reply-To/References say about it.
type threadRef struct {
	unit   string
	period plan.Period
}

func (t threadRef) periodOr(p plan.Period) plan.Period {
	if t.period.IsZero() {
		return p
	}
	return t.period
}

// threadOf follows In-Reply-To, then References (newest first), to a
// message we sent. Our Message-IDs are unguessable in effect: a reference
// counts only when the outbox holds a message with that id.
func (c *Cycle) threadOf(ctx context.Context, msg *inbound.Message) threadRef {
	ids := append([]string{}, msg.InReplyTo...)
	for i := len(msg.References) - 1; i >= 0; i-- {
		ids = append(ids, msg.References[i])
	}
	for _, id := range ids {
		out, found, err := c.Ledger.OutboxByMessageID(ctx, id)
		if err != nil || !found {
			continue
		}
		p, err := plan.ParsePeriod(out.Period)
		if err != nil {
			continue
		}
		return threadRef{unit: out.Unit, period: p}
	}
	return threadRef{}
}

// replyTo threads an answer to the unit's message.
func replyTo(msg *inbound.Message) (to []mail.Address, inReplyTo string, refs []string) {
	to = []mail.Address{{Name: msg.From.Name, Email: msg.From.Email}}
	refs = append(refs, msg.References...)
	if msg.MessageID != "" {
		inReplyTo = msg.MessageID
		refs = append(refs, msg.MessageID)
	}
	return to, inReplyTo, refs
}

// spreadsheetExt are the file name endings of spreadsheets (and of a zip
// that may hold one) a unit might send instead of the .xlsx.
var spreadsheetExt = []string{".xlsx", ".xls", ".xlsm", ".xlsb", ".et", ".ods", ".zip"}

// workbookCandidates picks the files to read as the unit's report: the
// .xlsx workbooks when there are any (a photo or a Word file beside them is
// ignored); otherwise whatever looks like a spreadsheet of the wrong kind,
// so that the unit is told exactly what to send instead.
func workbookCandidates(files []inbound.File) []inbound.File {
	var xlsx, other []inbound.File
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f.Name))
		switch {
		case f.Kind == inbound.KindXLSX && !f.TooLarge:
			xlsx = append(xlsx, f)
		case slices.Contains(spreadsheetExt, ext) && (f.TooLarge || f.IsWorkbookLike()),
			f.Kind == inbound.KindXLSM, f.Kind == inbound.KindODS:
			other = append(other, f)
		}
	}
	if len(xlsx) > 0 {
		return xlsx
	}
	return other
}

// tooLarge stands for an attachment over the size limit: it is refused
// with a message saying so. The whole message, attachment included, is in
// the archive already; the placeholder only names it.
func (c *Cycle) tooLarge(ctx context.Context, f inbound.File, source string, now time.Time) (workbook, error) {
	note := fmt.Appendf(nil, "attachment %q of %d bytes not read: over the limit of %d bytes\n", f.Name, f.Size, c.Inbound.MaxFileBytes)
	placeholder, _, err := c.Ledger.Archive(ctx, note, f.Name+".too-large.txt", source, now)
	if err != nil {
		return workbook{}, err
	}
	limitMB := float64(c.Inbound.MaxFileBytes) / (1 << 20)
	return workbook{name: f.Name, source: source, sha256: placeholder.SHA256, parsed: &reader.Returned{
		Fatal: true,
		Problems: []reports.Problem{{Kind: "too_large", Message: fmt.Sprintf(
			"附件“%s”大小为 %.1f MB，超过 %.0f MB 的限制，系统未读取。请删除表中的图片等无关内容后重新保存为 .xlsx 文件再发送（不要打包成压缩文件）。",
			f.Name, float64(f.Size)/(1<<20), limitMB)}},
	}}, nil
}
