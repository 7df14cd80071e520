package plan

import (
	"fmt"
	"time"
)

// Period is a reporting month, written YYYY-MM.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod parses "YYYY-MM".
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM, e.g. 2023-05", s)
	}
	return Period{Year: t.Year(), Month: t.Month()}, nil
}

// PeriodOf returns the period (month) that contains t, in t's location.
func PeriodOf(t time.Time) Period { return Period{Year: t.Year(), Month: t.Month()} }

// String is "YYYY-MM", or "" for the zero period (no period known).
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month))
}

// Label is the Chinese name of the period, e.g. "2023年5月".
func (p Period) Label() string { return fmt.Sprintf("%d年%d月", p.Year, int(p.Month)) }

// IsZero reports whether p is the zero period.
func (p Period) IsZero() bool { return p.Year == 0 }

// Next returns the following month.
func (p Period) Next() Period { return p.add(1) }

// Prev returns the preceding month.
func (p Period) Prev() Period { return p.add(-1) }

// Before reports whether p comes before q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || (p.Year == q.Year && p.Month < q.Month)
}

func (p Period) add(months int) Period {
	t := time.Date(p.Year, p.Month+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	return Period{Year: t.Year(), Month: t.Month()}
}

// Start returns midnight of the first day of the period in loc.
func (p Period) Start(loc *time.Location) time.Time {
	return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, loc)
}
