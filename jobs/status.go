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
	st, _, err := c.status(ctx, p)
	return st, err
}

// status also returns the period's submissions, oldest first.
func (c *Cycle) status(ctx context.Context, p plan.Period) (PeriodStatus, []store.Submission, error) {
	subs, err := c.Ledger.Submissions(ctx, p.String())
	if err != nil {
		return PeriodStatus{}, nil, fmt.Errorf("reading %s's submissions: %w", p, err)
	}
	byUnit := map[string][]store.Submission{}
	for _, s := range subs {
		byUnit[s.Unit] = append(byUnit[s.Unit], s)
	}
	st := PeriodStatus{Period: p, RemindAt: c.Schedule.RemindAt(p), Deadline: c.Schedule.Deadline(p)}
	for _, u := range c.Plan.LeadUnits() {
		st.Units = append(st.Units, unitReport(u, byUnit[u.ID], c.Schedule.Location))
	}
	return st, subs, nil
}

// unitReport summarises one unit's submissions, given oldest first.
func unitReport(u plan.Unit, subs []store.Submission, loc *time.Location) reports.UnitReport {
	r := reports.UnitReport{Unit: u, State: reports.StateMissing}
	var first *store.Submission
	for i := range subs {
		s := &subs[i]
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
	case first != nil && first.Late:
		r.State = reports.StateLate
	case first != nil:
		r.State = reports.StateSubmitted
	case r.Rejected > 0:
		r.State = reports.StateRejected
	}
	return r
}
