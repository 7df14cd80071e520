package compile

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// cell is one cell to write: text (or nothing), never a formula. Only
// counts we compute (the charts' figures, the indicators) are numbers.
type cell struct {
	text   string // empty: the cell carries only its style
	style  int
	number bool // text holds an integer, stored as a number: see number
}

// number is a cell holding n as a number, not as text: a chart draws
// only numbers, and the office adds up indicator counts.
func number(n, style int) cell {
	return cell{text: strconv.Itoa(n), style: style, number: true}
}

// sheet is a sheet laid out in memory before it is streamed. Knowing
// every row first matters: the stream writer emits <dimension> and <sheetPr>
// when it is created, so the used range and the fit-to-page flag must be set
// before the first row, and cannot be corrected afterwards without parsing
// the whole streamed sheet back.
type sheet struct {
	name    string
	widths  []float64 // column widths from column A; also the sheet's width in columns
	header  int       // rows 1…header are frozen and repeated on every printed page
	rows    [][]cell
	merges  []merge
	heights map[int]float64 // row → height in points; other rows size to their text
	charts  []chart
	breaks  []int // rows that start a new printed page
	// later are runs of rows laid out only as they are streamed (addLater):
	// a row per task, 30,000 at a province's scale, is never held whole.
	later []laterRows
}

// laterRows are n rows from rows[first] on, whose cells fill appends to
// row when row i of the run is streamed; at most len(widths) cells.
type laterRows struct {
	first, n int
	fill     func(i int, row []cell) []cell
}

// chart is a native chart anchored at a cell of its sheet.
type chart struct {
	cell  string
	chart *excelize.Chart
}

func newSheet(name string, widths ...float64) *sheet {
	return &sheet{name: name, widths: widths, heights: map[int]float64{}}
}

// add appends a row and returns its number.
func (s *sheet) add(cells ...cell) int {
	s.rows = append(s.rows, cells)
	return len(s.rows)
}

// addSpan appends a row whose text spans the first cols columns, merged,
// with every covered cell styled so borders and shading run across.
func (s *sheet) addSpan(text string, style, cols int) int {
	cells := make([]cell, cols)
	for i := range cells {
		cells[i].style = style
	}
	cells[0].text = text
	row := s.add(cells...)
	s.merge(row, 1, cols)
	return row
}

// addLater appends n rows laid out only when they are streamed: fill
// appends the cells of row i (0…n-1) of the run to row, at most one a
// column (len(widths)). Everything it reads must stay as it is until the
// sheet is written.
func (s *sheet) addLater(n int, fill func(i int, row []cell) []cell) {
	if n == 0 {
		return
	}
	s.later = append(s.later, laterRows{first: len(s.rows), n: n, fill: fill})
	s.rows = slices.Grow(s.rows, n)
	for range n {
		s.rows = append(s.rows, nil) // a placeholder: the row number is taken
	}
}

// grow makes room for n more rows.
func (s *sheet) grow(n int) { s.rows = slices.Grow(s.rows, n) }

// merge is a merged range within one row, columns 1-based.
type merge struct{ row, from, to int }

// merge records a merged range within one row.
func (s *sheet) merge(row, from, to int) {
	if from < to {
		s.merges = append(s.merges, merge{row, from, to})
	}
}

// blank appends an empty row.
func (s *sheet) blank() { s.add() }

// addNote appends a row of text spanning the sheet's width; stream makes it
// tall enough for its wrapped lines (fitHeight).
func (s *sheet) addNote(text string, style int) int {
	return s.addSpan(text, style, len(s.widths))
}

// columns is the number of columns the sheet uses.
func (s *sheet) columns() int {
	n := len(s.widths)
	for _, r := range s.rows {
		n = max(n, len(r))
	}
	return max(n, 1)
}

// dimension is the used range recorded in the sheet, A1:{last column}{last row}.
func (s *sheet) dimension() (string, error) {
	last, err := excelize.CoordinatesToCellName(s.columns(), max(len(s.rows), 1))
	return "A1:" + last, err
}

// printTitles is the _xlnm.Print_Titles reference: the header rows.
func (s *sheet) printTitles() string {
	return fmt.Sprintf("'%s'!$1:$%d", s.name, s.header)
}

// write sets the sheet's layout and print setup, then streams its rows and
// records its print titles. mu guards the workbook's shared parts: only the
// rows are written without it, so that sheets can be written in parallel.
func (s *sheet) write(f *excelize.File, mu *sync.Mutex) error {
	if len(s.rows) > excelize.TotalRows {
		return fmt.Errorf("writing sheet %s: %d rows exceed the %d a worksheet can hold", s.name, len(s.rows), excelize.TotalRows)
	}
	mu.Lock()
	sw, err := s.open(f)
	mu.Unlock()
	if err != nil {
		return fmt.Errorf("writing sheet %s: %w", s.name, err)
	}
	if err := s.stream(sw); err != nil {
		return fmt.Errorf("writing sheet %s: %w", s.name, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if err := s.finish(f, sw); err != nil {
		return fmt.Errorf("writing sheet %s: %w", s.name, err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", RefersTo: s.printTitles(), Scope: s.name,
	}); err != nil {
		return fmt.Errorf("setting print titles of %s: %w", s.name, err)
	}
	return nil
}

// open sets the sheet up and creates its stream writer, with its column
// widths (adjacent columns of the same width as one range: excelize looks
// a cell's column up among them for every cell written) and page breaks.
func (s *sheet) open(f *excelize.File) (*excelize.StreamWriter, error) {
	if err := s.setup(f); err != nil {
		return nil, fmt.Errorf("setting up: %w", err)
	}
	sw, err := f.NewStreamWriter(s.name)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(s.widths); {
		j := i + 1
		for j < len(s.widths) && s.widths[j] == s.widths[i] {
			j++
		}
		if err := sw.SetColWidth(i+1, j, s.widths[i]); err != nil {
			return nil, err
		}
		i = j
	}
	for _, row := range s.breaks {
		if err := sw.InsertPageBreak("A" + strconv.Itoa(row)); err != nil {
			return nil, err
		}
	}
	return sw, nil
}

// setup applies everything the stream writer reads when it is created or at
// its first row: used range, fit-to-page flag, panes, page setup, margins,
// and page footer.
func (s *sheet) setup(f *excelize.File) error {
	dim, err := s.dimension()
	if err != nil {
		return err
	}
	if err := f.SetSheetDimension(s.name, dim); err != nil {
		return err
	}
	fitToPage := true
	if err := f.SetSheetProps(s.name, &excelize.SheetPropsOptions{FitToPage: &fitToPage}); err != nil {
		return err
	}
	size, orientation, fitWidth, fitHeight := 9, "landscape", 1, 0 // A4
	if err := f.SetPageLayout(s.name, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &fitWidth, FitToHeight: &fitHeight,
	}); err != nil {
		return err
	}
	side, topBottom, headerFooter, centred := 0.4, 0.6, 0.3, true
	if err := f.SetPageMargins(s.name, &excelize.PageLayoutMarginsOptions{
		Left: &side, Right: &side, Top: &topBottom, Bottom: &topBottom,
		Header: &headerFooter, Footer: &headerFooter, Horizontally: &centred,
	}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(s.name, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	}); err != nil {
		return err
	}
	if s.header > 0 {
		top := "A" + strconv.Itoa(s.header+1)
		if err := f.SetPanes(s.name, &excelize.Panes{
			Freeze: true, YSplit: s.header, TopLeftCell: top, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
		}); err != nil {
			return err
		}
	}
	return nil
}

// stream writes the rows and the merged ranges; it touches only sw.
func (s *sheet) stream(sw *excelize.StreamWriter) error {
	// One buffer reused for every row: values point into cells, so boxing
	// them costs no allocation per cell.
	merged := make(map[int][]merge, len(s.merges))
	for _, m := range s.merges {
		merged[m.row] = append(merged[m.row], m)
	}
	cols := s.columns()
	cells := make([]excelize.Cell, cols)
	values := make([]any, cols)
	var laid []cell // the row of a run laid out later, reused
	later := s.later
	for i, row := range s.rows {
		if len(later) > 0 && i >= later[0].first {
			run := later[0]
			laid = run.fill(i-run.first, laid[:0])
			if len(laid) > cols {
				return fmt.Errorf("row %d has %d cells, the sheet %d columns", i+1, len(laid), cols)
			}
			row = laid
			if i == run.first+run.n-1 {
				later = later[1:]
			}
		}
		values = values[:len(row)]
		for j, c := range row {
			if c.style == 0 && c.text == "" {
				values[j] = nil // nothing to write
				continue
			}
			cells[j] = excelize.Cell{StyleID: c.style}
			switch {
			case c.number:
				n, err := strconv.Atoi(c.text)
				if err != nil {
					return fmt.Errorf("cell %d of row %d: %w", j+1, i+1, err)
				}
				cells[j].Value = n
			case c.text != "":
				cells[j].Value = c.text // a string: stored as text even if it starts with '='
			}
			values[j] = &cells[j]
		}
		var opts []excelize.RowOpts
		if h, ok := s.heights[i+1]; ok {
			opts = append(opts, excelize.RowOpts{Height: h})
		} else if h := s.fitHeight(row, merged[i+1]); h > 0 {
			opts = append(opts, excelize.RowOpts{Height: h})
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+1), values, opts...); err != nil {
			return err
		}
	}
	for _, m := range s.merges {
		from, err := excelize.CoordinatesToCellName(m.from, m.row)
		if err != nil {
			return err
		}
		to, err := excelize.CoordinatesToCellName(m.to, m.row)
		if err != nil {
			return err
		}
		if err := sw.MergeCell(from, to); err != nil {
			return err
		}
	}
	return nil
}

// finish adds the charts and flushes the stream writer.
func (s *sheet) finish(f *excelize.File, sw *excelize.StreamWriter) error {
	// Charts go in before Flush: the stream writer writes the sheet's
	// <drawing> reference when it is flushed, and a chart added afterwards
	// would have its parts but no link from the sheet (Excel shows nothing).
	for _, c := range s.charts {
		if err := f.AddChart(s.name, c.cell, c.chart); err != nil {
			return fmt.Errorf("adding chart at %s: %w", c.cell, err)
		}
	}
	return sw.Flush()
}

// fitHeight estimates the height a row of wrapped text needs, or 0 when one
// line is enough; a merged cell's text wraps in the width of the columns it
// spans. LibreOffice and Excel do not size rows to wrapped text when they
// open a file, and never size merged cells, so without it long progress
// texts and reasons print cut off.
func (s *sheet) fitHeight(row []cell, merges []merge) float64 {
	lines := 1
	for j, c := range row {
		if c.text == "" || j >= len(s.widths) {
			continue
		}
		width := s.widths[j]
		for _, m := range merges {
			if m.from == j+1 {
				for k := m.from; k < m.to && k < len(s.widths); k++ {
					width += s.widths[k]
				}
			}
		}
		lines = max(lines, reports.WrappedLines(c.text, width))
	}
	if lines == 1 {
		return 0
	}
	return min(float64(lines)*reports.LineHeight+4, reports.MaxRowHeight)
}
