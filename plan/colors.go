package plan

import "time"

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

// ProgressColor is a task's progress colour in period p, from the status its
// lead unit reported for p and for the period before (empty when there is
// none, or when that period is in another year: the plan is yearly).
//
//   - 已完成, 序时推进: 绿.
//   - 滞后: 黄; 红 when the previous period was 滞后 too.
//   - 未启动: none up to NotStartedAfterMonth, then 黄; 红 from July.
//   - No status (not reported) or an unknown one: none.
func ProgressColor(p Period, status, previous Status, c ColorRules) Color {
	switch status {
	case StatusDone, StatusOnTrack:
		return ColorGreen
	case StatusBehind:
		if previous == StatusBehind {
			return ColorRed
		}
		return ColorYellow
	case StatusNotStarted:
		switch {
		case p.Month >= secondHalf:
			return ColorRed
		case int(p.Month) > c.NotStartedAfterMonth:
			return ColorYellow
		}
	}
	return ColorNone
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
// year-to-date total (this period included).
//
//   - Target reached (total ≥ Min): 绿.
//   - Target out of reach in the months left: 红. With PerMonthMax set, that
//     is total + PerMonthMax × months left < Min; without it, only once the
//     year's last period is reached.
//   - Behind the pro-rata pace (total < IndicatorExpected): 黄.
//   - Otherwise: 绿.
func IndicatorColor(ind Indicator, p Period, total int) Color {
	if total >= ind.Min {
		return ColorGreen
	}
	left := monthsInYear - int(p.Month)
	if left <= 0 || (ind.PerMonthMax > 0 && total+ind.PerMonthMax*left < ind.Min) {
		return ColorRed
	}
	if total < IndicatorExpected(ind, p) {
		return ColorYellow
	}
	return ColorGreen
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
// the one that asks for the most attention wins. An indicator's 绿 does not
// colour a task that has no progress colour (not reported this period); its
// 黄 and 红 do, since they are about the year, not the month.
func TaskColor(progress Color, indicators ...Color) Color {
	out := progress
	for _, c := range indicators {
		if c == ColorGreen && progress == ColorNone {
			continue
		}
		if colorRank(c) > colorRank(out) {
			out = c
		}
	}
	return out
}
