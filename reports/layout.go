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
	tplTitleRow     = 1
	tplInfoRow      = 2
	tplContactRow   = 3
	tplNoteRow      = 4
	tplHeaderRow    = 5
	tplFirstTaskRow = 6
	tplLastCol      = "I" // 下步计划, the ninth column

	tplContactLabelCell = "A3" // merged A3:B3
	tplContactCell      = "C3" // unlocked
	tplPhoneLabelCell   = "D3"
	tplPhoneCell        = "E3" // unlocked
	// The extension request (延期申请) shares the contact row.
	tplExtensionLabelCell = "F3"
	tplExtensionCell      = "G3" // unlocked
	tplReasonLabelCell    = "H3"
	tplReasonCell         = "I3" // unlocked
)

// tplNotePrefix starts the instructions line (填写说明); tplNote is the
// line without its sentence about extensions (see tplNoteText).
const (
	tplNotePrefix = "填写说明"
	tplNote       = tplNotePrefix + "：请在白色单元格中填写（灰色单元格不可修改）；" +
		"“完成状态”请从下拉列表中选择（已完成、序时推进、滞后、未启动）；" +
		"不要修改任务编号，不要删除任务行或隐藏的工作表；" +
		"填好后直接回复通知邮件，并附上本文件。"
)

// Keys of the metadata sheet.
const (
	tplMetaKeyVersion = "version"
	tplMetaKeyPlan    = "plan"
	tplMetaKeyPeriod  = "period"
	tplMetaKeyUnit    = "unit"
	tplMetaKeyToken   = "token"
)

func tplMetaRows(m Meta) [][2]string {
	return [][2]string{
		{tplMetaKeyVersion, m.Version},
		{tplMetaKeyPlan, m.Plan},
		{tplMetaKeyPeriod, m.Period},
		{tplMetaKeyUnit, m.Unit},
		{tplMetaKeyToken, m.Token},
	}
}

// tplCell names the cell at a 1-based column and row.
func tplCell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// tplDate writes a date the way the office does: 2023年6月7日.
func tplDate(t time.Time) string {
	if t.IsZero() {
		return "见通知邮件"
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// tplStatusChoice is the sentence that lists the four statuses.
func tplStatusChoice() string {
	names := make([]string, len(plan.Statuses))
	for i, s := range plan.Statuses {
		names[i] = string(s)
	}
	return "请从下拉列表中选择：" + strings.Join(names, "、")
}

// Row heights, in points.
const (
	tplLineHeight   = 14.5 // one line of 11-point 宋体
	tplMaxRowHeight = 409  // Excel's limit
)

// wrappedLines counts the wrapped lines of text in a column of the given width
// (in character units; a Chinese character takes two).
func wrappedLines(text string, width float64) int {
	usable := max(int(width)-1, 2)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
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

// tplCharsetGB2312 tells Excel and WPS the font is a Chinese one.
const tplCharsetGB2312 = 134

// tplExtensionExampleFallback is the example date when no deadline is known.
const tplExtensionExampleFallback = "2023-06-20"

// tplExtensionExample is the example date the instructions and messages
// give: a plausible request, ten days after the deadline, in the format the
// reader reads without doubt.
func tplExtensionExample(deadline time.Time) string {
	if deadline.IsZero() {
		return tplExtensionExampleFallback
	}
	return deadline.AddDate(0, 0, 10).Format(time.DateOnly)
}

// Closed tasks.
const (
	tplClosedStatus = "已销号" // shown in 完成状态 of a closed task's row
)

// The indicator section below the task table.
const (
	tplIndicatorTitle     = "量化指标（请填写本月完成数，没有请填0）"
	tplIndicatorPrefix    = "量化指标" // how the reader knows the section title
	tplIndHeaderName      = "指标名称"
	tplIndHeaderTarget    = "全年目标"
	tplIndHeaderBefore    = "截至上月累计"
	tplIndHeaderCount     = "本月完成数"
	tplIndHeaderUnit      = "计量单位"
	tplCountMax           = 999
	tplCountErrorTitle    = "本月完成数填写有误"
	tplCountErrorMessage  = "请填写0—999之间的整数，本月没有请填0。"
	tplCountPromptMessage = "请填写本月完成的数量（整数），没有请填0。"
)

// tplIndicatorHeaders is the header row of the indicator section, over the
// columns A… of the task table.
var tplIndicatorHeaders = []string{
	HeaderSeq, HeaderTaskID, tplIndHeaderName, tplIndHeaderTarget, tplIndHeaderBefore,
	tplIndHeaderCount, tplIndHeaderUnit,
}

// tplIndicatorCountCol is the 1-based column of 本月完成数.
const tplIndicatorCountCol = 6

// tplIndicatorRows places the indicator section below the task table,
// after one blank row: its title row, header row and first indicator row.
func tplIndicatorRows(lastTaskRow int) (title, header, first int) {
	return lastTaskRow + 2, lastTaskRow + 3, lastTaskRow + 4
}
