// Package reader reads the workbook a unit sends back, within bounds, and
// checks it against what was expected; Fill and FillExtensionRequest play
// a unit filling in its template, finding the cells as the reader does.
package reader

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Returned is what a unit's returned workbook says, as read: its metadata,
// contact, and one row per task row in sheet order. It is not validated:
// Check compares it with what was expected.
type Returned struct {
	Meta     reports.Meta
	HasMeta  bool   // the hidden metadata sheet was present
	Contact  string // 填报人 (联系人 in a version 1 template)
	Phone    string // 联系电话
	Reviewer string // 审核人: optional
	// DateText is 填报日期 as written (a date cell reads as YYYY-MM-DD),
	// Date the day it names (midnight UTC), zero when blank or unreadable:
	// optional, and not checked.
	DateText string
	Date     time.Time
	Rows     []Row             // task rows in sheet order
	Problems []reports.Problem // format/structure problems found while parsing
	Fatal    bool              // the file could not be read as a duban template at all

	Sheet string // the sheet the task table was read from
	// ContactCell and PhoneCell are where the contact and phone were read
	// from, or where they belong when left empty; "" when the labels
	// (填报人 or 联系人 / 联系电话) were not found. The contact and phone
	// are at the foot of the form since template version 2, above the
	// table before; they are found by their labels wherever they are.
	// ReviewerCell and DateCell are where 审核人 and 填报日期 were read
	// from; "" when blank (unless located for Fill) or not found.
	ContactCell  string
	PhoneCell    string
	ReviewerCell string
	DateCell     string

	// Extension is the unit's request for more time, read from the cells
	// labelled 申请延期至 and 延期理由; zero when both are blank. A cell
	// holding only a placeholder such as 无 or / counts as blank, and a
	// date cell (an Excel serial number) reads as YYYY-MM-DD. Until is
	// midnight UTC of the date asked for, read with the period of the
	// workbook's metadata for a date written without a year; use UntilIn
	// for the date in the schedule's location.
	Extension reports.ExtensionRequest
	// ExtensionCell and ReasonCell are where the date and the reason were
	// read from, or where they belong when left empty and the other one is
	// filled in; "" when both are blank, or when the labels were not found
	// (a template from before extension requests).
	ExtensionCell string
	ReasonCell    string

	// Counts are the rows of the indicator section (量化指标), in sheet
	// order; empty when the workbook has none.
	Counts []CountRow
}

// Row is one task row of a returned workbook.
type Row struct {
	Line   int // 1-based row number in the sheet
	Answer plan.Answer
	Title  string // 重点任务, as found in the file
	// Cells gives this row's cell reference (e.g. "G7") for every template
	// column found in the header, keyed by header label (HeaderStatus …).
	Cells map[string]string
}

// Answers returns the answers of all task rows, in sheet order, closed
// tasks' rows included (see OpenAnswers). Each answer's Counts holds the
// indicator counts of its task that read as a whole number (0 included);
// a count left blank or unreadable is absent, and Counts is nil when the
// task has none.
func (r *Returned) Answers() []plan.Answer {
	out := make([]plan.Answer, 0, len(r.Rows))
	at := make(map[string]int, len(r.Rows)) // task id → index of its first row
	for _, row := range r.Rows {
		if _, dup := at[row.Answer.TaskID]; !dup {
			at[row.Answer.TaskID] = len(out)
		}
		out = append(out, row.Answer)
	}
	counts := map[int]map[string]int{} // fresh maps: r's are never written to
	for _, c := range r.Counts {
		n, ok := countValue(c.Value)
		i, found := at[c.TaskID]
		if !ok || !found || c.Name == "" {
			continue
		}
		m := counts[i]
		if m == nil {
			m = maps.Clone(out[i].Counts)
			if m == nil {
				m = map[string]int{}
			}
			counts[i] = m
		}
		if _, dup := m[c.Name]; !dup { // the first row of an indicator counts, as Check reads it
			m[c.Name] = n
		}
	}
	for i, m := range counts {
		out[i].Counts = m
	}
	return out
}

// OpenAnswers returns Answers without those of closed tasks: a closed
// task's row shows 已销号 and is not the unit's answer for the period.
func OpenAnswers(r *Returned, closed map[string]reports.Closure) []plan.Answer {
	all := r.Answers()
	out := all[:0]
	for _, a := range all {
		if _, ok := closed[a.TaskID]; !ok {
			out = append(out, a)
		}
	}
	return out
}

// limits fills the zero fields of l with the defaults.
func limits(l reports.Limits) reports.Limits { return l.WithDefaults() }

// Reading bounds.
const (
	headerScanRows = 30 // the header row must be among the first rows
	maxMetaLines   = 100
)

// The required columns: without them the answers cannot be read.
var requiredHeaders = []string{reports.HeaderTaskID, reports.HeaderProgress, reports.HeaderStatus, reports.HeaderIssues, reports.HeaderNextSteps}

// answerHeaders are the columns a unit fills in.
var answerHeaders = []string{reports.HeaderProgress, reports.HeaderStatus, reports.HeaderIssues, reports.HeaderNextSteps}

const msgUnreadable = "文件无法读取（可能已损坏，或由不兼容的软件生成）。" +
	"请在 Excel/WPS 中打开本期模板，填好后“另存为”Excel 工作簿（.xlsx）重新发送。"

// Problem kinds of workbooks beyond the reader's bounds (see Limits); the
// others are in check.go.
const (
	// KindOutsideTable: the table's sheet has more than MaxCellsOutside
	// non-empty cells outside the area (right of column MaxColumns or
	// below row MaxRows).
	KindOutsideTable = "outside_table"
	// KindTooComplex: an XML part of the workbook is too deep, has too
	// many elements, is too large, or the workbook holds too many shared
	// strings or too much text.
	KindTooComplex = "too_complex"
)

// Parse reads a returned workbook. It never fails: anything wrong with the
// file is a Problem, and a file that cannot be read as a duban template at
// all comes back with Fatal set. Cell texts are trimmed of surrounding white
// space (ASCII, full-width and zero-width) and line breaks are normalised
// to "\n"; otherwise they are kept exactly, and nothing is ever evaluated:
// a formula cell reads as its cached value, or as "=" and its formula text
// when it has none.
//
// The workbook is read as a stream, within lim: only the area of a sheet
// (lim.MaxRows × lim.MaxColumns) is kept, and a workbook beyond any bound
// of lim is refused with a fatal problem (KindOutsideTable,
// KindTooComplex), so that what any one file costs is bounded.
func Parse(data []byte, lim reports.Limits) (r *Returned) { return parse(data, lim, false) }

// parse is Parse; with allCells it also locates the extension request's
// cells when they are blank (what filling a template needs).
func parse(data []byte, lim reports.Limits, allCells bool) (r *Returned) {
	lim = limits(lim)
	if p := sniff(data, lim); p != nil {
		return fatal(*p)
	}
	// Workbooks come from everywhere: whatever slipped through is a file
	// that cannot be read, never a crash.
	defer func() {
		if v := recover(); v != nil {
			r = fatal(reports.Problem{Kind: KindUnreadable, Message: msgUnreadable})
		}
	}()
	b, err := openBook(data, &lim)
	if err != nil {
		if pr, ok := problemOf(err, lim); ok {
			return fatal(pr)
		}
		return fatal(reports.Problem{Kind: KindUnreadable, Message: msgUnreadable})
	}
	p := parser{b: b, lim: lim, r: &Returned{}, allCells: allCells,
		extras: &extras{formulas: map[cellPos]string{}, merges: map[cellPos]int{}}}
	p.parse()
	return p.r
}

func fatal(p reports.Problem) *Returned {
	return &Returned{Fatal: true, Problems: []reports.Problem{p}}
}

// parser reads one opened workbook into a Returned.
type parser struct {
	b      *book
	lim    reports.Limits
	r      *Returned
	extras *extras // formulas and merged ranges of the table's sheet
	// allCells: locate blank extension cells too (see parse).
	allCells bool
	aborted  bool // the workbook was refused while reading (p.r is that)
}

// abort refuses the workbook for a reading error that condemns it all
// (see problemOf); false when err is not one.
func (p *parser) abort(err error) bool {
	pr, ok := problemOf(err, p.lim)
	if ok {
		p.r, p.aborted = fatal(pr), true
	}
	return ok
}

// line is one non-blank row: its number and its cleaned cell texts, the
// first for column A.
type line struct {
	n     int
	cells []string
}

func (l line) cell(col int) string {
	if col < 1 || col > len(l.cells) {
		return ""
	}
	return l.cells[col-1]
}

// table is the sheet that holds the task table.
type table struct {
	sheet  string
	lines  []line
	header int            // index into lines
	cols   map[string]int // header label → 1-based column
}

func (p *parser) parse() {
	t, ok := p.findTable()
	if !ok {
		return
	}
	p.r.Sheet = t.sheet
	for _, h := range requiredHeaders {
		if _, ok := t.cols[h]; !ok {
			p.problem(reports.Problem{Kind: KindColumnMissing, Message: fmt.Sprintf(
				"表头中没有“%s”列。请不要删除或修改表头，使用本期模板重新填写后发送。", h)})
		}
	}
	if _, ok := t.cols[reports.HeaderTaskID]; !ok {
		p.r.Fatal = true // rows cannot be told apart without task ids
		return
	}
	p.readContact(t)
	p.readRows(t)
	p.readCounts(t)
	if p.readMeta(); p.aborted {
		return
	}
	p.readExtensionDate()
	p.readDate()
}

// findTable returns the sheet holding the task table: 填报表 when it has
// the header row, otherwise the first visible sheet that does.
func (p *parser) findTable() (table, bool) {
	var candidates []sheetRef
	for _, s := range p.b.sheets {
		if s.name == reports.SheetForm {
			candidates = append([]sheetRef{s}, candidates...)
			continue
		}
		if strings.EqualFold(s.name, reports.SheetMeta) {
			continue
		}
		if s.visible() {
			candidates = append(candidates, s)
		}
	}
	formUnreadable := false
	for _, s := range candidates {
		t, err := p.readTable(s)
		if err != nil {
			if p.abort(err) {
				return table{}, false
			}
			formUnreadable = formUnreadable || s.name == reports.SheetForm
			continue
		}
		if t.header >= 0 {
			return t, true
		}
	}
	if formUnreadable {
		p.fatal(reports.Problem{Kind: KindUnreadable, Message: msgUnreadable})
		return table{}, false
	}
	p.fatal(reports.Problem{Kind: KindNotTemplate, Message: "附件中没有找到填报表格（工作表“" + reports.SheetForm + "”及其表头“" +
		strings.Join(reports.VisibleHeaders, "、") + "”）。请使用本期通知邮件附带的模板填写，" +
		"不要另建表格或修改表头，填好后重新发送。"})
	return table{}, false
}

// readTable reads a sheet's non-blank lines in one pass over its XML. It
// stops early when no header row turns up among the first rows; once the
// header is found, the sheet is the table and is read to its end, formulas
// and merged ranges included, and cells outside the area are counted.
func (p *parser) readTable(s sheetRef) (table, error) {
	t := table{sheet: s.name, header: -1}
	sc := &sheetScan{stopAfter: headerScanRows, wantExtras: true}
	sc.onLine = func(l line) bool {
		t.lines = append(t.lines, l)
		if t.header < 0 {
			if cols := headerColumns(l); len(cols) >= 3 {
				t.header, t.cols = len(t.lines)-1, cols
				sc.stopAfter, sc.countOutside = 0, true
			}
		}
		return true
	}
	if err := p.b.scanSheet(s, sc); err != nil {
		return t, fmt.Errorf("reading sheet %s: %w", s.name, err)
	}
	if t.header >= 0 {
		p.extras = &sc.extras
	}
	return t, nil
}

// headerColumns finds the template's header labels in a row. A label
// matches when the cell, with every space and line break removed, equals it.
func headerColumns(l line) map[string]int {
	cols := map[string]int{}
	for i, c := range l.cells {
		key := squeeze(c)
		for _, h := range reports.TemplateHeaders {
			if key == h {
				if _, seen := cols[h]; !seen {
					cols[h] = i + 1
				}
			}
		}
	}
	return cols
}

// readContact finds the contact (填报人, or 联系人), 联系电话, 审核人,
// 填报日期 and the extension request (申请延期至, 延期理由) by their labels,
// above the header row and in the foot below the tables.
func (p *parser) readContact(t table) {
	fields := []struct {
		labels     []string // the template's label first, then what a unit may write instead
		value, ref *string
		// optional: where a blank value belongs is located only when the
		// request is partly filled in (a problem points there) or on
		// demand: in nearly every reply both cells are blank, and locating
		// them reads the sheet a second time.
		optional bool
		label    string // the label's cell, for locating a blank value later
	}{
		{labels: []string{reports.LabelContact, "联系人"}, value: &p.r.Contact, ref: &p.r.ContactCell},
		{labels: []string{reports.LabelPhone}, value: &p.r.Phone, ref: &p.r.PhoneCell},
		{labels: []string{"申请延期至", "延期至"}, value: &p.r.Extension.UntilText, ref: &p.r.ExtensionCell, optional: true},
		{labels: []string{"延期理由", "延期原因"}, value: &p.r.Extension.Reason, ref: &p.r.ReasonCell, optional: true},
		{labels: []string{reports.LabelReviewer}, value: &p.r.Reviewer, ref: &p.r.ReviewerCell, optional: true},
		{labels: []string{reports.LabelDate}, value: &p.r.DateText, ref: &p.r.DateCell, optional: true},
	}
	found := make([]bool, len(fields))
	for _, l := range labelLines(t) {
		for i := range l.cells {
			for k := range fields {
				fd := &fields[k]
				if found[k] {
					continue
				}
				for _, label := range fd.labels {
					if v, ref, ok := p.labelled(l, i, label, !fd.optional || p.allCells); ok {
						*fd.value, *fd.ref, found[k] = v, ref, true
						fd.label = reports.Cell(i+1, l.n)
						break
					}
				}
			}
		}
	}
	if p.r.Extension.UntilText != "" || p.r.Extension.Reason != "" {
		for _, fd := range fields[2:4] { // the request's date and reason
			if *fd.ref == "" && fd.label != "" {
				*fd.ref = p.cellAfter(fd.label)
			}
		}
	}
	p.r.Extension.UntilText = noPlaceholder(p.r.Extension.UntilText)
	p.r.Extension.Reason = noPlaceholder(p.r.Extension.Reason)
	p.r.Reviewer = noPlaceholder(p.r.Reviewer)
}

// labelLines are the lines that hold the form's labelled cells: those
// above the header row, and the foot, from its first line on (see isFoot).
// Task and indicator rows are never among them: a unit's text that
// starts like a label (联系人民群众…) is no label.
func labelLines(t table) []line {
	lines := t.lines[:t.header:t.header]
	for i := t.header + 1; i < len(t.lines); i++ {
		if isFoot(t.lines[i]) {
			return append(lines, t.lines[i:]...)
		}
	}
	return lines
}

// labelled reads the value of a label found at cell i of the line: either
// after the label in the same cell (联系人：张三), or in the next non-empty
// cell to its right, unless that cell is another label. The reference
// returned is the value's cell, or where the value belongs when empty (""
// unless locate is set).
func (p *parser) labelled(l line, i int, label string, locate bool) (value, ref string, ok bool) {
	rest, ok := afterLabel(l.cells[i], label)
	if !ok {
		return "", "", false
	}
	if rest != "" {
		return rest, reports.Cell(i+1, l.n), true
	}
	for j := i + 1; j < len(l.cells); j++ {
		if l.cells[j] == "" {
			continue
		}
		if isLabel(l.cells[j]) {
			break
		}
		return l.cells[j], reports.Cell(j+1, l.n), true
	}
	if !locate {
		return "", "", true
	}
	return "", p.cellAfter(reports.Cell(i+1, l.n)), true
}

// cellAfter names the first cell right of ref that is not merged with it.
func (p *parser) cellAfter(ref string) string {
	col, row, ok := cellRef(ref)
	if !ok {
		return ""
	}
	if last, ok := p.extras.merges[cellPos{row, col}]; ok {
		col = last
	}
	return reports.Cell(col+1, row)
}

// readRows reads the task rows below the header, up to the instructions
// line or the indicator section. Blank rows anywhere are skipped.
func (p *parser) readRows(t table) {
	idCol := t.cols[reports.HeaderTaskID]
	for _, l := range t.lines[t.header+1:] {
		if isNote(l) || isFoot(l) || isIndicatorSection(l, idCol) {
			break
		}
		id := l.cell(idCol)
		if id == "" {
			for _, h := range answerHeaders {
				if col, ok := t.cols[h]; ok && l.cell(col) != "" {
					p.problem(reports.Problem{Cell: reports.Cell(idCol, l.n), Kind: KindRowWithoutTask, Message: fmt.Sprintf(
						"第 %d 行没有任务编号，填写的内容无法对应到任务。请在原有的任务行中填写，不要新增行。", l.n)})
					break
				}
			}
			continue
		}
		row := Row{Line: l.n, Cells: make(map[string]string, len(t.cols))}
		for h, col := range t.cols {
			row.Cells[h] = reports.Cell(col, l.n)
		}
		get := func(h string) string {
			col, ok := t.cols[h]
			if !ok {
				return ""
			}
			if v := l.cell(col); v != "" {
				return v
			}
			return p.formula(row.Cells[h])
		}
		row.Title = l.cell(t.cols[reports.HeaderTitle])
		row.Answer = plan.Answer{
			TaskID:    id,
			Progress:  get(reports.HeaderProgress),
			Status:    plan.Status(get(reports.HeaderStatus)),
			Issues:    get(reports.HeaderIssues),
			NextSteps: get(reports.HeaderNextSteps),
		}
		p.r.Rows = append(p.r.Rows, row)
	}
}

// formula returns "=" and the formula of a cell that has one but no cached
// value (the streaming reader gives those as ""), so that what the unit
// typed is kept as text; "" otherwise.
func (p *parser) formula(ref string) string {
	col, row, ok := cellRef(ref)
	if !ok {
		return ""
	}
	fx, ok := p.extras.formulas[cellPos{row, col}]
	if !ok || fx == "" {
		return ""
	}
	return clean("=" + fx)
}

// readMeta reads the hidden metadata sheet's key/value rows.
func (p *parser) readMeta() {
	s, ok := p.b.sheet(reports.SheetMeta)
	if !ok || s.part == "" {
		return
	}
	p.r.HasMeta = true
	m := &p.r.Meta
	sc := &sheetScan{stopAfter: maxMetaLines, onLine: func(l line) bool {
		if len(l.cells) < 2 {
			return true
		}
		v := l.cells[1]
		switch strings.ToLower(l.cells[0]) {
		case reports.MetaKeyVersion:
			m.Version = v
		case reports.MetaKeyPlan:
			m.Plan = v
		case reports.MetaKeyPeriod:
			m.Period = v
		case reports.MetaKeyUnit:
			m.Unit = v
		case reports.MetaKeyToken:
			m.Token = v
		}
		return true
	}}
	// A sheet that breaks off keeps what was read before; only a workbook
	// beyond the bounds is refused.
	if err := p.b.scanSheet(s, sc); err != nil {
		p.abort(err)
	}
}

func (p *parser) problem(pr reports.Problem) { p.r.Problems = append(p.r.Problems, pr) }

func (p *parser) fatal(pr reports.Problem) {
	p.r.Fatal = true
	p.problem(pr)
}

// isTrim reports the runes trimmed from both ends of every cell: Unicode
// white space (which includes the full-width space U+3000 and NBSP), and
// the zero-width space and byte-order mark that pasted text brings along.
func isTrim(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

// clean normalises line breaks to "\n" and trims the text.
func clean(s string) string {
	if strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.TrimFunc(s, isTrim)
}

// squeeze drops every space, line break and zero-width character: how
// labels and headers are compared.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if isTrim(r) {
			return -1
		}
		return r
	}, s)
}

// squeezedIs reports whether squeeze(s) == want without building it: a
// long cell (every line of the table is asked whether it is a header) is
// told apart at its first character that differs.
func squeezedIs(s, want string) bool {
	for _, r := range s {
		if isTrim(r) {
			continue
		}
		w, size := utf8.DecodeRuneInString(want)
		if size == 0 || r != w {
			return false
		}
		want = want[size:]
	}
	return want == ""
}

// afterLabel reports whether s starts with label (ignoring spaces inside
// it, as in "联 系 人") and returns what follows the label and its colon.
func afterLabel(s, label string) (string, bool) {
	rest := s // walked rune by rune: a cell may be long, the label is short
	for _, want := range label {
		rest = strings.TrimLeftFunc(rest, isTrim)
		r, size := utf8.DecodeRuneInString(rest)
		if size == 0 || r != want {
			return "", false
		}
		rest = rest[size:]
	}
	out := strings.TrimLeftFunc(rest, func(r rune) bool {
		return isTrim(r) || r == '：' || r == ':'
	})
	return out, true
}

// labels are the labels of the template's upper rows and foot; a cell
// holding one is never taken as the value of the label before it.
var labels = []string{"联系人", "联系电话", "电话", "填报单位", "报送截止", "报送期次", "申请延期至", "延期至", "延期理由", "延期原因",
	reports.LabelContact, reports.LabelReviewer, reports.LabelDate}

func isLabel(s string) bool {
	key := squeeze(s)
	if strings.HasSuffix(key, "：") || strings.HasSuffix(key, ":") {
		return true
	}
	for _, l := range labels {
		if strings.HasPrefix(key, l) {
			return true
		}
	}
	return false
}

// footStarts are the labels a foot's first cell starts with.
var footStarts = append(slices.Clone(reports.FootLabels), "联系人")

// isFoot reports whether the row starts the foot: its first non-empty
// cell is one of the foot's labels (填报人：…), or 联系人 as a unit may
// write instead.
func isFoot(l line) bool {
	for _, c := range l.cells {
		if c == "" {
			continue
		}
		key := squeeze(c)
		for _, label := range footStarts {
			if strings.HasPrefix(key, label) {
				return true
			}
		}
		return false
	}
	return false
}

// isNote reports whether the row is the instructions line.
func isNote(l line) bool {
	for _, c := range l.cells {
		if c != "" {
			return strings.HasPrefix(squeeze(c), reports.NotePrefix)
		}
	}
	return false
}
