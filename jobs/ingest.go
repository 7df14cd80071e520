package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// Decision is what became of one received workbook.
type Decision struct {
	FileName  string
	SHA256    string
	Unit      plan.Unit   // zero when the file could not be attributed
	Period    plan.Period // zero when the file could not be attributed
	Accepted  bool
	Duplicate bool // the same file was ingested before; nothing new was recorded
	Late      bool
	Version   int // accepted version for (period, unit)
	// Deadline is the unit's deadline day for Period, extended when the
	// office granted more time; zero when not worked out (a file seen
	// before), and the period's applies.
	Deadline time.Time
	Problems []reports.Problem
	// Warnings are what an accepted workbook is accepted with but its
	// receipt tells the unit (reader.Warnings: a task 已完成 last time and
	// not now). They are not recorded: a decision read back from the
	// ledger (Duplicate) has none.
	Warnings   []reports.Problem
	Submission store.Submission
}

// Ingest archives a received workbook, reads and checks it, and records the
// decision in the ledger. The bytes are archived before they are parsed, so
// nothing received is lost whatever the parser does. Ingesting the same
// bytes again returns the earlier decision and records nothing. Only one
// process at a time ingests or collects on a data directory.
func (c *Cycle) Ingest(ctx context.Context, data []byte, name, source string) (Decision, error) {
	unlock, err := c.Ledger.Lock(ctx, store.LockIntake, func() {
		c.log().Info("waiting for another duban process to finish reading mail on this data directory")
	})
	if err != nil {
		return Decision{}, fmt.Errorf("ingesting %s: %w", name, err)
	}
	defer unlock()
	return c.ingest(ctx, data, name, source, nil, c.now())
}

// origin is what the mail around a workbook says about it: the unit its
// sender may speak for, and the period of the message it answers.
type origin struct {
	unit   plan.Unit
	period plan.Period // zero when the message answers none of ours
	// threaded: period is that of the message of ours it answers, not a
	// guess from the date.
	threaded bool
}

// workbook is a received file, parsed.
type workbook struct {
	name   string
	source string
	sha256 string
	parsed *reader.Returned
	// data is set while the file itself is not archived yet (its message
	// is): it is archived with the decision, in one transaction.
	data []byte
}

// readWorkbook archives a received file and only then parses it, so nothing
// received is lost whatever the parser does. Safe to call concurrently.
func (c *Cycle) readWorkbook(ctx context.Context, data []byte, name, source string, now time.Time) (workbook, error) {
	f, _, err := c.Ledger.Archive(ctx, data, name, source, now)
	if err != nil {
		return workbook{}, fmt.Errorf("archiving %s: %w", name, err)
	}
	return workbook{name: name, source: source, sha256: f.SHA256, parsed: reader.Parse(data, c.Limits)}, nil
}

// parseWorkbook parses a file taken from an archived message; the file
// itself is archived when the decision on it is recorded.
func (c *Cycle) parseWorkbook(data []byte, name, source string) workbook {
	sum := sha256.Sum256(data)
	return workbook{name: name, source: source, sha256: hex.EncodeToString(sum[:]), parsed: reader.Parse(data, c.Limits), data: data}
}

// ingest is Ingest for a workbook that may have come by mail: with an
// origin, the expected unit is the sender's, whatever the workbook claims,
// so a template for another unit is refused rather than filed under it.
func (c *Cycle) ingest(ctx context.Context, data []byte, name, source string, from *origin, now time.Time) (Decision, error) {
	wb, err := c.readWorkbook(ctx, data, name, source, now)
	if err != nil {
		return Decision{}, err
	}
	return c.decide(ctx, wb, from, now)
}

// decide checks a read workbook and records the decision, once per file.
func (c *Cycle) decide(ctx context.Context, wb workbook, from *origin, now time.Time) (Decision, error) {
	ev, err := c.evaluate(ctx, wb, from, now)
	if err != nil {
		return Decision{}, err
	}
	return c.record(ctx, ev)
}

// evaluation is a workbook checked and not yet recorded: either the
// decision it already has (final), or the submission to record.
type evaluation struct {
	wb       workbook
	final    *Decision // decided before (the same file), or not to be recorded
	sub      store.Submission
	deadline time.Time         // the unit's deadline day, when attributed
	warnings []reports.Problem // of an accepted workbook (reader.Warnings)
}

// refuse turns the pending submission into a refusal with one more
// problem (a rival file of the same message was taken, or several pass).
func (e *evaluation) refuse(p reports.Problem) {
	e.sub.Accepted = false
	e.sub.Answers = nil
	e.sub.ExtensionUntil, e.sub.ExtensionReason = "", ""
	e.warnings = nil
	e.sub.Problems = append(e.sub.Problems, store.Problem{Cell: p.Cell, TaskID: p.TaskID, Kind: p.Kind, Message: p.Message})
}

// evaluate checks a read workbook against what is expected of it.
func (c *Cycle) evaluate(ctx context.Context, wb workbook, from *origin, now time.Time) (evaluation, error) {
	ev := evaluation{wb: wb}
	name := wb.name
	prev, seen, err := c.Ledger.SubmissionByFile(ctx, wb.sha256)
	if err != nil {
		return ev, fmt.Errorf("looking up %s in the ledger: %w", name, err)
	}
	if seen && (from == nil || prev.Unit == from.unit.ID) {
		d := c.decisionOf(prev)
		d.FileName, d.Duplicate = name, true
		ev.final = &d
		return ev, nil
	}

	secret, err := c.secret(ctx)
	if err != nil {
		return ev, fmt.Errorf("reading the template key: %w", err)
	}
	ret := wb.parsed
	exp, attributed := c.expectation(ret, secret, from)
	exp.TaskNumbers = c.taskNumbers(exp.Tasks)
	var ext reports.Extension
	if attributed {
		if ext, err = c.supervise(ctx, &exp); err != nil {
			return ev, err
		}
	}
	problems := reader.Check(ret, exp)
	if !attributed && ret.HasMeta && !ret.Fatal {
		problems = append(problems, reports.Problem{
			Kind:    "unit_unknown",
			Message: fmt.Sprintf("模板中的填报单位代码“%s”或报送期次“%s”无法识别。请使用本期邮件附带的模板重新填写后报送。", ret.Meta.Unit, ret.Meta.Period),
		})
	}

	sub := store.Submission{
		FileSHA256: wb.sha256,
		FileName:   name,
		Source:     wb.source,
		ReceivedAt: now,
		Accepted:   attributed && len(problems) == 0,
		Contact:    ret.Contact,
		Phone:      ret.Phone,
		Problems:   toStoreProblems(problems),
	}
	if attributed {
		sub.Period, sub.Unit = exp.Period.String(), exp.Unit.ID
		ev.deadline = c.deadlineOf(exp.Period, ext)
		sub.Late = !now.Before(ev.deadline.AddDate(0, 0, 1))
	}
	if attributed && len(problems) == 0 {
		if e := ret.Extension; e.Requested() && !e.Until.IsZero() {
			sub.ExtensionUntil, sub.ExtensionReason = e.Until.Format(time.DateOnly), e.Reason
		}
	}
	if sub.Accepted && ret.RequestOnly() {
		// Only asking for time: recorded, answered with a receipt, and the
		// unit stays to be chased until the office grants it.
		sub.Accepted = false
	}
	if sub.Accepted {
		sub.Answers = reader.RecordedAnswers(ret, exp)
		ev.warnings = reader.Warnings(ret, exp)
	}
	if seen {
		// The same file came earlier for another unit, and now from a
		// contact of this one: it is judged for this unit (and refused, its
		// token names the other), but a file is recorded only once.
		d := c.decisionOf(sub)
		d.FileName, d.Accepted = name, false
		ev.final = &d
		return ev, nil
	}
	ev.sub = sub
	return ev, nil
}

// record writes an evaluated workbook's decision, once per file.
func (c *Cycle) record(ctx context.Context, ev evaluation) (Decision, error) {
	if ev.final != nil {
		return *ev.final, nil
	}
	wb, sub := ev.wb, ev.sub
	var saved store.Submission
	var dup bool
	var err error
	if wb.data != nil {
		saved, dup, err = c.Ledger.AddSubmissionOf(ctx, sub, wb.data, sub.ReceivedAt)
	} else {
		saved, dup, err = c.Ledger.AddSubmission(ctx, sub)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("recording the decision on %s: %w", wb.name, err)
	}
	return c.recorded(ev, saved, dup), nil
}

// recorded is the decision on an evaluated workbook once its submission
// is saved (or found saved before: dup).
func (c *Cycle) recorded(ev evaluation, saved store.Submission, dup bool) Decision {
	wb, sub := ev.wb, ev.sub
	d := c.decisionOf(saved)
	d.FileName, d.Duplicate, d.Deadline = wb.name, dup, ev.deadline
	if !dup {
		d.Warnings = ev.warnings
	}
	c.log().Info("ingested", "file", wb.name, "sha256", wb.sha256, "unit", sub.Unit, "period", sub.Period,
		"accepted", d.Accepted, "version", d.Version, "problems", len(d.Problems), "duplicate", dup)
	return d
}

// supervise completes an attributed expectation with the office's
// decisions and the unit's last report: the tasks closed out (not asked),
// the indicators of the open ones (and which of them ask for the total
// before the period), the period's deadline a request for more time is
// judged against, and the statuses of the unit's last accepted report of
// the plan year, which a step back is warned about against. It returns
// the unit's extension, which moves its deadline.
func (c *Cycle) supervise(ctx context.Context, exp *reader.Expectation) (reports.Extension, error) {
	closed, err := c.Closed(ctx, exp.Period)
	if err != nil {
		return reports.Extension{}, err
	}
	last, found, err := c.Ledger.LatestBefore(ctx, exp.Unit.ID, exp.Period.String())
	if err != nil {
		return reports.Extension{}, fmt.Errorf("reading %s's earlier answers: %w", exp.Unit.ID, err)
	}
	exp.Closed = closed
	exp.Deadline = c.Schedule.Deadline(exp.Period)
	for _, t := range c.openTasks(exp.Unit.ID, closed) {
		for _, ind := range c.Plan.IndicatorsOf(t.ID) {
			exp.Indicators = append(exp.Indicators, ind)
			if askBefore(ind, exp.Period, last) {
				exp.AskBefore = append(exp.AskBefore, ind)
			}
		}
	}
	if p, err := plan.ParsePeriod(last.Period); found && err == nil && p.Year == exp.Period.Year {
		exp.Previous, exp.PreviousPeriod = map[string]plan.Status{}, p
		for _, a := range last.Answers {
			exp.Previous[a.TaskID] = a.Status
		}
	}
	return c.extensionFor(ctx, exp.Period, exp.Unit.ID)
}

// expectation derives what the workbook should contain from its own
// metadata. The token in the metadata is verified by reader.Check, so a
// template edited into another unit's or month's is rejected there.
func (c *Cycle) expectation(ret *reader.Returned, secret []byte, from *origin) (reader.Expectation, bool) {
	exp := reader.Expectation{PlanTitle: c.Plan.Title, Limits: c.Limits, Secret: secret, UnitNames: c.Plan.UnitNames()}
	if from != nil {
		exp.Unit, exp.Tasks = from.unit, c.Plan.TasksLedBy(from.unit.ID)
		exp.Period = from.period
		// The workbook's own period counts, except that an older template
		// sent in reply to a later period's mail is last month's form
		// reused, not a correction of last month: it is refused as the
		// wrong period. (A newer template in an old thread is fine.)
		if p, err := plan.ParsePeriod(ret.Meta.Period); ret.HasMeta && err == nil && !(from.threaded && p.Before(from.period)) {
			exp.Period = p
		}
		return exp, !exp.Period.IsZero()
	}
	if !ret.HasMeta {
		return exp, false
	}
	p, err := plan.ParsePeriod(ret.Meta.Period)
	if err != nil {
		return exp, false
	}
	u, tasks, err := c.leadUnit(ret.Meta.Unit)
	if err != nil {
		return exp, false
	}
	exp.Period, exp.Unit, exp.Tasks = p, u, tasks
	return exp, true
}

func (c *Cycle) decisionOf(s store.Submission) Decision {
	d := Decision{
		FileName:   s.FileName,
		SHA256:     s.FileSHA256,
		Accepted:   s.Accepted,
		Late:       s.Late,
		Version:    s.Version,
		Problems:   fromStoreProblems(s.Problems),
		Submission: s,
	}
	if u, ok := c.Plan.Unit(s.Unit); ok {
		d.Unit = u
	}
	if p, err := plan.ParsePeriod(s.Period); err == nil {
		d.Period = p
	}
	return d
}

func toStoreProblems(ps []reports.Problem) []store.Problem {
	out := make([]store.Problem, len(ps))
	for i, p := range ps {
		out[i] = store.Problem{Cell: p.Cell, TaskID: p.TaskID, Kind: p.Kind, Message: p.Message}
	}
	return out
}

func fromStoreProblems(ps []store.Problem) []reports.Problem {
	out := make([]reports.Problem, len(ps))
	for i, p := range ps {
		out[i] = reports.Problem{Cell: p.Cell, TaskID: p.TaskID, Kind: p.Kind, Message: p.Message}
	}
	return out
}

// taskNumbers maps the tasks to their numbers in the plan.
func (c *Cycle) taskNumbers(tasks []plan.Task) map[string]int {
	out := make(map[string]int, len(tasks))
	for _, t := range tasks {
		out[t.ID] = c.Plan.TaskNumber(t.ID)
	}
	return out
}
