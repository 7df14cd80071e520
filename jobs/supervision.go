package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

// The office's supervision decisions — close-outs (销号) and extensions
// (延期) — are logs in the ledger; this file reads what is in force for a
// period. Every step that asks, chases, colours or compiles goes through it,
// so a decision changes all of them at once.

// rules returns the colour rules, the defaults when none are configured.
func (c *Cycle) rules() plan.ColorRules {
	if c.ColorRules == (plan.ColorRules{}) {
		return plan.DefaultColorRules()
	}
	return c.ColorRules
}

// closedIn returns the tasks closed out for period p, from the log: a task
// is closed for p when its latest event is a close confirming a period
// before p. A reopened task is asked again, whatever its history.
func closedIn(events []store.ClosureEvent, p plan.Period) map[string]reports.Closure {
	latest := map[string]store.ClosureEvent{}
	for _, e := range events {
		latest[e.Task] = e // oldest first: the last one wins
	}
	out := map[string]reports.Closure{}
	for task, e := range latest {
		if e.Action != store.ActionClose {
			continue
		}
		confirmed, err := plan.ParsePeriod(e.Period)
		if err != nil || !confirmed.Before(p) {
			continue
		}
		out[task] = reports.Closure{Period: confirmed, Note: e.Note, At: e.At}
	}
	return out
}

// Closed returns the tasks closed out for period p.
func (c *Cycle) Closed(ctx context.Context, p plan.Period) (map[string]reports.Closure, error) {
	events, err := c.Ledger.ClosureEvents(ctx)
	if err != nil {
		return nil, err
	}
	return closedIn(events, p), nil
}

// openTasks returns the unit's tasks not closed out.
func (c *Cycle) openTasks(unitID string, closed map[string]reports.Closure) []plan.Task {
	var out []plan.Task
	for _, t := range c.Plan.TasksLedBy(unitID) {
		if _, ok := closed[t.ID]; !ok {
			out = append(out, t)
		}
	}
	return out
}

// allClosed reports whether every task the unit leads is closed out: it has
// nothing to report, so it is neither reminded nor chased.
func (c *Cycle) allClosed(unitID string, closed map[string]reports.Closure) bool {
	return len(closed) > 0 && len(c.openTasks(unitID, closed)) == 0
}

// extensionsOf returns each unit's extension for period p: the latest
// request found in its files of the period (subs, oldest first) and the
// office's latest decision.
func (c *Cycle) extensionsOf(ctx context.Context, p plan.Period, subs []store.Submission) (map[string]reports.Extension, error) {
	out := map[string]reports.Extension{}
	for _, s := range subs {
		if s.ExtensionUntil == "" || s.Unit == "" {
			continue
		}
		e := out[s.Unit]
		e.Requested, e.Reason = c.day(s.ExtensionUntil), s.ExtensionReason
		out[s.Unit] = e
	}
	decisions, err := c.Ledger.ExtensionDecisions(ctx, p.String())
	if err != nil {
		return nil, err
	}
	for _, d := range decisions {
		e := out[d.Unit]
		e.Note = d.Note
		switch d.Decision {
		case store.ExtensionGranted:
			e.Decision, e.Until = reports.ExtensionGranted, c.day(d.Until)
		case store.ExtensionRefused:
			e.Decision, e.Until = reports.ExtensionRefused, time.Time{}
		}
		out[d.Unit] = e
	}
	return out, nil
}

// day parses a YYYY-MM-DD date as midnight in the schedule's zone; zero
// when unreadable.
func (c *Cycle) day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, c.Schedule.Location)
	if err != nil {
		return time.Time{}
	}
	return t
}

// deadlineOf is a unit's deadline day for period p: the period's, or the
// day the office extended it to.
func (c *Cycle) deadlineOf(p plan.Period, e reports.Extension) time.Time {
	if e.Decision == reports.ExtensionGranted && !e.Until.IsZero() {
		return e.Until
	}
	return c.Schedule.Deadline(p)
}

// extensionFor returns one unit's extension for period p. It is asked for
// every workbook a collect decides, so it reads only what it needs.
func (c *Cycle) extensionFor(ctx context.Context, p plan.Period, unitID string) (reports.Extension, error) {
	until, reason, found, err := c.Ledger.ExtensionAsked(ctx, p.String(), unitID)
	if err != nil {
		return reports.Extension{}, err
	}
	var asked []store.Submission
	if found {
		asked = []store.Submission{{Unit: unitID, ExtensionUntil: until, ExtensionReason: reason}}
	}
	all, err := c.extensionsOf(ctx, p, asked)
	if err != nil {
		return reports.Extension{}, err
	}
	return all[unitID], nil
}

// indicatorTotals sums, by task id and indicator name, the counts of the
// latest accepted report of every period of p's plan year before p (and p
// itself when through is set).
func (c *Cycle) indicatorTotals(ctx context.Context, p plan.Period, through bool) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	if len(c.Plan.Indicators) == 0 {
		return out, nil
	}
	for m := (plan.Period{Year: p.Year, Month: time.January}); m.Before(p) || (through && m == p); m = m.Next() {
		latest, err := c.Ledger.Latest(ctx, m.String())
		if err != nil {
			return nil, fmt.Errorf("reading %s's reports for the indicators: %w", m, err)
		}
		for _, s := range latest {
			for _, a := range s.Answers {
				for name, n := range a.Counts {
					if out[a.TaskID] == nil {
						out[a.TaskID] = map[string]int{}
					}
					out[a.TaskID][name] += n
				}
			}
		}
	}
	return out, nil
}

// indicatorLines lists the indicators of tasks with their totals before p:
// what a template asks for.
func (c *Cycle) indicatorLines(ctx context.Context, p plan.Period, tasks []plan.Task) ([]reports.IndicatorLine, error) {
	var out []reports.IndicatorLine
	var totals map[string]map[string]int
	for _, t := range tasks {
		for _, ind := range c.Plan.IndicatorsOf(t.ID) {
			if totals == nil {
				var err error
				if totals, err = c.indicatorTotals(ctx, p, false); err != nil {
					return nil, err
				}
			}
			out = append(out, reports.IndicatorLine{Indicator: ind, Before: totals[t.ID][ind.Name]})
		}
	}
	return out, nil
}

// compileView is what the consolidated workbook and the bulletin show
// beyond the period's reports: the colours, the month before, the year so
// far and the indicators.
type compileView struct {
	Timeliness map[string]plan.Color
	Progress   map[string]plan.Color
	Previous   map[string]plan.Answer
	Closed     map[string]reports.Closure
	Year       reports.YearView
	Indicators []reports.IndicatorProgress
	Colors     map[string]UnitColors // by unit id, at the period
}

// view computes the compileView of period st, walking the plan year from
// January: each month's colours need the month before and the indicator
// totals so far, so every month's reports are read once.
func (c *Cycle) view(ctx context.Context, st PeriodStatus, subs []store.Submission) (compileView, error) {
	p := st.Period
	now, rules := c.now(), c.rules()
	events, err := c.Ledger.ClosureEvents(ctx)
	if err != nil {
		return compileView{}, err
	}
	v := compileView{
		Timeliness: map[string]plan.Color{}, Progress: map[string]plan.Color{}, Previous: map[string]plan.Answer{},
		Closed: closedIn(events, p),
		Year: reports.YearView{
			Tasks: map[string][]plan.Color{}, Statuses: map[string][]plan.Status{},
			Units: map[string][]plan.Color{}, States: map[string][]reports.SubmissionState{},
		},
	}
	totals := map[string]map[string]int{}
	previous := map[string]store.Submission{}
	for m := (plan.Period{Year: p.Year, Month: time.January}); !p.Before(m); m = m.Next() {
		stm, subsm := st, subs
		if m != p {
			if stm, subsm, err = c.status(ctx, m); err != nil {
				return compileView{}, err
			}
		}
		latest := latestOf(subsm)
		for _, s := range latest {
			for _, a := range s.Answers {
				for name, n := range a.Counts {
					if totals[a.TaskID] == nil {
						totals[a.TaskID] = map[string]int{}
					}
					totals[a.TaskID][name] += n
				}
			}
		}
		colors := c.colorsWith(stm, previous, totals, closedIn(events, m), now, rules)
		ran, err := c.ran(ctx, stm)
		if err != nil {
			return compileView{}, err
		}
		v.Year.Months = append(v.Year.Months, m)
		for _, u := range stm.Units {
			uc := colors[u.Unit.ID]
			if !ran {
				// duban did not run this month: nobody was asked, nobody is late.
				uc.Timeliness, u.State = plan.ColorNone, ""
			}
			if v.Year.Units[u.Unit.ID] == nil {
				v.Year.Units[u.Unit.ID] = make([]plan.Color, 0, p.Month)
				v.Year.States[u.Unit.ID] = make([]reports.SubmissionState, 0, p.Month)
			}
			v.Year.Units[u.Unit.ID] = append(v.Year.Units[u.Unit.ID], uc.Timeliness)
			v.Year.States[u.Unit.ID] = append(v.Year.States[u.Unit.ID], u.State)
			for _, tc := range uc.Tasks {
				if v.Year.Tasks[tc.TaskID] == nil {
					v.Year.Tasks[tc.TaskID] = make([]plan.Color, 0, p.Month)
					v.Year.Statuses[tc.TaskID] = make([]plan.Status, 0, p.Month)
				}
				v.Year.Tasks[tc.TaskID] = append(v.Year.Tasks[tc.TaskID], tc.Color)
				v.Year.Statuses[tc.TaskID] = append(v.Year.Statuses[tc.TaskID], tc.Status)
			}
		}
		if m == p {
			v.Colors = colors
			for unit, uc := range colors {
				v.Timeliness[unit] = uc.Timeliness
				for _, tc := range uc.Tasks {
					v.Progress[tc.TaskID] = tc.Color
				}
			}
			for _, s := range previous {
				for _, a := range s.Answers {
					v.Previous[a.TaskID] = a
				}
			}
			for _, ind := range c.Plan.Indicators {
				t, ok := c.Plan.Task(ind.TaskID)
				if !ok {
					continue
				}
				n, reported := latest[t.Lead].Answer(ind.TaskID).Counts[ind.Name]
				total := totals[ind.TaskID][ind.Name]
				v.Indicators = append(v.Indicators, reports.IndicatorProgress{
					Indicator: ind, ThisMonth: n, Reported: reported, YearToDate: total,
					Expected: plan.IndicatorExpected(ind, p), Color: plan.IndicatorColor(ind, p, total),
				})
			}
		}
		previous = latest
	}
	return v, nil
}

// ran reports whether duban ran period st: it sent reminders for it, or
// received a workbook for it.
func (c *Cycle) ran(ctx context.Context, st PeriodStatus) (bool, error) {
	for _, u := range st.Units {
		if u.State != reports.StateMissing || u.Extension.Any() {
			return true, nil
		}
	}
	reminded, err := c.Ledger.OutboxOf(ctx, st.Period.String(), string(kindReminder))
	if err != nil {
		return false, fmt.Errorf("reading %s's reminders: %w", st.Period, err)
	}
	return len(reminded) > 0, nil
}

// latestOf is each unit's latest accepted submission among subs (oldest
// first), as Ledger.Latest reads it: a later accepted one has a higher
// version.
func latestOf(subs []store.Submission) map[string]store.Submission {
	out := map[string]store.Submission{}
	for _, s := range subs {
		if s.Accepted && s.Unit != "" {
			out[s.Unit] = s
		}
	}
	return out
}
