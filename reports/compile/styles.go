package compile

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Fill colours of the consolidated workbook (RGB hex).
const (
	fillHeader     = "D9D9D9"
	fillCategory   = "F2F2F2"
	fillDone       = "C6EFCE" // green
	fillOnTrack    = "BDD7EE" // light blue
	fillBehind     = "F8CBAD" // red-orange
	fillNotStarted = "FFEB9C" // yellow
	fillMissing    = "E7E6E6" // grey
	fontMissing    = "7F7F7F"
)

// Warning colours (预警): a light fill with a dark font of the same hue, the
// pairs Excel's own Good/Neutral/Bad cell styles use, so a colour reads the
// same on screen and on a grey-scale print.
var warningColors = []struct {
	color      plan.Color
	fill, font string
}{
	{plan.ColorGreen, "C6EFCE", "006100"},
	{plan.ColorYellow, "FFEB9C", "9C5700"},
	{plan.ColorRed, "FFC7CE", "9C0006"},
	{plan.ColorBlue, "BDD7EE", "1F4E78"},
}

// Series colours of the charts: the hues of the cells they count.
const (
	chartDone       = "70AD47" // 已完成, 按时报送: green
	chartOnTrack    = "5B9BD5" // 序时推进: blue
	chartBehind     = "ED7D31" // 滞后: orange
	chartNotStarted = "FFC000" // 未启动, 逾期报送: amber
	chartMissing    = "A5A5A5" // 未报送: grey
)

// styles holds the style ids of the consolidated workbook. Every style
// names FontCJK and the GB2312 charset, so Excel, WPS and LibreOffice pick the
// same font.
type styles struct {
	title    int // sheet title: large, bold, centred, no border
	info     int // a line under the title
	section  int // a heading between the summary's tables
	header   int // table header: bold, shaded, bordered
	text     int // a bordered text cell: wrapped, top-aligned, left
	center   int // a bordered short value: centred
	category int // the detail sheet's category rows
	total    int // the 合计 row

	status map[string]int // 完成状态 and 报送情况 cells, by the text shown
	// color holds the warning cells (预警, 时效预警, the year's grid), by
	// colour; ColorNone maps to the plain centred style.
	color map[plan.Color]int
}

// colorStyle returns the style of a cell filled with a warning colour.
func (s *styles) colorStyle(c plan.Color) int {
	if id, ok := s.color[c]; ok {
		return id
	}
	return s.center
}

// statusStyle returns the style of a status cell; a text that is not a
// known status gets the plain centred style.
func (s *styles) statusStyle(text string) int {
	if id, ok := s.status[text]; ok {
		return id
	}
	return s.center
}

func newStyles(f *excelize.File) (*styles, error) {
	charset := reports.CharsetGB2312
	font := func(size float64, bold, italic bool, color string) *excelize.Font {
		return &excelize.Font{Family: reports.FontCJK, Size: size, Bold: bold, Italic: italic, Color: color, Charset: &charset}
	}
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1},
	}
	fill := func(color string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
	}
	top := func(horizontal string) *excelize.Alignment {
		return &excelize.Alignment{Horizontal: horizontal, Vertical: "top", WrapText: true}
	}
	middle := func(horizontal string) *excelize.Alignment {
		return &excelize.Alignment{Horizontal: horizontal, Vertical: "center", WrapText: true}
	}

	var s styles
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: font(16, true, false, ""), Alignment: middle("center")}},
		{&s.info, excelize.Style{Font: font(11, false, false, ""), Alignment: middle("left")}},
		{&s.section, excelize.Style{Font: font(12, true, false, ""), Alignment: middle("left")}},
		{&s.header, excelize.Style{Font: font(11, true, false, ""), Alignment: middle("center"), Border: border, Fill: fill(fillHeader)}},
		{&s.text, excelize.Style{Font: font(11, false, false, ""), Alignment: top("left"), Border: border}},
		{&s.center, excelize.Style{Font: font(11, false, false, ""), Alignment: top("center"), Border: border}},
		{&s.category, excelize.Style{Font: font(11, true, false, ""), Alignment: middle("left"), Border: border, Fill: fill(fillCategory)}},
		{&s.total, excelize.Style{Font: font(11, true, false, ""), Alignment: top("center"), Border: border}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return nil, fmt.Errorf("creating workbook styles: %w", err)
		}
		*d.id = id
	}

	statusFill := func(color string, missing bool) excelize.Style {
		st := excelize.Style{Font: font(11, false, false, ""), Alignment: top("center"), Border: border, Fill: fill(color)}
		if missing {
			st.Font = font(11, false, true, fontMissing)
		}
		return st
	}
	statuses := []struct {
		texts []string
		style excelize.Style
	}{
		{[]string{string(plan.StatusDone)}, statusFill(fillDone, false)},
		{[]string{string(plan.StatusOnTrack)}, statusFill(fillOnTrack, false)},
		{[]string{string(plan.StatusBehind), reports.StateLate.Label()}, statusFill(fillBehind, false)},
		{[]string{string(plan.StatusNotStarted), reports.StateRejected.Label()}, statusFill(fillNotStarted, false)},
		{[]string{notReported}, statusFill(fillMissing, true)},
	}
	s.status = make(map[string]int)
	for _, st := range statuses {
		id, err := f.NewStyle(&st.style)
		if err != nil {
			return nil, fmt.Errorf("creating workbook styles: %w", err)
		}
		for _, t := range st.texts {
			s.status[t] = id
		}
	}

	// Created after the styles above, so their ids do not move.
	s.color = map[plan.Color]int{plan.ColorNone: s.center}
	for _, c := range warningColors {
		id, err := f.NewStyle(&excelize.Style{
			Font: font(11, false, false, c.font), Alignment: top("center"), Border: border, Fill: fill(c.fill),
		})
		if err != nil {
			return nil, fmt.Errorf("creating workbook styles: %w", err)
		}
		s.color[c.color] = id
	}
	return &s, nil
}
