package compile

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// summarySheet is 汇总: who reported, how many tasks and units are flagged,
// status counts by category, who is missing, which tasks need attention.
func (m *model) summarySheet(st *styles) *sheet {
	s := newSheet(sheetSummary, 8, 34, 11, 11, 11, 11, 11, 11)
	s.header = 3
	m.title(s, st, "推进情况汇总")
	s.addSpan("生成时间："+m.in.GeneratedAt.Format("2006-01-02 15:04"), st.info, len(s.widths))
	s.addSpan("报送截止："+dateCN(m.in.Deadline), st.info, len(s.widths))
	m.summaryCounts(s, st)
	m.summaryWarnings(s, st)
	m.summaryCategories(s, st)
	m.summaryMissing(s, st)
	m.summaryAttention(s, st)
	return s
}

// section appends a blank row and a section heading.
func section(s *sheet, st *styles, heading string) {
	s.blank()
	s.addSpan(heading, st.section, len(s.widths))
}

// summaryCounts is the 报送概况 block: 应报/已报/未报/逾期 units.
func (m *model) summaryCounts(s *sheet, st *styles) {
	section(s, st, "一、报送概况")
	row := s.add(styledRow(st.header, "项目", "", "应报单位", "已报", "未报", "逾期")...)
	s.merge(row, 1, 2)
	c := m.counts
	row = s.add(styledRow(st.center, "单位数（个）", "",
		strconv.Itoa(c.Expected), strconv.Itoa(c.Reported), strconv.Itoa(c.Missing), strconv.Itoa(c.Overdue))...)
	s.merge(row, 1, 2)
}

// summaryCategories is the table of task statuses per category, with 合计.
func (m *model) summaryCategories(s *sheet, st *styles) {
	section(s, st, "三、分类推进情况（任务数，项）")
	s.add(styledRow(st.header, "序号", "类别", "任务数", string(plan.StatusDone), string(plan.StatusOnTrack),
		string(plan.StatusBehind), string(plan.StatusNotStarted), notReported)...)
	counts := func(style int, c statusCounts) []cell {
		return styledRow(style, strconv.Itoa(c.Tasks), strconv.Itoa(c.Done), strconv.Itoa(c.OnTrack),
			strconv.Itoa(c.Behind), strconv.Itoa(c.NotStarted), strconv.Itoa(c.NotReported))
	}
	perGroup, total := m.statusCounts()
	for i, g := range m.groups {
		s.add(append([]cell{{text: g.numeral, style: st.center}, {text: g.name, style: st.text}}, counts(st.center, perGroup[i])...)...)
	}
	row := s.add(append(styledRow(st.total, "合计", ""), counts(st.total, total)...)...)
	s.merge(row, 1, 2)
}

// summaryMissing lists the units without an accepted report, marking those
// whose files were all sent back.
func (m *model) summaryMissing(s *sheet, st *styles) {
	var missing []*reports.UnitReport
	for i := range m.in.Units {
		if !m.in.Units[i].Accepted() {
			missing = append(missing, &m.in.Units[i])
		}
	}
	section(s, st, fmt.Sprintf("四、未报送单位（%d个）", len(missing)))
	s.add(styledRow(st.header, "序号", "单位", "情况")...)
	for i, u := range missing {
		note := notReported
		if u.State == reports.StateRejected {
			note = "退回未改"
		}
		s.add(cell{text: strconv.Itoa(i + 1), style: st.center}, cell{text: unitName(u), style: st.text},
			cell{text: note, style: st.statusStyle(stateLabel(u.State))})
	}
	if len(missing) == 0 {
		s.addSpan("无", st.center, 3)
	}
}

// warningCounts counts tasks or units by warning colour.
type warningCounts map[plan.Color]int

// summaryWarnings is the 预警概况 block: tasks by progress colour (红/黄/绿)
// and lead units by timeliness colour (红/黄/蓝), with the colours' legend.
func (m *model) summaryWarnings(s *sheet, st *styles) {
	tasks, units := warningCounts{}, warningCounts{}
	for _, g := range m.groups {
		for _, t := range g.tasks {
			tasks[m.taskColor(t)]++
		}
	}
	for i := range m.in.Units {
		units[m.in.Timeliness[m.in.Units[i].Unit.ID]]++
	}
	section(s, st, "二、预警概况")
	// One column per colour, so the two rows line up; a colour a row
	// cannot have shows —.
	colors := []plan.Color{plan.ColorRed, plan.ColorYellow, plan.ColorGreen, plan.ColorBlue}
	header := []cell{{text: "项目", style: st.header}, {style: st.header}}
	for _, c := range colors {
		header = append(header, cell{text: string(c), style: st.colorStyle(c)})
	}
	row := s.add(append(header, cell{text: "无", style: st.header})...)
	s.merge(row, 1, 2)
	line := func(label string, counts warningCounts, has ...plan.Color) {
		cells := styledRow(st.center, label, "")
		for _, c := range colors {
			text := "—"
			if slices.Contains(has, c) {
				text = strconv.Itoa(counts[c])
			}
			cells = append(cells, cell{text: text, style: st.center})
		}
		row := s.add(append(cells, cell{text: strconv.Itoa(counts[plan.ColorNone]), style: st.center})...)
		s.merge(row, 1, 2)
	}
	line("重点任务（项）", tasks, plan.ColorRed, plan.ColorYellow, plan.ColorGreen)
	line("牵头单位（个）", units, plan.ColorRed, plan.ColorYellow, plan.ColorBlue)
	for _, legend := range legend {
		s.addNote(legend, st.info)
	}
}

// attentionRank orders the tasks needing attention: 红 first, then 黄,
// then the others (behind schedule without a colour).
func attentionRank(c plan.Color) int {
	switch c {
	case plan.ColorRed:
		return 0
	case plan.ColorYellow:
		return 1
	}
	return 2
}

// summaryAttention lists the tasks needing attention: every task reported 滞后
// and every task flagged 红 or 黄 (a colour can come from a task not started
// late or from an indicator behind its pace). 红 tasks come first, then 黄,
// each in plan order.
func (m *model) summaryAttention(s *sheet, st *styles) {
	var list []taskEntry
	for _, g := range m.groups {
		for _, t := range g.tasks {
			c := m.taskColor(t)
			if c == plan.ColorRed || c == plan.ColorYellow || (t.answered && !t.closed && t.answer.Status == plan.StatusBehind) {
				list = append(list, t)
			}
		}
	}
	slices.SortStableFunc(list, func(a, b taskEntry) int {
		return attentionRank(m.taskColor(a)) - attentionRank(m.taskColor(b))
	})
	section(s, st, fmt.Sprintf("五、滞后及预警任务（%d项）", len(list)))
	row := s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "", "", reports.HeaderStatus, headerWarning)...)
	s.merge(row, 3, 5) // unit names are long; the count columns are narrow
	for _, t := range list {
		status := t.status()
		row = s.add(cell{text: strconv.Itoa(t.number), style: st.center}, cell{text: t.task.Title, style: st.text},
			cell{text: t.unit, style: st.text}, cell{text: "", style: st.text}, cell{text: "", style: st.text},
			cell{text: status, style: st.statusStyle(status)},
			cell{text: m.taskWarning(t), style: st.colorStyle(m.taskColor(t))})
		s.merge(row, 3, 5)
	}
	if len(list) == 0 {
		s.addSpan("无", st.center, 7)
	}
}
