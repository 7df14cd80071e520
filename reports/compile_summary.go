package reports

import (
	"fmt"
	"strconv"

	"github.com/duban/duban/plan"
)

// summarySheet is 汇总: who reported, status counts by category, who is
// missing, which tasks are behind.
func (m *compileModel) summarySheet(st *compileStyles) *compileSheet {
	s := newCompileSheet(compileSheetSummary, 8, 34, 11, 11, 11, 11, 11, 11)
	s.header = 3
	m.title(s, st, "推进情况汇总")
	s.addSpan("生成时间："+m.in.GeneratedAt.Format("2006-01-02 15:04"), st.info, len(s.widths))
	s.addSpan("报送截止："+compileDateCN(m.in.Deadline), st.info, len(s.widths))
	m.summaryCounts(s, st)
	m.summaryCategories(s, st)
	m.summaryMissing(s, st)
	m.summaryBehind(s, st)
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
	compileSection(s, st, "二、分类推进情况（任务数，项）")
	s.add(compileRow(st.header, "序号", "类别", "任务数", string(plan.StatusDone), string(plan.StatusOnTrack),
		string(plan.StatusBehind), string(plan.StatusNotStarted), compileNotReported)...)
	counts := func(style int, c compileStatusCounts) []compileCell {
		return compileRow(style, strconv.Itoa(c.Tasks), strconv.Itoa(c.Done), strconv.Itoa(c.OnTrack),
			strconv.Itoa(c.Behind), strconv.Itoa(c.NotStarted), strconv.Itoa(c.NotReported))
	}
	perGroup, total := m.statusCounts()
	for i, g := range m.groups {
		s.add(append([]compileCell{{g.numeral, st.center}, {g.name, st.text}}, counts(st.center, perGroup[i])...)...)
	}
	row := s.add(append(compileRow(st.total, "合计", ""), counts(st.total, total)...)...)
	s.merge(row, 1, 2)
}

// summaryMissing lists the units without an accepted report, marking those
// whose files were all sent back.
func (m *compileModel) summaryMissing(s *compileSheet, st *compileStyles) {
	var missing []*UnitReport
	for i := range m.in.Units {
		if !compileAccepted(&m.in.Units[i]) {
			missing = append(missing, &m.in.Units[i])
		}
	}
	compileSection(s, st, fmt.Sprintf("三、未报送单位（%d个）", len(missing)))
	s.add(compileRow(st.header, "序号", "单位", "情况")...)
	for i, u := range missing {
		note := compileNotReported
		if u.State == StateRejected {
			note = "退回未改"
		}
		s.add(compileCell{strconv.Itoa(i + 1), st.center}, compileCell{compileUnitName(u), st.text},
			compileCell{note, st.statusStyle(compileStateLabel(u.State))})
	}
	if len(missing) == 0 {
		s.addSpan("无", st.center, 3)
	}
}

// summaryBehind lists the tasks reported 滞后, in plan order.
func (m *compileModel) summaryBehind(s *compileSheet, st *compileStyles) {
	var behind []compileTask
	for _, g := range m.groups {
		for _, t := range g.tasks {
			if t.answered && t.answer.Status == plan.StatusBehind {
				behind = append(behind, t)
			}
		}
	}
	compileSection(s, st, fmt.Sprintf("四、滞后任务（%d项）", len(behind)))
	row := s.add(compileRow(st.header, "序号", HeaderTitle, "牵头单位", "", "")...)
	s.merge(row, 3, 5) // unit names are long; the count columns are narrow
	for _, t := range behind {
		row = s.add(compileCell{strconv.Itoa(t.number), st.center}, compileCell{t.task.Title, st.text},
			compileCell{t.unit, st.text}, compileCell{"", st.text}, compileCell{"", st.text})
		s.merge(row, 3, 5)
	}
	if len(behind) == 0 {
		s.addSpan("无", st.center, 5)
	}
}
