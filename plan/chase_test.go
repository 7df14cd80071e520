package plan

import (
	"testing"
	"time"
)

// TestChaseLadder pins each rung of one period's ladder (2023-09, the
// National Day month): when it is due, who it copies, whether it turns a
// unit red, and which rung is due at a given moment.
func TestChaseLadder(t *testing.T) {
	s := exampleSchedule(t)
	p := Period{2023, time.September}
	at := func(v string) time.Time { return atIn(t, s, v) }
	want := []struct {
		name                       string
		at                         string
		office, leader, turnsRed   bool
		describe, describeNoLeader string
	}{
		{"before", "2023-10-09 09:00", false, false, false, "催报：提醒尚未报送的单位", "催报：提醒尚未报送的单位"},
		{"overdue-1", "2023-10-12 09:00", true, false, false, "第1次逾期提醒，抄送办公室", "第1次逾期提醒，抄送办公室"},
		{"overdue-2", "2023-10-19 09:00", true, true, true,
			"第2次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警",
			"第2次逾期提醒，抄送办公室；仍未报送的单位列为红色预警"},
		{"overdue-3", "2023-10-26 09:00", true, true, true,
			"第3次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警",
			"第3次逾期提醒，抄送办公室；仍未报送的单位列为红色预警"},
	}
	rungs := s.Rungs(p)
	if len(rungs) != len(want) {
		t.Fatalf("Rungs(%s) = %s; want %d rungs", p, fmtRungs(rungs), len(want))
	}
	for i, w := range want {
		r := rungs[i]
		if r.Name != w.name || !r.At.Equal(at(w.at)) || r.CopiesOffice() != w.office || r.CopiesLeader() != w.leader ||
			r.TurnsRed() != w.turnsRed || r.Describe(true) != w.describe || r.Describe(false) != w.describeNoLeader {
			t.Errorf("rung %d = %s at %s, office %v, leader %v, red %v, %q / %q; want %+v", i, r.Name, r.At.Format("2006-01-02 15:04"),
				r.CopiesOffice(), r.CopiesLeader(), r.TurnsRed(), r.Describe(true), r.Describe(false), w)
		}
	}
	for _, tc := range []struct {
		now, want string // want "" for none
	}{
		{"2023-10-07 10:00", ""},
		{"2023-10-09 08:59", ""},
		{"2023-10-09 09:00", "before"},
		{"2023-10-12 08:00", "before"},
		{"2023-10-12 09:00", "overdue-1"},
		{"2023-10-25 17:00", "overdue-2"},
		{"2023-10-31 23:00", "overdue-3"},
	} {
		r, due := s.RungDue(p, s.Deadline(p), at(tc.now))
		if r.Name != tc.want || due != (tc.want != "") {
			t.Errorf("RungDue(%s) = %q, %v; want %q", tc.now, r.Name, due, tc.want)
		}
	}
	// An extension moves the whole ladder: from a deadline of 10-20, no
	// overdue notice before 10-23.
	if r, _ := s.RungDue(p, at("2023-10-20 00:00"), at("2023-10-20 12:00")); r.Name != "before" {
		t.Errorf("RungDue with an extension to 10-20, at 10-20 noon = %q, want before", r.Name)
	}
	if r, _ := s.RungDue(p, at("2023-10-20 00:00"), at("2023-10-23 09:00")); r.Name != "overdue-1" {
		t.Errorf("RungDue with an extension to 10-20, at 10-23 09:00 = %q, want overdue-1", r.Name)
	}
}
