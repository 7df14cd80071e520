package compile

import (
	"fmt"
	"strconv"

	"github.com/duban/duban/reports"
)

// Sheet names of the consolidated workbook, in order.
const (
	sheetSummary    = "汇总"
	sheetDetail     = "明细"
	sheetLog        = "报送情况"
	sheetMoM        = "环比"
	sheetYear       = "全年概览"
	sheetIndicators = "量化指标" // only when the plan has indicators
	sheetCharts     = "图表"
	sheetProblems   = "问题清单"
)

// Header labels shared by several sheets.
const (
	headerWarning    = "预警"
	headerTimeliness = "时效预警"
)

const titleHeight = 32 // points: the title rows

// styledRow builds bordered cells in one style.
func styledRow(style int, texts ...string) []cell {
	cells := make([]cell, len(texts))
	for i, t := range texts {
		cells[i] = cell{text: t, style: style}
	}
	return cells
}

// title appends the sheet's merged title row.
func (m *model) title(s *sheet, st *styles, what string) {
	text := fmt.Sprintf("%s %s%s（%s）", m.in.Plan.Title, m.in.Period.Label(), what, versionLabel(m.in.Version))
	row := s.addSpan(text, st.title, len(s.widths))
	s.heights[row] = titleHeight
}

// detailSheet is 明细, the office's usual layout: a category row, then one
// row per task in plan order, with its 预警 colour next to its status.
func (m *model) detailSheet(st *styles) *sheet {
	s := newSheet(sheetDetail, 5, 18, 12, 28, 9, 6, 19, 19, 13)
	s.header = 2
	m.title(s, st, "推进情况明细")
	s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", reports.HeaderProgress, reports.HeaderStatus, headerWarning,
		reports.HeaderIssues, reports.HeaderNextSteps, "报送时间")...)
	s.grow(m.groupRows())
	reportedAt := make(map[*reports.UnitReport]string, len(m.in.Units)) // a unit's tasks share it
	for _, g := range m.groups {
		s.addSpan(g.label(), st.category, len(s.widths))
		s.addLater(len(g.tasks), func(i int, row []cell) []cell {
			t := g.tasks[i]
			progress, reported := t.answer.Progress, ""
			switch {
			case t.closed:
				progress = m.closureText(t)
			case t.answered:
				var ok bool
				if reported, ok = reportedAt[t.report]; !ok {
					reported = m.formatTime(t.report.SubmittedAt)
					reportedAt[t.report] = reported
				}
			}
			status := t.status()
			return append(row,
				cell{text: strconv.Itoa(t.number), style: st.center},
				cell{text: t.task.Title, style: st.text},
				cell{text: t.unit, style: st.text},
				cell{text: progress, style: st.text},
				cell{text: status, style: st.statusStyle(status)},
				cell{text: m.taskWarning(t), style: st.colorStyle(m.taskColor(t))},
				cell{text: t.answer.Issues, style: st.text},
				cell{text: t.answer.NextSteps, style: st.text},
				cell{text: reported, style: st.center},
			)
		})
	}
	return s
}

// problemSheet is 问题清单: every problem a unit reported, in plan order.
func (m *model) problemSheet(st *styles) *sheet {
	s := newSheet(sheetProblems, 6, 30, 16, 60, 10)
	s.header = 2
	m.title(s, st, "存在问题清单")
	s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", reports.HeaderIssues, reports.HeaderStatus)...)
	n := 0
	for _, g := range m.groups {
		for _, t := range g.tasks {
			if !t.answered || reports.NoIssue(t.answer.Issues) {
				continue
			}
			n++
			status := t.status()
			s.add(
				cell{text: strconv.Itoa(n), style: st.center},
				cell{text: t.titleWithNumber(), style: st.text},
				cell{text: t.unit, style: st.text},
				cell{text: t.answer.Issues, style: st.text},
				cell{text: status, style: st.statusStyle(status)},
			)
		}
	}
	if n == 0 {
		s.addSpan("本期各单位均未报告存在问题", st.center, len(s.widths))
	}
	return s
}

// logSheet is 报送情况: every lead unit's standing, in the input's order,
// with whom to call (its configured contact when it has not reported), its
// timeliness colour, the chase notices it was sent and its extension, if
// any.
func (m *model) logSheet(st *styles) *sheet {
	s := newSheet(sheetLog, 5, 18, 9, 20, 10, 8, 13, 8, 8, 8, 22)
	s.header = 2
	m.title(s, st, "报送情况")
	s.add(styledRow(st.header, "序号", "单位", "联系人", "联系方式", "状态", headerTimeliness,
		"报送时间", "报送次数", "退回次数", "催报次数", "延期")...)
	for i := range m.in.Units {
		u := &m.in.Units[i]
		label := u.State.Label()
		color := m.in.Timeliness[u.Unit.ID]
		name, reach := contactOf(u)
		s.add(
			cell{text: strconv.Itoa(i + 1), style: st.center},
			cell{text: unitName(u), style: st.text},
			cell{text: name, style: st.text},
			cell{text: reach, style: st.text},
			cell{text: label, style: st.statusStyle(label)},
			cell{text: string(color), style: st.colorStyle(color)},
			cell{text: m.formatTime(u.SubmittedAt), style: st.center},
			cell{text: strconv.Itoa(u.Versions), style: st.center},
			cell{text: strconv.Itoa(u.Rejected), style: st.center},
			cell{text: strconv.Itoa(m.in.Chases[u.Unit.ID]), style: st.center},
			cell{text: extensionText(u.Extension), style: st.text},
		)
	}
	return s
}

// unitName is the unit's display name, or its id when it has none.
func unitName(u *reports.UnitReport) string {
	if u.Unit.Name != "" {
		return u.Unit.Name
	}
	return u.Unit.ID
}

// versionLabel is how a workbook names its version: 第2版, or 草稿 for one
// the office was not sent (version 0).
func versionLabel(version int) string {
	if version == 0 {
		return "草稿"
	}
	return fmt.Sprintf("第%d版", version)
}
