package compile

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/reports/internal/reportstest"
)

// printDir holds the pictures of the compiled workbook's pages README shows.
var printDir = filepath.Join("..", "..", "docs", "office")

// minScale is the smallest print scale a sheet may have: smaller, and the
// 11-point text is hard to read on paper.
const minScale = 0.80

// printedPage is one page of the workbook as LibreOffice prints it.
type printedPage struct {
	number int    // 1-based, in the PDF
	sheet  string // the sheet it prints, from its title row
	text   string // pdftotext -layout, without spaces
	words  []printedWord
}

// printedWord is a word of a page with its box, in points.
type printedWord struct {
	text       string
	xMin, xMax float64
}

var bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>`)

// printedPages reads every page of a PDF of the workbook back with
// pdftotext, naming the sheet each page belongs to by the title its
// repeated first row carries.
func printedPages(t *testing.T, pdf string, titles map[string]string) []printedPage {
	t.Helper()
	pdftotext := testtools.Poppler(t, "pdftotext")
	texts := strings.Split(string(testtools.Run(t, pdftotext, "-layout", pdf, "-")), "\f")
	boxes := strings.Split(string(testtools.Run(t, pdftotext, "-bbox", pdf, "-")), "</page>")
	var pages []printedPage
	for i, text := range texts {
		if strings.TrimSpace(text) == "" {
			continue // after the last form feed
		}
		p := printedPage{number: i + 1, text: strings.Join(strings.Fields(text), "")}
		first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		first = strings.Join(strings.Fields(first), "")
		for sheet, title := range titles {
			if strings.Contains(first, title) {
				p.sheet = sheet
			}
		}
		if p.sheet == "" {
			t.Fatalf("page %d begins with %q: no sheet's title", p.number, first)
		}
		if i < len(boxes) {
			for _, m := range bboxWord.FindAllStringSubmatch(boxes[i], -1) {
				x0, _ := strconv.ParseFloat(m[1], 64)
				x1, _ := strconv.ParseFloat(m[2], 64)
				p.words = append(p.words, printedWord{text: m[3], xMin: x0, xMax: x1})
			}
		}
		pages = append(pages, p)
	}
	return pages
}

// printScale is the scale a sheet printed at, measured on its pages: a
// bold 11-point header word of two Chinese characters (序号, 项目, 月份) is
// 22 points wide at 100 %. LibreOffice writes scale="100" for a sheet fitted
// to the page width whatever it printed at, so the page setup cannot tell.
func printScale(pages []printedPage) (float64, bool) {
	for _, p := range pages {
		for _, w := range p.words {
			switch w.text {
			case "序号", "项目", "月份":
				return (w.xMax - w.xMin) / 22, true
			}
		}
	}
	return 0, false
}

// TestCompilePrinted has LibreOffice print the workbook to PDF and save it
// again, and checks what a reader of the paper gets: the sheets in order,
// each printed at 80 % or more of its size, 明细 over several pages with its
// title and header rows on every one, the page setup and the repeated rows
// kept in the saved copy, and the charts still there. With -update the first
// page of 汇总 and of 明细 are drawn (pdftoppm -r 80) into docs/office, where
// README shows them.
func TestCompilePrinted(t *testing.T) {
	src := filepath.Join(t.TempDir(), "compiled.xlsx")
	in := reportstest.CompileYearInput()
	if err := os.WriteFile(src, compileBytes(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf := testtools.Convert(t, src, "pdf")
	label := in.Period.Label()
	titles := map[string]string{
		sheetSummary: label + "推进情况汇总（", sheetDetail: label + "推进情况明细（", sheetLog: label + "报送情况（",
		sheetMoM: label + "推进情况环比（", sheetYear: label + "全年推进概览（", sheetIndicators: label + "量化指标完成情况（",
		sheetCharts: label + "图表（", sheetProblems: label + "存在问题清单（",
	}
	pages := printedPages(t, pdf, titles)

	bySheet := map[string][]printedPage{}
	var order []string
	for _, p := range pages {
		if len(bySheet[p.sheet]) == 0 {
			order = append(order, p.sheet)
		}
		bySheet[p.sheet] = append(bySheet[p.sheet], p)
	}
	want := []string{sheetSummary, sheetDetail, sheetLog, sheetMoM, sheetYear, sheetIndicators, sheetCharts, sheetProblems}
	if !slices.Equal(order, want) {
		t.Errorf("sheets as printed = %q, want %q", order, want)
	}
	for _, sheet := range want {
		scale, ok := printScale(bySheet[sheet])
		switch {
		case !ok:
			t.Errorf("%s: no header word to measure the print scale by", sheet)
		case scale < minScale:
			t.Errorf("%s prints at %.0f %%, want at least %.0f %%", sheet, 100*scale, 100*minScale)
		default:
			t.Logf("%s: %d pages at %.0f %%", sheet, len(bySheet[sheet]), 100*scale)
		}
	}
	detail := bySheet[sheetDetail]
	if len(detail) < 2 {
		t.Fatalf("明细 prints on %d page, want at least 2 to see its header rows repeated", len(detail))
	}
	for i, p := range detail {
		for _, h := range []string{"序号", "重点任务", "牵头单位", "本月进展", "完成状态", "预警", "存在问题", "下步计划", "报送时间"} {
			if !strings.Contains(p.text, h) {
				t.Errorf("page %d (明细 page %d of %d) lacks the header %s", p.number, i+1, len(detail), h)
			}
		}
	}
	if last := detail[len(detail)-1]; !strings.Contains(last.text, in.Plan.Tasks[len(in.Plan.Tasks)-1].Title) {
		t.Errorf("the last page of 明细 lacks the last task")
	}

	checkResaved(t, testtools.Convert(t, src, "xlsx"), want)
	printPictures(t, pdf, map[string]int{
		"compiled-summary.png": bySheet[sheetSummary][0].number,
		"compiled-detail.png":  detail[0].number,
	})
}

// checkResaved checks the copy LibreOffice saved: each sheet still on A4
// landscape fitted to the page width, its header rows still repeated, and
// the charts still linked from the chart sheet.
func checkResaved(t *testing.T, path string, sheets []string) {
	t.Helper()
	resaved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := openCompiled(t, resaved)
	titles := map[string]string{}
	for _, n := range f.GetDefinedName() {
		if n.Name == "_xlnm.Print_Titles" {
			titles[n.Scope] = n.RefersTo
		}
	}
	for _, sheet := range sheets {
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatalf("LibreOffice copy: GetPageLayout(%s): %v", sheet, err)
		}
		if *layout.Size != 9 || *layout.Orientation != "landscape" || compileDumpInt(layout.FitToWidth) != "1" || compileDumpInt(layout.FitToHeight) != "0" {
			t.Errorf("LibreOffice copy: %s page = size %d %s fit %s×%s, want A4 (9) landscape fit 1×0",
				sheet, *layout.Size, *layout.Orientation, compileDumpInt(layout.FitToWidth), compileDumpInt(layout.FitToHeight))
		}
		if !strings.Contains(titles[sheet], "$1:$") {
			t.Errorf("LibreOffice copy: %s repeats rows %q, want its header rows", sheet, titles[sheet])
		}
	}

	parts := testtools.ZipParts(t, resaved)
	charts := compileSheetChartParts(t, parts, sheetCharts)
	if len(charts) != 2 {
		t.Fatalf("LibreOffice copy: %s shows charts %q, want 2", sheetCharts, charts)
	}
	names := map[string]bool{}
	for _, name := range charts {
		var c compileChartPart
		if err := xml.Unmarshal(parts[name], &c); err != nil {
			t.Fatalf("LibreOffice copy %s: %v", name, err)
		}
		names[strings.Join(c.Title, "")] = true
		if len(c.BarChart) != 1 || len(c.BarChart[0].Series) == 0 {
			t.Errorf("LibreOffice copy %s: want a bar chart with series, got %+v", name, c)
		}
	}
	for _, want := range []string{"各月报送时效（单位数）", "2023年6月各类任务推进状态（项）"} {
		if !names[want] {
			t.Errorf("LibreOffice copy: no chart titled %q (titles %v)", want, names)
		}
	}
}

// printPictures draws pages of the PDF, by picture name, into docs/office
// with -update; without it, checks the pictures are there.
func printPictures(t *testing.T, pdf string, pages map[string]int) {
	t.Helper()
	if !testtools.Update() {
		for name := range pages {
			if _, err := os.Stat(filepath.Join(printDir, name)); err != nil {
				t.Errorf("%s: %v (run the test with -update)", name, err)
			}
		}
		return
	}
	pdftoppm := testtools.Poppler(t, "pdftoppm")
	if err := os.MkdirAll(printDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, page := range pages {
		out := filepath.Join(printDir, strings.TrimSuffix(name, ".png"))
		n := fmt.Sprint(page)
		testtools.Run(t, pdftoppm, "-png", "-r", "80", "-f", n, "-l", n, "-singlefile", pdf, out)
	}
}
