// Package reports builds and reads every workbook duban deals with: a unit's
// pre-filled template, the workbook a unit sends back, and the consolidated
// monthly workbook. It knows nothing of mail or of the ledger.
package reports

import (
	"time"

	"github.com/duban/duban/plan"
)

// TemplateVersion is written into every template's metadata sheet; the reader
// refuses templates of an unknown version.
const TemplateVersion = "1"

// Sheet names.
const (
	SheetForm = "填报表"    // the sheet a unit fills in
	SheetMeta = "_duban" // hidden: version, plan, period, unit, token
)

// Header labels of the unit template, in order. The reader finds columns by
// these texts, not by position.
const (
	HeaderSeq       = "序号"
	HeaderTaskID    = "任务编号"
	HeaderTitle     = "重点任务"
	HeaderReq       = "工作要求"
	HeaderPrevious  = "上月进展"
	HeaderProgress  = "本月进展"
	HeaderStatus    = "完成状态"
	HeaderIssues    = "存在问题"
	HeaderNextSteps = "下步计划"
)

// TemplateHeaders is the header row of the unit template.
var TemplateHeaders = []string{
	HeaderSeq, HeaderTaskID, HeaderTitle, HeaderReq, HeaderPrevious,
	HeaderProgress, HeaderStatus, HeaderIssues, HeaderNextSteps,
}

// FontCJK is set explicitly on every workbook we write: the default Calibri
// falls back to different CJK fonts in Excel, WPS and LibreOffice.
const FontCJK = "宋体"

// TemplateInput is everything a unit's template shows.
type TemplateInput struct {
	Plan     *plan.Plan // title and year
	Period   plan.Period
	Unit     plan.Unit
	Tasks    []plan.Task // the unit's tasks, in plan order
	Deadline time.Time   // the deadline day (midnight, schedule location)
	// Previous holds the unit's last accepted answers, by task id; their
	// Progress is carried forward into 上月进展.
	Previous map[string]plan.Answer
	Secret   []byte // signs the metadata token
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

// Limits bound what the reader accepts.
type Limits struct {
	MaxFileBytes  int64 // the workbook file itself
	MaxUnzipBytes int64 // all parts of the zip, uncompressed
	MaxTextChars  int   // one text cell, in characters
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
}

// CompileInput is everything the consolidated workbook shows.
type CompileInput struct {
	Plan        *plan.Plan
	Period      plan.Period
	Deadline    time.Time // the deadline day
	GeneratedAt time.Time
	Version     int          // v1, v2, … of this period's compiled workbook
	Units       []UnitReport // every lead unit, in plan order
}
