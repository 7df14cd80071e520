package compile

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

func TestCompileYearGolden(t *testing.T) {
	data := compileBytes(t, reportstest.CompileYearInput())
	testtools.Golden(t, filepath.Join("testdata", "compile_year.golden"), []byte(dumpCompiled(t, data)+dumpCompiledCharts(t, data)))
}

// compileChartPart is what the golden dump shows of a chart part.
type compileChartPart struct {
	Title    []string   `xml:"chart>title>tx>rich>p>r>t"`
	Legend   compileVal `xml:"chart>legend>legendPos"`
	BarChart []struct {
		Dir      compileVal `xml:"barDir"`
		Grouping compileVal `xml:"grouping"`
		Series   []struct {
			Name   string     `xml:"tx>strRef>f"`
			CatStr string     `xml:"cat>strRef>f"`
			CatNum string     `xml:"cat>numRef>f"`
			Values string     `xml:"val>numRef>f"`
			Color  compileVal `xml:"spPr>solidFill>srgbClr"`
		} `xml:"ser"`
	} `xml:"chart>plotArea>barChart"`
}

type compileVal struct {
	Val string `xml:"val,attr"`
}

// compileSheetChartParts returns the chart parts a sheet shows, following
// the links a viewer follows: the sheet's <drawing> element, the sheet's
// relationships to its drawing, the drawing's to its charts.
func compileSheetChartParts(t testing.TB, parts testtools.Parts, sheet string) []string {
	t.Helper()
	part := parts.SheetParts(t)[sheet]
	if !bytes.Contains(parts[part], []byte("<drawing ")) {
		return nil // parts without the link are invisible in Excel
	}
	var charts []string
	for _, drawing := range parts.Targets(t, part, "drawing") {
		charts = append(charts, parts.Targets(t, drawing, "chart")...)
	}
	slices.Sort(charts)
	return charts
}

// dumpCompiledCharts renders the charts of the chart sheet for golden files.
func dumpCompiledCharts(t testing.TB, data []byte) string {
	t.Helper()
	parts := testtools.ZipParts(t, data)
	var b strings.Builder
	fmt.Fprintf(&b, "\n== charts of %s ==\n", sheetCharts)
	for _, name := range compileSheetChartParts(t, parts, sheetCharts) {
		var c compileChartPart
		if err := xml.Unmarshal(parts[name], &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s: title=%q legend=%s\n", name, strings.Join(c.Title, ""), c.Legend.Val)
		for _, bc := range c.BarChart {
			fmt.Fprintf(&b, "  bar dir=%s grouping=%s\n", bc.Dir.Val, bc.Grouping.Val)
			for _, s := range bc.Series {
				fmt.Fprintf(&b, "    series name=%s categories=%s%s values=%s color=%s\n", s.Name, s.CatStr, s.CatNum, s.Values, s.Color.Val)
			}
		}
	}
	return b.String()
}

func TestCompileCharts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         reports.CompileInput
		months     int
		categories int
	}{
		{"a year of six months", reportstest.CompileYearInput(), 6, 3},
		{"no year given: the compiled period alone", reportstest.CompileInput(), 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := compileBytes(t, tc.in)
			parts := testtools.ZipParts(t, data)
			charts := compileSheetChartParts(t, parts, sheetCharts)
			if len(charts) != 2 {
				t.Fatalf("%s shows charts %q, want 2", sheetCharts, charts)
			}
			// Each chart prints on a page of its own, the tables after them.
			sheetXML := parts[parts.SheetParts(t)[sheetCharts]]
			if n := bytes.Count(sheetXML, []byte("<brk ")); n != 2 {
				t.Errorf("%s has %d page breaks, want 2", sheetCharts, n)
			}
			f := openCompiled(t, data)
			wantPoints := []int{tc.months, tc.categories}
			for i, name := range charts {
				var c compileChartPart
				if err := xml.Unmarshal(parts[name], &c); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(c.BarChart) != 1 || c.BarChart[0].Grouping.Val != "stacked" || c.Legend.Val != "b" {
					t.Fatalf("%s: want one stacked bar chart with its legend at the bottom, got %+v", name, c)
				}
				for _, s := range c.BarChart[0].Series {
					// Every value a series draws is a number on the chart sheet.
					cells := compileRefCells(t, s.Values)
					if len(cells) != wantPoints[i] {
						t.Errorf("%s series %s draws %d points, want %d", name, s.Name, len(cells), wantPoints[i])
					}
					for _, cell := range cells {
						typ, err := f.GetCellType(sheetCharts, cell)
						if err != nil {
							t.Fatal(err)
						}
						if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
							t.Errorf("%s!%s type = %v, want a number", sheetCharts, cell, typ)
						}
					}
				}
			}
		})
	}
}

// compileRefCells expands a chart reference like '图表'!$B$30:$B$35 into
// its cells.
func compileRefCells(t testing.TB, ref string) []string {
	t.Helper()
	_, rng, ok := strings.Cut(ref, "!")
	if !ok {
		t.Fatalf("reference %q has no sheet", ref)
	}
	rng = strings.ReplaceAll(rng, "$", "")
	from, to, ok := strings.Cut(rng, ":")
	if !ok {
		to = from
	}
	c1, r1, err := excelize.CellNameToCoordinates(from)
	if err != nil {
		t.Fatal(err)
	}
	c2, r2, err := excelize.CellNameToCoordinates(to)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for c := c1; c <= c2; c++ {
		for r := r1; r <= r2; r++ {
			name, _ := excelize.CoordinatesToCellName(c, r)
			cells = append(cells, name)
		}
	}
	return cells
}
