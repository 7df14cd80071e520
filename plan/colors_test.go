package plan

import (
	"fmt"
	"testing"
	"time"
)

// Period 2023-09 on the real calendar: National Day runs 09-29 to 10-06,
// 10-07 (Sat) and 10-08 (Sun) are make-up working days. The reminders go out
// on 10-07 09:00 (1st working day), the deadline day is 10-11 (5th: 10-07,
// 10-08, 10-09, 10-10, 10-11), the overdue notices 10-12 and 10-19 09:00.
func TestTimelinessColorAroundNationalDay(t *testing.T) {
	s := exampleSchedule(t)
	at := func(v string) time.Time { return atIn(t, s, v) }
	sep := Period{2023, time.September}
	def := DefaultColorRules()
	lenient := ColorRules{BlueWithinWorkdays: 2, RedAfterWorkdays: 10}
	tests := []struct {
		now             string
		submitted, late bool
		rules           ColorRules
		want            Color
	}{
		// Not submitted, before the deadline.
		{now: "2023-09-28 10:00", want: ColorNone}, // before the reminders
		{now: "2023-10-07 08:59", want: ColorNone}, // a minute before them
		{now: "2023-10-07 09:00", want: ColorNone}, // 4 working days to go
		{now: "2023-10-08 12:00", want: ColorNone}, // 3 to go
		{now: "2023-10-09 00:00", want: ColorBlue}, // 2 to go: 10-10, 10-11
		{now: "2023-10-10 16:00", want: ColorBlue}, // 1 to go
		{now: "2023-10-11 23:59", want: ColorBlue}, // the deadline day
		{now: "2023-10-08 12:00", rules: ColorRules{BlueWithinWorkdays: 3, RedAfterWorkdays: 5}, want: ColorBlue},
		{now: "2023-10-10 16:00", rules: ColorRules{BlueWithinWorkdays: 0, RedAfterWorkdays: 5}, want: ColorNone},
		{now: "2023-10-11 08:00", rules: ColorRules{BlueWithinWorkdays: 0, RedAfterWorkdays: 5}, want: ColorBlue},
		// Not submitted, past the deadline: 10-12 is overdue working day 1,
		// 10-13 2, 10-16 3, 10-17 4, 10-18 5, 10-19 6.
		{now: "2023-10-12 00:00", want: ColorYellow},
		{now: "2023-10-15 12:00", want: ColorYellow}, // a Sunday: 2 working days
		{now: "2023-10-18 17:00", want: ColorYellow}, // 5: not more than 5
		{now: "2023-10-19 08:00", want: ColorRed},    // 6
		{now: "2023-10-19 08:00", rules: lenient, want: ColorYellow},
		{now: "2023-10-19 09:00", rules: lenient, want: ColorRed}, // overdue-2 due: overdue-1 unanswered
		{now: "2023-10-12 10:00", rules: ColorRules{BlueWithinWorkdays: 2, RedAfterWorkdays: 0}, want: ColorRed},
		{now: "2024-03-01 10:00", want: ColorRed},
		// Submitted.
		{now: "2023-10-10 10:00", submitted: true, want: ColorNone},
		{now: "2023-10-30 10:00", submitted: true, want: ColorNone},
		{now: "2023-10-13 10:00", submitted: true, late: true, want: ColorYellow},
		{now: "2023-11-20 10:00", submitted: true, late: true, want: ColorYellow},
	}
	for _, tt := range tests {
		rules := tt.rules
		if rules == (ColorRules{}) {
			rules = def
		}
		name := fmt.Sprintf("%s submitted=%v late=%v %+v", tt.now, tt.submitted, tt.late, rules)
		t.Run(name, func(t *testing.T) {
			if got := TimelinessColor(s, sep, at(tt.now), tt.submitted, tt.late, rules); got != tt.want {
				t.Errorf("TimelinessColor() = %q, want %q", got, tt.want)
			}
		})
	}
}

// A synthetic year: one task's reports month by month, and the colour each
// period gets given the period before.
func TestProgressColorOverAYear(t *testing.T) {
	def := DefaultColorRules()
	year := []struct {
		month  time.Month
		status Status
		want   Color
	}{
		{time.January, StatusNotStarted, ColorNone},
		{time.February, StatusNotStarted, ColorNone},
		{time.March, StatusNotStarted, ColorNone}, // not after March yet
		{time.April, StatusNotStarted, ColorYellow},
		{time.May, StatusOnTrack, ColorGreen},
		{time.June, StatusBehind, ColorYellow}, // first month behind
		{time.July, StatusBehind, ColorRed},    // second month running
		{time.August, StatusBehind, ColorRed},
		{time.September, StatusOnTrack, ColorGreen},
		{time.October, StatusBehind, ColorYellow},
		{time.November, "", ColorNone}, // not reported
		{time.December, StatusDone, ColorGreen},
	}
	var previous Status
	for _, m := range year {
		p := Period{2023, m.month}
		if got := ProgressColor(p, m.status, previous, def); got != m.want {
			t.Errorf("ProgressColor(%s, %q, previous %q) = %q, want %q", p, m.status, previous, got, m.want)
		}
		previous = m.status
	}
}

func TestProgressColorNotStarted(t *testing.T) {
	tests := []struct {
		month      time.Month
		afterMonth int
		want       Color
	}{
		{time.March, 3, ColorNone},
		{time.April, 3, ColorYellow},
		{time.June, 3, ColorYellow},
		{time.July, 3, ColorRed}, // the second half of the plan year
		{time.December, 3, ColorRed},
		{time.January, 0, ColorYellow},
		{time.June, 6, ColorNone},
		{time.July, 6, ColorRed},
	}
	for _, tt := range tests {
		p := Period{2023, tt.month}
		got := ProgressColor(p, StatusNotStarted, "", ColorRules{NotStartedAfterMonth: tt.afterMonth})
		if got != tt.want {
			t.Errorf("ProgressColor(%s, 未启动) after month %d = %q, want %q", p, tt.afterMonth, got, tt.want)
		}
	}
	if got := ProgressColor(Period{2023, time.May}, "进行中", StatusBehind, DefaultColorRules()); got != ColorNone {
		t.Errorf("ProgressColor(unknown status) = %q, want none", got)
	}
}

// Task 3's targets over a synthetic year: 至少1次 联席会 (one a month at
// most) and 2—3次 交流活动 (no monthly limit).
func TestIndicatorColorOverAYear(t *testing.T) {
	meeting := Indicator{TaskID: "T03", Name: "对口部门联席会", Unit: "次", Min: 1, PerMonthMax: 1}
	events := Indicator{TaskID: "T03", Name: "合作交流活动", Unit: "次", Min: 2, Max: 3}
	tests := []struct {
		ind      Indicator
		month    time.Month
		total    int
		expected int
		want     Color
	}{
		{meeting, time.January, 0, 0, ColorGreen}, // pace: 1×1/12 rounds to 0
		{meeting, time.May, 0, 0, ColorGreen},
		{meeting, time.June, 0, 1, ColorYellow}, // half the year: the one meeting is due
		{meeting, time.June, 1, 1, ColorGreen},
		{meeting, time.November, 0, 1, ColorYellow}, // one month left, one meeting a month: still possible
		{meeting, time.December, 0, 1, ColorRed},    // the year is over
		{meeting, time.December, 1, 1, ColorGreen},
		{events, time.February, 0, 0, ColorGreen},
		{events, time.March, 0, 1, ColorYellow}, // 2×3/12 = 0.5 rounds to 1
		{events, time.March, 1, 1, ColorGreen},
		{events, time.September, 1, 2, ColorYellow}, // 2×9/12 = 1.5 rounds to 2
		{events, time.November, 1, 2, ColorYellow},  // no monthly limit: not red before the year ends
		{events, time.December, 1, 2, ColorRed},
		{events, time.December, 4, 2, ColorGreen},                         // above the range is still reached
		{Indicator{Min: 3, PerMonthMax: 1}, time.October, 0, 3, ColorRed}, // 2 months left, 3 needed
		{Indicator{Min: 3, PerMonthMax: 1}, time.September, 0, 2, ColorYellow},
	}
	for _, tc := range tests {
		p := Period{2023, tc.month}
		if got := IndicatorExpected(tc.ind, p); got != tc.expected {
			t.Errorf("IndicatorExpected(%s min %d, %s) = %d; want %d", tc.ind.Name, tc.ind.Min, p, got, tc.expected)
		}
		if got := IndicatorColor(tc.ind, p, tc.total); got != tc.want {
			t.Errorf("IndicatorColor(%s min %d, %s, total %d) = %q; want %q", tc.ind.Name, tc.ind.Min, p, tc.total, got, tc.want)
		}
	}
	if got := meeting.Target(); got != "至少1次" {
		t.Errorf("Target() = %q; want 至少1次", got)
	}
	if got := events.Target(); got != "2—3次" {
		t.Errorf("Target() = %q; want 2—3次", got)
	}
}

func TestTaskColorCombinesIndicators(t *testing.T) {
	tests := []struct {
		progress   Color
		indicators []Color
		want       Color
	}{
		{ColorGreen, nil, ColorGreen},
		{ColorGreen, []Color{ColorGreen, ColorYellow}, ColorYellow},
		{ColorYellow, []Color{ColorRed}, ColorRed},
		{ColorRed, []Color{ColorGreen}, ColorRed},
		{ColorNone, []Color{ColorGreen}, ColorNone}, // not reported: an indicator's green says nothing of the month
		{ColorNone, []Color{ColorYellow}, ColorYellow},
	}
	for _, tc := range tests {
		if got := TaskColor(tc.progress, tc.indicators...); got != tc.want {
			t.Errorf("TaskColor(%q, %q) = %q; want %q", tc.progress, tc.indicators, got, tc.want)
		}
	}
}

// The reason given with each colour names why, from the rule that gave it.
func TestWarningReasons(t *testing.T) {
	def := DefaultColorRules()
	may, june, july, oct, dec := Period{2023, time.May}, Period{2023, time.June}, Period{2023, time.July}, Period{2023, time.October}, Period{2023, time.December}
	meeting := Indicator{Name: "对口部门联席会", Unit: "次", Min: 1, PerMonthMax: 1}
	events := Indicator{Name: "合作交流活动", Unit: "次", Min: 2, Max: 3}
	platforms := Indicator{Name: "共建创新平台", Unit: "个", Min: 4, PerMonthMax: 1}
	tests := []struct {
		name string
		got  Warning
		want Warning
	}{
		{"on track", ProgressWarning(may, StatusOnTrack, StatusBehind, def), Warning{Color: ColorGreen}},
		{"behind once", ProgressWarning(may, StatusBehind, StatusOnTrack, def), Warning{ColorYellow, "本月报告滞后"}},
		{"behind twice", ProgressWarning(may, StatusBehind, StatusBehind, def), Warning{ColorRed, "连续2个月报告滞后"}},
		{"not started in March", ProgressWarning(Period{2023, time.March}, StatusNotStarted, "", def), Warning{}},
		{"not started in May", ProgressWarning(may, StatusNotStarted, StatusNotStarted, def), Warning{ColorYellow, "已过3月仍未启动"}},
		{"not started after May", ProgressWarning(june, StatusNotStarted, "", ColorRules{NotStartedAfterMonth: 5}), Warning{ColorYellow, "已过5月仍未启动"}},
		{"not started in July", ProgressWarning(july, StatusNotStarted, "", def), Warning{ColorRed, "下半年仍未启动"}},
		{"not reported", ProgressWarning(may, "", StatusBehind, def), Warning{}},
		{"indicator reached", IndicatorWarning(meeting, june, 1), Warning{Color: ColorGreen}},
		{"indicator behind its pace", IndicatorWarning(meeting, june, 0),
			Warning{ColorYellow, "“对口部门联席会”进度落后序时：累计完成0次（0%），序时应达1次（50%）"}},
		{"indicator of a range behind", IndicatorWarning(events, Period{2023, time.September}, 1),
			Warning{ColorYellow, "“合作交流活动”进度落后序时：累计完成1次（50%），序时应达2次（75%）"}},
		{"indicator out of reach", IndicatorWarning(platforms, oct, 1),
			Warning{ColorRed, "“共建创新平台”全年目标至少4个已无法完成：累计完成1个，剩余2个月每月至多1个"}},
		{"indicator missed at the year's end", IndicatorWarning(events, dec, 1),
			Warning{ColorRed, "“合作交流活动”全年目标2—3次未完成：累计完成1次"}},
		{"task: progress and indicator", TaskWarning(ProgressWarning(may, StatusBehind, StatusBehind, def), IndicatorWarning(meeting, june, 0)),
			Warning{ColorRed, "连续2个月报告滞后；“对口部门联席会”进度落后序时：累计完成0次（0%），序时应达1次（50%）"}},
		{"task: on track, indicator behind", TaskWarning(ProgressWarning(june, StatusOnTrack, "", def), IndicatorWarning(meeting, june, 0), IndicatorWarning(events, june, 2)),
			Warning{ColorYellow, "“对口部门联席会”进度落后序时：累计完成0次（0%），序时应达1次（50%）"}},
		{"task: not reported, indicator green", TaskWarning(Warning{}, IndicatorWarning(meeting, june, 1)), Warning{}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}
