package plan

import (
	"fmt"
	"time"
)

// How the office writes days and times, for everything a person reads
// (the command line, the desk, the workbooks): 2023年6月7日, never the
// machine's 2023-06-07. The times given are already in the schedule's zone.

var weekdaysCN = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// DateCN writes a day: 2023年6月7日; "" for the zero time.
func DateCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// WeekdayCN names the day of the week: 星期三.
func WeekdayCN(t time.Time) string { return weekdaysCN[t.Weekday()] }

// MomentCN writes a moment to the minute: 2023年6月7日 09:30; "" for the
// zero time.
func MomentCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return DateCN(t) + t.Format(" 15:04")
}
