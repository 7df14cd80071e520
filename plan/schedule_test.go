package plan

import (
	"strings"
	"testing"
	"time"
)

// exampleSchedule is the example configuration's schedule: reminders at
// 09:00 on the 1st working day, deadline the 5th, office hours 08:30–17:30,
// a reminder 2 working days before the deadline, up to 3 overdue notices a
// week apart.
// atIn reads a "2006-01-02 15:04" time in s's zone.
func atIn(t *testing.T, s Schedule, v string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", v, s.Location)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func exampleSchedule(t *testing.T) Schedule {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := NewCalendar(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Schedule{
		Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5,
		OfficeStart: 8*60 + 30, OfficeEnd: 17*60 + 30,
		Chase: Chase{BeforeDeadline: 2, OverdueEveryDays: 7, MaxOverdueNotices: 3},
	}
}

func fmtRungs(rs []Rung) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.Name+" "+r.At.Format("2006-01-02 15:04"))
	}
	return strings.Join(parts, ", ")
}

// The ladder on the real calendar, holidays and make-up working days
// included.
func TestRungs(t *testing.T) {
	s := exampleSchedule(t)
	for _, tc := range []struct {
		period  Period
		want    string
		compile string
	}{
		// October 2023: National Day and Mid-Autumn run Sep 29 – Oct 6;
		// Sat 7 and Sun 8 are make-up working days, so they are the 1st
		// and 2nd working days, and the deadline is Wed 11.
		{Period{2023, time.September},
			"before 2023-10-09 09:00, overdue-1 2023-10-12 09:00, overdue-2 2023-10-19 09:00, overdue-3 2023-10-26 09:00",
			"2023-10-12 08:30"},
		// January 2023: New Year's Monday off, deadline Mon 9; the third
		// overdue notice would fall on Jan 24, inside the Spring Festival
		// (Jan 21–27), and moves to Sat 28, a make-up working day.
		{Period{2022, time.December},
			"before 2023-01-05 09:00, overdue-1 2023-01-10 09:00, overdue-2 2023-01-17 09:00, overdue-3 2023-01-28 09:00",
			"2023-01-10 08:30"},
		// February 2023: an ordinary month.
		{Period{2023, time.January},
			"before 2023-02-03 09:00, overdue-1 2023-02-08 09:00, overdue-2 2023-02-15 09:00, overdue-3 2023-02-22 09:00",
			"2023-02-08 08:30"},
		// February 2024: Sun 4 is a make-up working day, so the deadline
		// (5th working day) is Tue 6 and the pre-deadline reminder falls
		// on that Sunday; the Spring Festival (Feb 10–17) pushes the second
		// notice from Feb 14 to Sun 18, another make-up day; the third,
		// a week later, falls on a Sunday and moves to Monday 26.
		{Period{2024, time.January},
			"before 2024-02-04 09:00, overdue-1 2024-02-07 09:00, overdue-2 2024-02-18 09:00, overdue-3 2024-02-26 09:00",
			"2024-02-07 08:30"},
	} {
		t.Run(tc.period.String(), func(t *testing.T) {
			if got := fmtRungs(s.Rungs(tc.period)); got != tc.want {
				t.Errorf("Rungs(%s)\n got %s\nwant %s", tc.period, got, tc.want)
			}
			if got := s.CompileAt(tc.period).Format("2006-01-02 15:04"); got != tc.compile {
				t.Errorf("CompileAt(%s) = %s, want %s", tc.period, got, tc.compile)
			}
		})
	}
}

func TestRungsLimits(t *testing.T) {
	s := exampleSchedule(t)
	p := Period{2023, time.January}
	// No pre-deadline reminder when it would fall on the reminders' day.
	s.Chase.BeforeDeadline = 4 // Feb 1, the reminders' day
	if got := fmtRungs(s.Rungs(p)); strings.Contains(got, "before") {
		t.Errorf("before-rung on the reminders' day: %s", got)
	}
	// The cap, and no notice once the next period has opened (Mar 1).
	s.Chase = Chase{OverdueEveryDays: 7, MaxOverdueNotices: 10}
	want := "overdue-1 2023-02-08 09:00, overdue-2 2023-02-15 09:00, overdue-3 2023-02-22 09:00"
	if got := fmtRungs(s.Rungs(p)); got != want {
		t.Errorf("Rungs with a cap of 10\n got %s\nwant %s", got, want)
	}
	s.Chase = Chase{}
	if got := s.Rungs(p); len(got) != 0 {
		t.Errorf("Rungs with the ladder off = %s, want none", fmtRungs(got))
	}
}

func TestOfficeHours(t *testing.T) {
	s := exampleSchedule(t)
	at := func(v string) time.Time { return atIn(t, s, v) }
	for _, tc := range []struct{ in, next string }{
		{"2023-10-09 09:00", "2023-10-09 09:00"}, // Monday, in hours
		{"2023-10-09 08:29", "2023-10-09 08:30"},
		{"2023-10-09 17:30", "2023-10-10 08:30"}, // the end is exclusive
		{"2023-10-06 10:00", "2023-10-07 08:30"}, // holiday Friday → make-up Saturday
		{"2023-10-13 18:00", "2023-10-16 08:30"}, // Friday evening → Monday
	} {
		if got := s.NextOfficeTime(at(tc.in)).Format("2006-01-02 15:04"); got != tc.next {
			t.Errorf("NextOfficeTime(%s) = %s, want %s", tc.in, got, tc.next)
		}
		if in := s.InOfficeHours(at(tc.in)); in != (tc.in == tc.next) {
			t.Errorf("InOfficeHours(%s) = %v", tc.in, in)
		}
	}
}
