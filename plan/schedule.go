package plan

import (
	"time"
)

// Schedule places each period's events on the calendar: reminders go out at
// a set time on the n-th working day of the following month, and the deadline
// is the end of another working day of that month.
type Schedule struct {
	Location        *time.Location
	Calendar        *Calendar
	RemindWorkday   int // 1-based working day of the month after the period
	RemindHour      int
	RemindMinute    int
	DeadlineWorkday int // 1-based working day of the month after the period

	// Office hours, as minutes after midnight: scheduled mail (reminders,
	// chases, compiled workbooks) goes out only then, on working days.
	// Both zero means all day.
	OfficeStart, OfficeEnd int

	Chase Chase
}

// CompileAt is when period p's consolidated workbook is first compiled and
// mailed: the first office-hours moment once the deadline day is over.
func (s Schedule) CompileAt(p Period) time.Time {
	return s.NextOfficeTime(s.DueBy(p))
}

// InOfficeHours reports whether t is within office hours on a working day.
func (s Schedule) InOfficeHours(t time.Time) bool {
	t = t.In(s.Location)
	if !s.Calendar.IsWorkday(t) {
		return false
	}
	if s.OfficeStart == 0 && s.OfficeEnd == 0 {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	return m >= s.OfficeStart && m < s.OfficeEnd
}

// NextOfficeTime returns t if it is within office hours on a working day,
// else the start of the next office hours.
func (s Schedule) NextOfficeTime(t time.Time) time.Time {
	t = t.In(s.Location)
	if s.InOfficeHours(t) {
		return t
	}
	start := time.Duration(s.OfficeStart) * time.Minute
	day := dayOf(t)
	if s.Calendar.IsWorkday(day) && t.Before(day.Add(start)) {
		return day.Add(start)
	}
	return s.Calendar.NextWorkday(day).Add(start)
}

// dayOf is midnight of t's day, in t's location.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// RemindAt is when the reminders for period p go out.
func (s Schedule) RemindAt(p Period) time.Time {
	n := p.Next()
	d := s.Calendar.NthWorkday(n.Year, n.Month, s.RemindWorkday, s.Location)
	return d.Add(time.Duration(s.RemindHour)*time.Hour + time.Duration(s.RemindMinute)*time.Minute)
}

// Deadline is midnight at the start of the deadline day of period p: the
// date to show. Submissions are on time until the end of that day (DueBy).
func (s Schedule) Deadline(p Period) time.Time {
	n := p.Next()
	return s.Calendar.NthWorkday(n.Year, n.Month, s.DeadlineWorkday, s.Location)
}

// DueBy is the first instant at which a submission for p is late: midnight
// after the deadline day.
func (s Schedule) DueBy(p Period) time.Time {
	return s.Deadline(p).AddDate(0, 0, 1)
}

// IsLate reports whether a submission received at t for p is late.
func (s Schedule) IsLate(p Period, t time.Time) bool {
	return !t.Before(s.DueBy(p))
}

// CurrentPeriod is the period being collected at now: the latest one whose
// reminders have gone out. Before the 1st working day's reminder time of a
// month, that is still the month before last.
func (s Schedule) CurrentPeriod(now time.Time) Period {
	p := PeriodOf(now.In(s.Location)).Prev()
	if now.Before(s.RemindAt(p)) {
		p = p.Prev()
	}
	return p
}
