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
func (m *compileModel) summarySheet(st *compileStyles) *compileSheet {
	s := newCompileSheet(compileSheetSummary, 8, 34, 11, 11, 11, 11, 11, 11)
	s.header = 3
	m.title(s, st, "推进情况汇总")
	s.addSpan("生成时间："+m.in.GeneratedAt.Format("2006-01-02 15:04"), st.info, len(s.widths))
	s.addSpan("报送截止："+compileDateCN(m.in.Deadline), st.info, len(s.widths))
	m.summaryCounts(s, st)
	m.summaryWarnings(s, st)
	m.summaryCategories(s, st)
	m.summaryMissing(s, st)
	m.summaryAttention(s, st)
	return s
}

// compileSection appends a blank row and a section heading.
func compileSection(s *compileSheet, st *compileStyles, heading string) {
	s.blank()
	s.addSpan(heading, st.section, len(s.widths))
}

// summaryCounts is the 报送概况 block: 应报/已报/未报/逾期 units.
func (m *compileModel) summaryCounts(s *compileSheet, st *compileStyles) {
	compileSection(s, st, "一、报送概况")
	row := s.add(compileRow(st.header, "项目", "", "应报单位", "已报", "未报", "逾期")...)
	s.merge(row, 1, 2)
	c := m.counts
	row = s.add(compileRow(st.center, "单位数（个）", "",
		strconv.Itoa(c.Expected), strconv.Itoa(c.Reported), strconv.Itoa(c.Missing), strconv.Itoa(c.Overdue))...)
	s.merge(row, 1, 2)
}

// summaryCategories is the table of task statuses per category, with 合计.
func (m *compileModel) summaryCategories(s *compileSheet, st *compileStyles) {
	compileSection(s, st, "三、分类推进情况（任务数，项）")
	s.add(compileRow(st.header, "序号", "类别", "任务数", string(plan.StatusDone), string(plan.StatusOnTrack),
		string(plan.StatusBehind), string(plan.StatusNotStarted), compileNotReported)...)
	counts := func(style int, c compileStatusCounts) []compileCell {
		return compileRow(style, strconv.Itoa(c.Tasks), strconv.Itoa(c.Done), strconv.Itoa(c.OnTrack),
			strconv.Itoa(c.Behind), strconv.Itoa(c.NotStarted), strconv.Itoa(c.NotReported))
	}
	perGroup, total := m.statusCounts()
	for i, g := range m.groups {
		s.add(append([]compileCell{{text: g.numeral, style: st.center}, {text: g.name, style: st.text}}, counts(st.center, perGroup[i])...)...)
	}
	row := s.add(append(compileRow(st.total, "合计", ""), counts(st.total, total)...)...)
	s.merge(row, 1, 2)
}

// summaryMissing lists the units without an accepted report, marking those
// whose files were all sent back.
func (m *compileModel) summaryMissing(s *compileSheet, st *compileStyles) {
	var missing []*reports.UnitReport
	for i := range m.in.Units {
		if !m.in.Units[i].Accepted() {
			missing = append(missing, &m.in.Units[i])
		}
	}
	compileSection(s, st, fmt.Sprintf("四、未报送单位（%d个）", len(missing)))
	s.add(compileRow(st.header, "序号", "单位", "情况")...)
	for i, u := range missing {
		note := compileNotReported
		if u.State == reports.StateRejected {
			note = "退回未改"
		}
		s.add(compileCell{text: strconv.Itoa(i + 1), style: st.center}, compileCell{text: compileUnitName(u), style: st.text},
			compileCell{text: note, style: st.statusStyle(compileStateLabel(u.State))})
	}
	if len(missing) == 0 {
		s.addSpan("无", st.center, 3)
	}
}

// compileWarningCounts counts tasks or units by warning colour.
type compileWarningCounts map[plan.Color]int

// summaryWarnings is the 预警概况 block: tasks by progress colour (红/黄/绿)
// and lead units by timeliness colour (红/黄/蓝), with the colours' legend.
func (m *compileModel) summaryWarnings(s *compileSheet, st *compileStyles) {
	tasks, units := compileWarningCounts{}, compileWarningCounts{}
	for _, g := range m.groups {
		for _, t := range g.tasks {
			tasks[m.taskColor(t)]++
		}
	}
	for i := range m.in.Units {
		units[m.in.Timeliness[m.in.Units[i].Unit.ID]]++
	}
	compileSection(s, st, "二、预警概况")
	// One column per colour, so the two rows line up; a colour a row
	// cannot have shows —.
	colors := []plan.Color{plan.ColorRed, plan.ColorYellow, plan.ColorGreen, plan.ColorBlue}
	header := []compileCell{{text: "项目", style: st.header}, {style: st.header}}
	for _, c := range colors {
		header = append(header, compileCell{text: string(c), style: st.colorStyle(c)})
	}
	row := s.add(append(header, compileCell{text: "无", style: st.header})...)
	s.merge(row, 1, 2)
	line := func(label string, counts compileWarningCounts, has ...plan.Color) {
		cells := compileRow(st.center, label, "")
		for _, c := range colors {
			text := "—"
			if slices.Contains(has, c) {
				text = strconv.Itoa(counts[c])
			}
			cells = append(cells, compileCell{text: text, style: st.center})
		}
		row := s.add(append(cells, compileCell{text: strconv.Itoa(counts[plan.ColorNone]), style: st.center})...)
		s.merge(row, 1, 2)
	}
	line("重点任务（项）", tasks, plan.ColorRed, plan.ColorYellow, plan.ColorGreen)
	line("牵头单位（个）", units, plan.ColorRed, plan.ColorYellow, plan.ColorBlue)
	for _, legend := range compileLegend {
		s.addNote(legend, st.info)
	}
}

// compileAttentionRank orders the tasks needing attention: 红 first, then 黄,
// then the others (behind schedule without a colour).
func compileAttentionRank(c plan.Color) int {
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
func (m *compileModel) summaryAttention(s *compileSheet, st *compileStyles) {
	var list []compileTask
	for _, g := range m.groups {
		for _, t := range g.tasks {
			c := m.taskColor(t)
			if c == plan.ColorRed || c == plan.ColorYellow || (t.answered && !t.closed && t.answer.Status == plan.StatusBehind) {
				list = append(list, t)
			}
		}
	}
	slices.SortStableFunc(list, func(a, b compileTask) int {
		return compileAttentionRank(m.taskColor(a)) - compileAttentionRank(m.taskColor(b))
	})
	compileSection(s, st, fmt.Sprintf("五、滞后及预警任务（%d项）", len(list)))
	row := s.add(compileRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "", "", reports.HeaderStatus, compileHeaderWarning)...)
	s.merge(row, 3, 5) // unit names are long; the count columns are narrow
	for _, t := range list {
		status := t.status()
		row = s.add(compileCell{text: strconv.Itoa(t.number), style: st.center}, compileCell{text: t.task.Title, style: st.text},
			compileCell{text: t.unit, style: st.text}, compileCell{text: "", style: st.text}, compileCell{text: "", style: st.text},
			compileCell{text: status, style: st.statusStyle(status)},
			compileCell{text: m.taskWarning(t), style: st.colorStyle(m.taskColor(t))})
		s.merge(row, 3, 5)
	}
	if len(list) == 0 {
		s.addSpan("无", st.center, 7)
	}
}
