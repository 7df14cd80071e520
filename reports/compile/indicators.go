package compile

import (
	"strconv"

	"github.com/duban/duban/reports"
)

// indicatorNotReported is 本月完成 of an indicator whose count the
// unit did not report this month.
const indicatorNotReported = "未报"

// indicatorSheet is 量化指标: each quantified target of the plan with this
// month's count, the year-to-date total, where the pro-rata pace puts it and
// its colour, in configured order. The counts are numbers, so the office
// can add them up.
func (m *model) indicatorSheet(st *styles) *sheet {
	s := newSheet(sheetIndicators, 6, 26, 20, 22, 12, 10, 10, 10, 8)
	s.header = 2
	m.title(s, st, "量化指标完成情况")
	s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "指标", "全年目标", "本月完成", "本年累计", "序时应达",
		headerWarning)...)

	tasks := make(map[string]taskEntry, len(m.in.Indicators))
	for _, ip := range m.in.Indicators {
		tasks[ip.Indicator.TaskID] = taskEntry{}
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
		thisMonth := cell{text: indicatorNotReported, style: st.statusStyle(notReported)}
		if ip.Reported {
			thisMonth = number(ip.ThisMonth, st.center)
		}
		s.add(
			cell{text: strconv.Itoa(i + 1), style: st.center},
			cell{text: title, style: st.text},
			cell{text: unit, style: st.text},
			cell{text: ip.Indicator.Name, style: st.text},
			cell{text: ip.Indicator.Target(), style: st.center},
			thisMonth,
			number(ip.YearToDate, st.center),
			number(ip.Expected, st.center),
			cell{text: string(ip.Color), style: st.colorStyle(ip.Color)},
		)
	}
	return s
}
