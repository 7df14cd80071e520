package reader

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Problem kinds: stable, machine-readable names of what is wrong.
const (
	// The file itself.
	KindEmptyFile     = "empty_file"
	KindFileTooLarge  = "file_too_large"
	KindUnzipTooLarge = "unzip_too_large"
	KindLegacyXLS     = "legacy_xls"   // old .xls or WPS .et
	KindEncrypted     = "encrypted"    // password to open
	KindODS           = "ods"          // OpenDocument spreadsheet
	KindMacro         = "macro"        // .xlsm
	KindNotWorkbook   = "not_workbook" // a zip that is no spreadsheet
	KindNotXLSX       = "not_xlsx"     // a picture, a PDF, anything else
	KindCorrupt       = "corrupt"      // a broken or truncated zip
	KindUnreadable    = "unreadable"   // the spreadsheet library gave up

	// The workbook's structure.
	KindNotTemplate    = "not_template"
	KindColumnMissing  = "column_missing"
	KindRowWithoutTask = "row_without_task"
	KindTooManyRows    = "too_many_rows"

	// Which template it is.
	KindMetaMissing  = "meta_missing"
	KindMetaVersion  = "meta_version"
	KindTokenInvalid = "token_invalid"
	KindWrongPlan    = "wrong_plan"
	KindWrongPeriod  = "wrong_period"
	KindWrongUnit    = "wrong_unit"

	// Tasks and cells.
	KindTaskMissing    = "task_missing"
	KindTaskUnknown    = "task_unknown"
	KindTaskDuplicate  = "task_duplicate"
	KindProgressEmpty  = "progress_empty"
	KindStatusEmpty    = "status_empty"
	KindStatusInvalid  = "status_invalid"
	KindContactMissing = "contact_missing"
	KindPhoneMissing   = "phone_missing"
	KindPhoneInvalid   = "phone_invalid"
	KindTextTooLong    = "text_too_long"
	KindControlChars   = "control_chars"

	// The extension request (申请延期至 / 延期理由).
	KindExtensionDateInvalid = "extension_date_invalid" // blank or not a date
	KindExtensionTooEarly    = "extension_too_early"    // not after the deadline day
	KindExtensionTooFar      = "extension_too_far"      // more than ExtensionMaxDays after it
	KindExtensionReasonEmpty = "extension_reason_empty"

	// The indicator section (量化指标).
	KindCountEmpty     = "count_empty"     // 本月完成数 blank
	KindCountInvalid   = "count_invalid"   // not a whole number 0–999
	KindCountUnknown   = "count_unknown"   // a row that is none of the unit's indicators
	KindCountMissing   = "count_missing"   // an expected indicator has no row
	KindCountDuplicate = "count_duplicate" // an indicator has two rows
	KindBeforeEmpty    = "before_empty"    // an asked 截至上月累计 blank
	KindBeforeInvalid  = "before_invalid"  // not a whole number 0–BeforeMax

	// Warnings (see Warnings): the workbook is accepted, the unit is told.
	KindStepBack = "status_step_back" // 已完成 in the last report, not now
)

// Expectation is what a returned workbook must match: the template the unit
// was sent for this period.
type Expectation struct {
	PlanTitle string
	Period    plan.Period
	Unit      plan.Unit
	Tasks     []plan.Task // the unit's tasks, closed ones included
	Secret    []byte
	Limits    reports.Limits
	// UnitNames optionally maps unit ids to names, so that a unit that sent
	// another unit's template is told whose it is.
	UnitNames map[string]string

	// Deadline is the period's deadline day (midnight, schedule location):
	// an extension must ask for a later day, at most ExtensionMaxDays
	// later. Zero skips those two checks.
	Deadline time.Time
	// Closed holds the unit's closed tasks (销号), by task id. Their rows
	// are not checked, and may be missing. Check does not drop their
	// answers: the caller keeps OpenAnswers, not Answers.
	Closed map[string]reports.Closure
	// Indicators are the indicators of the unit's open tasks: each must
	// have a row in the indicator section with this month's count.
	Indicators []plan.Indicator
	// AskBefore are the indicators (of Indicators) whose total before the
	// period (截至上月累计) the template asked for (reports.AskBefore): each
	// must hold a whole number from 0 to reports.BeforeMax.
	AskBefore []plan.Indicator

	// TaskNumbers holds the plan's number of each task (plan.TaskNumber),
	// by task id: messages name a task as the template shows it (第4项任务);
	// by its id when it has none.
	TaskNumbers map[string]int
	// Previous holds the statuses of the unit's last accepted report of an
	// earlier period of the plan year, by task id, and PreviousPeriod that
	// period: a task reported 已完成 there and not now is warned about (see
	// Warnings).
	Previous       map[string]plan.Status
	PreviousPeriod plan.Period
}

// taskName names a task in a message the way the template shows it:
// 第4项任务（优化轨道交通布局）, or 任务 T04（优化轨道交通布局） when the
// plan's number is not known.
func (exp Expectation) taskName(t plan.Task) string {
	if n := exp.TaskNumbers[t.ID]; n > 0 {
		return fmt.Sprintf("第%d项任务（%s）", n, t.Title)
	}
	return fmt.Sprintf("任务 %s（%s）", t.ID, t.Title)
}

// taskNameOf is taskName of the expected task with the given id; the id
// alone for a task not expected.
func (exp Expectation) taskNameOf(id string) string {
	for _, t := range exp.Tasks {
		if t.ID == id {
			return exp.taskName(t)
		}
	}
	return "任务 " + id
}

// ExtensionMaxDays is how far past the deadline day a unit may ask to
// report.
const ExtensionMaxDays = 60

// ckMinPhoneDigits is how many digits a phone number has at least: a local
// fixed-line number without area code.
const ckMinPhoneDigits = 7

// Check validates a parsed workbook against the expectation and returns
// every problem, the parse problems included, ordered by row then column
// (problems about no cell first). It does not modify r.
//
// A file that is not this period's template for this unit (no metadata, an
// unknown version, a bad token, another plan, period or unit) gets only
// those problems: the unit has to start again from the right template, and
// cell-by-cell remarks on the wrong one would only confuse.
//
// A workbook that only asks for more time (see Returned.RequestOnly) is not
// told that its answers and counts are blank; its contact and request are
// checked, as is anything it did write.
func Check(r *Returned, exp Expectation) []reports.Problem {
	out := slices.Clone(r.Problems)
	if r.Fatal {
		return out
	}
	if ps := ckIdentity(r, exp); len(ps) > 0 {
		return ckSort(append(out, ps...))
	}
	lim := limits(exp.Limits)
	// A unit only asking for time is not told to fill in what it will
	// report later; whatever it did write is still checked.
	requestOnly := r.RequestOnly()
	out = append(out, ckContact(r, lim)...)
	out = append(out, ckExtension(r, exp, lim)...)
	out = append(out, ckTasks(r, exp, lim, requestOnly)...)
	out = append(out, ckCounts(r, exp, requestOnly)...)
	return ckSort(out)
}

// ckIdentity checks the hidden metadata: that this is a duban template,
// unaltered, for the expected plan, period and unit.
func ckIdentity(r *Returned, exp Expectation) []reports.Problem {
	const redo = "请使用本期通知邮件附带的模板重新填写后发送。"
	m := r.Meta
	switch {
	case !r.HasMeta:
		// The message does not name the sheet: units read it, and its name
		// is the program's (issue 14, item 5).
		return []reports.Problem{{Kind: KindMetaMissing, Message: "隐藏的校验工作表缺失，无法确认这是哪个单位、哪一期的模板" +
			"（可能复制到了新的工作簿，或删除了隐藏表）。" + redo}}
	case !slices.Contains(reports.TemplateVersions, m.Version) && m.Version != "": // an empty one fails the token check
		return []reports.Problem{{Kind: KindMetaVersion, Message: fmt.Sprintf(
			"模板版本“%s”不是本系统当前使用的版本。%s", m.Version, redo)}}
	case !m.Valid(exp.Secret):
		return []reports.Problem{{Kind: KindTokenInvalid, Message: "模板校验失败：隐藏的校验工作表被修改过，或不是报送通知邮件附带的模板。" + redo}}
	}
	var out []reports.Problem
	if m.Plan != exp.PlanTitle {
		out = append(out, reports.Problem{Kind: KindWrongPlan, Message: fmt.Sprintf(
			"这是“%s”的模板，本期填报的是“%s”。%s", m.Plan, exp.PlanTitle, redo)})
	}
	if m.Period != exp.Period.String() {
		label := m.Period
		if p, err := plan.ParsePeriod(m.Period); err == nil {
			label = p.Label()
		}
		out = append(out, reports.Problem{Kind: KindWrongPeriod, Message: fmt.Sprintf(
			"这是 %s 的模板，本期是 %s，请使用本期邮件附带的模板填写后重新发送。", label, exp.Period.Label())})
	}
	if m.Unit != exp.Unit.ID {
		other := m.Unit
		if name, ok := exp.UnitNames[m.Unit]; ok {
			other = name
		}
		out = append(out, reports.Problem{Kind: KindWrongUnit, Message: fmt.Sprintf(
			"这是%s的模板，不是%s的模板。请使用发给%s的模板填写后重新发送。", other, exp.Unit.Name, exp.Unit.Name)})
	}
	return out
}

// ckContact checks 填报人 (联系人), 联系电话 and 审核人.
func ckContact(r *Returned, lim reports.Limits) []reports.Problem {
	var out []reports.Problem
	if r.Contact == "" {
		out = append(out, reports.Problem{Cell: r.ContactCell, Kind: KindContactMissing,
			Message: "“填报人”（联系人）未填写，请填写本次报送的联系人姓名。"})
	} else {
		out = append(out, ckText(r.Contact, "“联系人”", r.ContactCell, "", lim)...)
	}
	switch {
	case r.Phone == "":
		out = append(out, reports.Problem{Cell: r.PhoneCell, Kind: KindPhoneMissing,
			Message: "“联系电话”未填写，请填写联系人的电话号码。"})
	case !ckPhone(r.Phone):
		out = append(out, reports.Problem{Cell: r.PhoneCell, Kind: KindPhoneInvalid, Message: fmt.Sprintf(
			"“联系电话”填写为“%s”，不是有效的电话号码。请填写固定电话或手机号码（至少 %d 位数字），例如 0571-12345678 或 13800000000。",
			ckQuote(r.Phone), ckMinPhoneDigits)})
	default:
		out = append(out, ckText(r.Phone, "“联系电话”", r.PhoneCell, "", lim)...)
	}
	// 审核人 is optional; 填报日期 is not checked: neither is recorded.
	return append(out, ckText(r.Reviewer, "“审核人”", r.ReviewerCell, "", lim)...)
}

// ckPhone accepts one or more phone numbers: at least ckMinPhoneDigits
// digits, with the separators people write (spaces, -, +, parentheses,
// 转 / 分机 / ext for an extension, and / 、 , ; between numbers).
func ckPhone(s string) bool {
	digits := 0
	rest := strings.ToLower(s)
	for _, word := range []string{"分机", "转", "ext.", "ext"} {
		rest = strings.ReplaceAll(rest, word, " ")
	}
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= '０' && r <= '９': // full-width digits, as typed by a Chinese IME
			digits++
		case unicode.IsSpace(r), strings.ContainsRune("-–—－+＋()（）/／、,，;；.", r):
		default:
			return false
		}
	}
	return digits >= ckMinPhoneDigits
}

// ckTasks checks that every expected task is present once and nothing else,
// and each task row's cells. Closed tasks' rows are skipped, and may be
// missing; with requestOnly, blank answer cells are not reported.
func ckTasks(r *Returned, exp Expectation, lim reports.Limits, requestOnly bool) []reports.Problem {
	var out []reports.Problem
	want := make(map[string]plan.Task, len(exp.Tasks))
	for _, t := range exp.Tasks {
		want[t.ID] = t
	}
	seen := map[string]int{} // task id → line of its first row
	for _, row := range r.Rows {
		id := row.Answer.TaskID
		if _, closed := exp.Closed[id]; closed {
			continue
		}
		idCell := row.Cells[reports.HeaderTaskID]
		t, ok := want[id]
		if !ok {
			out = append(out, reports.Problem{Cell: idCell, TaskID: id, Kind: KindTaskUnknown, Message: fmt.Sprintf(
				"第 %d 行的任务编号“%s”不是本单位本期的任务。请不要修改任务编号或增加任务行，使用本期模板重新填写。",
				row.Line, ckQuote(id))})
			continue
		}
		if first, dup := seen[id]; dup {
			out = append(out, reports.Problem{Cell: idCell, TaskID: id, Kind: KindTaskDuplicate, Message: fmt.Sprintf(
				"%s出现了两次（第 %d 行和第 %d 行）。请删除重复的行，每个任务只保留一行。", exp.taskName(t), first, row.Line)})
			continue
		}
		seen[id] = row.Line
		out = append(out, ckRow(row, t, exp.taskName(t), lim, requestOnly)...)
	}
	for _, t := range exp.Tasks {
		if _, closed := exp.Closed[t.ID]; closed {
			continue
		}
		if _, ok := seen[t.ID]; !ok {
			out = append(out, reports.Problem{TaskID: t.ID, Kind: KindTaskMissing, Message: exp.taskName(t) +
				"缺失，请勿删除任务行。请使用本期模板重新填写，或补回该任务行后重新发送。"})
		}
	}
	return out
}

// ckRow checks one task row's answer cells; name is the task's as
// messages give it. A column missing from the header was reported by the
// reader and is not checked again here.
//
// 完成状态 must be exactly one of the four statuses once surrounding spaces
// (ASCII and full-width) are trimmed. Synonyms such as 完成 or 进行中 are
// rejected rather than mapped: the dropdown offers the four values, a
// guessed mapping (is 进行中 序时推进 or 滞后?) would put words in the unit's
// mouth, and the message lists the four so the fix takes a second.
func ckRow(row Row, t plan.Task, name string, lim reports.Limits, requestOnly bool) []reports.Problem {
	var out []reports.Problem
	a := row.Answer
	task := name + "的"
	if cell, ok := row.Cells[reports.HeaderProgress]; ok {
		if a.Progress == "" && !requestOnly {
			out = append(out, reports.Problem{Cell: cell, TaskID: t.ID, Kind: KindProgressEmpty,
				Message: task + "“本月进展”未填写，请填写本月的工作进展。"})
		}
		out = append(out, ckText(a.Progress, task+"“本月进展”", cell, t.ID, lim)...)
	}
	if cell, ok := row.Cells[reports.HeaderStatus]; ok {
		switch {
		case a.Status == "" && requestOnly:
		case a.Status == "":
			out = append(out, reports.Problem{Cell: cell, TaskID: t.ID, Kind: KindStatusEmpty,
				Message: task + "“完成状态”未选择，" + reports.StatusChoice() + "。"})
		case !a.Status.Valid():
			out = append(out, reports.Problem{Cell: cell, TaskID: t.ID, Kind: KindStatusInvalid, Message: fmt.Sprintf(
				"%s“完成状态”填写为“%s”，不是规定的选项。%s。", task, ckQuote(string(a.Status)), reports.StatusChoice())})
		}
	}
	for _, c := range []struct{ header, text string }{
		{reports.HeaderIssues, a.Issues}, {reports.HeaderNextSteps, a.NextSteps},
	} {
		if cell, ok := row.Cells[c.header]; ok {
			out = append(out, ckText(c.text, task+"“"+c.header+"”", cell, t.ID, lim)...)
		}
	}
	return out
}

// ckText checks a free-text cell's length and characters.
func ckText(s, what, cell, taskID string, lim reports.Limits) []reports.Problem {
	var out []reports.Problem
	if n := utf8.RuneCountInString(s); n > lim.MaxTextChars {
		out = append(out, reports.Problem{Cell: cell, TaskID: taskID, Kind: KindTextTooLong, Message: fmt.Sprintf(
			"%s共 %d 字，超过了每格 %d 字的上限。请精简到 %d 字以内后重新发送。", what, n, lim.MaxTextChars, lim.MaxTextChars)})
	}
	if strings.ContainsFunc(s, ckIsControl) {
		out = append(out, reports.Problem{Cell: cell, TaskID: taskID, Kind: KindControlChars, Message: what +
			"含有无法识别的控制字符（通常来自从其他系统复制的文字）。请删除该单元格内容后重新输入，再发送。"})
	}
	return out
}

// ckIsControl reports control characters other than line feed and tab.
func ckIsControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}

// ckQuote shortens and cleans a unit's text for quoting in a message.
func ckQuote(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// ckSort orders problems by row, then column; problems about no cell come
// first, in the order they were found.
func ckSort(ps []reports.Problem) []reports.Problem {
	slices.SortStableFunc(ps, func(a, b reports.Problem) int {
		ac, ar := ckCoords(a.Cell)
		bc, br := ckCoords(b.Cell)
		return cmp.Or(cmp.Compare(ar, br), cmp.Compare(ac, bc))
	})
	return ps
}

func ckCoords(cell string) (col, row int) {
	if cell == "" {
		return 0, 0
	}
	col, row, err := excelize.CellNameToCoordinates(cell)
	if err != nil {
		return 0, 0
	}
	return col, row
}
