package compile

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// legend explains the warning colours wherever the workbook shows
// them (汇总, 全年概览). The rules themselves are plan/colors.go's; the
// thresholds are configurable, so the legend names none.
var legend = []string{
	"进展预警　绿：已完成或序时推进；黄：滞后一个月，或逾期仍未启动，或量化指标落后于序时进度；" +
		"红：连续两月滞后，或下半年仍未启动，或量化指标全年目标已无法完成。",
	"报送时效　蓝：临近截止尚未报送；黄：逾期报送，或已过截止日尚未报送；红：逾期多日或经再次催报仍未报送。",
}

// shortStatus is a status as the year's grid shows it, in a narrow
// column: 序时推进 becomes 序时; no status is —.
func shortStatus(s plan.Status) string {
	switch s {
	case "":
		return "—"
	case plan.StatusOnTrack:
		return "序时"
	}
	return string(s)
}

// shortState is a submission state as the year's grid shows it.
func shortState(s reports.SubmissionState) string {
	switch s {
	case reports.StateSubmitted:
		return "按时"
	case reports.StateLate:
		return "逾期"
	case reports.StateMissing:
		return "未报"
	case reports.StateRejected:
		return "退回"
	}
	return "—"
}

// Widths of the year at a glance, in characters: a month column holds 未启动;
// the sheet is at least yearMinWidth wide, and twelve months print at 80 %
// or more on A4 landscape.
const (
	monthWidth   = 7
	yearMinWidth = 96
)

// closedShort is the year's grid cell of a month after its task was
// closed out and had nothing to report.
const closedShort = "销号"

// at returns s[i], or the zero value when s is too short: a month
// missing from the input's slices shows as nothing reported.
func at[T any](s []T, i int) T {
	var zero T
	if i < 0 || i >= len(s) {
		return zero
	}
	return s[i]
}

// monthStatus is the status a task reported in month i of m.months. With no
// year given, it is this period's answer (a closed task's only when it was
// closed out this very period).
func (m *model) monthStatus(t taskEntry, i int) plan.Status {
	if !m.yearDerived {
		return at(m.in.Year.Statuses[t.task.ID], i)
	}
	switch {
	case t.closed && m.in.Closed[t.task.ID].Period != m.in.Period:
		return ""
	case t.answered:
		return t.answer.Status
	}
	return ""
}

// monthColor is a task's progress colour in month i of m.months.
func (m *model) monthColor(t taskEntry, i int) plan.Color {
	if !m.yearDerived {
		return at(m.in.Year.Tasks[t.task.ID], i)
	}
	return m.taskColor(t)
}

// monthState and monthTimeliness are a unit's submission state and
// timeliness colour in month i of m.months.
func (m *model) monthState(u *reports.UnitReport, i int) reports.SubmissionState {
	if !m.yearDerived {
		return at(m.in.Year.States[u.Unit.ID], i)
	}
	if u.State == "" {
		return reports.StateMissing // as 报送情况 counts it
	}
	return u.State
}

func (m *model) monthTimeliness(u *reports.UnitReport, i int) plan.Color {
	if !m.yearDerived {
		return at(m.in.Year.Units[u.Unit.ID], i)
	}
	return m.in.Timeliness[u.Unit.ID]
}

// monthLabel is a month's column header: 5月, or 2023年5月 when the months
// given cross into another year than the compiled period's.
func (m *model) monthLabel(p plan.Period) string {
	if p.Year != m.in.Period.Year {
		return p.Label()
	}
	return strconv.Itoa(int(p.Month)) + "月"
}

// yearColumns are the months 全年概览 shows: the input's, then the rest of
// the compiled period's year, blank. Without a year in the input, the
// compiled period alone.
func (m *model) yearColumns() []plan.Period {
	cols := m.months
	if m.yearDerived {
		return cols
	}
	cols = slices.Clone(cols)
	for p := cols[len(cols)-1].Next(); p.Year == m.in.Period.Year; p = p.Next() {
		cols = append(cols, p)
	}
	return cols
}

// shown reports whether column i of yearColumns is coloured and counted:
// one of the input's months whose deadline day is over.
func (m *model) shown(i int) bool { return i < len(m.due) && m.due[i] }

// yearSheet is 全年概览, the year at a glance: a task × month grid of the
// status reported and its progress colour, then a lead unit × month grid of
// the submission and its timeliness colour, then the legend. It shows the
// twelve months of the year; a month whose deadline day is not over at
// GeneratedAt (or after the compiled period) is left blank: no colour, no
// count. Without a year in the input, the one column is the compiled period,
// from this period's answers and colours.
func (m *model) yearSheet(st *styles) *sheet {
	columns := m.yearColumns()
	widths := []float64{5, 22, 16}
	for range columns {
		widths = append(widths, monthWidth)
	}
	// A few months leave the sheet too narrow for its title and legend:
	// the task titles get the room.
	widths[1] += max(0, yearMinWidth-(43+monthWidth*float64(len(columns))))
	s := newSheet(sheetYear, widths...)
	s.header = 2
	m.title(s, st, "全年推进概览")
	header := styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位")
	for _, p := range columns {
		header = append(header, cell{text: m.monthLabel(p), style: st.header})
	}
	s.add(header...)
	var blank cell // a month not shown: no border, no colour, nothing to write

	s.grow(m.groupRows() + len(m.in.Units) + len(legend) + 4)
	for _, g := range m.groups {
		s.addSpan(g.label(), st.category, len(s.widths))
		s.addLater(len(g.tasks), func(i int, row []cell) []cell {
			t := g.tasks[i]
			row = append(row,
				cell{text: strconv.Itoa(t.number), style: st.center},
				cell{text: t.task.Title, style: st.text},
				cell{text: t.unit, style: st.text},
			)
			var closedAfter plan.Period // months after it show 销号
			if t.closed {
				closedAfter = m.in.Closed[t.task.ID].Period
			}
			for i, p := range columns {
				if !m.shown(i) {
					row = append(row, blank)
					continue
				}
				status, color := m.monthStatus(t, i), m.monthColor(t, i)
				text := shortStatus(status)
				if status == "" && t.closed && closedAfter.Before(p) {
					text, color = closedShort, plan.ColorGreen
				}
				row = append(row, cell{text: text, style: st.colorStyle(color)})
			}
			return row
		})
	}

	section(s, st, "报送时效")
	row := s.add(append(styledRow(st.header, "序号", "牵头单位", ""), header[3:]...)...)
	s.merge(row, 2, 3)
	for i := range m.in.Units {
		u := &m.in.Units[i]
		cells := styledRow(st.center, strconv.Itoa(i+1), unitName(u), "")
		cells[1].style, cells[2].style = st.text, st.text
		for j := range columns {
			if !m.shown(j) {
				cells = append(cells, blank)
				continue
			}
			cells = append(cells, cell{
				text: shortState(m.monthState(u, j)), style: st.colorStyle(m.monthTimeliness(u, j)),
			})
		}
		row := s.add(cells...)
		s.merge(row, 2, 3)
	}

	s.blank()
	note := "图例"
	if m.yearDerived {
		note = fmt.Sprintf("图例（未提供全年数据，仅列%s）", m.in.Period.Label())
	}
	s.addNote(note, st.section)
	for _, legend := range legend {
		s.addNote(legend, st.info)
	}
	for i := range columns {
		if !m.shown(i) {
			s.addNote("空白的月份报送截止日未过，不着色，不计入全年统计。", st.info)
			break
		}
	}
	return s
}
