package jobs

import (
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
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
		r.Problems = append(r.Problems, problemLine(p, p.Message))
	}
	return r
}

// problemLine is a problem as the unit reads it, with the given message.
// The task's key (T04) is left out: the template keeps it in a hidden
// column, and the message names the task as the template shows it (第3项
// 任务（优化轨道交通布局）).
func problemLine(p reports.Problem, message string) templates.ProblemLine {
	return templates.ProblemLine{Cell: p.Cell, Message: message}
}
