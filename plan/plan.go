// Package plan is the domain of duban: the work plan (categories, tasks, lead
// units), reporting periods, and the working-day calendar that deadlines are
// counted on. It knows nothing of files, mail or storage.
package plan

import (
	"fmt"
	"slices"
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
// CC addresses receive the unit's mail but may not submit. Addresses are
// compared as AddressKey gives them.
func (u Unit) Owns(email string) bool {
	return u.hasContact(email) || u.hasDomain(email)
}

func (u Unit) hasContact(email string) bool {
	key, ok := AddressKey(email)
	if !ok {
		return false
	}
	for _, c := range u.Contacts {
		if k, ok := AddressKey(c.Email); ok && k == key {
			return true
		}
	}
	return false
}

func (u Unit) hasDomain(email string) bool {
	key, ok := AddressKey(email)
	if !ok {
		return false
	}
	domain := key[strings.LastIndexByte(key, '@')+1:]
	for _, d := range u.Domains {
		if k, ok := DomainKey(d); ok && k == domain {
			return true
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
	// Indicators are the quantified targets of tasks, in configured order.
	Indicators []Indicator

	idx *index // lookups built by Freeze; nil means scan the slices
}

// index holds the lookups a frozen plan answers from maps: a collect asks
// them once per reply, and a province-wide plan has 2,000 units.
type index struct {
	unit        map[string]int   // unit id → position in Units
	byEmail     map[string][]int // contact address (AddressKey) → units
	byDomain    map[string][]int // allowed domain (DomainKey) → units
	tasksByLead map[string][]Task
	names       map[string]string // unit id → name
	task        map[string]int    // task id → position in Tasks
}

// Freeze builds the plan's lookup maps and returns p. Call it once the plan
// is complete; a frozen plan must not change afterwards.
func (p *Plan) Freeze() *Plan {
	x := &index{
		unit: map[string]int{}, byEmail: map[string][]int{}, byDomain: map[string][]int{},
		tasksByLead: map[string][]Task{}, names: map[string]string{}, task: map[string]int{},
	}
	for i, u := range p.Units {
		if _, dup := x.unit[u.ID]; !dup {
			x.unit[u.ID] = i
		}
		x.names[u.ID] = u.Name
		for _, c := range u.Contacts {
			if e, ok := AddressKey(c.Email); ok {
				x.byEmail[e] = appendOnce(x.byEmail[e], i)
			}
		}
		for _, d := range u.Domains {
			if d, ok := DomainKey(d); ok {
				x.byDomain[d] = appendOnce(x.byDomain[d], i)
			}
		}
	}
	for i, t := range p.Tasks {
		x.tasksByLead[t.Lead] = append(x.tasksByLead[t.Lead], t)
		if _, dup := x.task[t.ID]; !dup {
			x.task[t.ID] = i
		}
	}
	p.idx = x
	return p
}

func appendOnce(s []int, i int) []int {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	return append(s, i)
}

// UnitNames maps every unit id to its name. The map is shared: read it only.
func (p *Plan) UnitNames() map[string]string {
	if p.idx != nil {
		return p.idx.names
	}
	names := make(map[string]string, len(p.Units))
	for _, u := range p.Units {
		names[u.ID] = u.Name
	}
	return names
}

// Unit returns the unit with the given id.
func (p *Plan) Unit(id string) (Unit, bool) {
	if p.idx != nil {
		if i, ok := p.idx.unit[id]; ok {
			return p.Units[i], true
		}
		return Unit{}, false
	}
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

// UnitsOwning returns the units on whose behalf the address may report,
// in config order: see Sender.
func (p *Plan) UnitsOwning(email string) []Unit {
	units, _ := p.Sender(email)
	return units
}

// Sender returns the units a message from this address may speak for, in
// config order, and whether it is a registered contact: the units that list
// the address as a contact; only when none does, the units whose allowed
// domains (units[].domains) include its domain. An exact contact always
// wins over a domain, so a domain listed for another unit never takes a
// contact's report away from the contact's own unit.
func (p *Plan) Sender(email string) (units []Unit, contact bool) {
	if p.idx == nil {
		for _, u := range p.Units {
			if u.hasContact(email) {
				units = append(units, u)
			}
		}
		if len(units) > 0 {
			return units, true
		}
		for _, u := range p.Units {
			if u.hasDomain(email) {
				units = append(units, u)
			}
		}
		return units, false
	}
	key, ok := AddressKey(email)
	if !ok {
		return nil, false
	}
	idx, contact := p.idx.byEmail[key], true
	if len(idx) == 0 {
		idx, contact = p.idx.byDomain[key[strings.LastIndexByte(key, '@')+1:]], false
	}
	if len(idx) == 0 {
		return nil, false
	}
	seen := map[int]bool{}
	for _, i := range idx {
		if !seen[i] {
			seen[i] = true
			units = append(units, p.Units[i])
		}
	}
	slices.SortFunc(units, func(a, b Unit) int { return p.idx.unit[a.ID] - p.idx.unit[b.ID] })
	return units, contact
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
	if p.idx != nil {
		return slices.Clone(p.idx.tasksByLead[unitID])
	}
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
	if p.idx != nil {
		if i, ok := p.idx.task[taskID]; ok {
			return i + 1
		}
		return 0
	}
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
	// Counts are this month's counts of the task's indicators, by indicator
	// name; an indicator not reported is absent.
	Counts map[string]int
	// Before holds, by indicator name, the year-to-date total before the
	// period as the unit declared it (截至上月累计): asked only in a report
	// with no earlier one of the plan year carrying the indicator, and
	// absent otherwise. It stands for every month before the period.
	Before map[string]int
}

func (a Answer) String() string { return fmt.Sprintf("%s[%s]", a.TaskID, a.Status) }

// Indicator is a quantified target the plan text sets for a task, counted in
// the year: task 3 asks for 至少1次 对口部门联席会 and 2—3次 合作交流活动.
// Units report each month's count; the year-to-date total is judged against
// Min (see IndicatorColor).
type Indicator struct {
	TaskID string
	Name   string // e.g. "对口部门联席会"; unique within its task
	Unit   string // unit of count, e.g. "次"
	Min    int    // the year's target, at least this many
	Max    int    // optional upper bound of the target (2—3次: 3); 0 when none
	// PerMonthMax is the most that can happen in one month (0: no limit).
	// It decides when the target can no longer be reached.
	PerMonthMax int
}

// Target writes the year's target the way the plan does: 至少1次, 2—3次.
func (ind Indicator) Target() string {
	if ind.Max > ind.Min {
		return fmt.Sprintf("%d—%d%s", ind.Min, ind.Max, ind.Unit)
	}
	return fmt.Sprintf("至少%d%s", ind.Min, ind.Unit)
}

// IndicatorsOf returns the indicators of a task, in configured order.
func (p *Plan) IndicatorsOf(taskID string) []Indicator {
	var out []Indicator
	for _, ind := range p.Indicators {
		if ind.TaskID == taskID {
			out = append(out, ind)
		}
	}
	return out
}

// Task returns the task with the given id.
func (p *Plan) Task(id string) (Task, bool) {
	if p.idx != nil {
		if i, ok := p.idx.task[id]; ok {
			return p.Tasks[i], true
		}
		return Task{}, false
	}
	for _, t := range p.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return Task{}, false
}
