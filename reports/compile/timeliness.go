package compile

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/duban/duban/reports"
)

// Who reported when: the disjoint counts of 汇总's 报送情况, over the
// compiled period and over the year so far, and the units ranked by
// timeliness over the year.

// tally counts units (or, over the year, unit-months) in disjoint buckets:
// Expected = OnTime + Late + Missing. A unit with only rejected files is
// Missing; a late one is Late and nothing else.
type tally struct {
	Expected, OnTime, Late, Missing int
}

// Reported is 已报: on time or late.
func (t tally) Reported() int { return t.OnTime + t.Late }

// add counts one unit in one month; a state the year view leaves empty (duban
// did not run that month) is not counted at all.
func (t *tally) add(s reports.SubmissionState) {
	switch s {
	case "":
		return
	case reports.StateSubmitted:
		t.OnTime++
	case reports.StateLate:
		t.Late++
	default: // missing, or rejected only
		t.Missing++
	}
	t.Expected++
}

// percent writes n/of as a percentage with one decimal, 66.7%; — when
// nothing was expected.
func percent(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// dayOver reports whether the deadline day d is over at GeneratedAt: at or
// after the midnight that follows it.
func (m *model) dayOver(d time.Time) bool {
	return !m.in.GeneratedAt.Before(d.AddDate(0, 0, 1))
}

// dueMonths tells, for each of m.months, whether its deadline day is over
// at GeneratedAt. Without the year's deadlines, a month before the compiled
// period counts as due and one after it does not.
func (m *model) dueMonths() []bool {
	due := make([]bool, len(m.months))
	deadlines := m.in.Year.Deadlines
	for i, p := range m.months {
		switch {
		case !m.yearDerived && len(deadlines) == len(m.months) && !deadlines[i].IsZero():
			due[i] = m.dayOver(deadlines[i])
		case p == m.in.Period:
			due[i] = m.dayOver(m.in.Deadline)
		default:
			due[i] = p.Before(m.in.Period)
		}
	}
	return due
}

// dueSpan names the due months, 1—5月 (or 5月, or 2022年12月—2023年5月);
// empty when none is due. Deadlines pass in order, so the due months are
// the first ones.
func (m *model) dueSpan() string {
	first, last := -1, -1
	for i, d := range m.due {
		if d {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	switch {
	case first < 0:
		return ""
	case first == last:
		return m.monthLabel(m.months[first])
	}
	from, to := m.months[first], m.months[last]
	if from.Year == m.in.Period.Year && to.Year == m.in.Period.Year {
		return fmt.Sprintf("%d—%d月", int(from.Month), int(to.Month))
	}
	return m.monthLabel(from) + "—" + m.monthLabel(to)
}

// yearSpan says which months the year's counts cover: 1—6月, 仅5月（未提供
// 全年数据） when the input has no year, or that no month is due yet.
func (m *model) yearSpan() string {
	span := m.dueSpan()
	switch {
	case span == "":
		return "尚无报送截止日已过的月份"
	case m.yearDerived:
		return "仅" + span + "，未提供全年数据"
	}
	return span
}

// monthTally counts the compiled period's units: every lead unit is
// expected, whether its deadline is over or not.
func (m *model) monthTally() tally {
	var t tally
	for i := range m.in.Units {
		s := m.in.Units[i].State
		if s == "" {
			s = reports.StateMissing // as 报送情况 counts it
		}
		t.add(s)
	}
	return t
}

// unitYear is one unit's timeliness over the due months of the year.
type unitYear struct {
	unit *reports.UnitReport
	tally
	rank int // 1-based; 0 when the unit was never expected to report
}

// yearTallies counts the due months of the year: the total over every unit,
// and each unit's, ranked: the larger share on time first, then the larger
// share reported (a month reported late is better than one not reported),
// then fewer late reports; units equal on all three share a rank (1, 1, 3)
// and keep the input's order. A unit never expected in a due month has no
// rank and comes last. In the compiled period, a unit that has not reported
// while an extension granted to it runs is not counted yet.
func (m *model) yearTallies() (total tally, units []unitYear) {
	units = make([]unitYear, len(m.in.Units))
	for i := range m.in.Units {
		u := &m.in.Units[i]
		units[i].unit = u
		waiting := !u.Accepted() && !m.dayOver(m.deadlineOf(u))
		for j, p := range m.months {
			if m.due[j] && (p != m.in.Period || !waiting) {
				units[i].add(m.monthState(u, j))
			}
		}
		total.Expected += units[i].Expected
		total.OnTime += units[i].OnTime
		total.Late += units[i].Late
		total.Missing += units[i].Missing
	}
	slices.SortStableFunc(units, compareTimeliness)
	for i := range units {
		switch {
		case units[i].Expected == 0:
		case i > 0 && compareTimeliness(units[i-1], units[i]) == 0:
			units[i].rank = units[i-1].rank
		default:
			units[i].rank = i + 1
		}
	}
	return total, units
}

// compareTimeliness orders two units' years, better first.
func compareTimeliness(a, b unitYear) int {
	if (a.Expected == 0) != (b.Expected == 0) { // never expected: last
		if a.Expected == 0 {
			return 1
		}
		return -1
	}
	// The shares, cross-multiplied: a larger one first.
	if c := cmp.Compare(b.OnTime*a.Expected, a.OnTime*b.Expected); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Reported()*a.Expected, a.Reported()*b.Expected); c != 0 {
		return c
	}
	return cmp.Compare(a.Late, b.Late)
}

// deadlineOf is a unit's deadline day: the period's, or the day an
// extension granted to the unit runs to.
func (m *model) deadlineOf(u *reports.UnitReport) time.Time {
	if e := u.Extension; e.Decision == reports.ExtensionGranted && e.Until.After(m.in.Deadline) {
		return e.Until
	}
	return m.in.Deadline
}
