package template

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// Font sizes and colours of the unit template.
const (
	fontSize      = 11.0
	titleSize     = 16.0
	noteSize      = 10.0
	numFmtText    = 49 // built-in "@": what is typed stays text
	fillLocked    = "F2F2F2"
	fillHeader    = "D9D9D9"
	fillHeading   = "EDEDED" // a category's heading: lighter than the header
	fillInput     = "FFFFFF"
	noteColor     = "C00000"
	closedColor   = "808080" // the text of a closed task's row
	numFmtGeneral = 0        // numbers typed stay numbers, for the whole-number check
)

// Custom number formats (variables: a style takes their address).
var (
	dateFormat = reports.DateNumFmt // 填报日期
	// keyFormat shows nothing: the task keys are for the reader, and a
	// wrapped or overflowing text in a hidden column is still drawn by
	// LibreOffice, a letter a line beside the table, on screen and in print.
	keyFormat = ";;;"
)

// styles holds the style ids of the unit template. Every style names
// FontCJK explicitly; only the input styles are unlocked.
type styles struct {
	title, info, label, note, header int
	lockedCenter, locked             int // 序号/任务编号, and the other locked columns
	input, inputCenter               int // answer cells; 完成状态 is centred
	contact                          int // 联系人 / 联系电话 and the extension request input cells
	meta                             int // the hidden metadata sheet
	closed, closedCenter             int // every cell of a closed task's row: locked, grey
	section                          int // the indicator section's title
	count                            int // 本月完成数 input cells, and an asked 截至上月累计
	heading                          int // a category's heading row (一、…)
	date                             int // 填报日期: an input cell showing a date
	key                              int // the hidden column of task keys
}

// taskCell is the style of a task row's cell in column c.
func (s styles) taskCell(c column, closed bool) int {
	switch {
	case c.header == reports.HeaderTaskID:
		return s.key
	case closed && c.center:
		return s.closedCenter
	case closed:
		return s.closed
	case c.input && c.center:
		return s.inputCenter
	case c.input:
		return s.input
	case c.center:
		return s.lockedCenter
	}
	return s.locked
}

func font(size float64, bold bool, color string) *excelize.Font {
	charset := reports.CharsetGB2312
	return &excelize.Font{Family: reports.FontCJK, Size: size, Bold: bold, Color: color, Charset: &charset}
}

func border() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "top", "right", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "808080", Style: 1})
	}
	return out
}

func solidFill(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// newStyles sets the default font of f and registers the template's
// styles in it.
func newStyles(f *excelize.File) (styles, error) {
	if err := f.SetDefaultFont(reports.FontCJK); err != nil {
		return styles{}, fmt.Errorf("setting default font: %w", err)
	}
	locked := &excelize.Protection{Locked: true}
	unlocked := &excelize.Protection{Locked: false}
	type def struct {
		id    *int
		style excelize.Style
	}
	var s styles
	defs := []def{
		{&s.title, excelize.Style{
			Font:       font(titleSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.info, excelize.Style{
			Font:       font(fontSize, false, ""),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.label, excelize.Style{
			Font:       font(fontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "right", Vertical: "center"},
			Protection: locked,
		}},
		{&s.note, excelize.Style{
			Font:       font(noteSize, false, noteColor),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.header, excelize.Style{
			Font:       font(fontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Border:     border(),
			Fill:       solidFill(fillHeader),
			Protection: locked,
		}},
		{&s.lockedCenter, cellStyle("center", "top", fillLocked, "", locked)},
		{&s.locked, cellStyle("left", "top", fillLocked, "", locked)},
		{&s.input, cellStyle("left", "top", fillInput, "", unlocked)},
		{&s.inputCenter, cellStyle("center", "top", fillInput, "", unlocked)},
		{&s.contact, cellStyle("left", "center", fillInput, "", unlocked)},
		{&s.closed, cellStyle("left", "top", fillLocked, closedColor, locked)},
		{&s.closedCenter, cellStyle("center", "top", fillLocked, closedColor, locked)},
		{&s.section, excelize.Style{
			Font:       font(fontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center"},
			Protection: locked,
		}},
		{&s.count, inputBox("top", nil)},
		{&s.heading, excelize.Style{
			Font:       font(fontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
			Border:     border(),
			Fill:       solidFill(fillHeading),
			Protection: locked,
		}},
		{&s.date, inputBox("center", &dateFormat)},
		{&s.key, excelize.Style{
			Font:         font(fontSize, false, ""),
			Alignment:    &excelize.Alignment{Horizontal: "left", Vertical: "top"},
			Protection:   locked,
			CustomNumFmt: &keyFormat,
		}},
		{&s.meta, excelize.Style{
			Font:       font(fontSize, false, ""),
			Protection: locked,
			NumFmt:     numFmtText,
		}},
	}
	for _, d := range defs {
		style := d.style
		id, err := f.NewStyle(&style)
		if err != nil {
			return styles{}, fmt.Errorf("creating template style: %w", err)
		}
		*d.id = id
	}
	return s, nil
}

// cellStyle is the style of a table cell: bordered, wrapped, text
// format, with its alignment, fill, font colour ("" for the default) and
// protection.
func cellStyle(horizontal, vertical, fill, color string, protection *excelize.Protection) excelize.Style {
	return excelize.Style{
		Font:       font(fontSize, false, color),
		Alignment:  &excelize.Alignment{Horizontal: horizontal, Vertical: vertical, WrapText: true},
		Border:     border(),
		Fill:       solidFill(fill),
		Protection: protection,
		NumFmt:     numFmtText,
	}
}

// headerCell is the style of a header row's cell in the 1-based column col.
func (s styles) headerCell(col int) int {
	if col == reports.KeyCol {
		return s.key
	}
	return s.header
}

// inputBox is the style of a centred input cell holding a number or a
// date: the number format General (numbers typed stay numbers, for the
// validations), or format when not nil.
func inputBox(vertical string, format *string) excelize.Style {
	return excelize.Style{
		Font:         font(fontSize, false, ""),
		Alignment:    &excelize.Alignment{Horizontal: "center", Vertical: vertical},
		Border:       border(),
		Fill:         solidFill(fillInput),
		Protection:   &excelize.Protection{Locked: false},
		NumFmt:       numFmtGeneral,
		CustomNumFmt: format,
	}
}
