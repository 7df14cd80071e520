package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

// PeriodStatus is where every lead unit stands for one period.
type PeriodStatus struct {
	Period   plan.Period
	RemindAt time.Time
	Deadline time.Time // the deadline day
	Units    []reports.UnitReport
}

// Status reads the ledger for period p. A unit whose first accepted report
// came in time stays on time even if it later sent a corrected version after
// the deadline: it met the deadline.
func (c *Cycle) Status(ctx context.Context, p plan.Period) (PeriodStatus, error) {
	s, err := c.readPeriod(ctx, p, store.PeriodWants{})
	if err != nil {
		return PeriodStatus{}, err
	}
	return c.statusOf(s), nil
}

// statusOf is where every lead unit stands in period state s.
func (c *Cycle) statusOf(s periodState) PeriodStatus {
	p := s.Period
	byUnit := map[string][]store.Submission{}
	for _, sub := range s.Submissions {
		byUnit[sub.Unit] = append(byUnit[sub.Unit], sub)
	}
	st := PeriodStatus{Period: p, RemindAt: c.Schedule.RemindAt(p), Deadline: s.Deadline}
	for _, u := range c.Plan.LeadUnits() {
		r := unitReport(u, byUnit[u.ID], c.Schedule.Location, s.deadlineOf(u.ID))
		r.Extension = s.Ext[u.ID]
		st.Units = append(st.Units, r)
	}
	return st
}

// unitReport summarises one unit's submissions, given oldest first. The
// first accepted report is late when it came after the unit's deadline day
// as it stands now: the office may grant or refuse an extension after the
// report came, so the flag recorded at ingest is not the last word.
func unitReport(u plan.Unit, subs []store.Submission, loc *time.Location, deadline time.Time) reports.UnitReport {
	r := reports.UnitReport{Unit: u, State: reports.StateMissing}
	var first *store.Submission
	for i := range subs {
		s := &subs[i]
		if s.RequestOnly() {
			continue // asked for time, sent no report: not a rejection
		}
		if !s.Accepted {
			r.Rejected++
			continue
		}
		if first == nil {
			first = s
		}
		r.Versions++
		r.SubmittedAt = s.ReceivedAt.In(loc)
		r.Contact, r.Phone = s.Contact, s.Phone
		r.Answers = make(map[string]plan.Answer, len(s.Answers))
		for _, a := range s.Answers {
			r.Answers[a.TaskID] = a
		}
	}
	switch {
	case first != nil && !first.ReceivedAt.Before(deadline.AddDate(0, 0, 1)):
		r.State = reports.StateLate
	case first != nil:
		r.State = reports.StateSubmitted
	case r.Rejected > 0:
		r.State = reports.StateRejected
	}
	return r
}

// UnitColors is one unit's warning colours for a period.
type UnitColors struct {
	Timeliness plan.Color
	Tasks      []TaskColor // the unit's lead tasks, in plan order
}

// TaskColor is one task's progress colour for a period.
type TaskColor struct {
	TaskID string
	Status plan.Status // in the unit's latest accepted report; empty when none
	Color  plan.Color
	Reason string // why Color, in words (plan.Warning); empty for 绿 and none
	Closed bool   // closed out (销号): done, not asked any more
}

// Colors computes, by unit id, the timeliness colour of every unit of st at
// the cycle's now and the progress colour of each of its tasks, with rules.
// A task's previous status is the one in the unit's latest accepted report
// for the period just before st's, in the same plan year only. A unit with
// an extension granted is judged against its new deadline; a task's colour
// includes its indicators' (plan.TaskColor).
func (c *Cycle) Colors(ctx context.Context, st PeriodStatus, rules plan.ColorRules) (map[string]UnitColors, error) {
	s, err := c.readPeriod(ctx, st.Period, store.PeriodWants{YearSoFar: true})
	if err != nil {
		return nil, err
	}
	return c.colorsOf(s, st, rules), nil
}

// colorsOf is Colors of period state s (read with the year so far).
func (c *Cycle) colorsOf(s periodState, st PeriodStatus, rules plan.ColorRules) map[string]UnitColors {
	return c.colorsWith(st, s.previousLatest(), s.indicatorTotals(true), s.Closed, c.now(), rules)
}

// colorsWith is Colors given the previous period's latest reports and the
// indicator totals through st's period.
func (c *Cycle) colorsWith(st PeriodStatus, previous map[string]store.Submission, totals map[string]map[string]int,
	closed map[string]reports.Closure, now time.Time, rules plan.ColorRules) map[string]UnitColors {
	out := make(map[string]UnitColors, len(st.Units))
	// Most units share the period's deadline: a colour depends only on the
	// deadline and the state, so each combination is worked out once (the
	// calendar arithmetic behind it dominates for thousands of units).
	type timeliness struct {
		deadline        time.Time
		submitted, late bool
	}
	memo := map[timeliness]plan.Color{}
	base := c.Schedule.Deadline(st.Period)
	for _, u := range st.Units {
		key := timeliness{deadline: base, submitted: u.State == reports.StateSubmitted || u.State == reports.StateLate, late: u.State == reports.StateLate}
		if u.Extension.Decision == reports.ExtensionGranted {
			key.deadline = c.deadlineOf(st.Period, u.Extension)
		}
		color, ok := memo[key]
		if !ok {
			color = plan.TimelinessColorBy(c.Schedule, st.Period, key.deadline, now, key.submitted, key.late, rules)
			memo[key] = color
		}
		uc := UnitColors{Timeliness: color}
		before := map[string]plan.Status{}
		for _, a := range previous[u.Unit.ID].Answers {
			before[a.TaskID] = a.Status
		}
		for _, t := range c.Plan.TasksLedBy(u.Unit.ID) {
			status := u.Answers[t.ID].Status
			if _, ok := closed[t.ID]; ok {
				uc.Tasks = append(uc.Tasks, TaskColor{TaskID: t.ID, Status: plan.StatusDone, Color: plan.ColorGreen, Closed: true})
				continue
			}
			var inds []plan.Warning
			for _, ind := range c.Plan.IndicatorsOf(t.ID) {
				inds = append(inds, plan.IndicatorWarning(ind, st.Period, totals[t.ID][ind.Name]))
			}
			w := plan.TaskWarning(plan.ProgressWarning(st.Period, status, before[t.ID], rules), inds...)
			uc.Tasks = append(uc.Tasks, TaskColor{TaskID: t.ID, Status: status, Color: w.Color, Reason: w.Reason})
		}
		out[u.Unit.ID] = uc
	}
	return out
}

// StatusView is a period's status as the office reads it (duban status):
// who reported, each unit's and task's colour, and a note when the daemon
// sends nothing for the period, with why.
type StatusView struct {
	PeriodStatus
	Colors map[string]UnitColors // by unit id
	Note   string
	// Submissions are the period's, oldest first, as read for the view:
	// the desk shows first and latest reports and who filled them in.
	Submissions []store.Submission
}

// View gathers period p's StatusView at the cycle's now.
func (c *Cycle) View(ctx context.Context, p plan.Period) (StatusView, error) {
	s, err := c.readPeriod(ctx, p, store.PeriodWants{YearSoFar: true})
	if err != nil {
		return StatusView{}, err
	}
	st := c.statusOf(s)
	v := StatusView{PeriodStatus: st, Colors: c.colorsOf(s, st, c.rules()), Submissions: s.Submissions}
	// The note is for a person (status, the desk): in Chinese.
	switch open, idle := c.OpenPeriod(c.now()); {
	case idle != "" && open.Year > c.Plan.Year:
		v.Note = fmt.Sprintf("计划年度（%d年）已结束，不再发送报送提醒和催报", c.Plan.Year)
	case idle != "":
		v.Note = fmt.Sprintf("计划年度（%d年）尚未开始，暂不发送报送提醒和催报", c.Plan.Year)
	case open != p:
		v.Note = fmt.Sprintf("%s不是当前报送期（当前为%s），不再为其发送报送提醒和催报", p.Label(), open.Label())
	}
	return v, nil
}
