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
		ReceivedAt: d.Submission.ReceivedAt.In(sched.Location).Format("2006-01-02 15:04"),
		Version:    d.Version,
		Late:       d.Late,
	}
	if !d.Period.IsZero() {
		r.Period = d.Period.Label()
		dl := sched.Deadline(d.Period)
		r.Deadline = dl.Format("2006年1月2日")
	}
	for _, p := range d.Problems {
		r.Problems = append(r.Problems, templates.ProblemLine{Cell: p.Cell, Task: p.TaskID, Message: p.Message})
	}
	return r
}
