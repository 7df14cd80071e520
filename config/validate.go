package config

import (
	"fmt"
	"strings"

	"github.com/duban/duban/plan"
)

// Validate checks the whole configuration and returns every problem at once,
// each with its key path and what to do; nil when there are none. Problems
// are grouped by section: unknown keys first, then plan, units, office,
// schedule, calendar, mail, storage, limits.
func (c *Config) Validate() Problems {
	var ck checker
	c.checkUnknownKeys(&ck)
	c.checkPlan(&ck)
	c.checkUnits(&ck)
	c.checkOffice(&ck)
	c.checkSchedule(&ck)
	c.checkOfficeAndChase(&ck)
	c.checkDaemon(&ck)
	c.checkColors(&ck)
	c.checkCalendar(&ck)
	c.checkMail(&ck)
	c.checkStorageAndLimits(&ck)
	if len(ck.ps) == 0 {
		return nil
	}
	return ck.ps
}

func (c *Config) checkUnknownKeys(ck *checker) {
	for _, key := range c.unknown {
		parent := ""
		if i := strings.LastIndex(key, "."); i >= 0 {
			parent = key[:i]
		}
		known := knownKeysAt(parent)
		name := key[len(parent):]
		name = strings.TrimPrefix(name, ".")
		hint := ""
		if s := closest(name, known); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		where := "at the top level"
		if parent != "" {
			where = "in " + parent
		}
		ck.addf(key, "unknown key%s; the keys allowed %s are: %s; fix the spelling or remove it",
			hint, where, strings.Join(known, ", "))
	}
}

// unitIDs lists the non-empty unit ids in config order.
func (c *Config) unitIDs() []string {
	var ids []string
	for _, u := range c.Units {
		if u.ID != "" {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

func (c *Config) checkPlan(ck *checker) {
	p := c.PlanSpec
	if p.Title == "" {
		ck.addf("plan.title", "missing; write the plan's title, e.g. 2023年推进都市圈一体化建设工作要点")
	}
	if p.Year < 2000 || p.Year > 2100 {
		ck.addf("plan.year", "%d is not a plausible year; write the plan's year, between 2000 and 2100", p.Year)
	}

	if len(p.Categories) == 0 {
		ck.addf("plan.categories", "no categories; list the plan's headings, each with an id (e.g. C1) and a name")
	}
	var categoryIDs []string
	seenCategory := map[string]int{}
	for i, cat := range p.Categories {
		key := fmt.Sprintf("plan.categories[%d]", i)
		switch j, dup := seenCategory[cat.ID]; {
		case cat.ID == "":
			ck.addf(key+".id", "missing; give the category a short id such as C%d", i+1)
		case dup:
			ck.addf(key+".id", "duplicate id %q (also plan.categories[%d]); give each category its own id", cat.ID, j)
		default:
			seenCategory[cat.ID] = i
			categoryIDs = append(categoryIDs, cat.ID)
		}
		if cat.Name == "" {
			ck.addf(key+".name", "missing; write the category's heading, e.g. 推进规划统筹一体化")
		}
	}

	if len(p.Tasks) == 0 {
		ck.addf("plan.tasks", "no tasks; list the plan's numbered tasks, each with id, category, title, requirement and lead")
	}
	unitIDs := c.unitIDs()
	knownUnit := map[string]bool{}
	for _, id := range unitIDs {
		knownUnit[id] = true
	}
	seenTask := map[string]int{}
	for i, t := range p.Tasks {
		key := fmt.Sprintf("plan.tasks[%d]", i)
		name := t.ID // how messages name the task
		switch j, dup := seenTask[t.ID]; {
		case t.ID == "":
			ck.addf(key+".id", "missing; give the task a short stable id such as T%02d", i+1)
			name = fmt.Sprintf("number %d", i+1)
		case dup:
			ck.addf(key+".id", "duplicate id %q (also plan.tasks[%d]); give each task its own id", t.ID, j)
		default:
			seenTask[t.ID] = i
		}
		switch _, ok := seenCategory[t.Category]; {
		case t.Category == "":
			ck.addf(key+".category", "missing; write the id of the task's category, one of: %s", listIDs(categoryIDs))
		case !ok:
			ck.addf(key+".category", "task %s: %s", name, unknownID("category", "categories", t.Category, categoryIDs, "plan.categories"))
		}
		if t.Title == "" {
			ck.addf(key+".title", "missing; write task %s's short title, e.g. 加快规划报批实施", name)
		}
		if t.Requirement == "" {
			ck.addf(key+".requirement", "missing; write task %s's full text from the plan", name)
		}
		switch {
		case t.Lead == "":
			ck.addf(key+".lead", "missing; write the id of task %s's lead unit, one of: %s", name, listIDs(unitIDs))
		case !knownUnit[t.Lead]:
			ck.addf(key+".lead", "task %s: %s", name, unknownID("unit", "units", t.Lead, unitIDs, "units"))
		}
		seenCo := map[string]bool{}
		for j, co := range t.CoUnits {
			coKey := fmt.Sprintf("%s.co_units[%d]", key, j)
			switch {
			case co == "":
				ck.addf(coKey, "empty; write a unit id or remove the entry")
			case co == t.Lead:
				ck.addf(coKey, "%q is the lead unit of task %s; remove it from co_units", co, name)
			case seenCo[co]:
				ck.addf(coKey, "%q is listed twice for task %s; remove the duplicate", co, name)
			case !knownUnit[co]:
				ck.addf(coKey, "task %s: %s", name, unknownID("unit", "units", co, unitIDs, "units"))
			}
			seenCo[co] = true
		}
		ck.checkIndicators(key, name, t.Indicators)
	}
}

// checkIndicators checks a task's quantified targets.
func (ck *checker) checkIndicators(key, task string, inds []IndicatorConfig) {
	seen := map[string]bool{}
	for j, ind := range inds {
		k := fmt.Sprintf("%s.indicators[%d]", key, j)
		switch {
		case strings.TrimSpace(ind.Name) == "":
			ck.addf(k+".name", "missing; write what is counted, e.g. 对口部门联席会")
		case seen[ind.Name]:
			ck.addf(k+".name", "%q is listed twice for task %s; give each indicator its own name", ind.Name, task)
		}
		seen[ind.Name] = true
		if ind.Min < 1 {
			ck.addf(k+".min", "%d; write the year's target, at least 1 (至少1次 is min: 1)", ind.Min)
		}
		if ind.Max != 0 && ind.Max < ind.Min {
			ck.addf(k+".max", "%d is below min %d; write the upper bound of a range (2—3次 is min: 2, max: 3) or leave it out", ind.Max, ind.Min)
		}
		if ind.PerMonthMax < 0 {
			ck.addf(k+".per_month_max", "%d; write the most that can happen in a month, or leave it out for no limit", ind.PerMonthMax)
		}
	}
}

func (c *Config) checkUnits(ck *checker) {
	if len(c.Units) == 0 {
		ck.addf("units", "no units; list the units that lead or support tasks, each with an id, a name and contacts")
	}
	seenUnit := map[string]int{}
	type owner struct {
		unit int
		key  string
	}
	emailOwner := map[string]owner{}  // lower-cased contact address → where it was first seen
	domainOwner := map[string]owner{} // lower-cased allowed domain → where it was first seen
	for i, u := range c.Units {
		key := fmt.Sprintf("units[%d]", i)
		name := u.ID
		switch j, dup := seenUnit[u.ID]; {
		case u.ID == "":
			ck.addf(key+".id", "missing; give the unit a short id such as fgw (lowercase letters, digits, _ or -)")
			name = fmt.Sprintf("number %d", i+1)
		case dup:
			ck.addf(key+".id", "duplicate id %q (also units[%d]); give each unit its own id", u.ID, j)
		default:
			seenUnit[u.ID] = i
			if !isSlug(u.ID) {
				ck.addf(key+".id", "%q is not a valid unit id; use 1 to 32 lowercase letters, digits, _ or -, starting with a letter, e.g. fgw", u.ID)
			}
		}
		if u.Name == "" {
			ck.addf(key+".name", "missing; write unit %s's full name, e.g. 市发展改革委", name)
		}
		if len(u.Contacts) == 0 {
			ck.addf(key+".contacts", "unit %s has no contact; add at least one person with the email address its reports come from", name)
		}
		for j, ct := range u.Contacts {
			ctKey := fmt.Sprintf("%s.contacts[%d].email", key, j)
			if !ck.checkEmail(ctKey, ct.Email, true) {
				continue
			}
			addr := strings.ToLower(ct.Email)
			prev, seen := emailOwner[addr]
			switch {
			case !seen:
				emailOwner[addr] = owner{unit: i, key: ctKey}
			case prev.unit == i:
				ck.addf(ctKey, "%s is listed twice for unit %s (also %s); remove the duplicate", ct.Email, name, prev.key)
			default:
				ck.addf(ctKey, "%s is also a contact of unit %s (%s); reports are matched to units by sender, so give each unit its own addresses",
					ct.Email, c.Units[prev.unit].ID, prev.key)
			}
		}
		for j, cc := range u.CC {
			ck.checkEmail(fmt.Sprintf("%s.cc[%d].email", key, j), cc.Email, true)
		}
		for j, d := range u.Domains {
			dKey := fmt.Sprintf("%s.domains[%d]", key, j)
			d = strings.ToLower(d)
			if !isDomain(d) {
				ck.addf(dKey, "%q is not a mail domain; write it like jtj.metro.example, without @", u.Domains[j])
				continue
			}
			if prev, seen := domainOwner[d]; seen {
				ck.addf(dKey, "domain %s is also allowed for unit %s (%s); a domain can stand for one unit only", d, c.Units[prev.unit].ID, prev.key)
				continue
			}
			domainOwner[d] = owner{unit: i, key: dKey}
		}
	}
}

// isDomain reports whether d looks like a DNS mail domain (at least two labels).
func isDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func (c *Config) checkOffice(ck *checker) {
	if c.Office.Name == "" {
		ck.addf("office.name", "missing; write the office's name, e.g. 都市圈办公室")
	}
	if len(c.Office.Recipients) == 0 {
		ck.addf("office.recipients", "no recipients; add at least one address that receives the compiled workbook")
	}
	for i, r := range c.Office.Recipients {
		ck.checkEmail(fmt.Sprintf("office.recipients[%d].email", i), r.Email, true)
	}
	if c.Office.Leader.Email != "" || c.Office.Leader.Name != "" {
		ck.checkEmail("office.leader.email", c.Office.Leader.Email, true)
	}
	if ct := c.Office.Contact; ct != (OfficeContactConfig{}) {
		if strings.TrimSpace(ct.Name) == "" {
			ck.addf("office.contact.name", "missing; write the name units ask for when they call, e.g. 张敏 or 综合处张敏")
		}
		switch {
		case strings.TrimSpace(ct.Phone) == "":
			ck.addf("office.contact.phone", "missing; write the number units call, e.g. 0551-63000000")
		case !plan.IsPhone(ct.Phone):
			ck.addf("office.contact.phone", "%q is not a phone number; write one number of 7 to 15 digits, e.g. 0551-63000000 or 0551-63000000转8001", ct.Phone)
		}
		ck.checkEmail("office.contact.email", ct.Email, false)
	}
	if c.Operator != (AddressConfig{}) {
		ck.checkEmail("operator.email", c.Operator.Email, true)
	}
}
