package template_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/reports/internal/reportstest"
)

// dumpWorkbook renders a workbook as normalised text for golden files: per
// sheet its state, dimension, protection, panes, page setup, column widths,
// row heights, merged ranges, data validations, and every cell with a value
// or a style — value, type, formula and style essentials. Zip bytes, style
// ids and timestamps never appear, so the dump changes only when what a
// user sees changes.
func dumpWorkbook(t testing.TB, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("dumpWorkbook: open: %v", err)
	}
	defer f.Close()
	raw := dumpRawSheets(t, data)

	var b strings.Builder
	sheets := f.GetSheetList()
	active := f.GetActiveSheetIndex()
	fmt.Fprintf(&b, "workbook: %d sheets, active %q\n", len(sheets), f.GetSheetName(active))
	names := f.GetDefinedName()
	sort.Slice(names, func(i, j int) bool { return names[i].Name+names[i].Scope < names[j].Name+names[j].Scope })
	for _, dn := range names {
		fmt.Fprintf(&b, "defined name %s scope=%q refers=%s\n", dn.Name, dn.Scope, dn.RefersTo)
	}
	for _, sh := range sheets {
		dumpSheet(t, &b, f, sh, raw[sh])
	}
	return b.String()
}

func dumpSheet(t testing.TB, b *strings.Builder, f *excelize.File, sh string, raw dumpRaw) {
	t.Helper()
	visible, err := f.GetSheetVisible(sh)
	if err != nil {
		t.Fatalf("dumpWorkbook: %s visible: %v", sh, err)
	}
	state := "visible"
	if !visible {
		state = "hidden"
	}
	fmt.Fprintf(b, "\n== sheet %q (%s)\n", sh, state)
	fmt.Fprintf(b, "dimension %s\n", raw.dimension)
	if raw.protection != "" {
		fmt.Fprintf(b, "protection %s\n", raw.protection)
	}
	if panes, err := f.GetPanes(sh); err == nil && (panes.Freeze || panes.Split) {
		fmt.Fprintf(b, "panes freeze=%v x=%d y=%d top_left=%s\n", panes.Freeze, panes.XSplit, panes.YSplit, panes.TopLeftCell)
	}
	if pl, err := f.GetPageLayout(sh); err == nil {
		fmt.Fprintf(b, "page size=%s orientation=%s fit_width=%s fit_height=%s\n",
			dumpPtr(pl.Size), dumpPtr(pl.Orientation), dumpPtr(pl.FitToWidth), dumpPtr(pl.FitToHeight))
	}
	if props, err := f.GetSheetProps(sh); err == nil && props.FitToPage != nil {
		fmt.Fprintf(b, "fit_to_page %v\n", *props.FitToPage)
	}
	if hf, err := f.GetHeaderFooter(sh); err == nil && hf != nil && (hf.OddHeader != "" || hf.OddFooter != "") {
		fmt.Fprintf(b, "header %q footer %q\n", hf.OddHeader, hf.OddFooter)
	}

	values, maxCol, maxRow := dumpValues(t, f, sh, raw.dimension)
	var cols []string
	for c := 1; c <= maxCol; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		w, _ := f.GetColWidth(sh, name)
		cols = append(cols, fmt.Sprintf("%s=%g", name, w))
	}
	fmt.Fprintf(b, "cols %s\n", strings.Join(cols, " "))
	var hidden []string
	for c := 1; c <= maxCol; c++ {
		name, _ := excelize.ColumnNumberToName(c)
		if visible, _ := f.GetColVisible(sh, name); !visible {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) > 0 {
		fmt.Fprintf(b, "hidden cols %s\n", strings.Join(hidden, " "))
	}
	var rows []string
	for r := 1; r <= maxRow; r++ {
		h, _ := f.GetRowHeight(sh, r)
		rows = append(rows, fmt.Sprintf("%d=%g", r, h))
	}
	fmt.Fprintf(b, "rows %s\n", strings.Join(rows, " "))
	if raw.autoRows != "" {
		fmt.Fprintf(b, "rows fitted to their text when edited %s\n", raw.autoRows)
	}

	merges, _ := f.GetMergeCells(sh, true)
	var mr []string
	for _, m := range merges {
		mr = append(mr, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(mr)
	for _, m := range mr {
		fmt.Fprintf(b, "merge %s\n", m)
	}
	dvs, _ := f.GetDataValidations(sh)
	sort.Slice(dvs, func(i, j int) bool { return dvs[i].Sqref < dvs[j].Sqref })
	for _, dv := range dvs {
		fmt.Fprintf(b, "validation %s type=%s formula=%s allow_blank=%v error(%v %s %q %q) prompt(%v %q %q)\n",
			dv.Sqref, dv.Type, dv.Formula1, dv.AllowBlank,
			dv.ShowErrorMessage, dumpPtr(dv.ErrorStyle), dumpPtr(dv.ErrorTitle), dumpPtr(dv.Error),
			dv.ShowInputMessage, dumpPtr(dv.PromptTitle), dumpPtr(dv.Prompt))
	}

	for r := 1; r <= maxRow; r++ {
		for c := 1; c <= maxCol; c++ {
			cell, _ := excelize.CoordinatesToCellName(c, r)
			v := values[cell]
			formula, _ := f.GetCellFormula(sh, cell)
			styleID, _ := f.GetCellStyle(sh, cell)
			if v == "" && formula == "" && styleID == 0 {
				continue
			}
			typ, _ := f.GetCellType(sh, cell)
			line := fmt.Sprintf("%s %s %s", cell, dumpCellType(typ), strconv.Quote(v))
			if formula != "" {
				line += " formula=" + strconv.Quote(formula)
			}
			fmt.Fprintf(b, "%s [%s]\n", line, dumpStyle(t, f, styleID))
		}
	}
}

// dumpValues reads the raw cell values (merged ranges keep theirs in the
// first cell only) and the range to walk: the larger of the recorded
// dimension and the cells actually present.
func dumpValues(t testing.TB, f *excelize.File, sh, dimension string) (values map[string]string, maxCol, maxRow int) {
	t.Helper()
	values = map[string]string{}
	if _, end, ok := strings.Cut(dimension, ":"); ok {
		maxCol, maxRow, _ = excelize.CellNameToCoordinates(end)
	} else if dimension != "" {
		maxCol, maxRow, _ = excelize.CellNameToCoordinates(dimension)
	}
	rows, err := f.Rows(sh)
	if err != nil {
		t.Fatalf("dumpWorkbook: rows of %s: %v", sh, err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			t.Fatalf("dumpWorkbook: %s row %d: %v", sh, n, err)
		}
		for c, v := range cells {
			if v != "" {
				cell, _ := excelize.CoordinatesToCellName(c+1, n)
				values[cell] = v
			}
		}
		if len(cells) > 0 {
			maxRow = max(maxRow, n)
			maxCol = max(maxCol, len(cells))
		}
	}
	return values, maxCol, maxRow
}

func dumpCellType(typ excelize.CellType) string {
	switch typ {
	case excelize.CellTypeSharedString:
		return "s"
	case excelize.CellTypeInlineString:
		return "inline"
	case excelize.CellTypeFormula:
		return "str"
	case excelize.CellTypeNumber:
		return "n"
	case excelize.CellTypeBool:
		return "b"
	case excelize.CellTypeDate:
		return "d"
	case excelize.CellTypeError:
		return "e"
	}
	return "-"
}

// dumpStyle names what a style shows: font, alignment, fill, borders,
// number format, and whether the cell is locked.
func dumpStyle(t testing.TB, f *excelize.File, id int) string {
	t.Helper()
	s, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("dumpWorkbook: style %d: %v", id, err)
	}
	var parts []string
	if s.Font != nil {
		font := fmt.Sprintf("font=%s/%g", s.Font.Family, s.Font.Size)
		if s.Font.Bold {
			font += "/bold"
		}
		if s.Font.Color != "" {
			font += "/" + s.Font.Color
		}
		parts = append(parts, font)
	}
	if a := s.Alignment; a != nil {
		align := fmt.Sprintf("align=%s/%s", dumpOr(a.Horizontal, "general"), dumpOr(a.Vertical, "bottom"))
		if a.WrapText {
			align += "/wrap"
		}
		parts = append(parts, align)
	}
	parts = append(parts, reportstest.FillAndBorder(s)...)
	if s.NumFmt != 0 {
		parts = append(parts, fmt.Sprintf("numfmt=%d", s.NumFmt))
	}
	if s.CustomNumFmt != nil {
		parts = append(parts, "numfmt="+strconv.Quote(*s.CustomNumFmt))
	}
	locked := s.Protection == nil || s.Protection.Locked
	if locked {
		parts = append(parts, "locked")
	} else {
		parts = append(parts, "unlocked")
	}
	return strings.Join(parts, " ")
}

func dumpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func dumpPtr[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// dumpRaw is what the dump reads from a worksheet's XML directly, because
// excelize either does not expose it or reports it differently.
type dumpRaw struct {
	dimension  string // as written, "" when absent
	protection string // sheetProtection attributes, sorted; "" when absent
	// autoRows are the rows with a height not marked as set by hand
	// (customHeight), as ranges: "7-9 12".
	autoRows string
}

// dumpRawSheets maps each sheet name to facts read from its XML part.
func dumpRawSheets(t testing.TB, data []byte) map[string]dumpRaw {
	t.Helper()
	parts := testtools.ZipParts(t, data)
	out := map[string]dumpRaw{}
	for name, part := range parts.SheetParts(t) {
		out[name] = dumpRawSheet(t, parts[part])
	}
	return out
}

func dumpRawSheet(t testing.TB, sheetXML []byte) dumpRaw {
	t.Helper()
	var raw dumpRaw
	var auto []int
	dec := xml.NewDecoder(bytes.NewReader(sheetXML))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			raw.autoRows = dumpRanges(auto)
			return raw
		}
		if err != nil {
			t.Fatalf("dumpWorkbook: sheet xml: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "dimension":
			for _, a := range se.Attr {
				if a.Name.Local == "ref" {
					raw.dimension = a.Value
				}
			}
		case "sheetProtection":
			var attrs []string
			for _, a := range se.Attr {
				v := a.Value
				if a.Name.Local == "hashValue" || a.Name.Local == "saltValue" {
					v = "…" // random salt: present or not is what matters
				}
				attrs = append(attrs, a.Name.Local+"="+v)
			}
			slices.Sort(attrs)
			raw.protection = strings.Join(attrs, " ")
		case "row":
			var r, ht, custom string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "r":
					r = a.Value
				case "ht":
					ht = a.Value
				case "customHeight":
					custom = a.Value
				}
			}
			if n, err := strconv.Atoi(r); err == nil && ht != "" && custom != "1" && custom != "true" {
				auto = append(auto, n)
			}
			if err := dec.Skip(); err != nil {
				t.Fatalf("dumpWorkbook: sheet xml: %v", err)
			}
		}
	}
}

// dumpRanges writes ascending numbers as ranges: "7-9 12".
func dumpRanges(ns []int) string {
	var out []string
	for i := 0; i < len(ns); i++ {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		} else {
			out = append(out, strconv.Itoa(ns[i]))
		}
		i = j
	}
	return strings.Join(out, " ")
}
