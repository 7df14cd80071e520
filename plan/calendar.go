package plan

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// DateLayout is how calendar dates are written in config and output.
const DateLayout = "2006-01-02"

// Calendar tells working days from non-working days on the official Chinese
// calendar: weekends are off, public holidays are off, and make-up working
// days (调休) are on. Config overrides win over the official data.
type Calendar struct {
	extraHolidays map[string]bool
	extraWorkdays map[string]bool
}

// NewCalendar builds a calendar with overrides given as YYYY-MM-DD dates.
func NewCalendar(extraHolidays, extraWorkdays []string) (*Calendar, error) {
	c := &Calendar{extraHolidays: map[string]bool{}, extraWorkdays: map[string]bool{}}
	for _, d := range extraHolidays {
		if _, err := time.Parse(DateLayout, d); err != nil {
			return nil, fmt.Errorf("extra holiday %q: want YYYY-MM-DD", d)
		}
		c.extraHolidays[d] = true
	}
	for _, d := range extraWorkdays {
		if _, err := time.Parse(DateLayout, d); err != nil {
			return nil, fmt.Errorf("extra workday %q: want YYYY-MM-DD", d)
		}
		if c.extraHolidays[d] {
			return nil, fmt.Errorf("date %s is both an extra holiday and an extra workday", d)
		}
		c.extraWorkdays[d] = true
	}
	return c, nil
}

// IsWorkday reports whether the calendar day of t (in t's location) is a
// working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	key := t.Format(DateLayout)
	switch {
	case c.extraWorkdays[key]:
		return true
	case c.extraHolidays[key]:
		return false
	}
	// GetHoliday returns a record for make-up working days too; IsWork tells
	// which one it is.
	if h := HolidayUtil.GetHoliday(key); h != nil {
		return h.IsWork()
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// HasData reports whether the official holiday data covers the year. For a
// year without it the calendar falls back to weekends plus config overrides,
// and callers must say so rather than guess silently.
func (c *Calendar) HasData(year int) bool {
	prefix := fmt.Sprintf("%04d", year)
	for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
		if h, ok := e.Value.(*HolidayUtil.Holiday); ok && len(h.GetDay()) >= 4 && h.GetDay()[:4] == prefix {
			return true
		}
	}
	return false
}

// NthWorkday returns midnight (in loc) of the n-th working day (n ≥ 1) of
// the month. It never runs past the month's end silently: a month has at
// least 15 working days on any real calendar, and n is validated by config.
func (c *Calendar) NthWorkday(year int, month time.Month, n int, loc *time.Location) time.Time {
	d := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	for count := 0; ; d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			count++
			if count == n {
				return d
			}
		}
	}
}

// NextWorkday returns midnight of the first working day strictly after t's day.
func (c *Calendar) NextWorkday(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			return d
		}
	}
}

// PrevWorkday returns midnight of the last working day strictly before t's day.
func (c *Calendar) PrevWorkday(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for {
		d = d.AddDate(0, 0, -1)
		if c.IsWorkday(d) {
			return d
		}
	}
}
