package reader

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/duban/duban/reports"
)

// cellPos is a cell's position, 1-based.
type cellPos struct{ row, col int }

// extras is what the reader needs from the table's sheet beyond its
// values: the formulas of cells that have no cached value, and the merged
// ranges. Both are kept only for cells inside the area.
type extras struct {
	formulas map[cellPos]string // formula text, for formula cells without a value
	merges   map[cellPos]int    // first cell → last column of each merged range
}

// sheetScan reads one worksheet part in a single pass: the values of
// the cells inside the area, line by line, and with wantExtras the
// formulas and merged ranges. Cells outside the area are counted, never
// kept.
//
// Values are what excelize's Rows/Columns iterator gives with RawCellValue:
// a shared string (t="s") or an inline string (t="inlineStr") as its text,
// any other cell as the text of its <v>. Rows without a number follow the
// previous one, cells without a reference the previous cell; a row
// numbered at or before the current one adds its cells to it, and a cell
// referring to a column at or left of the last cell read goes right after
// it, as excelize reads them.
type sheetScan struct {
	// Set by the caller; onLine and the callbacks may change stopAfter
	// and countOutside while the sheet is read.
	onLine       func(line) bool // a non-blank line of the area; false stops reading
	stopAfter    int             // stop at the first row numbered beyond it (0: read on)
	countOutside bool            // more than MaxCellsOutside cells outside the area is an error
	wantExtras   bool            // read formulas and merged ranges (and so the whole part)
	keepRaw      bool            // hand lines over as read: not cleaned, blank ones too (for tests)

	outside      int    // non-empty cells outside the area
	firstOutside string // the first of them
	extras       extras

	b     *book
	x     *xmlPart
	lim   *reports.Limits
	name  string
	sst   []string
	ended bool // </sheetData> seen
	stop  bool

	// The current line.
	started   bool
	cur, line int      // the last row number read, and the line its cells go to
	cells     []string // of the line, scratch
	last, col int      // excelize's len(cells) and cellCol

	// The current cell.
	inCell           bool
	ref, typ         string
	capture          uint8
	capDepth         int
	v, f             []byte
	hasV, hasF, isIS bool
	is               stringItem
}

// Cell parts being read.
const (
	capNone = iota
	capV
	capF
	capIS
)

// errBadRef: a row or cell reference that is no reference; excelize gives
// up on such a sheet, and so does the reader.
var errBadRef = errors.New("invalid row or cell reference")

// scanSheet reads the sheet with sc.
func (b *book) scanSheet(ref sheetRef, sc *sheetScan) error {
	if ref.part == "" {
		return errSheetMissing
	}
	x, err := b.open(ref.part, ref.name, true)
	if err != nil {
		return err
	}
	if x == nil {
		return errSheetMissing
	}
	defer x.close()
	sc.b, sc.x, sc.lim, sc.name = b, x, b.lim, ref.name
	if sc.wantExtras {
		sc.extras = extras{formulas: map[cellPos]string{}, merges: map[cellPos]int{}}
	}
	return sc.run()
}

func (s *sheetScan) run() error {
	for !s.stop && !(s.ended && !s.wantExtras) {
		tok, err := s.x.token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			err = s.start(el)
		case xml.CharData:
			if s.inCell {
				s.text(el)
			}
		case xml.EndElement:
			err = s.end(el)
		}
		if err != nil {
			return err
		}
	}
	if !s.ended && !s.stop {
		if err := s.endLine(); err != nil {
			return err
		}
	}
	if s.countOutside && s.outside > s.lim.MaxCellsOutside {
		return &outsideError{sheet: s.name, count: s.outside, first: s.firstOutside}
	}
	return nil
}

func (s *sheetScan) start(el xml.StartElement) error {
	if s.inCell {
		s.cellStart(el)
		return nil
	}
	name := el.Name.Local
	if !s.ended {
		switch {
		case name == "row":
			return s.startRow(el)
		case name == "c" && s.started:
			return s.startCell(el)
		}
	}
	if name == "mergeCell" && s.wantExtras {
		s.merge(el)
	}
	return nil
}

func (s *sheetScan) end(el xml.EndElement) error {
	if s.inCell {
		return s.cellEnd(el)
	}
	if el.Name.Local == "sheetData" && !s.ended {
		s.ended = true
		if !s.stop {
			return s.endLine()
		}
	}
	return nil
}

// startRow starts a row: a new line, or more cells for the current one.
func (s *sheetScan) startRow(el xml.StartElement) error {
	n := 0
	for _, a := range el.Attr {
		if a.Name.Local == "r" {
			v, err := strconv.Atoi(a.Value)
			if err != nil {
				return errBadRef
			}
			n = v
		}
	}
	if n > excelRows {
		return errBadRef
	}
	if s.sst == nil {
		sst, err := s.b.sharedStrings()
		if err != nil {
			return err
		}
		s.sst = sst
	}
	if n != 0 {
		s.cur = n
	} else {
		s.cur++
	}
	switch {
	case !s.started:
		s.started, s.line = true, max(s.cur, 1)
	case s.cur > s.line:
		if err := s.endLine(); err != nil || s.stop {
			return err
		}
		s.line = s.cur
	default:
		return nil // excelize adds the cells to the current line
	}
	if s.stopAfter > 0 && s.line > s.stopAfter {
		s.stop = true
	}
	return nil
}

// endLine hands the current line over, when it is inside the area and not
// blank, and starts the next one.
func (s *sheetScan) endLine() error {
	cells := s.cells
	s.cells, s.last, s.col = s.cells[:0], 0, 0
	defer clear(cells)
	if !s.started || s.line > s.lim.MaxRows {
		return nil
	}
	if s.keepRaw {
		if len(cells) > 0 && !s.onLine(line{n: s.line, cells: append([]string(nil), cells...)}) {
			s.stop = true
		}
		return nil
	}
	blank := true
	for i, c := range cells {
		if strings.ContainsRune(c, '\r') {
			// Cleaning copies the text: a copy of each cell that shows
			// one long shared string is text kept too.
			if err := s.b.keep(len(c), s.name); err != nil {
				return err
			}
		}
		cells[i] = clean(c)
		blank = blank && cells[i] == ""
	}
	if blank {
		return nil
	}
	if !s.onLine(line{n: s.line, cells: append([]string(nil), cells...)}) {
		s.stop = true
	}
	return nil
}

func (s *sheetScan) startCell(el xml.StartElement) error {
	s.inCell, s.ref, s.typ, s.capture = true, "", "", capNone
	s.hasV, s.hasF, s.isIS = false, false, false
	s.v, s.f = s.v[:0], s.f[:0]
	for _, a := range el.Attr {
		switch a.Name.Local {
		case "r":
			s.ref = a.Value
		case "t":
			s.typ = a.Value
		case "s":
			if _, err := strconv.ParseInt(a.Value, 10, 64); err != nil {
				// excelize stops reading the cell here: it is empty, and
				// what it holds is read as if it stood in the row.
				s.inCell = false
				return s.place(false)
			}
		}
	}
	return nil
}

// cellStart handles an element inside a cell: the value (<v>), formula
// (<f>) and inline string (<is>) are found at any depth, as excelize does.
func (s *sheetScan) cellStart(el xml.StartElement) {
	d := s.x.depth
	switch s.capture {
	case capNone:
		switch el.Name.Local {
		case "v":
			s.capture, s.capDepth, s.hasV, s.v = capV, d, true, s.v[:0]
		case "f":
			s.capture, s.capDepth, s.hasF, s.f = capF, d, true, s.f[:0]
		case "is":
			if s.isIS {
				s.is.reopen(d)
			} else {
				s.is.reset(d)
			}
			s.capture, s.capDepth, s.isIS = capIS, d, true
		}
	case capIS:
		s.is.start(el.Name.Local, d)
	}
}

func (s *sheetScan) text(b []byte) {
	d := s.x.depth
	switch s.capture {
	case capV:
		if d == s.capDepth {
			s.v = append(s.v, b...)
		}
	case capF:
		if d == s.capDepth {
			s.f = append(s.f, b...)
		}
	case capIS:
		s.is.text(b, d)
	}
}

func (s *sheetScan) cellEnd(el xml.EndElement) error {
	d := s.x.depth + 1 // the depth of the element that ended
	switch {
	case s.capture == capNone:
		if el.Name.Local == "c" {
			s.inCell = false
			return s.place(true)
		}
	case d == s.capDepth:
		s.capture = capNone
	case s.capture == capIS:
		s.is.end(d)
	}
	return nil
}

// place puts the cell just read at its position: inside the area it is
// kept, outside it is counted when not empty. read is false for a cell
// excelize stops reading at its attributes (it stays empty).
func (s *sheetScan) place(read bool) error {
	s.col++
	if s.ref != "" {
		col, _, ok := cellRef(s.ref)
		if !ok {
			return errBadRef
		}
		s.col = col
	}
	if !read {
		return nil
	}
	value := ""
	switch s.typ {
	case "s":
		if len(s.v) > 0 {
			i, _ := strconv.Atoi(strings.TrimSpace(string(s.v)))
			if i >= 0 && i < len(s.sst) {
				value = s.sst[i]
			}
		}
	case "inlineStr":
		if s.isIS {
			value = s.is.value()
			break
		}
		fallthrough
	default:
		value = string(s.v)
	}
	if value == "" && !s.hasF {
		return nil
	}
	pos := max(s.col, s.last+1)
	s.last = pos
	if s.line > s.lim.MaxRows || pos > s.lim.MaxColumns {
		s.outsideCell(pos, value)
		return nil
	}
	// The text of every cell kept counts, a shared string's too: the rest
	// of the reader goes over each cell's text, and a long shared string
	// shown in every cell of the area would otherwise cost its length
	// times the number of cells.
	if err := s.b.keep(len(value), s.name); err != nil {
		return err
	}
	for len(s.cells) < pos-1 {
		s.cells = append(s.cells, "")
	}
	s.cells = append(s.cells, value)
	if s.wantExtras && s.hasF && !s.hasV && !s.isIS && len(s.f) > 0 {
		if err := s.b.keep(len(s.f), s.name); err != nil {
			return err
		}
		s.extras.formulas[cellPos{s.line, pos}] = string(s.f)
	}
	return nil
}

// outsideCell counts a cell outside the area, unless it only holds spaces.
// Whether there are too many is decided once the whole sheet is read, so
// that the unit is told how many there are.
func (s *sheetScan) outsideCell(pos int, value string) {
	if !s.hasF && strings.TrimFunc(value, isTrim) == "" {
		return
	}
	if s.outside++; s.outside == 1 {
		s.firstOutside = reports.Cell(pos, s.line)
	}
}

// merge records a merged range whose first cell is inside the area.
func (s *sheetScan) merge(el xml.StartElement) {
	first, last, ok := strings.Cut(attr(el, "ref"), ":")
	if !ok {
		return
	}
	c1, r1, ok1 := cellRef(first)
	c2, _, ok2 := cellRef(last)
	if ok1 && ok2 && r1 <= s.lim.MaxRows && c1 <= s.lim.MaxColumns {
		s.extras.merges[cellPos{r1, c1}] = c2
	}
}

// attr returns an attribute's value by local name.
func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
