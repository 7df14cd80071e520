// Package plan is the domain of duban: the work plan (categories, tasks, lead
// units), reporting periods, and the working-day calendar that deadlines are
// counted on. It knows nothing of files, mail or storage.
package plan

import (
	"fmt"
	"strings"
)

// Category groups tasks, e.g. "一、推进规划统筹一体化".
type Category struct {
	ID   string
	Name string
}

// Task is one numbered item of the plan, led by one unit.
type Task struct {
	ID          string // e.g. "T03"; unique, stable across the year
	Category    string // Category.ID
	Title       string // short title, e.g. "推进合作专题落实"
	Requirement string // the full text of the plan item
	Lead        string // Unit.ID of the lead responsible unit
	CoUnits     []string
}

// Contact is a person at a unit who may send and receive reports.
type Contact struct {
	Name  string
	Email string
}

// Unit is a bureau that leads or supports tasks.
type Unit struct {
	ID       string // short slug, e.g. "jtj"
	Name     string // e.g. "市交通运输局"
	Contacts []Contact
	CC       []Contact
	Domains  []string // mail domains whose every address counts as the unit's
}

// Owns reports whether a report from this address may speak for the unit:
// the address is one of its contacts, or at one of its allowed domains.
// CC addresses receive the unit's mail but may not submit.
func (u Unit) Owns(email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false
	}
	for _, c := range u.Contacts {
		if strings.EqualFold(c.Email, email) {
			return true
		}
	}
	if _, domain, ok := strings.Cut(email, "@"); ok {
		for _, d := range u.Domains {
			if strings.EqualFold(d, domain) {
				return true
			}
		}
	}
	return false
}

// Plan is the yearly work plan with the units that carry it out.
type Plan struct {
	Title      string
	Year       int
	Categories []Category
	Tasks      []Task
	Units      []Unit
}

// Unit returns the unit with the given id.
func (p *Plan) Unit(id string) (Unit, bool) {
	for _, u := range p.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// UnitName returns the display name of a unit, or the id itself when unknown.
func (p *Plan) UnitName(id string) string {
	if u, ok := p.Unit(id); ok {
		return u.Name
	}
	return id
}

// UnitsOwning returns the units on whose behalf the address may report.
func (p *Plan) UnitsOwning(email string) []Unit {
	var out []Unit
	for _, u := range p.Units {
		if u.Owns(email) {
			out = append(out, u)
		}
	}
	return out
}

// Category returns the category with the given id.
func (p *Plan) Category(id string) (Category, bool) {
	for _, c := range p.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// TasksLedBy returns, in plan order, the tasks whose lead is the unit.
func (p *Plan) TasksLedBy(unitID string) []Task {
	var out []Task
	for _, t := range p.Tasks {
		if t.Lead == unitID {
			out = append(out, t)
		}
	}
	return out
}

// LeadUnits returns, in config order, the units that lead at least one task:
// the units that must report every period.
func (p *Plan) LeadUnits() []Unit {
	leads := make(map[string]bool, len(p.Units))
	for _, t := range p.Tasks {
		leads[t.Lead] = true
	}
	var out []Unit
	for _, u := range p.Units {
		if leads[u.ID] {
			out = append(out, u)
		}
	}
	return out
}

// TaskNumber is the 1-based position of the task in the plan, the number the
// plan document gives it.
func (p *Plan) TaskNumber(taskID string) int {
	for i, t := range p.Tasks {
		if t.ID == taskID {
			return i + 1
		}
	}
	return 0
}

// Status is the completion state a unit reports for a task (完成状态).
type Status string

// The four statuses of the 完成状态 dropdown.
const (
	StatusDone       Status = "已完成"
	StatusOnTrack    Status = "序时推进"
	StatusBehind     Status = "滞后"
	StatusNotStarted Status = "未启动"
)

// Statuses lists the valid statuses in dropdown order.
var Statuses = []Status{StatusDone, StatusOnTrack, StatusBehind, StatusNotStarted}

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Answer is what a unit reported for one task in one period.
type Answer struct {
	TaskID    string
	Progress  string // 本月进展
	Status    Status // 完成状态
	Issues    string // 存在问题
	NextSteps string // 下步计划
}

func (a Answer) String() string { return fmt.Sprintf("%s[%s]", a.TaskID, a.Status) }
