package template

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// Font sizes and colours of the unit template.
const (
	tplFontSize      = 11.0
	tplTitleSize     = 16.0
	tplNoteSize      = 10.0
	tplNumFmtText    = 49 // built-in "@": what is typed stays text
	tplFillLocked    = "F2F2F2"
	tplFillHeader    = "D9D9D9"
	tplFillInput     = "FFFFFF"
	tplNoteColor     = "C00000"
	tplClosedColor   = "808080" // the text of a closed task's row
	tplNumFmtGeneral = 0        // numbers typed stay numbers, for the whole-number check
)

// tplStyles holds the style ids of the unit template. Every style names
// FontCJK explicitly; only the input styles are unlocked.
type tplStyles struct {
	title, info, label, note, header int
	lockedCenter, locked             int // 序号/任务编号, and the other locked columns
	input, inputCenter               int // answer cells; 完成状态 is centred
	contact                          int // 联系人 / 联系电话 and the extension request input cells
	meta                             int // the hidden metadata sheet
	closed, closedCenter             int // every cell of a closed task's row: locked, grey
	section                          int // the indicator section's title
	count                            int // 本月完成数 input cells
}

// taskCell is the style of a task row's cell in column c.
func (s tplStyles) taskCell(c tplColumn, closed bool) int {
	switch {
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

func tplFont(size float64, bold bool, color string) *excelize.Font {
	charset := reports.CharsetGB2312
	return &excelize.Font{Family: reports.FontCJK, Size: size, Bold: bold, Color: color, Charset: &charset}
}

func tplBorder() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "top", "right", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "808080", Style: 1})
	}
	return out
}

func tplFill(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// newTplStyles registers the template's styles in f.
func newTplStyles(f *excelize.File) (tplStyles, error) {
	locked := &excelize.Protection{Locked: true}
	unlocked := &excelize.Protection{Locked: false}
	type def struct {
		id    *int
		style excelize.Style
	}
	var s tplStyles
	defs := []def{
		{&s.title, excelize.Style{
			Font:       tplFont(tplTitleSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.info, excelize.Style{
			Font:       tplFont(tplFontSize, false, ""),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.label, excelize.Style{
			Font:       tplFont(tplFontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "right", Vertical: "center"},
			Protection: locked,
		}},
		{&s.note, excelize.Style{
			Font:       tplFont(tplNoteSize, false, tplNoteColor),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true},
			Protection: locked,
		}},
		{&s.header, excelize.Style{
			Font:       tplFont(tplFontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Border:     tplBorder(),
			Fill:       tplFill(tplFillHeader),
			Protection: locked,
		}},
		{&s.lockedCenter, tplCellStyle("center", "top", tplFillLocked, "", locked)},
		{&s.locked, tplCellStyle("left", "top", tplFillLocked, "", locked)},
		{&s.input, tplCellStyle("left", "top", tplFillInput, "", unlocked)},
		{&s.inputCenter, tplCellStyle("center", "top", tplFillInput, "", unlocked)},
		{&s.contact, tplCellStyle("left", "center", tplFillInput, "", unlocked)},
		{&s.closed, tplCellStyle("left", "top", tplFillLocked, tplClosedColor, locked)},
		{&s.closedCenter, tplCellStyle("center", "top", tplFillLocked, tplClosedColor, locked)},
		{&s.section, excelize.Style{
			Font:       tplFont(tplFontSize, true, ""),
			Alignment:  &excelize.Alignment{Horizontal: "left", Vertical: "center"},
			Protection: locked,
		}},
		{&s.count, excelize.Style{
			Font:       tplFont(tplFontSize, false, ""),
			Alignment:  &excelize.Alignment{Horizontal: "center", Vertical: "top"},
			Border:     tplBorder(),
			Fill:       tplFill(tplFillInput),
			Protection: unlocked,
			NumFmt:     tplNumFmtGeneral,
		}},
		{&s.meta, excelize.Style{
			Font:       tplFont(tplFontSize, false, ""),
			Protection: locked,
			NumFmt:     tplNumFmtText,
		}},
	}
	for _, d := range defs {
		style := d.style
		id, err := f.NewStyle(&style)
		if err != nil {
			return tplStyles{}, fmt.Errorf("creating template style: %w", err)
		}
		*d.id = id
	}
	return s, nil
}

// tplCellStyle is the style of a table cell: bordered, wrapped, text
// format, with its alignment, fill, font colour ("" for the default) and
// protection.
func tplCellStyle(horizontal, vertical, fill, color string, protection *excelize.Protection) excelize.Style {
	return excelize.Style{
		Font:       tplFont(tplFontSize, false, color),
		Alignment:  &excelize.Alignment{Horizontal: horizontal, Vertical: vertical, WrapText: true},
		Border:     tplBorder(),
		Fill:       tplFill(fill),
		Protection: protection,
		NumFmt:     tplNumFmtText,
	}
}
