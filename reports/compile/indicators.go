package compile

import (
	"strconv"

	"github.com/duban/duban/reports"
)

// compileIndicatorNotReported is 本月完成 of an indicator whose count the
// unit did not report this month.
const compileIndicatorNotReported = "未报"

// indicatorSheet is 量化指标: each quantified target of the plan with this
// month's count, the year-to-date total, where the pro-rata pace puts it and
// its colour, in configured order. The counts are numbers, so the office
// can add them up.
func (m *compileModel) indicatorSheet(st *compileStyles) *compileSheet {
	s := newCompileSheet(compileSheetIndicators, 6, 26, 20, 22, 12, 10, 10, 10, 8)
	s.header = 2
	m.title(s, st, "量化指标完成情况")
	s.add(compileRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "指标", "全年目标", "本月完成", "本年累计", "序时应达",
		compileHeaderWarning)...)

	tasks := make(map[string]compileTask, len(m.in.Indicators))
	for _, ip := range m.in.Indicators {
		tasks[ip.Indicator.TaskID] = compileTask{}
	}
	for _, g := range m.groups {
		for _, t := range g.tasks {
			if _, ok := tasks[t.task.ID]; ok {
				tasks[t.task.ID] = t
			}
		}
	}
	s.grow(len(m.in.Indicators))
	for i, ip := range m.in.Indicators {
		title, unit := ip.Indicator.TaskID, "" // a task the plan does not know: its id
		if t := tasks[ip.Indicator.TaskID]; t.task != nil {
			title, unit = t.titleWithNumber(), t.unit
		}
		thisMonth := compileCell{text: compileIndicatorNotReported, style: st.statusStyle(compileNotReported)}
		if ip.Reported {
			thisMonth = compileNumber(ip.ThisMonth, st.center)
		}
		s.add(
			compileCell{text: strconv.Itoa(i + 1), style: st.center},
			compileCell{text: title, style: st.text},
			compileCell{text: unit, style: st.text},
			compileCell{text: ip.Indicator.Name, style: st.text},
			compileCell{text: ip.Indicator.Target(), style: st.center},
			thisMonth,
			compileNumber(ip.YearToDate, st.center),
			compileNumber(ip.Expected, st.center),
			compileCell{text: string(ip.Color), style: st.colorStyle(ip.Color)},
		)
	}
	return s
}
