// Package template writes a unit's pre-filled template for a period: the
// sheet it fills in, and the hidden sheet of signed metadata the reader
// checks.
package template

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Labels of the template's upper rows. The reader matches the extension
// request's labels by their leading text (申请延期至 / 延期理由), and the
// foot's (reports.FootLabels) likewise.
const (
	labelUnit      = "填报单位："
	labelDeadline  = "报送截止："
	labelPeriod    = "报送期次："
	labelExtension = "申请延期至："
	labelReason    = "延期理由："
)

// Texts of the status dropdown's messages.
const (
	statusErrorTitle = "完成状态填写有误"
	statusPrompt     = "请从下拉列表中选择"
)

// BuildTemplate writes the pre-filled template of one unit for one period:
// the visible sheet 填报表 with the unit's tasks, and the hidden sheet _duban
// with the signed metadata the reader checks. To build many, use one Base.
func BuildTemplate(w io.Writer, in reports.TemplateInput) error {
	return NewBase().Build(w, in)
}

// Build writes the template of one unit for one period, as BuildTemplate,
// with what b holds for every unit.
func (b *Base) Build(w io.Writer, in reports.TemplateInput) error {
	if in.Plan == nil {
		return errors.New("building template: no plan")
	}
	if len(in.Tasks) == 0 {
		return fmt.Errorf("building template for unit %s: no tasks", in.Unit.ID)
	}
	if len(reports.TemplateHeaders) != len(columns) {
		return errors.New("building template: header table out of date")
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("building template for unit %s, period %s: %w", in.Unit.ID, in.Period, err)
	}
	auto, err := build(f, st, in)
	if err != nil {
		return fmt.Errorf("building template for unit %s, period %s: %w", in.Unit.ID, in.Period, err)
	}
	pre := b.prepared.Load()
	if pre != nil {
		pre.use(f)
	}
	pw := &partWriter{base: b}
	if e := autoHeights(auto); e != nil {
		pw.edit = map[string]func([]byte) []byte{formSheetPart: e}
	}
	if pre == nil {
		pw.keep = map[string][]byte{stylesPart: nil, themePart: nil}
	}
	f.SetZipWriter(func(out io.Writer) excelize.ZipWriter {
		pw.zw = zip.NewWriter(out)
		return pw
	})
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("writing template for unit %s, period %s: %w", in.Unit.ID, in.Period, err)
	}
	if pre == nil {
		b.prepare(xfs(f), pw.keep)
	}
	return nil
}

// build lays out the workbook in f and returns the rows of the form whose
// height the applications are to fit again when the unit edits them,
// with the styles st.
func build(f *excelize.File, st styles, in reports.TemplateInput) ([]int, error) {
	if err := f.SetSheetName(f.GetSheetName(0), reports.SheetForm); err != nil {
		return nil, fmt.Errorf("naming form sheet: %w", err)
	}
	auto, err := writeForm(f, st, in)
	if err != nil {
		return nil, err
	}
	if err := writeMeta(f, st, in); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	return auto, f.SetDocProps(&excelize.DocProperties{
		Title:   title(in),
		Subject: in.Plan.Title,
		Creator: in.Office,
	})
}

// title is the title row's text, e.g.
// "2023年推进都市圈一体化建设工作要点——市交通运输局2023年5月推进情况表".
func title(in reports.TemplateInput) string {
	return in.Plan.Title + "——" + in.Unit.Name + in.Period.Label() + "推进情况表"
}

// writeForm writes the sheet 填报表 and returns the rows whose height the
// applications are to fit again when the unit edits them: the open tasks'
// rows, which grow with what the unit types.
func writeForm(f *excelize.File, st styles, in reports.TemplateInput) ([]int, error) {
	sh := reports.SheetForm
	w := cellWriter{f: f, sheet: sh}

	for i, c := range columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		w.do(f.SetColWidth(sh, col, col, c.width))
	}
	key, _ := excelize.ColumnNumberToName(reports.KeyCol)
	w.do(f.SetColVisible(sh, key, false))

	// Title, unit, deadline, period.
	w.text(reports.Cell(1, reports.TitleRow), title(in), st.title)
	w.merge(reports.Cell(1, reports.TitleRow), reports.Cell(visibleColumns, reports.TitleRow))
	w.do(f.SetRowHeight(sh, reports.TitleRow, 36))
	w.text("A2", labelUnit+in.Unit.Name, st.info)
	w.merge("A2", "C2")
	w.text("D2", labelDeadline+reports.DateText(in.Deadline), st.info)
	w.merge("D2", "E2")
	w.text("F2", labelPeriod+in.Period.Label(), st.info)
	w.merge("F2", reports.Cell(visibleColumns, reports.InfoRow))
	w.do(f.SetRowHeight(sh, reports.InfoRow, 22))

	// The extension request: a unit that needs more time fills these two
	// cells, possibly nothing else, and replies.
	w.text(reports.ExtensionLabelCell, labelExtension, st.label)
	w.text(reports.ExtensionCell, "", st.contact)
	w.text(reports.ReasonLabelCell, labelReason, st.label)
	w.text(reports.ReasonCell, "", st.contact)
	w.do(f.SetRowHeight(sh, reports.ExtensionRow, 30))

	// Instructions, above the table so they are read first.
	note := noteText(in.Deadline)
	w.text(reports.Cell(1, reports.NoteRow), note, st.note)
	w.merge(reports.Cell(1, reports.NoteRow), reports.Cell(visibleColumns, reports.NoteRow))
	w.do(f.SetRowHeight(sh, reports.NoteRow, noteHeight(note)))

	// Header, category headings and task rows.
	for i, h := range reports.TemplateHeaders {
		w.text(reports.Cell(i+1, reports.HeaderRow), h, st.headerCell(i+1))
	}
	w.do(f.SetRowHeight(sh, reports.HeaderRow, 24))
	rows := tableRows(in)
	var autoRows []int // rows the applications fit to their text again when edited
	for i, r := range rows {
		row := reports.FirstRow + i
		if r.kind == rowHeading {
			w.text(reports.Cell(1, row), r.values[0], st.heading)
			for c := 2; c <= visibleColumns; c++ {
				w.text(reports.Cell(c, row), "", st.heading)
			}
			w.merge(reports.Cell(1, row), reports.Cell(visibleColumns, row))
			w.do(f.SetRowHeight(sh, row, r.height))
			continue
		}
		_, closed := in.Closed[in.Tasks[r.task].ID]
		for c, v := range r.values {
			col := columns[c]
			if r.kind == rowContinuation {
				col.input = false // only the task's own row is filled in
			}
			w.text(reports.Cell(c+1, row), v, st.taskCell(col, closed))
		}
		w.do(f.SetRowHeight(sh, row, r.height))
		if r.kind == rowTask && !closed {
			autoRows = append(autoRows, row)
		}
	}
	lastRow := reports.FirstRow + len(rows) - 1
	endRow := lastRow
	indTitle, _, indFirst := reports.IndicatorRows(lastRow)
	if len(in.Indicators) > 0 {
		endRow = writeIndicators(&w, st, in, indTitle)
	}
	endRow = writeFoot(&w, st, in, reports.FootRow(endRow))
	if w.err != nil {
		return nil, w.err
	}

	if err := statusValidation(f, in, rows); err != nil {
		return nil, err
	}
	if len(in.Indicators) > 0 {
		if err := countValidation(f, in, indFirst); err != nil {
			return nil, err
		}
	}
	if err := dateValidation(f, in.Period, endRow); err != nil {
		return nil, err
	}
	if err := pageSetup(f, sh, endRow); err != nil {
		return nil, err
	}
	firstInput := reports.Cell(columnIndex(reports.HeaderProgress), reports.FirstRow)
	for i, r := range rows {
		if r.kind == rowTask {
			firstInput = reports.Cell(columnIndex(reports.HeaderProgress), reports.FirstRow+i)
			break
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{
		Freeze:      true,
		YSplit:      reports.HeaderRow,
		TopLeftCell: reports.Cell(1, reports.FirstRow),
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: firstInput, ActiveCell: firstInput, Pane: "bottomLeft"}},
	}); err != nil {
		return nil, fmt.Errorf("freezing panes: %w", err)
	}
	// Password-free protection: it keeps the locked columns from being edited
	// by accident, and a unit that must can lift it without asking us (the
	// reader does not depend on it). SHA-512 is named so that, should a
	// password ever be added, it is not hashed with the weak legacy XOR.
	if err := f.ProtectSheet(sh, &excelize.SheetProtectionOptions{
		AlgorithmName:       "SHA-512",
		FormatColumns:       true,
		FormatRows:          true,
		SelectLockedCells:   true,
		SelectUnlockedCells: true,
	}); err != nil {
		return nil, fmt.Errorf("protecting form sheet: %w", err)
	}
	// excelize leaves the dimension at A1; openpyxl's read-only mode and other
	// streaming readers trust it.
	if err := f.SetSheetDimension(sh, "A1:"+reports.Cell(reports.KeyCol, endRow)); err != nil {
		return nil, fmt.Errorf("setting form sheet dimension: %w", err)
	}
	return autoRows, nil
}

// statusValidation puts the 完成状态 dropdown on every open task's row;
// the rows of closed tasks are locked and hold 已销号, which is no choice.
func statusValidation(f *excelize.File, in reports.TemplateInput, rows []tableRow) error {
	col := columnIndex(reports.HeaderStatus)
	var open []int
	for i, r := range rows {
		if _, closed := in.Closed[in.Tasks[max(r.task, 0)].ID]; r.kind == rowTask && !closed {
			open = append(open, reports.FirstRow+i)
		}
	}
	if len(open) == 0 {
		return nil
	}
	keys := make([]string, len(plan.Statuses))
	for i, s := range plan.Statuses {
		keys[i] = string(s)
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = ranges(col, open)
	if err := dv.SetDropList(keys); err != nil {
		return fmt.Errorf("status dropdown: %w", err)
	}
	dv.SetError(excelize.DataValidationErrorStyleStop, statusErrorTitle, reports.StatusChoice())
	dv.SetInput(reports.HeaderStatus, statusPrompt)
	if err := f.AddDataValidation(reports.SheetForm, dv); err != nil {
		return fmt.Errorf("status dropdown: %w", err)
	}
	return nil
}

// ranges writes the cells of column col in rows (ascending) as ranges of
// consecutive rows: "G7:G9 G11:G11".
func ranges(col int, rows []int) string {
	name, _ := excelize.ColumnNumberToName(col)
	var out []string
	for i := 0; i < len(rows); i++ {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		out = append(out, fmt.Sprintf("%s%d:%s%d", name, rows[i], name, rows[j]))
		i = j
	}
	return strings.Join(out, " ")
}

// pageSetup prints the form on A4 landscape, one page wide, with the
// header row repeated on every page: the visible columns, down to the foot
// (lastRow).
func pageSetup(f *excelize.File, sh string, lastRow int) error {
	size, orientation, one, zero := 9, "landscape", 1, 0
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero,
	}); err != nil {
		return fmt.Errorf("page layout: %w", err)
	}
	fit := true
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("fit to page: %w", err)
	}
	margin, top := 0.4, 0.5
	if err := f.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{
		Left: &margin, Right: &margin, Top: &top, Bottom: &top,
	}); err != nil {
		return fmt.Errorf("page margins: %w", err)
	}
	if err := f.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	}); err != nil {
		return fmt.Errorf("page footer: %w", err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, reports.HeaderRow, reports.HeaderRow),
		Scope:    sh,
	}); err != nil {
		return fmt.Errorf("print titles: %w", err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", sh, reports.LastCol, lastRow),
		Scope:    sh,
	}); err != nil {
		return fmt.Errorf("print area: %w", err)
	}
	return nil
}

// writeMeta writes the hidden metadata sheet: key/value rows, the last
// one the token that signs the others.
func writeMeta(f *excelize.File, st styles, in reports.TemplateInput) error {
	m := reports.Meta{Version: reports.TemplateVersion, Plan: in.Plan.Title, Period: in.Period.String(), Unit: in.Unit.ID}
	m.Token = reports.Sign(in.Secret, m)
	if _, err := f.NewSheet(reports.SheetMeta); err != nil {
		return fmt.Errorf("adding metadata sheet: %w", err)
	}
	w := cellWriter{f: f, sheet: reports.SheetMeta}
	for i, kv := range reports.MetaRows(m) {
		w.text(reports.Cell(1, i+1), kv[0], st.meta)
		w.text(reports.Cell(2, i+1), kv[1], st.meta)
	}
	w.do(f.SetColWidth(reports.SheetMeta, "A", "A", 12))
	w.do(f.SetColWidth(reports.SheetMeta, "B", "B", 60))
	if w.err != nil {
		return w.err
	}
	if err := f.SetSheetDimension(reports.SheetMeta, "A1:"+reports.Cell(2, len(reports.MetaRows(m)))); err != nil {
		return fmt.Errorf("setting metadata sheet dimension: %w", err)
	}
	if err := f.ProtectSheet(reports.SheetMeta, &excelize.SheetProtectionOptions{AlgorithmName: "SHA-512"}); err != nil {
		return fmt.Errorf("protecting metadata sheet: %w", err)
	}
	if err := f.SetSheetVisible(reports.SheetMeta, false); err != nil {
		return fmt.Errorf("hiding metadata sheet: %w", err)
	}
	return nil
}

// cellWriter writes text cells and keeps the first error, so the layout
// code reads top-down.
type cellWriter struct {
	f     *excelize.File
	sheet string
	err   error
}

func (w *cellWriter) do(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}

// text writes v as a string cell (never a formula, whatever it starts with)
// with the given style.
func (w *cellWriter) text(cell, v string, style int) {
	if w.err != nil {
		return
	}
	if v != "" { // an empty cell gets its style only, no empty string
		if err := w.f.SetCellStr(w.sheet, cell, v); err != nil {
			w.err = fmt.Errorf("writing %s!%s: %w", w.sheet, cell, err)
			return
		}
	}
	if err := w.f.SetCellStyle(w.sheet, cell, cell, style); err != nil {
		w.err = fmt.Errorf("styling %s!%s: %w", w.sheet, cell, err)
	}
}

func (w *cellWriter) merge(from, to string) {
	if w.err != nil {
		return
	}
	if err := w.f.MergeCell(w.sheet, from, to); err != nil {
		w.err = fmt.Errorf("merging %s!%s:%s: %w", w.sheet, from, to, err)
	}
}
