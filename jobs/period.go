package jobs

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

// A job reads once, decides, then writes: it reads a period's state from
// the ledger in one read transaction (readPeriod), decides in plain
// functions of that state (statusOf, colorsOf, chaseLines, …) that tests
// call without a database, and only then queues mail or records results.
// The number of ledger reads a job makes does not grow with the number of
// units (BenchmarkQueriesPerTick).

// periodState is one period as the ledger holds it, with what every job
// derives from it the same way.
type periodState struct {
	Period   plan.Period
	Deadline time.Time // the period's deadline day (Schedule.Deadline, costly: worked out once)
	store.PeriodRecords
	Closed map[string]reports.Closure   // tasks closed out for the period
	Ext    map[string]reports.Extension // each unit's extension request and decision
	Latest map[string]store.Submission  // each unit's latest accepted report of the period
	// totalsBefore sums the indicators' counts of the year before the
	// period (from YearSoFar, see addCounts), once for every template that
	// shows them.
	totalsBefore map[string]map[string]int
}

// readPeriod reads period p's state in one read transaction.
func (c *Cycle) readPeriod(ctx context.Context, p plan.Period, wants store.PeriodWants) (periodState, error) {
	rec, err := c.Ledger.ReadPeriod(ctx, p.String(), wants)
	if err != nil {
		return periodState{}, err
	}
	return c.stateOf(p, rec), nil
}

// templateWants is what building templates reads besides the period: the
// answers carried forward, and the year so far when indicators need totals.
func (c *Cycle) templateWants() store.PeriodWants {
	return store.PeriodWants{CarriedForward: true, YearSoFar: len(c.Plan.Indicators) > 0}
}

// stateOf derives period p's state from its records.
func (c *Cycle) stateOf(p plan.Period, rec store.PeriodRecords) periodState {
	totals := map[string]map[string]int{}
	for _, period := range slices.Sorted(maps.Keys(rec.YearSoFar)) { // in order: a declared total resets the sum
		addCounts(totals, rec.YearSoFar[period])
	}
	return periodState{
		Period:        p,
		Deadline:      c.Schedule.Deadline(p),
		PeriodRecords: rec,
		Closed:        closedIn(rec.Closures, p),
		Ext:           c.extensionsFrom(rec.Submissions, rec.Extensions),
		Latest:        latestOf(rec.Submissions),
		totalsBefore:  totals,
	}
}

// deadlineOf is unit's deadline day: the period's, or the day the office
// extended it to.
func (s periodState) deadlineOf(unit string) time.Time {
	return extendedDeadline(s.Ext[unit], s.Deadline)
}

// sent reports the message recorded under key for the period.
func (s periodState) sent(key string) (store.OutMessage, bool) {
	m, ok := s.Outbox[key]
	return m, ok
}

// reminded reports whether any reminder of the period was queued: duban
// ran the period.
func (s periodState) reminded() bool {
	for _, m := range s.Outbox {
		if m.Kind == string(kindReminder) {
			return true
		}
	}
	return false
}

// chases counts, by unit, the chase and overdue notices (催报) of the
// period sent or queued to it; one that failed for good did not reach it.
func (s periodState) chases() map[string]int {
	out := map[string]int{}
	for _, m := range s.Outbox {
		if (m.Kind == string(kindChase) || m.Kind == string(kindOverdue)) && m.State != store.OutFailed && m.Unit != "" {
			out[m.Unit]++
		}
	}
	return out
}

// previousLatest is, by unit, the latest accepted reports of the period
// before, within the same plan year (needs PeriodWants.YearSoFar).
func (s periodState) previousLatest() map[string]store.Submission {
	if prev := s.Period.Prev(); prev.Year == s.Period.Year {
		if latest := s.YearSoFar[prev.String()]; latest != nil {
			return latest
		}
	}
	return map[string]store.Submission{}
}

// indicatorTotals sums, by task id and indicator name, the counts of the
// plan year's latest accepted reports before the period (needs
// PeriodWants.YearSoFar), and of the period itself when through is set.
func (s periodState) indicatorTotals(through bool) map[string]map[string]int {
	if !through {
		return s.totalsBefore
	}
	out := map[string]map[string]int{}
	for task, counts := range s.totalsBefore {
		out[task] = maps.Clone(counts)
	}
	addCounts(out, s.Latest)
	return out
}

// addCounts adds the indicator counts of one period's reports (latest,
// by unit) to totals, the year-to-date totals of the periods before it.
// A report that declares an indicator's total before its period (the
// unit's first of the year with it: Answer.Before) sets the total to that
// before its count is added: the unit's figure stands for the months
// before, reported through duban or not. Periods must come in order.
func addCounts(totals map[string]map[string]int, latest map[string]store.Submission) {
	for _, sub := range latest {
		for _, a := range sub.Answers {
			if len(a.Counts) == 0 && len(a.Before) == 0 {
				continue
			}
			if totals[a.TaskID] == nil {
				totals[a.TaskID] = map[string]int{}
			}
			for name, n := range a.Before {
				totals[a.TaskID][name] = n
			}
			for name, n := range a.Counts {
				totals[a.TaskID][name] += n
			}
		}
	}
}

// extensionsFrom returns each unit's extension: the latest request found
// in its files (subs, oldest first) and the office's latest decision
// (decisions, oldest first).
func (c *Cycle) extensionsFrom(subs []store.Submission, decisions []store.ExtensionDecision) map[string]reports.Extension {
	out := map[string]reports.Extension{}
	for _, s := range subs {
		if s.ExtensionUntil == "" || s.Unit == "" {
			continue
		}
		e := out[s.Unit]
		e.Requested, e.Reason = c.day(s.ExtensionUntil), s.ExtensionReason
		out[s.Unit] = e
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
	return out
}
