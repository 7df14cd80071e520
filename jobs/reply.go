package jobs

import (
	"github.com/duban/duban/plan"
	"github.com/duban/duban/templates"
)

// ReplyData turns a decision into what a receipt or rejection shows.
func ReplyData(d Decision, office string, sched plan.Schedule) templates.ReplyData {
	r := templates.ReplyData{
		Office:     office,
		Unit:       d.Unit.Name,
		FileName:   d.FileName,
		ReceivedAt: timeCN(d.Submission.ReceivedAt.In(sched.Location)),
		Version:    d.Version,
		Late:       d.Late,
	}
	if !d.Period.IsZero() {
		r.Period = d.Period.Label()
		r.Deadline = dueByCN(sched.DueBy(d.Period))
		if !d.Deadline.IsZero() {
			r.Deadline = dueCN(d.Deadline) // the unit's, extended
		}
	}
	for _, p := range d.Problems {
		r.Problems = append(r.Problems, templates.ProblemLine{Cell: p.Cell, Task: p.TaskID, Message: p.Message})
	}
	return r
}
