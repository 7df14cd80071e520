package jobs

import (
	"context"
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
	return extendedDeadline(e, c.Schedule.Deadline(p))
}

// extendedDeadline is the deadline day of a unit with extension e when the
// period's is deadline.
func extendedDeadline(e reports.Extension, deadline time.Time) time.Time {
	if e.Decision == reports.ExtensionGranted && !e.Until.IsZero() {
		return e.Until
	}
	return deadline
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
	decisions, err := c.Ledger.ExtensionDecisions(ctx, p.String())
	if err != nil {
		return reports.Extension{}, err
	}
	return c.extensionsFrom(asked, decisions)[unitID], nil
}

// indicatorLines lists the indicators of tasks with their totals before
// the period of s: what a template asks for. last is the unit's latest
// accepted report before the period (zero when none): where it does not
// carry an indicator, the template asks for the total (askBefore).
func (c *Cycle) indicatorLines(s periodState, tasks []plan.Task, last store.Submission) []reports.IndicatorLine {
	var out []reports.IndicatorLine
	var totals map[string]map[string]int
	for _, t := range tasks {
		for _, ind := range c.Plan.IndicatorsOf(t.ID) {
			if totals == nil {
				totals = s.indicatorTotals(false)
			}
			out = append(out, reports.IndicatorLine{Indicator: ind, Before: totals[t.ID][ind.Name], Ask: askBefore(ind, s.Period, last)})
		}
	}
	return out
}

// askBefore reports whether a unit's report for period p asks for an
// indicator's total before p, given the unit's latest accepted report
// before p (zero when none): see reports.AskBefore.
func askBefore(ind plan.Indicator, p plan.Period, last store.Submission) bool {
	lastPeriod, _ := plan.ParsePeriod(last.Period) // zero when none
	return reports.AskBefore(ind, p, last.Answers, lastPeriod)
}

// compileView is what the consolidated workbook and the bulletin show
// beyond the period's reports: the colours, the month before, the year so
// far and the indicators.
type compileView struct {
	Timeliness map[string]plan.Color
	Progress   map[string]plan.Color
	Reasons    map[string]string // by task id: why its Progress colour
	Chases     map[string]int    // by unit id: chase and overdue notices of the period
	Previous   map[string]plan.Answer
	Closed     map[string]reports.Closure
	Year       reports.YearView
	Indicators []reports.IndicatorProgress
	Colors     map[string]UnitColors // by unit id, at the period
}

// view computes the compileView of the period of s (whose status is st),
// walking the plan year from January: each month's colours need the month
// before and the indicator totals so far, so every month is read once.
func (c *Cycle) view(ctx context.Context, s periodState, st PeriodStatus) (compileView, error) {
	p := st.Period
	now, rules := c.now(), c.rules()
	v := compileView{
		Timeliness: map[string]plan.Color{}, Progress: map[string]plan.Color{}, Reasons: map[string]string{},
		Chases: s.chases(), Previous: map[string]plan.Answer{}, Closed: s.Closed,
		Year: reports.YearView{
			Tasks: map[string][]plan.Color{}, Statuses: map[string][]plan.Status{},
			Units: map[string][]plan.Color{}, States: map[string][]reports.SubmissionState{},
		},
	}
	totals := map[string]map[string]int{}
	previous := map[string]store.Submission{}
	for m := (plan.Period{Year: p.Year, Month: time.January}); !p.Before(m); m = m.Next() {
		sm, stm := s, st
		if m != p {
			var err error
			if sm, err = c.readPeriod(ctx, m, store.PeriodWants{}); err != nil {
				return compileView{}, err
			}
			stm = c.statusOf(sm)
		}
		latest := sm.Latest
		addCounts(totals, latest)
		colors := c.colorsWith(stm, previous, totals, sm.Closed, now, rules)
		didRun := ran(sm, stm)
		v.Year.Months = append(v.Year.Months, m)
		v.Year.Deadlines = append(v.Year.Deadlines, sm.Deadline)
		for _, u := range stm.Units {
			uc := colors[u.Unit.ID]
			if !didRun {
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
					if tc.Reason != "" {
						v.Reasons[tc.TaskID] = tc.Reason
					}
				}
			}
			for _, sub := range previous {
				for _, a := range sub.Answers {
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

// ran reports whether duban ran the period of s (whose status is st): it
// sent reminders for it, or received a workbook for it.
func ran(s periodState, st PeriodStatus) bool {
	for _, u := range st.Units {
		if u.State != reports.StateMissing || u.Extension.Any() {
			return true
		}
	}
	return s.reminded()
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
