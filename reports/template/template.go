// Package template writes a unit's pre-filled template for a period: the
// sheet it fills in, and the hidden sheet of signed metadata the reader
// checks.
package template

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Labels of the template's upper rows. The reader matches the contact,
// phone and extension labels by their leading text (联系人 / 联系电话 /
// 申请延期至 / 延期理由).
const (
	labelUnit      = "填报单位："
	labelDeadline  = "报送截止："
	labelPeriod    = "报送期次："
	labelContact   = "联系人："
	labelPhone     = "联系电话："
	labelExtension = "申请延期至："
	labelReason    = "延期理由："
)

// Texts of the status dropdown's messages.
const (
	statusErrorTitle = "完成状态填写有误"
	statusPrompt     = "请从下拉列表中选择"
)

// column describes one column of the task table.
type column struct {
	header string
	width  float64
	input  bool // unlocked, filled by the unit
	center bool
}

// columns follows TemplateHeaders.
var columns = [...]column{
	{reports.HeaderSeq, 6, false, true},
	{reports.HeaderTaskID, 10, false, true},
	{reports.HeaderTitle, 18, false, false},
	{reports.HeaderReq, 50, false, false},
	{reports.HeaderPrevious, 36, false, false},
	{reports.HeaderProgress, 40, true, false},
	{reports.HeaderStatus, 12, true, true},
	{reports.HeaderIssues, 28, true, false},
	{reports.HeaderNextSteps, 28, true, false},
}

// minTaskHeight is a task row's least height, in points: room to type
// into an empty row.
const minTaskHeight = 60

// BuildTemplate writes the pre-filled template of one unit for one period:
// the visible sheet 填报表 with the unit's tasks, and the hidden sheet _duban
// with the signed metadata the reader checks.
func BuildTemplate(w io.Writer, in reports.TemplateInput) error {
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
	if err := build(f, in); err != nil {
		return fmt.Errorf("building template for unit %s, period %s: %w", in.Unit.ID, in.Period, err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("writing template for unit %s, period %s: %w", in.Unit.ID, in.Period, err)
	}
	return nil
}

func build(f *excelize.File, in reports.TemplateInput) error {
	if err := f.SetDefaultFont(reports.FontCJK); err != nil {
		return fmt.Errorf("setting default font: %w", err)
	}
	if err := f.SetSheetName(f.GetSheetName(0), reports.SheetForm); err != nil {
		return fmt.Errorf("naming form sheet: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := writeForm(f, st, in); err != nil {
		return err
	}
	if err := writeMeta(f, st, in); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.SetDocProps(&excelize.DocProperties{
		Title:   title(in),
		Subject: in.Plan.Title,
		Creator: "duban",
	})
}

// title is the title row's text, e.g.
// "2023年推进都市圈一体化建设工作要点——市交通运输局2023年5月推进情况表".
func title(in reports.TemplateInput) string {
	return in.Plan.Title + "——" + in.Unit.Name + in.Period.Label() + "推进情况表"
}

func writeForm(f *excelize.File, st styles, in reports.TemplateInput) error {
	sh := reports.SheetForm
	lastRow := reports.FirstTaskRow + len(in.Tasks) - 1
	w := cellWriter{f: f, sheet: sh}

	for i, c := range columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		w.do(f.SetColWidth(sh, col, col, c.width))
	}

	// Title, unit, deadline, period.
	w.text(reports.Cell(1, reports.TitleRow), title(in), st.title)
	w.merge(reports.Cell(1, reports.TitleRow), reports.Cell(9, reports.TitleRow))
	w.do(f.SetRowHeight(sh, reports.TitleRow, 36))
	w.text("A2", labelUnit+in.Unit.Name, st.info)
	w.merge("A2", "C2")
	w.text("D2", labelDeadline+reports.DateText(in.Deadline), st.info)
	w.text("E2", labelPeriod+in.Period.Label(), st.info)
	w.merge("E2", reports.Cell(9, reports.InfoRow))
	w.do(f.SetRowHeight(sh, reports.InfoRow, 22))

	// Contact and phone: a label, then an unlocked input cell.
	w.text(reports.ContactLabelCell, labelContact, st.label)
	w.merge(reports.ContactLabelCell, "B3")
	w.text(reports.ContactCell, "", st.contact)
	w.text(reports.PhoneLabelCell, labelPhone, st.label)
	w.text(reports.PhoneCell, "", st.contact)
	// The extension request: a unit that needs more time fills these two
	// cells, possibly nothing else, and replies.
	w.text(reports.ExtensionLabelCell, labelExtension, st.label)
	w.text(reports.ExtensionCell, "", st.contact)
	w.text(reports.ReasonLabelCell, labelReason, st.label)
	w.text(reports.ReasonCell, "", st.contact)
	w.do(f.SetRowHeight(sh, reports.ContactRow, 30))

	// Instructions, above the table so they are read first.
	note := noteText(in.Deadline)
	w.text(reports.Cell(1, reports.NoteRow), note, st.note)
	w.merge(reports.Cell(1, reports.NoteRow), reports.Cell(9, reports.NoteRow))
	w.do(f.SetRowHeight(sh, reports.NoteRow, noteHeight(note)))

	// Header and task rows.
	for i, h := range reports.TemplateHeaders {
		w.text(reports.Cell(i+1, reports.HeaderRow), h, st.header)
	}
	w.do(f.SetRowHeight(sh, reports.HeaderRow, 24))
	for i, t := range in.Tasks {
		row := reports.FirstTaskRow + i
		values := []string{
			fmt.Sprint(i + 1), t.ID, t.Title, t.Requirement, in.Previous[t.ID].Progress,
			"", "", "", "",
		}
		closure, closed := in.Closed[t.ID]
		if closed {
			values[columnIndex(reports.HeaderProgress)-1] = closedProgress(closure)
			values[columnIndex(reports.HeaderStatus)-1] = reports.ClosedStatus
		}
		for c, v := range values {
			w.text(reports.Cell(c+1, row), v, st.taskCell(columns[c], closed))
		}
		w.do(f.SetRowHeight(sh, row, rowHeight(values)))
	}
	endRow := lastRow
	indTitle, _, indFirst := reports.IndicatorRows(lastRow)
	if len(in.Indicators) > 0 {
		endRow = writeIndicators(&w, st, in.Indicators, indTitle)
	}
	if w.err != nil {
		return w.err
	}

	if err := statusValidation(f, in); err != nil {
		return err
	}
	if len(in.Indicators) > 0 {
		if err := countValidation(f, indFirst, endRow); err != nil {
			return err
		}
	}
	if err := pageSetup(f, sh); err != nil {
		return err
	}
	if err := f.SetPanes(sh, &excelize.Panes{
		Freeze:      true,
		YSplit:      reports.HeaderRow,
		TopLeftCell: reports.Cell(1, reports.FirstTaskRow),
		ActivePane:  "bottomLeft",
		Selection: []excelize.Selection{{
			SQRef: reports.Cell(6, reports.FirstTaskRow), ActiveCell: reports.Cell(6, reports.FirstTaskRow), Pane: "bottomLeft",
		}},
	}); err != nil {
		return fmt.Errorf("freezing panes: %w", err)
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
		return fmt.Errorf("protecting form sheet: %w", err)
	}
	// excelize leaves the dimension at A1; openpyxl's read-only mode and other
	// streaming readers trust it.
	if err := f.SetSheetDimension(sh, "A1:"+reports.Cell(9, endRow)); err != nil {
		return fmt.Errorf("setting form sheet dimension: %w", err)
	}
	return nil
}

// statusValidation puts the 完成状态 dropdown on every open task row;
// the rows of closed tasks are locked and hold 已销号, which is no choice.
func statusValidation(f *excelize.File, in reports.TemplateInput) error {
	col, _ := excelize.ColumnNumberToName(columnIndex(reports.HeaderStatus))
	var ranges []string
	for i := 0; i < len(in.Tasks); i++ {
		if _, closed := in.Closed[in.Tasks[i].ID]; closed {
			continue
		}
		j := i
		for j+1 < len(in.Tasks) {
			if _, closed := in.Closed[in.Tasks[j+1].ID]; closed {
				break
			}
			j++
		}
		ranges = append(ranges, fmt.Sprintf("%s%d:%s%d", col, reports.FirstTaskRow+i, col, reports.FirstTaskRow+j))
		i = j
	}
	if len(ranges) == 0 {
		return nil
	}
	keys := make([]string, len(plan.Statuses))
	for i, s := range plan.Statuses {
		keys[i] = string(s)
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = strings.Join(ranges, " ")
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

// pageSetup prints the form on A4 landscape, one page wide, with the
// header row repeated on every page.
func pageSetup(f *excelize.File, sh string) error {
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

// columnIndex is the 1-based column of a header in the template.
func columnIndex(header string) int {
	for i, h := range reports.TemplateHeaders {
		if h == header {
			return i + 1
		}
	}
	return 0
}

// rowHeight estimates the height a task row needs for its longest cell
// to show in full: Excel does not fit row heights by itself when opening a
// file, and LibreOffice and WPS differ, so the template sets them.
func rowHeight(values []string) float64 {
	lines := 1
	for i, v := range values {
		lines = max(lines, reports.WrappedLines(v, columns[i].width))
	}
	return min(max(float64(lines)*reports.LineHeight+6, minTaskHeight), reports.MaxRowHeight)
}
