package template

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// Extension request, closed tasks and the indicator section of the unit
// template. As for the rest of the form, the reader finds all of it by its
// labels, not by these addresses.

// noteExtension is the sentence of the instructions about asking for
// more time; %s is an example date after the deadline.
const noteExtension = "如需延期报送，请在“申请延期至”填写日期（如%s）并在“延期理由”写明原因，" +
	"可只填这两项直接回复邮件，办公室审核后另行通知。"

// noteText is the instructions line of a template.
func noteText(deadline time.Time) string {
	return reports.Note + fmt.Sprintf(noteExtension, reports.ExtensionExample(deadline))
}

// noteHeight fits the instructions, in 10-point type across the merged
// row, with room for a line more than estimated: renderers differ.
func noteHeight(note string) float64 {
	width := 0.0
	for _, c := range columns {
		width += c.width
	}
	lines := reports.WrappedLines(note, width*fontSize/noteSize) + 1
	return max(30, float64(lines)*13+4)
}

// closedProgress is what 本月进展 shows on a closed task's row.
func closedProgress(c reports.Closure) string {
	if c.Period.IsZero() {
		return "已销号（本期无需填写）"
	}
	return "已销号（" + c.Period.Label() + "确认完成，本期无需填写）"
}

// writeIndicators writes the indicator section from titleRow down: the
// section title, its header, and a row per indicator. It returns the last
// row written.
func writeIndicators(w *cellWriter, st styles, inds []reports.IndicatorLine, titleRow int) int {
	w.text(reports.Cell(1, titleRow), reports.IndicatorTitle, st.section)
	w.merge(reports.Cell(1, titleRow), reports.Cell(len(columns), titleRow))
	w.do(w.f.SetRowHeight(w.sheet, titleRow, 24))
	headerRow := titleRow + 1
	for i, h := range reports.IndicatorHeaders {
		w.text(reports.Cell(i+1, headerRow), h, st.header)
	}
	w.do(w.f.SetRowHeight(w.sheet, headerRow, 24))
	row := headerRow
	for i, l := range inds {
		row = headerRow + 1 + i
		ind := l.Indicator
		values := []string{
			strconv.Itoa(i + 1), ind.TaskID, ind.Name, ind.Target(), strconv.Itoa(l.Before), "", ind.Unit,
		}
		height := 1
		for c, v := range values {
			style := st.lockedCenter
			switch c + 1 {
			case 3: // 指标名称 reads better left-aligned, like 重点任务
				style = st.locked
			case reports.IndicatorCountCol:
				style = st.count
			}
			w.text(reports.Cell(c+1, row), v, style)
			height = max(height, reports.WrappedLines(v, columns[c].width))
		}
		w.do(w.f.SetRowHeight(w.sheet, row, max(24, float64(height)*reports.LineHeight+6)))
	}
	return row
}

// countValidation lets only whole numbers 0–999 into 本月完成数.
func countValidation(f *excelize.File, firstRow, lastRow int) error {
	col, _ := excelize.ColumnNumberToName(reports.IndicatorCountCol)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s%d:%s%d", col, firstRow, col, lastRow)
	if err := dv.SetRange(0, reports.CountMax, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
		return fmt.Errorf("count validation: %w", err)
	}
	dv.SetError(excelize.DataValidationErrorStyleStop, reports.CountErrorTitle, reports.CountErrorMessage)
	dv.SetInput(reports.IndHeaderCount, reports.CountPromptMessage)
	if err := f.AddDataValidation(reports.SheetForm, dv); err != nil {
		return fmt.Errorf("count validation: %w", err)
	}
	return nil
}
