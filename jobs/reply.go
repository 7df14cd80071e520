package jobs

import (
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/templates"
)

// letter is the office's letter to unit u about period p.
func (c *Cycle) letter(u plan.Unit, p plan.Period) templates.Letter {
	return templates.Letter{Office: c.Mail.Office, Contact: c.Mail.Contact, Unit: u.Name, Period: p.Label()}
}

// replyData turns a decision into what a receipt or rejection to u shows
// (u when the file could not be attributed to a unit of its own).
func (c *Cycle) replyData(d Decision, u plan.Unit) templates.ReplyData {
	if d.Unit.Name != "" {
		u = d.Unit
	}
	sched := c.Schedule
	r := templates.ReplyData{
		Letter:     c.letter(u, d.Period),
		FileName:   d.FileName,
		ReceivedAt: timeCN(d.Submission.ReceivedAt.In(sched.Location)),
		Version:    d.Version,
		Late:       d.Late,
	}
	if d.Period.IsZero() {
		r.Period = "" // a file of no known period
	} else {
		r.Deadline = dueByCN(sched.DueBy(d.Period))
		if !d.Deadline.IsZero() {
			r.Deadline = dueCN(d.Deadline) // the unit's, extended
		}
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
