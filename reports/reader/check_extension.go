package reader

import (
	"fmt"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// ckExtension checks the extension request, when there is one: a readable
// date after the deadline day and at most ExtensionMaxDays after it, and a
// reason. Dates are compared as calendar days.
func ckExtension(r *Returned, exp Expectation, lim reports.Limits) []reports.Problem {
	e := r.Extension
	if !e.Requested() {
		return nil
	}
	example := reports.ExtensionExample(exp.Deadline)
	var out []reports.Problem
	bad := func(kind, msg string) {
		out = append(out, reports.Problem{Cell: r.ExtensionCell, Kind: kind, Message: msg})
	}
	until, ok := extensionDate(e.UntilText, exp.Period)
	switch {
	case e.UntilText == "":
		bad(KindExtensionDateInvalid, "已填写“延期理由”，但“申请延期至”未填写。请填写希望延期到的日期（如"+example+
			"）；如不需要延期，请清空“延期理由”。")
	case !ok:
		bad(KindExtensionDateInvalid, fmt.Sprintf("“申请延期至”填写的“%s”不是有效日期，请按%s的格式填写。",
			ckQuote(e.UntilText), example))
	case exp.Deadline.IsZero():
	default:
		y, m, d := exp.Deadline.Date()
		deadline := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		latest := deadline.AddDate(0, 0, ExtensionMaxDays)
		switch {
		case !until.After(deadline):
			bad(KindExtensionTooEarly, fmt.Sprintf(
				"“申请延期至”填写的%s应晚于报送截止日期%s。请填写希望延期到的日期；如能按期报送，请清空“申请延期至”和“延期理由”。",
				reports.DateText(until), reports.DateText(deadline)))
		case until.After(latest):
			bad(KindExtensionTooFar, fmt.Sprintf(
				"“申请延期至”填写的%s距报送截止日期%s超过%d天，最晚可申请延期至%s。如确需更长时间，请与办公室联系。",
				reports.DateText(until), reports.DateText(deadline), ExtensionMaxDays, reports.DateText(latest)))
		}
	}
	if e.Reason == "" {
		out = append(out, reports.Problem{Cell: r.ReasonCell, Kind: KindExtensionReasonEmpty,
			Message: "已申请延期，但“延期理由”未填写，请写明需要延期的原因。"})
	} else {
		out = append(out, ckText(e.Reason, "“延期理由”", r.ReasonCell, "", lim)...)
	}
	return out
}

// ckCounts checks the indicator section: a row with a count for every
// expected indicator, and no other rows; where the template asked for the
// total before the period, that too. Rows of closed tasks are skipped;
// with requestOnly, blank counts are not reported.
func ckCounts(r *Returned, exp Expectation, requestOnly bool) []reports.Problem {
	type key struct{ task, name string }
	want := make(map[key]plan.Indicator, len(exp.Indicators))
	for _, ind := range exp.Indicators {
		want[key{ind.TaskID, squeeze(ind.Name)}] = ind
	}
	asked := make(map[key]bool, len(exp.AskBefore))
	for _, ind := range exp.AskBefore {
		asked[key{ind.TaskID, squeeze(ind.Name)}] = true
	}
	var out []reports.Problem
	seen := map[key]int{} // → line of the indicator's first row
	for _, c := range r.Counts {
		if _, closed := exp.Closed[c.TaskID]; closed {
			continue
		}
		k := key{c.TaskID, squeeze(c.Name)}
		ind, ok := want[k]
		if !ok {
			out = append(out, reports.Problem{Cell: c.Cell, TaskID: c.TaskID, Kind: KindCountUnknown, Message: fmt.Sprintf(
				"第 %d 行的量化指标（任务编号“%s”，指标名称“%s”）不是本单位本期的指标。请不要修改任务编号或指标名称，也不要增加指标行。",
				c.Line, ckQuote(c.TaskID), ckQuote(c.Name))})
			continue
		}
		what := fmt.Sprintf("%s的指标“%s”", exp.taskNameOf(ind.TaskID), ind.Name)
		if first, dup := seen[k]; dup {
			out = append(out, reports.Problem{Cell: c.Cell, TaskID: c.TaskID, Kind: KindCountDuplicate, Message: fmt.Sprintf(
				"%s出现了两次（第 %d 行和第 %d 行）。请删除重复的行，每个指标只保留一行。", what, first, c.Line)})
			continue
		}
		seen[k] = c.Line
		if asked[k] {
			out = append(out, ckBefore(c, what, reports.BeforeMax(ind, exp.Period), requestOnly)...)
		}
		if c.Value == "" {
			if !requestOnly {
				out = append(out, reports.Problem{Cell: c.Cell, TaskID: c.TaskID, Kind: KindCountEmpty,
					Message: what + "本月完成数未填写，没有请填0。"})
			}
			continue
		}
		if n, ok := countValue(c.Value); !ok || n > reports.CountMax {
			out = append(out, reports.Problem{Cell: c.Cell, TaskID: c.TaskID, Kind: KindCountInvalid, Message: fmt.Sprintf(
				"%s本月完成数填写为“%s”，不是0—%d之间的整数。请只填写数字（如2），没有请填0。",
				what, ckQuote(c.Value), reports.CountMax)})
		}
	}
	for _, ind := range exp.Indicators {
		if _, closed := exp.Closed[ind.TaskID]; closed {
			continue
		}
		if _, ok := seen[key{ind.TaskID, squeeze(ind.Name)}]; !ok {
			out = append(out, reports.Problem{TaskID: ind.TaskID, Kind: KindCountMissing, Message: fmt.Sprintf(
				"%s的指标“%s”不在“量化指标”表中，无法读取本月完成数。请使用本期通知邮件附带的模板填写，不要删除指标行。",
				exp.taskNameOf(ind.TaskID), ind.Name)})
		}
	}
	return out
}

// ckBefore checks an asked 截至上月累计: a whole number from 0 to limit
// (reports.BeforeMax). With requestOnly, a blank one is not reported.
func ckBefore(c CountRow, what string, limit int, requestOnly bool) []reports.Problem {
	const how = "请填写今年1月至上月累计完成的数量（整数），没有请填0；此后各月由系统累计，不再填写。"
	cell := c.BeforeCell
	if cell == "" {
		return []reports.Problem{{TaskID: c.TaskID, Kind: KindColumnMissing, Message: fmt.Sprintf(
			"量化指标的表头中没有“%s”列，无法读取%s截至上月的累计数。请不要删除或修改表头，使用本期模板重新填写后发送。",
			reports.IndHeaderBefore, what)}}
	}
	if c.Before == "" {
		if requestOnly {
			return nil
		}
		return []reports.Problem{{Cell: cell, TaskID: c.TaskID, Kind: KindBeforeEmpty, Message: fmt.Sprintf(
			"%s的“截至上月累计”（单元格 %s）未填写。本期是贵单位今年首次报送该指标，%s", what, cell, how)}}
	}
	if n, ok := countValue(c.Before); !ok || n > limit {
		return []reports.Problem{{Cell: cell, TaskID: c.TaskID, Kind: KindBeforeInvalid, Message: fmt.Sprintf(
			"%s的“截至上月累计”（单元格 %s）填写为“%s”，不是0—%d之间的整数。%s",
			what, cell, ckQuote(c.Before), limit, how)}}
	}
	return nil
}

// RecordedAnswers returns the answers an accepted workbook records:
// OpenAnswers, each with the totals before the period (Answer.Before) the
// template asked for (Expectation.AskBefore) and the unit wrote as Check
// accepts them.
func RecordedAnswers(r *Returned, exp Expectation) []plan.Answer {
	out := OpenAnswers(r, exp.Closed)
	if len(exp.AskBefore) == 0 {
		return out
	}
	type key struct{ task, name string }
	asked := make(map[key]plan.Indicator, len(exp.AskBefore))
	for _, ind := range exp.AskBefore {
		asked[key{ind.TaskID, squeeze(ind.Name)}] = ind
	}
	before := map[string]map[string]int{} // task id → name → total
	for _, c := range r.Counts {
		ind, ok := asked[key{c.TaskID, squeeze(c.Name)}]
		n, valid := countValue(c.Before)
		if !ok || !valid || n > reports.BeforeMax(ind, exp.Period) {
			continue
		}
		if before[c.TaskID] == nil {
			before[c.TaskID] = map[string]int{}
		}
		if _, dup := before[c.TaskID][ind.Name]; !dup { // the first row of an indicator counts
			before[c.TaskID][ind.Name] = n
		}
	}
	for i, a := range out {
		if b := before[a.TaskID]; b != nil {
			out[i].Before = b
		}
	}
	return out
}

// Warnings returns what a workbook Check accepts says that the unit is
// told in its receipt all the same: a task reported 已完成 in the unit's
// last report of the plan year (Expectation.Previous) and something else
// now (KindStepBack). The office sees the step back in 环比 too.
func Warnings(r *Returned, exp Expectation) []reports.Problem {
	if len(exp.Previous) == 0 {
		return nil
	}
	var out []reports.Problem
	seen := map[string]bool{}
	for _, row := range r.Rows {
		a := row.Answer
		if seen[a.TaskID] {
			continue
		}
		seen[a.TaskID] = true
		if _, closed := exp.Closed[a.TaskID]; closed || exp.Previous[a.TaskID] != plan.StatusDone ||
			a.Status == plan.StatusDone || !a.Status.Valid() {
			continue
		}
		last := "上次报送"
		if !exp.PreviousPeriod.IsZero() {
			last += "（" + exp.PreviousPeriod.Label() + "）"
		}
		out = append(out, reports.Problem{Cell: row.Cells[reports.HeaderStatus], TaskID: a.TaskID, Kind: KindStepBack, Message: fmt.Sprintf(
			"%s%s为“已完成”，本次为“%s”，已按本次登记。如该任务确已完成，请改回“已完成”后重新报送；如有新情况，请在“存在问题”中说明。",
			exp.taskNameOf(a.TaskID), last, a.Status)})
	}
	return out
}
