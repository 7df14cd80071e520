package reader

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/duban/duban/reports"
)

// CountRow is one row of the indicator section (量化指标) of a returned
// workbook, as read.
type CountRow struct {
	Line   int    // 1-based row number in the sheet
	TaskID string // 任务编号
	Name   string // 指标名称
	Value  string // 本月完成数, as written ("" when blank)
	Cell   string // the 本月完成数 cell, e.g. "F13"; "" when that column is missing
	// Before is 截至上月累计 as written: what the template showed, or,
	// where it asked for it, what the unit wrote ("" when blank).
	Before     string
	BeforeCell string // "" when that column is missing
}

// isIndicatorSection reports whether a line below the task table starts
// the indicator section: its title (量化指标…), or a header row, should the
// unit have deleted the title.
func isIndicatorSection(l line, idCol int) bool {
	for _, c := range l.cells {
		if c != "" {
			if strings.HasPrefix(squeeze(c), reports.IndicatorPrefix) {
				return true
			}
			break
		}
	}
	return squeeze(l.cell(idCol)) == reports.HeaderTaskID || indicatorColumns(l) != nil
}

// indicatorColumns finds the indicator section's header labels in a
// line; nil unless 指标名称 is among them.
func indicatorColumns(l line) map[string]int {
	cols := map[string]int{}
	for i, c := range l.cells {
		for _, h := range reports.IndicatorHeaders {
			if squeezedIs(c, h) {
				if _, seen := cols[h]; !seen {
					cols[h] = i + 1
				}
			}
		}
	}
	if _, ok := cols[reports.IndHeaderName]; !ok {
		return nil
	}
	return cols
}

// readCounts reads the indicator section below the task table: the rows
// under its header, found by the labels 任务编号, 指标名称, 截至上月累计 and
// 本月完成数, up to an instructions line or the foot. A workbook without the section (a template
// of a unit without indicators, or from before them) has no counts.
func (p *parser) readCounts(t table) {
	start, cols := -1, map[string]int(nil)
	for i := t.header + 1; i < len(t.lines); i++ {
		if cols = indicatorColumns(t.lines[i]); cols != nil {
			start = i
			break
		}
	}
	if start < 0 {
		return
	}
	countCol, hasCount := cols[reports.IndHeaderCount]
	if !hasCount {
		p.problem(reports.Problem{Kind: KindColumnMissing, Message: fmt.Sprintf(
			"量化指标的表头中没有“%s”列。请不要删除或修改表头，使用本期模板重新填写后发送。", reports.IndHeaderCount)})
	}
	idCol, nameCol := cols[reports.HeaderTaskID], cols[reports.IndHeaderName]
	beforeCol, hasBefore := cols[reports.IndHeaderBefore]
	for _, l := range t.lines[start+1:] {
		if isNote(l) || isFoot(l) {
			break
		}
		c := CountRow{Line: l.n, TaskID: l.cell(idCol), Name: l.cell(nameCol)}
		if hasCount {
			c.Cell = reports.Cell(countCol, l.n)
			if c.Value = l.cell(countCol); c.Value == "" {
				c.Value = p.formula(c.Cell)
			}
		}
		if hasBefore {
			c.BeforeCell = reports.Cell(beforeCol, l.n)
			if c.Before = l.cell(beforeCol); c.Before == "" {
				c.Before = p.formula(c.BeforeCell)
			}
		}
		if c.TaskID == "" && c.Name == "" && c.Value == "" && c.Before == "" {
			continue // a remark beside the table, not an indicator
		}
		p.r.Counts = append(p.r.Counts, c)
	}
}

// countText is a count as units write it: a whole number, possibly with
// a zero fraction (2.0, as a number cell may read) and a unit of count
// after it (2次, 3 场).
var countText = regexp.MustCompile(`^(\d+)(?:\.0+)?\s*\p{Han}{0,2}$`)

// countValue reads a count: a whole number ≥ 0. Full-width digits are
// accepted.
func countValue(s string) (int, bool) {
	m := countText.FindStringSubmatch(strings.TrimFunc(foldWidth(s), isTrim))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > math.MaxInt32 {
		return 0, false
	}
	return n, true
}
