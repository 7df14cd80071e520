package compile

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// notReported is shown in 完成状态 for a task whose lead unit has no
// accepted answer for it, and in the submission log for a unit that sent
// nothing.
const notReported = "未报送"

// model is the consolidated workbook's content, derived once from the
// input: every lookup a row needs is an index here, so writing a row never
// scans the units or the tasks.
type model struct {
	in     reports.CompileInput
	loc    *time.Location // GeneratedAt's: every time shown is in it
	groups []group        // categories in plan order, then tasks of unknown category
	// months are the months of the year the input gives: in.Year.Months, or
	// the compiled period alone when the input has no year (yearDerived).
	// due tells, for each, whether its deadline day is over at GeneratedAt:
	// only those are coloured and counted over the year.
	months      []plan.Period
	due         []bool
	yearDerived bool
}

// group is one category with its tasks in plan order.
type group struct {
	numeral string // 一, 二, …
	name    string // without any numbering the configuration gave it
	tasks   []taskEntry
}

// label is the category row text of the detail sheet: 一、推进规划统筹一体化.
func (g group) label() string { return g.numeral + "、" + g.name }

// taskEntry is one task with what its lead unit answered.
type taskEntry struct {
	number   int // 1-based position in the plan
	task     *plan.Task
	unit     string              // lead unit's display name
	report   *reports.UnitReport // nil when the lead unit is not among the input's units
	answer   plan.Answer
	answered bool // the lead unit has an accepted answer for this task, or the task is closed
	// closed: closed out (销号) by this period. It then counts as answered
	// 已完成 whatever the unit sent, and shows the close-out instead.
	closed bool
}

// status is what 完成状态 shows: the answered status, or 未报送.
func (t taskEntry) status() string {
	if !t.answered {
		return notReported
	}
	return string(t.answer.Status)
}

// titleWithNumber is how a task is named outside the detail sheet: 3.推进合作专题落实.
func (t taskEntry) titleWithNumber() string {
	return fmt.Sprintf("%d.%s", t.number, t.task.Title)
}

// statusCounts is one row of the summary's per-category table.
type statusCounts struct {
	Tasks, Done, OnTrack, Behind, NotStarted, NotReported int
}

func (c *statusCounts) add(t taskEntry) {
	c.Tasks++
	if !t.answered {
		c.NotReported++
		return
	}
	switch t.answer.Status {
	case plan.StatusDone:
		c.Done++
	case plan.StatusOnTrack:
		c.OnTrack++
	case plan.StatusBehind:
		c.Behind++
	case plan.StatusNotStarted:
		c.NotStarted++
	}
	// A status outside the four (the reader rejects those) counts only in
	// 任务数: the row then visibly does not add up instead of guessing.
}

// newModel indexes the input. It costs O(units + tasks + answers).
func newModel(in reports.CompileInput) (*model, error) {
	switch {
	case in.Plan == nil:
		return nil, fmt.Errorf("compiling workbook: no plan given")
	case in.Deadline.IsZero():
		return nil, fmt.Errorf("compiling workbook: no deadline given")
	case in.GeneratedAt.IsZero():
		return nil, fmt.Errorf("compiling workbook: no generation time given")
	}
	m := &model{in: in, loc: in.GeneratedAt.Location()}

	reports := make(map[string]*reports.UnitReport, len(in.Units))
	for i := range in.Units {
		reports[in.Units[i].Unit.ID] = &in.Units[i]
	}
	names := make(map[string]string, len(in.Plan.Units))
	for _, u := range in.Plan.Units {
		names[u.ID] = u.Name
	}
	for _, r := range in.Units {
		if r.Unit.Name != "" {
			names[r.Unit.ID] = r.Unit.Name
		}
	}

	groupOf := make(map[string]int, len(in.Plan.Categories))
	for _, c := range in.Plan.Categories {
		if _, dup := groupOf[c.ID]; dup {
			continue
		}
		groupOf[c.ID] = len(m.groups)
		m.groups = append(m.groups, group{name: bareCategoryName(c.Name)})
	}
	other := -1 // tasks whose category is unknown are listed last, never dropped
	for i := range in.Plan.Tasks {
		task := &in.Plan.Tasks[i]
		t := taskEntry{number: i + 1, task: task, unit: task.Lead}
		if name, ok := names[task.Lead]; ok {
			t.unit = name
		}
		if r, ok := reports[task.Lead]; ok {
			t.report = r
			if r.Accepted() {
				t.answer, t.answered = r.Answers[task.ID]
			}
		}
		if _, ok := in.Closed[task.ID]; ok {
			t.closed, t.answered = true, true
			t.answer = plan.Answer{TaskID: task.ID, Status: plan.StatusDone}
		}
		g, ok := groupOf[task.Category]
		if !ok {
			if other < 0 {
				other = len(m.groups)
				m.groups = append(m.groups, group{name: "其他"})
			}
			g = other
		}
		m.groups[g].tasks = append(m.groups[g].tasks, t)
	}
	for i := range m.groups {
		m.groups[i].numeral = chineseNumeral(i + 1)
	}
	m.months = in.Year.Months
	if len(m.months) == 0 {
		m.months, m.yearDerived = []plan.Period{in.Period}, true
	}
	m.due = m.dueMonths()
	return m, nil
}

// closedLabel is what 预警 shows for a closed task, in green.
const closedLabel = "已销号"

// taskColor is the task's 预警 colour: its progress colour, or 绿 once closed.
// groupRows counts the rows of the tasks in their categories: a row for
// each category and one for each of its tasks.
func (m *model) groupRows() int {
	n := 0
	for _, g := range m.groups {
		n += 1 + len(g.tasks)
	}
	return n
}

func (m *model) taskColor(t taskEntry) plan.Color {
	if t.closed {
		return plan.ColorGreen
	}
	return m.in.Progress[t.task.ID]
}

// taskWarning is the 预警 cell of a task: the colour's label, 已销号 for a
// closed task, empty when there is no colour.
func (m *model) taskWarning(t taskEntry) string {
	if t.closed {
		return closedLabel
	}
	return string(m.in.Progress[t.task.ID])
}

// closureText is 本月进展 of a closed task: when it was done and closed.
func (m *model) closureText(t taskEntry) string {
	c := m.in.Closed[t.task.ID]
	text := closedLabel
	if !c.Period.IsZero() {
		text = c.Period.Label() + "已完成，" + text
	}
	if note := strings.TrimSpace(c.Note); note != "" {
		text += "：" + note
	}
	return text
}

// extensionText describes a unit's extension (延期) for 报送情况;
// empty when there is none.
func extensionText(e reports.Extension) string {
	if !e.Any() {
		return ""
	}
	until := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return "至" + plan.DateCN(t)
	}
	var text string
	switch e.Decision {
	case reports.ExtensionGranted:
		day := e.Until
		if day.IsZero() {
			day = e.Requested
		}
		text = "已同意延期" + until(day)
	case reports.ExtensionRefused:
		text = "不同意延期"
	default:
		text = "申请延期" + until(e.Requested) + "（待审批）"
		if reason := strings.TrimSpace(e.Reason); reason != "" {
			text += "：" + reason
		}
		return text
	}
	// The office's note on its decision, when it wrote one.
	if note := strings.TrimSpace(e.Note); note != "" {
		text += "（" + note + "）"
	}
	return text
}

// statusCounts returns one row per group and the total.
func (m *model) statusCounts() (rows []statusCounts, total statusCounts) {
	rows = make([]statusCounts, len(m.groups))
	for i, g := range m.groups {
		for _, t := range g.tasks {
			rows[i].add(t)
			total.add(t)
		}
	}
	return rows, total
}

// formatTime renders an instant as 2023年6月5日 16:30 in the workbook's
// location; the zero time renders empty. Every date of the workbook is
// written the one way dateCN writes it.
func (m *model) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(m.loc)
	return plan.DateCN(t) + t.Format(" 15:04")
}

// digits holds the numerals 0…9; each is 3 bytes in UTF-8.
const digits = "零一二三四五六七八九"

func digit(d int) string { return digits[3*d : 3*d+3] }

// chineseNumeral writes n (1…999) the way plan documents number their
// parts: 一, 十, 十一, 二十, 一百零五. Other numbers are written in digits.
func chineseNumeral(n int) string {
	switch {
	case n <= 0 || n > 999:
		return fmt.Sprint(n)
	case n < 10:
		return digit(n)
	case n < 20:
		return "十" + digitTail(n%10)
	case n < 100:
		return digit(n/10) + "十" + digitTail(n%10)
	}
	s, rest := digit(n/100)+"百", n%100
	switch {
	case rest == 0:
		return s
	case rest < 10:
		return s + "零" + digit(rest)
	case rest < 20:
		return s + "一十" + digitTail(rest%10)
	}
	return s + chineseNumeral(rest)
}

// digitTail is a trailing units digit: nothing for zero (二十, not 二十零).
func digitTail(d int) string {
	if d == 0 {
		return ""
	}
	return digit(d)
}

// bareCategoryName strips a leading "一、" style number from a
// configured category name: categories are renumbered in plan order.
func bareCategoryName(name string) string {
	name = strings.TrimSpace(name)
	i := strings.IndexAny(name, "、.．")
	if i <= 0 {
		return name
	}
	for _, r := range name[:i] {
		if !strings.ContainsRune(digits+"十百", r) {
			return name
		}
	}
	_, size := utf8.DecodeRuneInString(name[i:])
	return strings.TrimSpace(name[i+size:])
}
