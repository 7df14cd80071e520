package template

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
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
	for _, c := range columns[:visibleColumns] {
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
// section title, its header, and a row per indicator. 截至上月累计 is an
// input cell where the unit is asked for it (IndicatorLine.Ask). It
// returns the last row written.
func writeIndicators(w *cellWriter, st styles, in reports.TemplateInput, titleRow int) int {
	title := reports.IndicatorTitle
	for _, l := range in.Indicators {
		if l.Ask {
			title = reports.IndicatorTitleAsk
		}
	}
	w.text(reports.Cell(1, titleRow), title, st.section)
	w.merge(reports.Cell(1, titleRow), reports.Cell(visibleColumns, titleRow))
	w.do(w.f.SetRowHeight(w.sheet, titleRow, 24))
	headerRow := titleRow + 1
	for i, h := range reports.IndicatorHeaders {
		if h != "" {
			w.text(reports.Cell(i+1, headerRow), h, st.headerCell(i+1))
		}
	}
	w.do(w.f.SetRowHeight(w.sheet, headerRow, 24))
	row := headerRow
	for i, l := range in.Indicators {
		row = headerRow + 1 + i
		ind := l.Indicator
		task := ind.TaskID
		if t, ok := in.Plan.Task(ind.TaskID); ok {
			task = t.Title
			if n := in.Plan.TaskNumber(t.ID); n > 0 {
				task = strconv.Itoa(n) + "." + t.Title
			}
		}
		before := strconv.Itoa(l.Before)
		if l.Ask {
			before = ""
		}
		values := []string{strconv.Itoa(i + 1), task, ind.Name, ind.Target(), before, "", ind.Unit, "", "", ind.TaskID}
		for c, v := range values {
			style := st.lockedCenter
			switch {
			case reports.IndicatorHeaders[c] == "":
				continue // nothing under the section's blank headers
			case c+1 == reports.KeyCol:
				style = st.key
			case c+1 == 2 || c+1 == 3: // 重点任务 and 指标名称 read better left-aligned
				style = st.locked
			case c+1 == reports.IndicatorCountCol, c+1 == reports.IndicatorBeforeCol && l.Ask:
				style = st.count
			}
			w.text(reports.Cell(c+1, row), v, style)
		}
		w.do(w.f.SetRowHeight(w.sheet, row, max(24, rowHeight(values, false))))
	}
	return row
}

// countValidation lets only whole numbers 0–999 into 本月完成数, and
// into an asked 截至上月累计 only what the months before could hold
// (reports.BeforeMax).
func countValidation(f *excelize.File, in reports.TemplateInput, firstRow int) error {
	lastRow := firstRow + len(in.Indicators) - 1
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
	// One validation for each bound, over the rows it holds.
	byMax := map[int][]int{}
	var bounds []int
	for i, l := range in.Indicators {
		if !l.Ask {
			continue
		}
		limit := reports.BeforeMax(l.Indicator, in.Period)
		if _, seen := byMax[limit]; !seen {
			bounds = append(bounds, limit)
		}
		byMax[limit] = append(byMax[limit], firstRow+i)
	}
	for _, limit := range bounds {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ranges(reports.IndicatorBeforeCol, byMax[limit])
		if err := dv.SetRange(0, limit, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
			return fmt.Errorf("total before validation: %w", err)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, reports.BeforeErrorTitle, fmt.Sprintf(reports.BeforeErrorMessage, limit))
		dv.SetInput(reports.IndHeaderBefore, reports.BeforePromptMessage)
		if err := f.AddDataValidation(reports.SheetForm, dv); err != nil {
			return fmt.Errorf("total before validation: %w", err)
		}
	}
	return nil
}

// writeFoot writes the foot at row: 填报人 (pre-filled with the contact),
// 审核人, 填报日期 and 联系电话 (pre-filled with the phone), each a label and
// an input cell. It returns the row.
func writeFoot(w *cellWriter, st styles, in reports.TemplateInput, row int) int {
	values := map[string]string{reports.LabelContact: in.Contact, reports.LabelPhone: in.Phone}
	for i, label := range reports.FootLabels {
		w.text(reports.Cell(2+2*i, row), label+"：", st.label)
		style := st.contact
		if label == reports.LabelDate {
			style = st.date
		}
		w.text(reports.FootCell(label, row), values[label], style)
	}
	w.do(w.f.SetRowHeight(w.sheet, row, 30))
	return row
}

// Texts of the date's validation.
const (
	dateErrorTitle = "填报日期填写有误"
	dateError      = "请填写日期，如%s。"
)

// dateValidation lets only dates from the period's first day to a year
// later into 填报日期, on the foot's row.
func dateValidation(f *excelize.File, p plan.Period, footRow int) error {
	first := time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = reports.FootCell(reports.LabelDate, footRow)
	if err := dv.SetRange(excelDay(first), excelDay(first.AddDate(1, 0, 0)),
		excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
		return fmt.Errorf("date validation: %w", err)
	}
	example := first.AddDate(0, 1, 4).Format(time.DateOnly)
	dv.SetError(excelize.DataValidationErrorStyleStop, dateErrorTitle, fmt.Sprintf(dateError, example))
	if err := f.AddDataValidation(reports.SheetForm, dv); err != nil {
		return fmt.Errorf("date validation: %w", err)
	}
	return nil
}

// excelDay is a day's serial number in Excel's 1900 date system.
func excelDay(t time.Time) int {
	return int(t.Sub(time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}
