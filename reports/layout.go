package reports

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
)

// The unit template's layout and the texts its writer and its reader share.

// Layout of the unit template. The reader relies on none of these addresses:
// it finds the header row, the columns, the foot and the request cells by
// their text, so rows and columns moved by a unit still read.
//
// Below the header row, the task table has a row for each category's
// heading (一、…) before its first task, then a row for each task (and a
// continuation row for each part of a text too long for one row); the
// indicator section follows after a blank row, and the foot after another.
const (
	TitleRow     = 1
	InfoRow      = 2
	ExtensionRow = 3 // the extension request (申请延期至 / 延期理由)
	NoteRow      = 4
	HeaderRow    = 5
	FirstRow     = 6   // the first row under the header: a category's heading
	LastCol      = "I" // 下步计划, the last visible column
	KeyCol       = 10  // 任务编号, the hidden column of task keys (J)
	FootGap      = 1   // blank rows between the tables and the foot
	footLabelCol = 2   // 填报人：in B, its cell in C, 审核人：in D, …

	ExtensionLabelCell = "F3"
	ExtensionCell      = "G3" // unlocked
	ReasonLabelCell    = "H3"
	ReasonCell         = "I3" // unlocked
)

// Labels of the foot, in order from column B, each followed by its cell:
// 填报人 (the contact), 审核人, 填报日期 and 联系电话.
const (
	LabelContact  = "填报人"
	LabelReviewer = "审核人"
	LabelDate     = "填报日期"
	LabelPhone    = "联系电话"
)

// FootLabels are the foot's labels in column order.
var FootLabels = []string{LabelContact, LabelReviewer, LabelDate, LabelPhone}

// FootCell names the cell of the foot's label (one of FootLabels) in the
// foot row: the cell right of the label.
func FootCell(label string, footRow int) string {
	for i, l := range FootLabels {
		if l == label {
			return Cell(footLabelCol+2*i+1, footRow)
		}
	}
	return ""
}

// FootRow is the foot's row below a template whose last table row
// (the last task's or indicator's) is last.
func FootRow(last int) int { return last + FootGap + 1 }

// NotePrefix starts the instructions line (填写说明); Note is the
// line without its sentence about extensions, which the template adds.
const (
	NotePrefix = "填写说明"
	Note       = NotePrefix + "：请在白色单元格中填写（灰色单元格不可修改）；" +
		"“完成状态”请从下拉列表中选择（已完成、序时推进、滞后、未启动）；" +
		"不要删除任务行、隐藏的列或工作表；" +
		"表尾请填写填报人和联系电话（审核人、填报日期可选填）；" +
		"填好后直接回复通知邮件，并附上本文件。"
)

// Keys of the metadata sheet.
const (
	MetaKeyVersion = "version"
	MetaKeyPlan    = "plan"
	MetaKeyPeriod  = "period"
	MetaKeyUnit    = "unit"
	MetaKeyToken   = "token"
)

// MetaRows are the key/value rows of the metadata sheet, in order.
func MetaRows(m Meta) [][2]string {
	return [][2]string{
		{MetaKeyVersion, m.Version},
		{MetaKeyPlan, m.Plan},
		{MetaKeyPeriod, m.Period},
		{MetaKeyUnit, m.Unit},
		{MetaKeyToken, m.Token},
	}
}

// Cell names the cell at a 1-based column and row.
func Cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// DateText writes a date the way the office does: 2023年6月7日.
func DateText(t time.Time) string {
	if t.IsZero() {
		return "见通知邮件"
	}
	return plan.DateCN(t)
}

// StatusChoice is the sentence that lists the four statuses.
func StatusChoice() string {
	names := make([]string, len(plan.Statuses))
	for i, s := range plan.Statuses {
		names[i] = string(s)
	}
	return "请从下拉列表中选择：" + strings.Join(names, "、")
}

// Row heights, in points.
const (
	LineHeight   = 14.5 // one line of 11-point 宋体
	MaxRowHeight = 409  // Excel's limit
)

// WrappedLines counts the wrapped lines of text in a column of the given width
// (in character units; a Chinese character takes two), from the width of
// each paragraph: a close estimate (TextLines counts a line that does not
// fit a last Chinese character as a spreadsheet does).
// It allocates nothing: the compiled workbook asks it of every text cell.
func WrappedLines(text string, width float64) int {
	usable := max(int(width)-1, 2)
	lines := 0
	for more := true; more; {
		var para string
		para, text, more = strings.Cut(text, "\n")
		w := 0
		for _, r := range para {
			if r < utf8.RuneSelf {
				w++
			} else {
				w += 2
			}
		}
		lines += max(1, (w+usable-1)/usable)
	}
	return lines
}

// TextLines counts the lines text wraps to in a column of the given width
// as a spreadsheet wraps it: a line ends at a line feed or before a
// character that does not fit, never inside one. It is never less than
// WrappedLines.
func TextLines(text string, width float64) int { return len(wrap(text, width)) }

// SplitLines cuts text into parts of at most maxLines wrapped lines each in a
// column of the given width (as TextLines counts them), so that each
// part fits a row of at most MaxRowHeight: a part ends at a line's end,
// after the last sentence (。；！？ or a line break) of its last lines when
// there is one; line feeds around a cut are dropped, and so are parts of
// blank lines only. A text that fits is its only part; "" has none.
func SplitLines(text string, width float64, maxLines int) []string {
	if text == "" {
		return nil
	}
	lines := wrap(text, width)
	maxLines = max(maxLines, 1)
	var parts []string
	start := 0 // byte offset of the current part in text
	for len(lines) > maxLines {
		end := lines[maxLines-1] // where the part's last line ends
		if text[end] == '\n' {
			end++ // the line feed ends the part
		}
		// Back to a sentence's end in the part's last quarter, if any.
		floor := lines[max(maxLines*3/4, 1)-1]
		if i := strings.LastIndexAny(text[floor:end], "。；！？\n"); i >= 0 {
			_, size := utf8.DecodeRuneInString(text[floor+i:])
			end = floor + i + size
		}
		if part := strings.Trim(text[start:end], "\n"); part != "" {
			parts = append(parts, part)
		}
		start = end
		lines = wrap(text[start:], width)
		for i := range lines {
			lines[i] += start
		}
	}
	if part := strings.Trim(text[start:], "\n"); part != "" || len(parts) == 0 {
		parts = append(parts, part)
	}
	return parts
}

// wrap returns the byte offsets in text where each wrapped line ends, in a
// column of the given width: a line breaks at a line feed, or before the
// character that would not fit.
func wrap(text string, width float64) []int {
	usable := max(int(width)-1, 2)
	var ends []int
	w := 0
	for i, r := range text {
		if r == '\n' {
			ends, w = append(ends, i), 0
			continue
		}
		rw := 2
		if r < utf8.RuneSelf {
			rw = 1
		}
		if w+rw > usable && w > 0 {
			ends, w = append(ends, i), 0
		}
		w += rw
	}
	return append(ends, len(text))
}

// DateNumFmt is the number format of the date cell (填报日期).
const DateNumFmt = "yyyy-mm-dd"

// CharsetGB2312 tells Excel and WPS the font is a Chinese one.
const CharsetGB2312 = 134

// extensionExampleFallback is the example date when no deadline is known.
const extensionExampleFallback = "2023-06-20"

// ExtensionExample is the example date the instructions and messages
// give: a plausible request, ten days after the deadline, in the format the
// reader reads without doubt.
func ExtensionExample(deadline time.Time) string {
	if deadline.IsZero() {
		return extensionExampleFallback
	}
	return deadline.AddDate(0, 0, 10).Format(time.DateOnly)
}

// Closed tasks.
const (
	ClosedStatus = "已销号" // shown in 完成状态 of a closed task's row
)

// The indicator section below the task table.
const (
	IndicatorTitle     = "量化指标（请填写本月完成数，没有请填0）"
	IndicatorPrefix    = "量化指标" // how the reader knows the section title
	IndHeaderName      = "指标名称"
	IndHeaderTarget    = "全年目标"
	IndHeaderBefore    = "截至上月累计"
	IndHeaderCount     = "本月完成数"
	IndHeaderUnit      = "计量单位"
	CountMax           = 999
	CountErrorTitle    = "本月完成数填写有误"
	CountErrorMessage  = "请填写0—999之间的整数，本月没有请填0。"
	CountPromptMessage = "请填写本月完成的数量（整数），没有请填0。"
)

// IndicatorHeaders is the header row of the indicator section, over the
// columns A… of the task table; 任务编号, the task's key, is in the hidden
// column of the task table's keys (KeyCol), after two empty columns.
var IndicatorHeaders = []string{
	HeaderSeq, HeaderTitle, IndHeaderName, IndHeaderTarget, IndHeaderBefore,
	IndHeaderCount, IndHeaderUnit, "", "", HeaderTaskID,
}

// Columns of the indicator section, 1-based.
const (
	IndicatorBeforeCol = 5 // 截至上月累计
	IndicatorCountCol  = 6 // 本月完成数
)

// IndicatorRows places the indicator section below the task table,
// after one blank row: its title row, header row and first indicator row.
func IndicatorRows(lastTaskRow int) (title, header, first int) {
	return lastTaskRow + 2, lastTaskRow + 3, lastTaskRow + 4
}

// Asking 截至上月累计: in a unit's first report of the plan year that
// carries an indicator, the template leaves the total before the period to
// the unit.
const (
	IndicatorTitleAsk   = "量化指标（请填写本月完成数，没有请填0；白色的“截至上月累计”请填写今年1月至上月累计完成数）"
	BeforeErrorTitle    = "截至上月累计填写有误"
	BeforeErrorMessage  = "请填写今年1月至上月累计完成的数量（0—%d之间的整数），没有请填0。"
	BeforePromptMessage = "请填写今年1月至上月累计完成的数量（整数），没有请填0。此后各月由系统累计，不再填写。"
)

// BeforeMax is the most an indicator's total before period p can be: what
// its months before p could hold at the most (PerMonthMax, or CountMax a
// month when it has none). The template's validation and the reader's
// check both hold the unit to it.
func BeforeMax(ind plan.Indicator, p plan.Period) int {
	perMonth := CountMax
	if ind.PerMonthMax > 0 {
		perMonth = ind.PerMonthMax
	}
	return perMonth * max(int(p.Month)-1, 0)
}

// AskBefore reports whether a report for period p asks for the indicator's
// total before p (截至上月累计): in every month but January, when no earlier
// report of the unit in the plan year carries it. last is the unit's latest
// accepted report before p (found false when none) and its period.
func AskBefore(ind plan.Indicator, p plan.Period, last []plan.Answer, lastPeriod plan.Period) bool {
	if p.Month == time.January {
		return false
	}
	if lastPeriod.Year != p.Year || !lastPeriod.Before(p) {
		return true
	}
	for _, a := range last {
		if a.TaskID != ind.TaskID {
			continue
		}
		_, counted := a.Counts[ind.Name]
		_, declared := a.Before[ind.Name]
		return !counted && !declared
	}
	return true
}
