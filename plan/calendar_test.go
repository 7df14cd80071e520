package plan

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatalf("LoadLocation: %v", err)
	}
	return loc
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(DateLayout, s, mustLoc(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIsWorkday(t *testing.T) {
	cal, err := NewCalendar(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2023-01-02", false, "New Year holiday on a Monday"},
		{"2023-01-03", true, "ordinary Tuesday"},
		{"2023-01-23", false, "Spring Festival (Monday)"},
		{"2023-01-27", false, "Spring Festival (Friday)"},
		{"2023-01-28", true, "make-up working Saturday after Spring Festival"},
		{"2023-01-29", true, "make-up working Sunday after Spring Festival"},
		{"2023-04-23", true, "make-up working Sunday before May Day"},
		{"2023-05-02", false, "May Day holiday (Tuesday)"},
		{"2023-05-06", true, "make-up working Saturday after May Day"},
		{"2023-06-25", true, "make-up working Sunday after Dragon Boat"},
		{"2023-09-29", false, "Mid-Autumn Festival (Friday)"},
		{"2023-10-06", false, "National Day holiday (Friday)"},
		{"2023-10-07", true, "make-up working Saturday after National Day"},
		{"2023-10-08", true, "make-up working Sunday after National Day"},
		{"2023-10-14", false, "ordinary Saturday"},
		{"2024-02-04", true, "make-up working Sunday before Spring Festival 2024"},
		{"2024-02-12", false, "Spring Festival 2024 (Monday)"},
		{"2024-02-18", true, "make-up working Sunday after Spring Festival 2024"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkday(day(t, tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
}

func TestCalendarOverrides(t *testing.T) {
	cal, err := NewCalendar([]string{"2023-05-08"}, []string{"2023-05-13"})
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(day(t, "2023-05-08")) {
		t.Error("IsWorkday(2023-05-08) = true, want false: it is an extra holiday")
	}
	if !cal.IsWorkday(day(t, "2023-05-13")) {
		t.Error("IsWorkday(2023-05-13) = false, want true: it is an extra workday")
	}
	if _, err := NewCalendar([]string{"2023-5-8"}, nil); err == nil {
		t.Error("NewCalendar with a malformed date: want an error")
	}
	if _, err := NewCalendar([]string{"2023-05-08"}, []string{"2023-05-08"}); err == nil {
		t.Error("NewCalendar with a date in both lists: want an error")
	}
}

func TestHasData(t *testing.T) {
	cal, _ := NewCalendar(nil, nil)
	for _, y := range []int{2023, 2024, 2026} {
		if !cal.HasData(y) {
			t.Errorf("HasData(%d) = false, want true", y)
		}
	}
	if cal.HasData(2035) {
		t.Error("HasData(2035) = true, want false: the State Council has not announced it")
	}
}

func TestScheduleOnHolidayMonths(t *testing.T) {
	loc := mustLoc(t)
	cal, _ := NewCalendar(nil, nil)
	s := Schedule{Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5}
	tests := []struct {
		period, remind, deadline string
		why                      string
	}{
		{"2022-12", "2023-01-03 09:00", "2023-01-09", "New Year's Monday off"},
		{"2023-01", "2023-02-01 09:00", "2023-02-07", "ordinary month"},
		{"2023-04", "2023-05-04 09:00", "2023-05-09", "May Day off, Saturday 05-06 worked"},
		{"2023-09", "2023-10-07 09:00", "2023-10-11", "National Day off, weekend 10-07/08 worked"},
		{"2024-01", "2024-02-01 09:00", "2024-02-06", "Sunday 02-04 worked before Spring Festival"},
		{"2024-09", "2024-10-08 09:00", "2024-10-12", "National Day 2024, Saturday 10-12 worked"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.RemindAt(p).Format("2006-01-02 15:04"); got != tt.remind {
			t.Errorf("RemindAt(%s) = %s, want %s (%s)", tt.period, got, tt.remind, tt.why)
		}
		if got := s.Deadline(p).Format(DateLayout); got != tt.deadline {
			t.Errorf("Deadline(%s) = %s, want %s (%s)", tt.period, got, tt.deadline, tt.why)
		}
	}
}

func TestIsLate(t *testing.T) {
	loc := mustLoc(t)
	cal, _ := NewCalendar(nil, nil)
	s := Schedule{Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5}
	p := Period{2023, time.September}
	tests := []struct {
		at   string
		late bool
	}{
		{"2023-10-11 23:59:59", false},
		{"2023-10-12 00:00:00", true},
		{"2023-10-08 10:00:00", false},
	}
	for _, tt := range tests {
		at, _ := time.ParseInLocation("2006-01-02 15:04:05", tt.at, loc)
		if got := s.IsLate(p, at); got != tt.late {
			t.Errorf("IsLate(%s, %s) = %v, want %v", p, tt.at, got, tt.late)
		}
	}
	// The same instant seen from UTC is judged on Shanghai's calendar.
	if !s.IsLate(p, time.Date(2023, 10, 11, 16, 0, 0, 0, time.UTC)) {
		t.Error("IsLate(2023-10-11T16:00Z) = false, want true: that is 00:00 on 10-12 in Shanghai")
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"2023-05", "2023-05", false},
		{"2023-5", "", true},
		{"2023-13", "", true},
		{"202305", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePeriod(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && p.String() != tt.want {
			t.Errorf("ParsePeriod(%q) = %s, want %s", tt.in, p, tt.want)
		}
	}
	p, _ := ParsePeriod("2023-12")
	if p.Next().String() != "2024-01" || p.Prev().String() != "2023-11" || p.Label() != "2023年12月" {
		t.Errorf("Next/Prev/Label of 2023-12 = %s/%s/%s", p.Next(), p.Prev(), p.Label())
	}
}

func TestCurrentPeriod(t *testing.T) {
	loc := mustLoc(t)
	cal, _ := NewCalendar(nil, nil)
	s := Schedule{Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5}
	tests := []struct{ now, want string }{
		{"2023-10-07 08:59", "2023-08"}, // September's reminders go out at 09:00 on 10-07
		{"2023-10-07 09:00", "2023-09"},
		{"2023-10-31 18:00", "2023-09"},
		{"2023-11-01 09:00", "2023-10"},
		{"2024-01-01 12:00", "2023-11"}, // New Year's Day: December's reminders not yet out
	}
	for _, tt := range tests {
		now, _ := time.ParseInLocation("2006-01-02 15:04", tt.now, loc)
		if got := s.CurrentPeriod(now).String(); got != tt.want {
			t.Errorf("CurrentPeriod(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}

func TestUnitOwns(t *testing.T) {
	u := Unit{ID: "jtj", Contacts: []Contact{{Email: "Li.Na@jtj.metro.example"}}, CC: []Contact{{Email: "boss@jtj.metro.example"}}}
	d := Unit{ID: "kjj", Domains: []string{"kjj.metro.example"}}
	tests := []struct {
		u     Unit
		email string
		want  bool
	}{
		{u, "li.na@JTJ.metro.example", true},
		{u, " li.na@jtj.metro.example ", true},
		{u, "boss@jtj.metro.example", false}, // cc receives, does not submit
		{u, "li.na@jtj.metro.example.evil.example", false},
		{u, "", false},
		{d, "anyone@kjj.metro.example", true},
		{d, "anyone@sub.kjj.metro.example", false},
		{d, "kjj.metro.example", false},
	}
	for _, tt := range tests {
		if got := tt.u.Owns(tt.email); got != tt.want {
			t.Errorf("%s.Owns(%q) = %v, want %v", tt.u.ID, tt.email, got, tt.want)
		}
	}
}
