package plan

import (
	"fmt"
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

// Chase is the ladder of notices to units that have not submitted.
type Chase struct {
	BeforeDeadline    int // working days before the deadline day of the pre-deadline reminder; 0: none
	OverdueEveryDays  int // calendar days between overdue notices after the first
	MaxOverdueNotices int // overdue notices per unit and period; 0: none
}

// Rung is one step of the chase ladder of a period.
type Rung struct {
	Name    string    // "before", "overdue-1", "overdue-2", …: part of the message's key
	At      time.Time // when it is due, always within office hours on a working day
	Overdue int       // 0 for the pre-deadline reminder, n for the n-th overdue notice
}

// Rungs lists period p's chase ladder in time order: the pre-deadline
// reminder (when it falls after the reminders' day), then the overdue
// notices, the first on the working day after the deadline and the next
// ones every OverdueEveryDays, as long as p's successor has not opened.
// Each goes out at the reminders' time of day, moved into office hours.
func (s Schedule) Rungs(p Period) []Rung {
	return s.RungsBy(p, s.Deadline(p))
}

// RungsBy is Rungs for a unit whose deadline day is not the period's: the
// office granted it an extension (延期) to that day.
func (s Schedule) RungsBy(p Period, deadline time.Time) []Rung {
	var out []Rung
	clock := time.Duration(s.RemindHour)*time.Hour + time.Duration(s.RemindMinute)*time.Minute
	opens, closes := s.RemindAt(p), s.RemindAt(p.Next())
	deadline = dayOf(deadline.In(s.Location))
	if n := s.Chase.BeforeDeadline; n > 0 {
		d := deadline
		for range n {
			d = s.Calendar.PrevWorkday(d)
		}
		if at := s.NextOfficeTime(d.Add(clock)); d.After(dayOf(opens)) && at.Before(deadline.AddDate(0, 0, 1)) {
			out = append(out, Rung{Name: "before", At: at})
		}
	}
	day := s.Calendar.NextWorkday(deadline)
	for k := 1; k <= s.Chase.MaxOverdueNotices; k++ {
		at := s.NextOfficeTime(day.Add(clock))
		if !at.Before(closes) {
			break
		}
		out = append(out, Rung{Name: fmt.Sprintf("overdue-%d", k), At: at, Overdue: k})
		if s.Chase.OverdueEveryDays <= 0 {
			break
		}
		day = day.AddDate(0, 0, s.Chase.OverdueEveryDays)
		if !s.Calendar.IsWorkday(day) {
			day = s.Calendar.NextWorkday(day)
		}
	}
	return out
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
