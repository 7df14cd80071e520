package jobs

import (
	"bytes"
	"fmt"
	"strings"

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
	office := p.Label()
	if c.Mail != nil && c.Mail.Office != "" {
		office = c.Mail.Office
	}
	in := bulletin.Input{
		Office: office, PlanTitle: c.Plan.Title, Period: p.Label(), Issue: int(p.Month),
		Date: now, Deadline: st.Deadline, Expected: len(st.Units),
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
			in.Extended = append(in.Extended, fmt.Sprintf("%s（延期至%d月%d日）", u.Unit.Name, int(e.Until.Month()), e.Until.Day()))
		case pastDue:
			in.Missing = append(in.Missing, u.Unit.Name)
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
		switch v.Progress[t.ID] {
		case plan.ColorRed:
			line.Why = c.why(p, t, a.Status, v)
			in.RedTasks = append(in.RedTasks, line)
		case plan.ColorYellow:
			line.Why = c.why(p, t, a.Status, v)
			in.YellowTasks = append(in.YellowTasks, line)
		}
		if answered && !reports.NoIssue(a.Issues) {
			in.Problems = append(in.Problems, bulletin.Problem{Task: t.Title, Unit: line.Unit, Text: a.Issues})
		}
	}
	for _, ind := range v.Indicators {
		if ind.Color != plan.ColorRed && ind.Color != plan.ColorYellow {
			continue
		}
		t, _ := c.Plan.Task(ind.Indicator.TaskID)
		in.Indicators = append(in.Indicators, bulletin.Indicator{
			Task: t.Title, Unit: c.Plan.UnitName(t.Lead), Name: ind.Indicator.Name, Target: ind.Indicator.Target(),
			YearToDate: ind.YearToDate, Expected: ind.Expected, Color: string(ind.Color),
		})
	}
	return in
}

// why says in a few words why a task has its warning colour, following the
// rules of plan.ProgressColor and plan.IndicatorColor. The bulletin writes
// it after the status: “滞后，已连续两个月”.
func (c *Cycle) why(p plan.Period, t plan.Task, status plan.Status, v compileView) string {
	var reasons []string
	switch status {
	case plan.StatusBehind:
		if v.Previous[t.ID].Status == plan.StatusBehind {
			reasons = append(reasons, "已连续两个月")
		} else {
			reasons = append(reasons, "首次出现")
		}
	case plan.StatusNotStarted:
		if p.Month >= 7 {
			reasons = append(reasons, "已进入下半年")
		} else {
			reasons = append(reasons, "已超过序时启动时间")
		}
	}
	for _, ind := range v.Indicators {
		if ind.Indicator.TaskID != t.ID {
			continue
		}
		switch ind.Color {
		case plan.ColorRed:
			reasons = append(reasons, fmt.Sprintf("“%s”全年目标%s已难以完成（累计%d）", ind.Indicator.Name, ind.Indicator.Target(), ind.YearToDate))
		case plan.ColorYellow:
			reasons = append(reasons, fmt.Sprintf("“%s”累计%d%s，落后于序时进度（应达%d）", ind.Indicator.Name, ind.YearToDate, ind.Indicator.Unit, ind.Expected))
		}
	}
	return strings.Join(reasons, "；")
}
