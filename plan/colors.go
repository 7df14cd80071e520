package plan

import (
	"fmt"
	"strings"
	"time"
)

// Color is a warning colour of 督办 practice: 蓝/黄/红 for a unit's
// timeliness in a period, 绿/黄/红 for a task's progress. The value is the
// Chinese label the office reads; ColorNone (empty) means nothing to flag.
type Color string

// The colours. ColorNone is a timeliness that needs no attention (submitted
// on time, or the deadline is not near yet) or a progress with no colour (no
// answer, or 未启动 while the plan still allows it).
const (
	ColorNone   Color = ""
	ColorBlue   Color = "蓝"
	ColorYellow Color = "黄"
	ColorRed    Color = "红"
	ColorGreen  Color = "绿"
)

// ColorRules are the configurable thresholds of the colours (config section
// colors). All the rules live in this file.
type ColorRules struct {
	// BlueWithinWorkdays: a unit that has not submitted is 蓝 once the
	// deadline day is at most this many working days away (0: on the
	// deadline day only).
	BlueWithinWorkdays int
	// RedAfterWorkdays: a unit that has not submitted is 红 once more than
	// this many working days have passed since the deadline day.
	RedAfterWorkdays int
	// NotStartedAfterMonth: a task reported 未启动 is 黄 in periods after
	// this month of the plan year (3: from April on).
	NotStartedAfterMonth int
}

// DefaultColorRules are the thresholds config uses when colors is not set.
func DefaultColorRules() ColorRules {
	return ColorRules{BlueWithinWorkdays: 2, RedAfterWorkdays: 5, NotStartedAfterMonth: 3}
}

// secondHalf is the first month of the second half of the plan year: a task
// still 未启动 then is 红.
const secondHalf = time.July

// TimelinessColor is a unit's timeliness colour for period p at now.
//
//   - Submitted on time (an accepted report by the end of the deadline day):
//     none.
//   - Submitted late: 黄, however late, for that period.
//   - Not submitted, before the reminders went out or while the deadline day
//     is more than BlueWithinWorkdays working days away: none.
//   - Not submitted, deadline day within BlueWithinWorkdays working days: 蓝.
//   - Not submitted after the deadline: 黄, then 红 once more than
//     RedAfterWorkdays working days have passed since the deadline day, or
//     once a second overdue notice is due (the first went unanswered).
func TimelinessColor(s Schedule, p Period, now time.Time, submitted, late bool, c ColorRules) Color {
	return TimelinessColorBy(s, p, s.Deadline(p), now, submitted, late, c)
}

// TimelinessColorBy is TimelinessColor for a unit whose deadline day is not
// the period's: the office granted it an extension to that day, and every
// rule counts from it.
func TimelinessColorBy(s Schedule, p Period, deadline, now time.Time, submitted, late bool, c ColorRules) Color {
	now = now.In(s.Location)
	deadline = dayOf(deadline.In(s.Location))
	switch {
	case submitted && late:
		return ColorYellow
	case submitted:
		return ColorNone
	case now.Before(s.RemindAt(p)):
		return ColorNone
	}
	if now.Before(deadline.AddDate(0, 0, 1)) {
		if workdaysBetween(s.Calendar, now, deadline, c.BlueWithinWorkdays+1) <= c.BlueWithinWorkdays {
			return ColorBlue
		}
		return ColorNone
	}
	if workdaysBetween(s.Calendar, deadline, now, c.RedAfterWorkdays+1) > c.RedAfterWorkdays {
		return ColorRed
	}
	if r, due := s.RungDue(p, deadline, now); due && r.TurnsRed() {
		return ColorRed
	}
	return ColorYellow
}

// Warning is a task's colour with the reason for it in words, for the
// office to read next to the colour: 连续2个月报告滞后. The function that
// decides a colour gives its reason, so the two cannot disagree. Reason is
// empty for a colour that asks for no attention (绿, none).
type Warning struct {
	Color  Color
	Reason string
}

// ProgressColor is a task's progress colour in period p, from the status its
// lead unit reported for p and for the period before (empty when there is
// none, or when that period is in another year: the plan is yearly). See
// ProgressWarning for the rules.
func ProgressColor(p Period, status, previous Status, c ColorRules) Color {
	return ProgressWarning(p, status, previous, c).Color
}

// ProgressWarning is ProgressColor with its reason:
//
//   - 已完成, 序时推进: 绿.
//   - 滞后: 黄 (本月报告滞后); 红 when the previous period was 滞后 too
//     (连续2个月报告滞后).
//   - 未启动: none up to NotStartedAfterMonth, then 黄 (已过3月仍未启动); 红
//     from July (下半年仍未启动).
//   - No status (not reported) or an unknown one: none.
func ProgressWarning(p Period, status, previous Status, c ColorRules) Warning {
	switch status {
	case StatusDone, StatusOnTrack:
		return Warning{Color: ColorGreen}
	case StatusBehind:
		if previous == StatusBehind {
			return Warning{ColorRed, "连续2个月报告" + string(StatusBehind)}
		}
		return Warning{ColorYellow, "本月报告" + string(StatusBehind)}
	case StatusNotStarted:
		switch {
		case p.Month >= secondHalf:
			return Warning{ColorRed, "下半年仍" + string(StatusNotStarted)}
		case int(p.Month) > c.NotStartedAfterMonth:
			return Warning{ColorYellow, fmt.Sprintf("已过%d月仍%s", c.NotStartedAfterMonth, StatusNotStarted)}
		}
	}
	return Warning{}
}

// workdaysBetween counts the working days after from's day up to and
// including to's day, stopping at limit (a caller only compares with a
// threshold, and to may be far after from).
func workdaysBetween(cal *Calendar, from, to time.Time, limit int) int {
	end := dayOf(to.In(from.Location()))
	n := 0
	for d := cal.NextWorkday(from); !d.After(end) && n < limit; d = cal.NextWorkday(d) {
		n++
	}
	return n
}

// monthsInYear: the plan is yearly and reported monthly.
const monthsInYear = 12

// IndicatorExpected is where the pro-rata pace puts an indicator by the end
// of period p: Min × month / 12, rounded half up (a 至少1次 target is
// expected by June, a 2—3次 one once by March and twice by September).
func IndicatorExpected(ind Indicator, p Period) int {
	return (2*ind.Min*int(p.Month) + monthsInYear) / (2 * monthsInYear)
}

// IndicatorColor is an indicator's colour at the end of period p, given its
// year-to-date total (this period included). See IndicatorWarning for the
// rules.
func IndicatorColor(ind Indicator, p Period, total int) Color {
	return IndicatorWarning(ind, p, total).Color
}

// IndicatorWarning is IndicatorColor with its reason, which names the
// indicator:
//
//   - Target reached (total ≥ Min): 绿.
//   - Target out of reach in the months left: 红 (全年目标…已无法完成). With
//     PerMonthMax set, that is total + PerMonthMax × months left < Min;
//     without it, only once the year's last period is reached (全年目标…未完成).
//   - Behind the pro-rata pace (total < IndicatorExpected): 黄, with the
//     pace in counts and in per cent of the year's target: 进度落后序时：累计
//     完成1次（25%），序时应达2次（50%）.
//   - Otherwise: 绿.
func IndicatorWarning(ind Indicator, p Period, total int) Warning {
	if total >= ind.Min {
		return Warning{Color: ColorGreen}
	}
	name := "“" + ind.Name + "”"
	left := monthsInYear - int(p.Month)
	if left <= 0 {
		return Warning{ColorRed, fmt.Sprintf("%s全年目标%s未完成：累计完成%d%s", name, ind.Target(), total, ind.Unit)}
	}
	if ind.PerMonthMax > 0 && total+ind.PerMonthMax*left < ind.Min {
		return Warning{ColorRed, fmt.Sprintf("%s全年目标%s已无法完成：累计完成%d%s，剩余%d个月每月至多%d%s",
			name, ind.Target(), total, ind.Unit, left, ind.PerMonthMax, ind.Unit)}
	}
	if expected := IndicatorExpected(ind, p); total < expected {
		// total < expected ≤ Min × month / 12 + ½, so the share done is
		// below the share of the year gone by, however they are rounded.
		done := 100 * total / ind.Min
		pace := (200*int(p.Month) + monthsInYear) / (2 * monthsInYear)
		return Warning{ColorYellow, fmt.Sprintf("%s进度落后序时：累计完成%d%s（%d%%），序时应达%d%s（%d%%）",
			name, total, ind.Unit, done, expected, ind.Unit, pace)}
	}
	return Warning{Color: ColorGreen}
}

// colorRank orders colours by how much attention they ask for.
func colorRank(c Color) int {
	switch c {
	case ColorRed:
		return 4
	case ColorYellow:
		return 3
	case ColorBlue:
		return 2
	case ColorGreen:
		return 1
	}
	return 0
}

// TaskColor combines a task's progress colour with its indicators' colours:
// see TaskWarning.
func TaskColor(progress Color, indicators ...Color) Color {
	ws := make([]Warning, len(indicators))
	for i, c := range indicators {
		ws[i] = Warning{Color: c}
	}
	return TaskWarning(Warning{Color: progress}, ws...).Color
}

// TaskWarning combines a task's progress warning with its indicators':
// the colour that asks for the most attention wins. An indicator's 绿 does
// not colour a task that has no progress colour (not reported this period);
// its 黄 and 红 do, since they are about the year, not the month. The reason
// names every 黄 and 红 behind the colour, the progress first, joined by
// "；".
func TaskWarning(progress Warning, indicators ...Warning) Warning {
	out := progress
	var reasons []string
	if progress.Reason != "" {
		reasons = append(reasons, progress.Reason)
	}
	for _, w := range indicators {
		if w.Color == ColorGreen && progress.Color == ColorNone {
			continue
		}
		if colorRank(w.Color) > colorRank(out.Color) {
			out.Color = w.Color
		}
		if w.Reason != "" && colorRank(w.Color) >= colorRank(ColorYellow) {
			reasons = append(reasons, w.Reason)
		}
	}
	out.Reason = strings.Join(reasons, "；")
	return out
}
