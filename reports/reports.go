// Package reports is what duban's workbook packages share: the types of
// their inputs and results, the unit template's layout (sheets, headers,
// cells, metadata keys), the fonts, and the signing of the metadata. A
// package a job does the work: reports/template writes a unit's pre-filled
// template, reports/reader reads and checks the workbook a unit sends back,
// reports/compile writes the consolidated monthly workbook. None of them
// knows anything of mail or of the ledger.
package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/plan"
)

// TemplateVersion is written into every template's metadata sheet; the reader
// refuses templates of an unknown version (see TemplateVersions).
//
// Version 2 is the form an office would print: the plan's numbering with
// the task keys in a hidden column, category rows, 配合单位, and the foot
// (填报人, 审核人, 填报日期, 联系电话) below the tables.
const TemplateVersion = "2"

// TemplateVersions are the versions the reader accepts: the current one,
// and version 1, the layout of the previous release (contact and phone
// above the table, task keys shown), which units may still send back for
// the period it was sent for. The reader finds everything by its labels,
// so both read alike.
var TemplateVersions = []string{"1", TemplateVersion}

// Sheet names.
const (
	SheetForm = "填报表"    // the sheet a unit fills in
	SheetMeta = "_duban" // hidden: version, plan, period, unit, token
)

// Header labels of the unit template, in order. The reader finds columns by
// these texts, not by position.
const (
	HeaderSeq       = "序号" // the plan's number of the task (plan.TaskNumber)
	HeaderTitle     = "重点任务"
	HeaderReq       = "工作要求"
	HeaderCoUnits   = "配合单位"
	HeaderPrevious  = "上月进展"
	HeaderProgress  = "本月进展"
	HeaderStatus    = "完成状态"
	HeaderIssues    = "存在问题"
	HeaderNextSteps = "下步计划"
	HeaderTaskID    = "任务编号" // the task's key (T04), in a hidden column
)

// TemplateHeaders is the header row of the unit template, from column A:
// the visible columns (VisibleHeaders), then the hidden column of task keys.
var TemplateHeaders = []string{
	HeaderSeq, HeaderTitle, HeaderReq, HeaderCoUnits, HeaderPrevious,
	HeaderProgress, HeaderStatus, HeaderIssues, HeaderNextSteps, HeaderTaskID,
}

// VisibleHeaders are the header labels a unit sees, A to LastCol.
var VisibleHeaders = TemplateHeaders[:len(TemplateHeaders)-1]

// FontCJK is set explicitly on every workbook we write: the default Calibri
// falls back to different CJK fonts in Excel, WPS and LibreOffice.
const FontCJK = "宋体"

// TemplateInput is everything a unit's template shows.
type TemplateInput struct {
	Office   string     // the workbook's author, as its properties show; may be ""
	Plan     *plan.Plan // title and year
	Period   plan.Period
	Unit     plan.Unit
	Tasks    []plan.Task // the unit's tasks, in plan order
	Deadline time.Time   // the deadline day (midnight, schedule location)
	// Previous holds the unit's last accepted answers, by task id; their
	// Progress is carried forward into 上月进展.
	Previous map[string]plan.Answer
	Secret   []byte // signs the metadata token
	// Closed holds the unit's tasks closed out (销号) before this period, by
	// task id: they are shown locked, marked closed, and not asked.
	Closed map[string]Closure
	// Indicators are the quantified targets of the unit's open tasks, with
	// the year-to-date total before this period: the template asks for
	// this month's count of each.
	Indicators []IndicatorLine
	// Contact and Phone pre-fill 填报人 and 联系电话 at the foot: the unit's
	// last accepted report's, or its first configured contact (no phone).
	Contact, Phone string
}

// Closure is a task's close-out (销号): the office confirmed it done.
type Closure struct {
	Period plan.Period // the period whose 已完成 report it confirmed
	Note   string
	At     time.Time
}

// IndicatorLine is one indicator with its year-to-date total before the
// period a template or workbook is for.
type IndicatorLine struct {
	Indicator plan.Indicator
	Before    int // the total of the plan year's earlier periods
	// Ask: the unit has no earlier report of the plan year with the
	// indicator, so the template asks it for the total before the period
	// (截至上月累计, an input cell) instead of showing Before.
	Ask bool
}

// ExtensionRequest is a unit's request for more time (延期申请), read from
// the cells of its returned workbook.
type ExtensionRequest struct {
	UntilText string    // as written
	Until     time.Time // parsed (midnight, in the deadline's location); zero when unreadable
	Reason    string
}

// Requested reports whether the unit wrote anything in the request cells.
func (e ExtensionRequest) Requested() bool { return e.UntilText != "" || e.Reason != "" }

// UntilIn returns the date asked for at midnight in loc (the schedule's
// location); zero when the date was unreadable.
func (e ExtensionRequest) UntilIn(loc *time.Location) time.Time {
	if e.Until.IsZero() {
		return time.Time{}
	}
	y, m, d := e.Until.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Meta is what the hidden metadata sheet carries.
type Meta struct {
	Version string
	Plan    string // plan title
	Period  string // YYYY-MM
	Unit    string // unit id
	Token   string // Sign(secret, …) of the fields above
}

// Problem is one thing wrong with a returned workbook, addressed to the unit.
type Problem struct {
	Cell    string // e.g. "G7"; empty when not about one cell
	TaskID  string // empty when not about one task
	Kind    string // stable, machine-readable: "status_invalid", "not_xlsx", …
	Message string // plain Chinese, says what to do
}

// Limits bound what the reader accepts and what it may hold in memory while
// reading a workbook that anyone can send. A field that is zero (or
// negative) takes its default: see DefaultLimits and Limits.WithDefaults.
type Limits struct {
	MaxFileBytes int64 // the workbook file itself (default 10 MiB)
	// MaxUnzipBytes bounds all parts of the zip, uncompressed, as the zip
	// directory declares them, and the XML the reader reads from them in
	// all (default 64 MiB).
	MaxUnzipBytes int64
	MaxTextChars  int // one text cell, in characters (default 2000)

	// The area read: columns 1..MaxColumns and rows 1..MaxRows of a sheet.
	// Cells outside it are never kept; a non-empty one is only counted,
	// and the table's sheet with more than MaxCellsOutside of them is
	// refused (KindOutsideTable).
	MaxRows         int // default 5000
	MaxColumns      int // default 32 (column AF)
	MaxCellsOutside int // default 20

	// Bounds of each XML part read (worksheets, shared strings, workbook,
	// relationships); a part beyond any of them refuses the workbook
	// (KindTooComplex).
	MaxXMLDepth    int   // element nesting (default 32)
	MaxXMLElements int   // elements in one part (default 1,000,000)
	MaxPartBytes   int64 // one part, uncompressed (default 16 MiB, at most MaxUnzipBytes)

	// MaxSharedStrings bounds the entries of the shared-string table
	// (default 100,000). MaxTextBytes bounds the text the reader keeps, in
	// bytes (default 32 MiB): the shared-string table, and the text of
	// every cell read inside the area, inline or shared (a shared string
	// counts once for each cell that shows it), formulas included. Both
	// refuse the workbook beyond them (KindTooComplex).
	MaxSharedStrings int
	MaxTextBytes     int64
}

// DefaultLimits are the limits used for any Limits field left at zero.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes: 10 << 20, MaxUnzipBytes: 64 << 20, MaxTextChars: 2000,
		MaxRows: 5000, MaxColumns: 32, MaxCellsOutside: 20,
		MaxXMLDepth: 32, MaxXMLElements: 1_000_000, MaxPartBytes: 16 << 20,
		MaxSharedStrings: 100_000, MaxTextBytes: 32 << 20,
	}
}

// WithDefaults returns l with every field that is zero or negative set to
// its default (DefaultLimits): the limits a reader applies. MaxPartBytes
// defaults to 16 MiB or MaxUnzipBytes, whichever is smaller.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	set64(&l.MaxFileBytes, d.MaxFileBytes)
	set64(&l.MaxUnzipBytes, d.MaxUnzipBytes)
	set(&l.MaxTextChars, d.MaxTextChars)
	set(&l.MaxRows, d.MaxRows)
	set(&l.MaxColumns, d.MaxColumns)
	set(&l.MaxCellsOutside, d.MaxCellsOutside)
	set(&l.MaxXMLDepth, d.MaxXMLDepth)
	set(&l.MaxXMLElements, d.MaxXMLElements)
	set64(&l.MaxPartBytes, min(d.MaxPartBytes, l.MaxUnzipBytes))
	set(&l.MaxSharedStrings, d.MaxSharedStrings)
	set64(&l.MaxTextBytes, d.MaxTextBytes)
	return l
}

// Compiled-workbook input.

// SubmissionState is where a unit stands for a period.
type SubmissionState string

const (
	StateMissing   SubmissionState = "missing"   // nothing accepted yet
	StateSubmitted SubmissionState = "submitted" // accepted, on time
	StateLate      SubmissionState = "late"      // accepted after the deadline
	StateRejected  SubmissionState = "rejected"  // only rejected files so far
)

// UnitReport is one lead unit's standing for the period.
type UnitReport struct {
	Unit        plan.Unit
	State       SubmissionState
	SubmittedAt time.Time // latest accepted submission; zero if none
	Versions    int       // accepted submissions so far
	Rejected    int       // rejected submissions so far
	Contact     string
	Phone       string
	Answers     map[string]plan.Answer // latest accepted answers, by task id
	// Extension is the period's extension (延期) of this unit: asked for,
	// granted or refused. Zero when none was asked for or granted.
	Extension Extension
}

// Accepted reports whether the unit has an accepted report for the period.
func (r *UnitReport) Accepted() bool { return r.State == StateSubmitted || r.State == StateLate }

// Extension is a unit's extension for a period: its request, and the
// office's decision.
type Extension struct {
	Requested time.Time // the date asked for; zero when the office granted one unasked
	Reason    string
	Decision  ExtensionDecision
	Until     time.Time // the new deadline day when granted
	Note      string    // the office's note on its decision
}

// ExtensionDecision is the office's answer to an extension request.
type ExtensionDecision string

const (
	ExtensionPending ExtensionDecision = ""        // asked, not decided yet
	ExtensionGranted ExtensionDecision = "granted" // 同意延期
	ExtensionRefused ExtensionDecision = "refused" // 不同意延期
)

// Any reports whether there is an extension to show.
func (e Extension) Any() bool { return !e.Requested.IsZero() || e.Decision != ExtensionPending }

// YearView is the plan year up to a period, month by month: what the year
// at a glance shows and the charts draw.
type YearView struct {
	Months []plan.Period // the plan year's periods up to and including the compiled one
	// Deadlines holds each month's deadline day (parallel to Months): a
	// month whose deadline day is not over at GeneratedAt is not counted or
	// coloured yet. Without them, every month before the compiled one counts.
	Deadlines []time.Time
	// Tasks holds, by task id, the progress colour of each month (parallel
	// to Months); Statuses the status reported (empty when none).
	Tasks    map[string][]plan.Color
	Statuses map[string][]plan.Status
	// Units holds, by unit id, the timeliness colour of each month and the
	// submission state behind it.
	Units  map[string][]plan.Color
	States map[string][]SubmissionState
}

// IndicatorProgress is an indicator's standing at the compiled period.
type IndicatorProgress struct {
	Indicator  plan.Indicator
	ThisMonth  int
	Reported   bool // this month's count was reported
	YearToDate int  // this period included
	Expected   int  // where the pro-rata pace puts it (plan.IndicatorExpected)
	Color      plan.Color
}

// CompileInput is everything the consolidated workbook shows.
type CompileInput struct {
	Office      string // the workbook's author, as its properties show; may be ""
	Plan        *plan.Plan
	Period      plan.Period
	Deadline    time.Time // the deadline day
	GeneratedAt time.Time
	Version     int          // v1, v2, … of this period's compiled workbook
	Units       []UnitReport // every lead unit, in plan order

	// Timeliness is each unit's timeliness colour (蓝/黄/红) at GeneratedAt,
	// by unit id; Progress each task's progress colour (绿/黄/红, its
	// indicators included), by task id. A missing entry has no colour.
	Timeliness map[string]plan.Color
	Progress   map[string]plan.Color
	// Reasons holds, by task id, why its Progress colour was given, in words
	// (plan.Warning): 连续2个月报告滞后.
	Reasons map[string]string
	// Chases holds, by unit id, the chase and overdue notices (催报) sent or
	// queued to the unit for the period.
	Chases map[string]int
	// Previous holds each task's answer in the period before (same plan
	// year), by task id: the month-over-month sheet compares with it.
	Previous map[string]plan.Answer
	// Closed holds the tasks closed out (销号) by this period, by task id.
	Closed map[string]Closure
	// Year is the plan year so far, for the year at a glance and the charts.
	Year YearView
	// Indicators are the quantified targets, in configured order.
	Indicators []IndicatorProgress
}

// NoIssue reports whether a 存在问题 text says there is none (无, 暂无, …):
// units often write 无 rather than leave the cell empty, and such answers
// are left out of every list of problems.
func NoIssue(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "。.．；;！! ")
	switch s {
	case "", "无", "暂无", "没有", "无问题", "暂无问题", "暂无明显问题":
		return true
	}
	return false
}

// SizeText writes a byte count for people, in Chinese text: 12.3 MB,
// 850 KB, 312 字节.
func SizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// Label is the state in the office's words, as the workbooks, the desk and
// the command line show it: 按时报送, 逾期报送, 退回待改, 未报送.
func (s SubmissionState) Label() string {
	switch s {
	case StateSubmitted:
		return "按时报送"
	case StateLate:
		return "逾期报送"
	case StateRejected:
		return "退回待改"
	}
	return "未报送"
}
