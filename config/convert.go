package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/duban/duban/plan"
)

// Plan converts the plan and units sections into the domain plan. It
// assumes a configuration without Validate problems; contact phone numbers
// are not carried (plan.Contact has none).
func (c *Config) Plan() *plan.Plan {
	p := &plan.Plan{
		Title:      c.PlanSpec.Title,
		Year:       c.PlanSpec.Year,
		Categories: make([]plan.Category, 0, len(c.PlanSpec.Categories)),
		Tasks:      make([]plan.Task, 0, len(c.PlanSpec.Tasks)),
		Units:      make([]plan.Unit, 0, len(c.Units)),
	}
	for _, cat := range c.PlanSpec.Categories {
		p.Categories = append(p.Categories, plan.Category{ID: cat.ID, Name: cat.Name})
	}
	for _, t := range c.PlanSpec.Tasks {
		p.Tasks = append(p.Tasks, plan.Task{
			ID:          t.ID,
			Category:    t.Category,
			Title:       t.Title,
			Requirement: t.Requirement,
			Lead:        t.Lead,
			CoUnits:     slices.Clone(t.CoUnits),
		})
		for _, ind := range t.Indicators {
			unit := ind.Unit
			if unit == "" {
				unit = "次"
			}
			p.Indicators = append(p.Indicators, plan.Indicator{
				TaskID: t.ID, Name: ind.Name, Unit: unit, Min: ind.Min, Max: ind.Max, PerMonthMax: ind.PerMonthMax,
			})
		}
	}
	for _, u := range c.Units {
		unit := plan.Unit{ID: u.ID, Name: u.Name, Domains: slices.Clone(u.Domains)}
		for _, ct := range u.Contacts {
			unit.Contacts = append(unit.Contacts, plan.Contact{Name: ct.Name, Email: ct.Email})
		}
		for _, cc := range u.CC {
			unit.CC = append(unit.CC, plan.Contact{Name: cc.Name, Email: cc.Email})
		}
		p.Units = append(p.Units, unit)
	}
	return p.Freeze()
}

// Schedule builds the reporting schedule: the time zone, the working-day
// calendar with the configured overrides, and the reminder time.
func (c *Config) Schedule() (plan.Schedule, error) {
	s := c.ScheduleSpec
	if s.Timezone == "" {
		return plan.Schedule{}, fmt.Errorf("schedule.timezone is empty")
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return plan.Schedule{}, fmt.Errorf("loading time zone %s: %w", s.Timezone, err)
	}
	cal, err := plan.NewCalendar(c.Calendar.ExtraHolidays, c.Calendar.ExtraWorkdays)
	if err != nil {
		return plan.Schedule{}, fmt.Errorf("building calendar: %w", err)
	}
	hour, minute, err := parseClock(s.Remind.At)
	if err != nil {
		return plan.Schedule{}, fmt.Errorf("schedule.remind.at: %w", err)
	}
	start, err := clockMinutes(s.OfficeHours.Start)
	if err != nil {
		return plan.Schedule{}, fmt.Errorf("schedule.office_hours.start: %w", err)
	}
	end, err := clockMinutes(s.OfficeHours.End)
	if err != nil {
		return plan.Schedule{}, fmt.Errorf("schedule.office_hours.end: %w", err)
	}
	return plan.Schedule{
		Location:        loc,
		Calendar:        cal,
		RemindWorkday:   s.Remind.Workday,
		RemindHour:      hour,
		RemindMinute:    minute,
		DeadlineWorkday: s.Deadline.Workday,
		OfficeStart:     start,
		OfficeEnd:       end,
		Chase: plan.Chase{
			BeforeDeadline:    s.Chase.BeforeDeadline,
			OverdueEveryDays:  s.Chase.OverdueEveryDays,
			MaxOverdueNotices: s.Chase.MaxOverdueNotices,
		},
	}, nil
}

// ColorRules converts the colors section into the rules of the warning
// colours.
func (c *Config) ColorRules() plan.ColorRules {
	return plan.ColorRules{
		BlueWithinWorkdays:   c.Colors.Timeliness.BlueWithinWorkdays,
		RedAfterWorkdays:     c.Colors.Timeliness.RedAfterWorkdays,
		NotStartedAfterMonth: c.Colors.Progress.NotStartedAfterMonth,
	}
}
