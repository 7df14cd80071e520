package template

import (
	"math"
	"strconv"
	"strings"

	"github.com/duban/duban/reports"
)

// The rows of the task table, planned before they are written: a heading
// row before each category's first task, a row for each task, and
// continuation rows for a text too long for one row. Heights are worked
// out from the texts, because no spreadsheet application fits a row to
// its text when it opens a file: they all show the height the file says.

// column describes one column of the task table.
type column struct {
	header string
	width  float64
	input  bool // unlocked, filled by the unit
	center bool
}

// columns follows TemplateHeaders: the visible columns, then the hidden
// column of task keys.
var columns = [...]column{
	{reports.HeaderSeq, 6, false, true},
	{reports.HeaderTitle, 18, false, false},
	{reports.HeaderReq, 50, false, false},
	{reports.HeaderCoUnits, 14, false, false},
	{reports.HeaderPrevious, 36, false, false},
	{reports.HeaderProgress, 40, true, false},
	{reports.HeaderStatus, 12, true, true},
	{reports.HeaderIssues, 28, true, false},
	{reports.HeaderNextSteps, 28, true, false},
	{reports.HeaderTaskID, 10, false, true},
}

// visibleColumns is the number of columns a unit sees (A to LastCol).
const visibleColumns = len(columns) - 1

// Row heights, in points.
const (
	minTaskHeight = 60 // a task row's least: room to type into an empty row
	rowPadding    = 6  // above and below a cell's lines
	headingHeight = 22 // a category's heading
)

// maxLines is how many lines of text fit a row of the highest height.
var maxLines = int(math.Floor((reports.MaxRowHeight - rowPadding) / reports.LineHeight))

// rowKind tells the rows of the task table apart.
type rowKind int

const (
	rowHeading      rowKind = iota // 一、推进基础设施一体化
	rowTask                        // a task: its first row
	rowContinuation                // more of a task's long texts
)

// tableRow is one planned row of the task table.
type tableRow struct {
	kind   rowKind
	task   int      // index into TemplateInput.Tasks (task and continuation rows)
	values []string // one per column; a heading's text is values[0]
	height float64
}

// Layout is where BuildTemplate puts a template's rows, for tests and
// tools that need the cells without reading the workbook.
type Layout struct {
	Tasks      map[string]int // each task's row (its first), by task id
	LastTask   int            // the task table's last row
	Indicators []int          // the row of each of in.Indicators, in order
	Foot       int            // the foot's row (填报人 …)
}

// LayoutOf is the layout of in's template.
func LayoutOf(in reports.TemplateInput) Layout {
	rows := tableRows(in)
	l := Layout{Tasks: map[string]int{}, LastTask: reports.FirstRow + len(rows) - 1}
	for i, r := range rows {
		if r.kind == rowTask {
			l.Tasks[in.Tasks[r.task].ID] = reports.FirstRow + i
		}
	}
	end := l.LastTask
	if len(in.Indicators) > 0 {
		_, _, first := reports.IndicatorRows(l.LastTask)
		for i := range in.Indicators {
			l.Indicators = append(l.Indicators, first+i)
		}
		end = first + len(in.Indicators) - 1
	}
	l.Foot = reports.FootRow(end)
	return l
}

// tableRows plans the task table of in.
func tableRows(in reports.TemplateInput) []tableRow {
	var rows []tableRow
	heading := "\x00" // no heading yet
	for i, t := range in.Tasks {
		if h := categoryHeading(in, t.Category); h != heading {
			heading = h
			rows = append(rows, tableRow{kind: rowHeading, task: -1, values: []string{h}, height: headingHeight})
		}
		values := taskValues(in, i)
		// A text longer than a row can show goes on in the rows below.
		parts := make([][]string, len(values))
		n := 1
		for c, v := range values {
			if parts[c] = reports.SplitLines(v, columns[c].width, maxLines); len(parts[c]) > 1 {
				n = max(n, len(parts[c]))
			}
		}
		for k := range n {
			r := tableRow{kind: rowTask, task: i, values: make([]string, len(values))}
			if k > 0 {
				r.kind = rowContinuation
			}
			for c, v := range values {
				switch {
				case n == 1 || len(parts[c]) <= 1 && k == 0:
					r.values[c] = v // whole, on the task's row
				case k < len(parts[c]) && len(parts[c]) > 1:
					r.values[c] = parts[c][k]
				}
			}
			r.height = rowHeight(r.values, r.kind == rowTask)
			rows = append(rows, r)
		}
	}
	return rows
}

// categoryHeading is the heading row of a task's category: the plan's
// numbering and name (一、推进基础设施一体化), or 其他 for a task whose
// category is unknown.
func categoryHeading(in reports.TemplateInput, category string) string {
	if h := in.Plan.CategoryHeading(category); h != "" {
		return h
	}
	return "其他"
}

// taskValues are the texts of a task's row, column by column: the plan's
// number, title, requirement and co-units, last month's progress, the
// answer cells (empty, or what a closed task shows) and the task's key.
func taskValues(in reports.TemplateInput, i int) []string {
	t := in.Tasks[i]
	number := ""
	if n := in.Plan.TaskNumber(t.ID); n > 0 {
		number = strconv.Itoa(n)
	}
	co := make([]string, 0, len(t.CoUnits))
	for _, id := range t.CoUnits {
		co = append(co, in.Plan.UnitName(id))
	}
	values := []string{
		number, t.Title, t.Requirement, strings.Join(co, "、"), in.Previous[t.ID].Progress,
		"", "", "", "", t.ID,
	}
	if closure, closed := in.Closed[t.ID]; closed {
		values[columnIndex(reports.HeaderProgress)-1] = closedProgress(closure)
		values[columnIndex(reports.HeaderStatus)-1] = reports.ClosedStatus
	}
	return values
}

// rowHeight is the height a row needs for its longest cell to show in
// full, counting lines as a spreadsheet wraps them; a task's row is never
// lower than minTaskHeight.
func rowHeight(values []string, task bool) float64 {
	lines := 1
	for i, v := range values {
		if i < visibleColumns {
			lines = max(lines, reports.TextLines(v, columns[i].width))
		}
	}
	least := reports.LineHeight + rowPadding
	if task {
		least = minTaskHeight
	}
	return min(max(float64(lines)*reports.LineHeight+rowPadding, least), reports.MaxRowHeight)
}

// columnIndex is the 1-based column of a header in the template.
func columnIndex(header string) int {
	for i, h := range reports.TemplateHeaders {
		if h == header {
			return i + 1
		}
	}
	return 0
}
