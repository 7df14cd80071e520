package jobs

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/bulletin"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// docxType is the media type of the bulletin draft.
const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// Bulletin writes the 情况通报 draft of a compiled version, from the same
// data as the workbook: who reported when, progress by category, the tasks
// in red and yellow, the indicators at risk and the problems raised.
func (c *Cycle) Bulletin(out Compiled) (name string, data []byte, err error) {
	in := c.bulletinInput(out)
	var b bytes.Buffer
	if err := bulletin.Write(&b, in); err != nil {
		return "", nil, fmt.Errorf("writing the %s bulletin: %w", out.Status.Period, err)
	}
	return bulletin.FileName(out.Status.Period.Label(), out.Version), b.Bytes(), nil
}

func (c *Cycle) bulletinInput(out Compiled) bulletin.Input {
	st, v := out.Status, out.view
	p := st.Period
	now := c.now()
	in := bulletin.Input{
		PlanTitle: c.Plan.Title, Period: p.Label(), Issue: issueNumber(v.Year, p),
		Date: now, Deadline: st.Deadline, Expected: len(st.Units),
		MainTo: []string{"各牵头单位"}, CopyTo: c.copiedTo(),
	}
	if c.Mail != nil {
		in.Office = c.Mail.Office
	}
	pastDue := !now.Before(st.Deadline.AddDate(0, 0, 1))
	reportOf := map[string]reports.UnitReport{}
	for _, u := range st.Units {
		reportOf[u.Unit.ID] = u
		e := u.Extension
		extended := e.Decision == reports.ExtensionGranted && now.Before(e.Until.AddDate(0, 0, 1))
		switch {
		case u.State == reports.StateSubmitted:
			in.OnTime = append(in.OnTime, u.Unit.Name)
		case u.State == reports.StateLate:
			in.Late = append(in.Late, u.Unit.Name)
		case extended:
			in.Extended = append(in.Extended, bulletin.Extension{Unit: u.Unit.Name, Until: e.Until})
		case pastDue:
			in.Missing = append(in.Missing, u.Unit.Name)
		}
		if v.Timeliness[u.Unit.ID] == plan.ColorRed {
			in.RedUnits = append(in.RedUnits, bulletin.Unit{Name: u.Unit.Name, Why: c.overdue(u, c.deadlineOf(p, e), now)})
		}
	}

	byCategory := map[string]*bulletin.Category{}
	for _, cat := range c.Plan.Categories {
		in.Categories = append(in.Categories, bulletin.Category{Name: cat.Name})
	}
	for i, cat := range c.Plan.Categories {
		byCategory[cat.ID] = &in.Categories[i]
	}
	for i, t := range c.Plan.Tasks {
		r := reportOf[t.Lead]
		a, answered := r.Answers[t.ID]
		status := a.Status
		if _, closed := v.Closed[t.ID]; closed {
			status, answered = plan.StatusDone, true
		}
		if cat := byCategory[t.Category]; cat != nil {
			cat.Tasks++
			switch {
			case !answered:
				cat.NotReported++
			case status == plan.StatusDone:
				cat.Done++
			case status == plan.StatusOnTrack:
				cat.OnTrack++
			case status == plan.StatusBehind:
				cat.Behind++
			case status == plan.StatusNotStarted:
				cat.NotStarted++
			}
		}
		line := bulletin.Task{Number: i + 1, Title: t.Title, Unit: c.Plan.UnitName(t.Lead), Status: string(status)}
		if !answered {
			line.Status = "未报送"
		}
		// A task's colour includes its quantified targets' (plan.TaskWarning),
		// so a target behind pace is told in its task's line, once.
		switch v.Progress[t.ID] {
		case plan.ColorRed:
			in.RedTasks = append(in.RedTasks, withReason(line, v.Reasons[t.ID]))
		case plan.ColorYellow:
			in.YellowTasks = append(in.YellowTasks, withReason(line, v.Reasons[t.ID]))
		}
		if answered && !reports.NoIssue(a.Issues) {
			in.Problems = append(in.Problems, bulletin.Problem{Task: t.Title, Unit: line.Unit, Text: a.Issues})
		}
	}
	return in
}

// issueNumber is the bulletin's 第N期: the place of period p among the
// periods of its plan year that duban ran (sent reminders for or received
// reports for), p counted whatever happened in it. A plan whose reporting
// starts in April has its April bulletin as 第1期, and a month duban did not
// run takes no number.
func issueNumber(y reports.YearView, p plan.Period) int {
	n := 1
	for i, m := range y.Months {
		if m != p && ranMonth(y, i) {
			n++
		}
	}
	return n
}

// ranMonth reports whether duban ran the i-th month of y: the year view
// gives every unit an empty state in a month it did not run (Cycle.view).
func ranMonth(y reports.YearView, i int) bool {
	for _, states := range y.States {
		if i < len(states) && states[i] != "" {
			return true
		}
	}
	return false
}

// copiedTo is the bulletin's 抄送: the office's leader, where one is
// configured by name, and 各配合单位 where the plan has units that support
// tasks without leading any (the lead units are its 主送).
func (c *Cycle) copiedTo() []string {
	var out []string
	if c.Mail != nil && c.Mail.Leader.Name != "" {
		out = append(out, c.Mail.Leader.Name)
	}
	leads := map[string]bool{}
	for _, t := range c.Plan.Tasks {
		leads[t.Lead] = true
	}
	for _, t := range c.Plan.Tasks {
		for _, u := range t.CoUnits {
			if !leads[u] {
				return append(out, "各配合单位")
			}
		}
	}
	return out
}

// overdue says how far a unit in red is behind: "逾期6个工作日未报送",
// counting the working days after its deadline day up to today.
func (c *Cycle) overdue(u reports.UnitReport, deadline, now time.Time) string {
	what := "未报送"
	if u.State == reports.StateRejected {
		what = "未报送合格的报送表"
	}
	cal := c.Schedule.Calendar
	if cal == nil {
		return "逾期" + what
	}
	days := 0
	// A year of working days is as far as a bulletin looks back.
	for d := cal.NextWorkday(deadline); !d.After(now) && days < 366; d = cal.NextWorkday(d) {
		days++
	}
	return fmt.Sprintf("逾期%d个工作日%s", days, what)
}

// withReason is a task's line with why it has its colour (plan.Warning),
// the reason the workbook's 汇总 gives. A reason that names the status
// (连续2个月报告滞后) stands for it: the line does not say 滞后 twice.
func withReason(line bulletin.Task, reason string) bulletin.Task {
	line.Why = reason
	if line.Status != "" && strings.Contains(reason, line.Status) {
		line.Status = ""
	}
	return line
}
