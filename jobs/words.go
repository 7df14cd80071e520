package jobs

import (
	"fmt"
	"time"

	"github.com/duban/duban/plan"
)

// How the mail to units and to the office writes days and times, in the
// office's register (issue 14, item 5): never the machine's 2023-06-07 in
// prose. Every time passed here is already in the schedule's zone. Logs and
// the command line keep layoutMinute.

// dateCN writes a day as 2023年6月7日（星期三）.
func dateCN(t time.Time) string {
	return plan.DateCN(t) + "（" + plan.WeekdayCN(t) + "）"
}

// timeCN writes a moment as 2023年6月7日9时05分.
func timeCN(t time.Time) string {
	return fmt.Sprintf("%d年%s", t.Year(), shortTimeCN(t))
}

// shortTimeCN writes a moment within the year as 6月7日9时05分, for lists.
func shortTimeCN(t time.Time) string {
	return fmt.Sprintf("%d月%d日%s", int(t.Month()), t.Day(), clockCN(t))
}

func clockCN(t time.Time) string { return fmt.Sprintf("%d时%02d分", t.Hour(), t.Minute()) }

// dueCN writes a deadline given as its deadline day (midnight at its
// start, plan.Schedule.Deadline or an extension's day): reports are on time
// until the end of that day (plan.Schedule.DueBy), which the office writes
// 24时 — 2023年6月7日（星期三）24时 — never 下班前, which would be hours
// earlier than the deadline the ledger applies.
func dueCN(day time.Time) string {
	return dueByCN(day.AddDate(0, 0, 1))
}

// dueByCN writes the first instant at which a report is late: midnight is
// the end of the day before (…日（星期三）24时); another time of day is
// written as it is (…日（星期三）17时30分).
func dueByCN(dueBy time.Time) string {
	if dueBy.Hour() == 0 && dueBy.Minute() == 0 {
		return dateCN(dueBy.Add(-time.Minute)) + "24时"
	}
	return dateCN(dueBy) + clockCN(dueBy)
}

// taskNumber is how the office's mail numbers a task: the plan's own
// number, "4.".
func taskNumber(p *plan.Plan, taskID string) string {
	return fmt.Sprintf("%d.", p.TaskNumber(taskID))
}

// officeName is the office's name, as it signs: "" without mail settings.
func (c *Cycle) officeName() string {
	if c.Mail == nil {
		return ""
	}
	return c.Mail.Office
}
