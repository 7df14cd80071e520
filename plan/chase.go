package plan

import (
	"fmt"
	"time"
)

// The chase ladder: the notices a unit without an accepted report gets,
// when each is due, who each copies, and the rung that turns the unit red.
// The daemon's chase, duban check and the timeliness colour all ask it.

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

// redNotice is the overdue notice that turns a unit red: the first went
// unanswered.
const redNotice = 2

// CopiesOffice reports whether the rung's notice copies the office: every
// overdue notice does.
func (r Rung) CopiesOffice() bool { return r.Overdue > 0 }

// CopiesLeader reports whether the notice also copies the office's leader
// (office.leader): the one that turns the unit red, and every one after it.
func (r Rung) CopiesLeader() bool { return r.Overdue >= redNotice }

// TurnsRed reports whether a unit still without a report is red once this
// rung is due.
func (r Rung) TurnsRed() bool { return r.Overdue >= redNotice }

// Describe says in English what the rung sends and to whom, for duban
// check; leader tells whether an office leader is configured.
func (r Rung) Describe(leader bool) string {
	switch {
	case r.Overdue == 0:
		return "催报：提醒尚未报送的单位"
	case r.CopiesLeader() && leader:
		return fmt.Sprintf("第%d次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警", r.Overdue)
	case r.TurnsRed():
		return fmt.Sprintf("第%d次逾期提醒，抄送办公室；仍未报送的单位列为红色预警", r.Overdue)
	}
	return fmt.Sprintf("第%d次逾期提醒，抄送办公室", r.Overdue)
}

// RungDue returns the rung of period p's ladder (from the deadline day
// given, the unit's own when it was extended) due at now: the latest whose
// time has come; false when none has.
func (s Schedule) RungDue(p Period, deadline, now time.Time) (Rung, bool) {
	var due Rung
	for _, r := range s.RungsBy(p, deadline) {
		if !r.At.After(now) {
			due = r
		}
	}
	return due, due.Name != ""
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
