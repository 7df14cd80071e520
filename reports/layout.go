package reports

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
)

// The unit template's layout and the texts its writer and its reader share.

// Layout of the unit template. The reader relies on none of these addresses:
// it finds the header row, the columns and the contact cells by their text,
// so rows and columns moved by a unit still read.
const (
	TitleRow     = 1
	InfoRow      = 2
	ContactRow   = 3
	NoteRow      = 4
	HeaderRow    = 5
	FirstTaskRow = 6
	LastCol      = "I" // 下步计划, the ninth column

	ContactLabelCell = "A3" // merged A3:B3
	ContactCell      = "C3" // unlocked
	PhoneLabelCell   = "D3"
	PhoneCell        = "E3" // unlocked
	// The extension request (延期申请) shares the contact row.
	ExtensionLabelCell = "F3"
	ExtensionCell      = "G3" // unlocked
	ReasonLabelCell    = "H3"
	ReasonCell         = "I3" // unlocked
)

// NotePrefix starts the instructions line (填写说明); Note is the
// line without its sentence about extensions, which the template adds.
const (
	NotePrefix = "填写说明"
	Note       = NotePrefix + "：请在白色单元格中填写（灰色单元格不可修改）；" +
		"“完成状态”请从下拉列表中选择（已完成、序时推进、滞后、未启动）；" +
		"不要修改任务编号，不要删除任务行或隐藏的工作表；" +
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
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
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
// (in character units; a Chinese character takes two).
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
// columns A… of the task table.
var IndicatorHeaders = []string{
	HeaderSeq, HeaderTaskID, IndHeaderName, IndHeaderTarget, IndHeaderBefore,
	IndHeaderCount, IndHeaderUnit,
}

// IndicatorCountCol is the 1-based column of 本月完成数.
const IndicatorCountCol = 6

// IndicatorRows places the indicator section below the task table,
// after one blank row: its title row, header row and first indicator row.
func IndicatorRows(lastTaskRow int) (title, header, first int) {
	return lastTaskRow + 2, lastTaskRow + 3, lastTaskRow + 4
}
