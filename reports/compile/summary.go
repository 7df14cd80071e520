package compile

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Widths of 汇总, in characters: its tables share the columns, the long
// texts (a task's reason, a contact) span F:H.
var summaryWidths = []float64{6, 24, 18, 10, 10, 14, 14, 12}

// summarySheet is 汇总, what a leader reads first: who reported (disjoint
// counts and rates, this month and over the year), who has not or was late
// and how to reach them, the tasks in red and yellow with why, the tasks by
// category, and the units ranked by timeliness over the year.
func (m *model) summarySheet(st *styles) *sheet {
	s := newSheet(sheetSummary, summaryWidths...)
	s.header = 2
	m.title(s, st, "推进情况汇总")
	s.addSpan("报送截止："+plan.DateCN(m.in.Deadline)+"　　生成时间："+m.formatTime(m.in.GeneratedAt), st.info, len(s.widths))
	yearTotal, ranking := m.yearTallies()
	m.summaryCounts(s, st, yearTotal)
	m.summaryUnits(s, st)
	m.summaryWarnings(s, st)
	m.summaryAttention(s, st)
	m.summaryCategories(s, st)
	m.summaryRanking(s, st, ranking)
	return s
}

// section appends a blank row and a section heading.
func section(s *sheet, st *styles, heading string) {
	s.blank()
	s.addSpan(heading, st.section, len(s.widths))
}

// tallyCells are a tally's cells: 应报, 按时报送, 逾期报送, 未报送, 报送率,
// 按时报送率.
func tallyCells(style int, t tally) []cell {
	return styledRow(style, strconv.Itoa(t.Expected), strconv.Itoa(t.OnTime), strconv.Itoa(t.Late),
		strconv.Itoa(t.Missing), percent(t.Reported(), t.Expected), percent(t.OnTime, t.Expected))
}

// summaryCounts is 报送情况: the lead units of the period and of the year so
// far in disjoint counts, with the rates.
func (m *model) summaryCounts(s *sheet, st *styles, year tally) {
	section(s, st, "一、报送情况（单位数，个）")
	row := s.add(styledRow(st.header, "项目", "", "应报", "按时报送", "逾期报送", "未报送", "报送率", "按时报送率")...)
	s.merge(row, 1, 2)
	row = s.add(append(styledRow(st.center, m.in.Period.Label(), ""), tallyCells(st.center, m.monthTally())...)...)
	s.merge(row, 1, 2)
	label := "本年累计（" + m.yearSpan() + "）"
	row = s.add(append(styledRow(st.center, label, ""), tallyCells(st.center, year)...)...)
	s.merge(row, 1, 2)
	s.addNote("应报＝按时报送＋逾期报送＋未报送，每个单位只计一次；只有被退回文件的单位计为未报送。"+
		"报送率＝（按时报送＋逾期报送）÷应报，按时报送率＝按时报送÷应报。"+
		"本年累计逐月按单位计次，只计报送截止日已过的月份；本月获准延期、延期未满的单位，本月暂不计入。", st.info)
}

// contactOf is whom to call about a unit: the contact and phone its report
// gave, or, for a unit that has not reported, its first configured contact
// and that contact's address.
func contactOf(u *reports.UnitReport) (name, reach string) {
	name, reach = u.Contact, u.Phone
	if len(u.Unit.Contacts) > 0 {
		if name == "" {
			name = u.Unit.Contacts[0].Name
		}
		if reach == "" {
			reach = u.Unit.Contacts[0].Email
		}
	}
	return name, reach
}

// standing is a unit's 情况 in 汇总's list: 逾期报送, or 未报送 / 退回未改
// with where its deadline stands.
func (m *model) standing(u *reports.UnitReport) string {
	switch u.State {
	case reports.StateLate, reports.StateSubmitted:
		return u.State.Label()
	}
	what := notReported
	if u.State == reports.StateRejected {
		what = "退回未改"
	}
	deadline := m.deadlineOf(u)
	switch {
	case !deadline.Equal(m.in.Deadline) && !m.dayOver(deadline):
		return what + "（已同意延期至" + plan.DateCN(deadline) + "）"
	case m.dayOver(deadline):
		return what + "（已逾期）"
	}
	return what + "（未到截止日）"
}

// summaryUnits names the units that have not reported (missing or only
// rejected files), then those that reported late, with the chase notices
// they were sent and whom to call.
func (m *model) summaryUnits(s *sheet, st *styles) {
	var list []*reports.UnitReport
	for _, late := range []bool{false, true} {
		for i := range m.in.Units {
			u := &m.in.Units[i]
			if (u.State == reports.StateLate) == late && u.State != reports.StateSubmitted {
				list = append(list, u)
			}
		}
	}
	section(s, st, fmt.Sprintf("二、未报送及逾期报送单位（%d个）", len(list)))
	row := s.add(styledRow(st.header, "序号", "单位", "情况", "催报次数", "联系人", "联系方式", "", headerTimeliness)...)
	s.merge(row, 6, 7)
	for i, u := range list {
		name, reach := contactOf(u)
		color := m.in.Timeliness[u.Unit.ID]
		state := u.State
		if state == "" {
			state = reports.StateMissing
		}
		row := s.add(
			cell{text: strconv.Itoa(i + 1), style: st.center},
			cell{text: unitName(u), style: st.text},
			cell{text: m.standing(u), style: st.statusStyle(state.Label())},
			cell{text: strconv.Itoa(m.in.Chases[u.Unit.ID]), style: st.center},
			cell{text: name, style: st.text},
			cell{text: reach, style: st.text},
			cell{style: st.text},
			cell{text: string(color), style: st.colorStyle(color)},
		)
		s.merge(row, 6, 7)
	}
	if len(list) == 0 {
		s.addSpan("本期各单位均已按时报送", st.center, len(s.widths))
	}
}

// warningCounts counts tasks or units by warning colour.
type warningCounts map[plan.Color]int

// summaryWarnings is 预警概况: tasks by progress colour (红/黄/绿) and lead
// units by timeliness colour (红/黄/蓝), with the colours' legend.
func (m *model) summaryWarnings(s *sheet, st *styles) {
	tasks, units := warningCounts{}, warningCounts{}
	nTasks := 0
	for _, g := range m.groups {
		for _, t := range g.tasks {
			tasks[m.taskColor(t)]++
			nTasks++
		}
	}
	for i := range m.in.Units {
		units[m.in.Timeliness[m.in.Units[i].Unit.ID]]++
	}
	section(s, st, "三、预警概况")
	// One column per colour, so the two rows line up; a colour a row
	// cannot have shows —.
	colors := []plan.Color{plan.ColorRed, plan.ColorYellow, plan.ColorGreen, plan.ColorBlue}
	header := []cell{{text: "项目", style: st.header}, {style: st.header}}
	for _, c := range colors {
		header = append(header, cell{text: string(c), style: st.colorStyle(c)})
	}
	row := s.add(append(header, cell{text: "无预警", style: st.header}, cell{text: "合计", style: st.header})...)
	s.merge(row, 1, 2)
	line := func(label string, counts warningCounts, total int, has ...plan.Color) {
		cells := styledRow(st.center, label, "")
		for _, c := range colors {
			text := "—"
			if slices.Contains(has, c) {
				text = strconv.Itoa(counts[c])
			}
			cells = append(cells, cell{text: text, style: st.center})
		}
		cells = append(cells, cell{text: strconv.Itoa(counts[plan.ColorNone]), style: st.center},
			cell{text: strconv.Itoa(total), style: st.total})
		row := s.add(cells...)
		s.merge(row, 1, 2)
	}
	line("重点任务（项）", tasks, nTasks, plan.ColorRed, plan.ColorYellow, plan.ColorGreen)
	line("牵头单位（个）", units, len(m.in.Units), plan.ColorRed, plan.ColorYellow, plan.ColorBlue)
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

// summaryAttention lists the tasks flagged 红 or 黄, 红 first, each in plan
// order, with the reason for its colour in words (plan.Warning, from the
// input's Reasons). A task reported 滞后 without a colour (an input without
// colours) is listed last.
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
	section(s, st, fmt.Sprintf("四、预警任务（%d项）", len(list)))
	row := s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", reports.HeaderStatus, headerWarning, "预警原因", "", "")...)
	s.merge(row, 6, 8)
	for _, t := range list {
		status := t.status()
		color := m.taskColor(t)
		row = s.add(cell{text: strconv.Itoa(t.number), style: st.center}, cell{text: t.task.Title, style: st.text},
			cell{text: t.unit, style: st.text}, cell{text: status, style: st.statusStyle(status)},
			cell{text: m.taskWarning(t), style: st.colorStyle(color)},
			cell{text: m.in.Reasons[t.task.ID], style: st.text}, cell{style: st.text}, cell{style: st.text})
		s.merge(row, 6, 8)
	}
	if len(list) == 0 {
		s.addSpan("本期无红色、黄色预警任务", st.center, len(s.widths))
	}
}

// summaryCategories is the table of task statuses per category, with 合计.
func (m *model) summaryCategories(s *sheet, st *styles) {
	section(s, st, "五、分类推进情况（任务数，项）")
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

// summaryRanking ranks the lead units by timeliness over the months of the
// year whose deadline is over (yearTallies).
func (m *model) summaryRanking(s *sheet, st *styles, units []unitYear) {
	section(s, st, "六、全年报送及时情况排名（"+m.yearSpan()+"）")
	s.add(styledRow(st.header, "名次", "单位", "应报月数", "按时报送", "逾期报送", "未报送", "按时报送率", "报送率")...)
	if m.dueSpan() == "" {
		s.addSpan("尚无报送截止日已过的月份", st.center, len(s.widths))
		return
	}
	for _, u := range units {
		rank := "—"
		if u.rank > 0 {
			rank = strconv.Itoa(u.rank)
		}
		s.add(cell{text: rank, style: st.center}, cell{text: unitName(u.unit), style: st.text},
			cell{text: strconv.Itoa(u.Expected), style: st.center}, cell{text: strconv.Itoa(u.OnTime), style: st.center},
			cell{text: strconv.Itoa(u.Late), style: st.center}, cell{text: strconv.Itoa(u.Missing), style: st.center},
			cell{text: percent(u.OnTime, u.Expected), style: st.center}, cell{text: percent(u.Reported(), u.Expected), style: st.center})
	}
}
