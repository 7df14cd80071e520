package reader

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/compile"
	"github.com/duban/duban/reports/internal/reportstest"
)

// The streaming reader replaced excelize's Rows/Columns iterator; the
// differential test keeps excelize as the oracle of what cell values are.

// tDiffArea is the area compared: larger than the reader's default, so
// that the compiled workbooks are compared whole.
var tDiffLimits = reports.Limits{MaxRows: 100_000, MaxColumns: 1024}.WithDefaults()

// tSheetValues is one sheet as read: its visibility and its non-empty
// cell values inside the area, or that it could not be read.
type tSheetValues struct {
	Name    string
	Visible bool
	Cells   map[cellPos]string
	Err     error
}

// tOracleSheets reads every sheet of a workbook with excelize, as Parse
// used to: Rows and Columns, raw cell values.
func tOracleSheets(data []byte, lim reports.Limits) ([]tSheetValues, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []tSheetValues
	for _, name := range f.GetSheetList() {
		visible, _ := f.GetSheetVisible(name)
		s := tSheetValues{Name: name, Visible: visible, Cells: map[cellPos]string{}}
		s.Err = func() error {
			rows, err := f.Rows(name)
			if err != nil {
				return err
			}
			defer rows.Close()
			for n := 1; rows.Next(); n++ {
				cols, err := rows.Columns()
				if err != nil {
					return err
				}
				for i, v := range cols {
					if v != "" && n <= lim.MaxRows && i < lim.MaxColumns {
						s.Cells[cellPos{n, i + 1}] = v
					}
				}
			}
			return rows.Error()
		}()
		out = append(out, s)
	}
	return out, nil
}

// tStreamSheets reads every sheet of a workbook with the streaming reader,
// values as read (not cleaned).
func tStreamSheets(data []byte, lim reports.Limits) ([]tSheetValues, error) {
	b, err := openBook(data, &lim)
	if err != nil {
		return nil, err
	}
	var out []tSheetValues
	for _, ref := range b.sheets {
		s := tSheetValues{Name: ref.name, Visible: ref.visible(), Cells: map[cellPos]string{}}
		sc := &sheetScan{keepRaw: true, wantExtras: true, onLine: func(l line) bool {
			for i, v := range l.cells {
				if v != "" {
					s.Cells[cellPos{l.n, i + 1}] = v
				}
			}
			return true
		}}
		s.Err = b.scanSheet(ref, sc)
		out = append(out, s)
	}
	return out, nil
}

// tDiffWorkbook is one workbook to compare.
type tDiffWorkbook struct {
	name string
	data []byte
	// diverges names sheets the streaming reader reads on purpose where
	// excelize cannot (see the cases).
	diverges []string
}

// tDiffWorkbooks returns every kind of workbook the package's tests build
// or load: templates, filled and edited replies, LibreOffice's re-saves,
// compiled workbooks, odd hand-written XML, and the foreign corpus.
func tDiffWorkbooks(t *testing.T) []tDiffWorkbook {
	t.Helper()
	var out []tDiffWorkbook
	add := func(name string, data []byte, diverges ...string) {
		out = append(out, tDiffWorkbook{name: name, data: data, diverges: diverges})
	}
	// Templates, as TestBuildTemplateGolden builds them.
	formulaLike := reportstest.Input(3)
	formulaLike.Tasks[0].Title = "=HYPERLINK(\"http://evil.example\",\"点击\")"
	formulaLike.Tasks[1].Requirement = "+86 热线；-号开头；@提及"
	formulaLike.Tasks[2].Requirement = "  前后有空格，且\n有换行  "
	formulaLike.Previous = map[string]plan.Answer{formulaLike.Tasks[1].ID: {Progress: "=1+1"}}
	for _, n := range []int{1, 2, 5, 12} {
		add(fmt.Sprintf("template %d tasks", n), reportstest.Build(t, reportstest.Input(n)))
	}
	add("template formula-like", reportstest.Build(t, formulaLike))
	add("template closed+indicators", reportstest.Build(t, reportstest.ExtInput()))

	// Filled replies, with the edits of TestRoundTrip.
	in := reportstest.Input(5)
	template := reportstest.Build(t, in)
	filled := tFill(t, template, tDefaultFill(in))
	add("filled", filled)
	add("filled, inline strings", tInlineStrings(t, filled))
	edit := func(name string, fn func(f *excelize.File)) {
		f := reportstest.Open(t, filled)
		fn(f)
		add(name, reportstest.Save(t, f))
	}
	edit("filled, rich text", func(f *excelize.File) {
		reportstest.Must(t, f.SetCellRichText(reports.SheetForm, "F7", []excelize.RichTextRun{
			{Text: "一是", Font: &excelize.Font{Bold: true}}, {Text: "完成；"}, {Text: "\n二是开工。"}}))
	})
	edit("filled, rows inserted and columns swapped", func(f *excelize.File) {
		reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
		tSwapColumns(t, f, "F", "I", 11)
		reportstest.Must(t, f.InsertRows(reports.SheetForm, 9, 2))
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, "A30", ""))
	})
	edit("filled, formulas and numbers", func(f *excelize.File) {
		reportstest.Must(t, f.SetCellFormula(reports.SheetForm, "H7", "A1&\"x\""))
		reportstest.Must(t, f.SetCellValue(reports.SheetForm, reportstest.FootCell(in, reports.LabelPhone), 13800138000))
		reportstest.Must(t, f.SetCellValue(reports.SheetForm, "H10", 0.5))
		reportstest.Must(t, f.SetCellBool(reports.SheetForm, "K10", true))
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, "G8", " 滞后\r\n_x0041_ "))
	})
	add("filled, cached formula", tCacheFormula(t, func() []byte {
		f := reportstest.Open(t, filled)
		reportstest.Must(t, f.SetCellDefault(reports.SheetForm, "H8", ""))
		reportstest.Must(t, f.SetCellFormula(reports.SheetForm, "H8", "J8"))
		return reportstest.Save(t, f)
	}(), "H8", "T06"))
	ext := tExtWorkbook(t, reportstest.ExtInput(), tExtFill{answers: true, counts: []any{2, "1次", 0}, until: 45097, reason: "部分数据待核实"})
	add("filled, indicators and extension", ext)
	if filledFn, err := Fill(reportstest.Build(t, reportstest.ExtInput()), "李四", "13900001111", tDefaultFill(reportstest.ExtInput()).answers); err == nil {
		add("Fill", filledFn)
	} else {
		t.Fatalf("Fill: %v", err)
	}
	// LibreOffice's re-saves, when it is installed (Convert would skip
	// the whole test otherwise).
	if _, err := exec.LookPath("soffice"); err == nil {
		src := filepath.Join(t.TempDir(), "book.xlsx")
		reportstest.Must(t, os.WriteFile(src, ext, 0o644))
		resaved, err := os.ReadFile(testtools.Convert(t, src, "xlsx"))
		reportstest.Must(t, err)
		add("LibreOffice re-save", resaved)
	}

	// The largest template the area holds, every cell up to AF in use.
	big := reportstest.Input(5000 - reports.FootGap - reports.FirstRow - 1) // the foot on row 5000
	add("4,995 tasks, area full", tFullArea(t, tFill(t, reportstest.Build(t, big), tDefaultFill(big)), reports.Limits{}, "满"))

	// Compiled workbooks.
	compiled := func(in reports.CompileInput) []byte {
		var b bytes.Buffer
		reportstest.Must(t, compile.Compile(&b, in))
		return b.Bytes()
	}
	add("compiled", compiled(reportstest.CompileInput()))
	add("compiled, year", compiled(reportstest.CompileYearInput()))

	// Hand-written XML that exercises the odd corners of the format.
	add("quirks", tQuirksWorkbook(t), "语法错误")
	add("filled, Strict OOXML", tStrict(t, filled))
	add("filled, prefixed elements", tPrefixed(t, filled))
	add("wide, small", tHostileWorkbook(t, template, tWideRows(20, 60)))
	add("nested, shallow", tHostileWorkbook(t, template, tNestedRow(30, 10)))

	// The foreign corpus.
	dir := testtools.Shared(t, "corpus/foreign-xlsx")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		reportstest.Must(t, err)
		add(filepath.Base(file), data)
	}
	if data, err := os.ReadFile(filepath.Join("..", "..", "mail", "inbound", "testdata", "clients", "reply.xlsx")); err == nil {
		add("mail client reply.xlsx", data)
	}
	return out
}

// TestReaderMatchesExcelize compares, for every workbook of
// tDiffWorkbooks and every sheet, the cell values the streaming reader
// gives with those excelize's Rows/Columns give (RawCellValue).
func TestReaderMatchesExcelize(t *testing.T) {
	start := time.Now()
	var nBooks, nSheets, nCells int
	for _, wb := range tDiffWorkbooks(t) {
		t.Run(wb.name, func(t *testing.T) {
			want, oerr := tOracleSheets(wb.data, tDiffLimits)
			got, err := tStreamSheets(wb.data, tDiffLimits)
			if oerr != nil {
				// excelize refuses the file; the reader may be more
				// lenient, but must not crash.
				t.Logf("excelize cannot open it (%v); reader: %v", oerr, err)
				return
			}
			if err != nil {
				t.Fatalf("reader cannot open it: %v (excelize can)", err)
			}
			if len(got) != len(want) {
				t.Fatalf("reader lists %d sheets, excelize %d", len(got), len(want))
			}
			nBooks++
			for i, w := range want {
				g := got[i]
				if g.Name != w.Name || g.Visible != w.Visible {
					t.Errorf("sheet %d = %q visible %v, excelize %q visible %v", i, g.Name, g.Visible, w.Name, w.Visible)
					continue
				}
				if slices.Contains(wb.diverges, w.Name) {
					// excelize half-reads it; the reader refuses it.
					if g.Err == nil {
						t.Errorf("sheet %q: reader reads it, want an error", w.Name)
					}
					continue
				}
				if (g.Err != nil) != (w.Err != nil) {
					t.Errorf("sheet %q: reader error %v, excelize error %v", w.Name, g.Err, w.Err)
					continue
				}
				if w.Err != nil {
					continue
				}
				nSheets++
				nCells += len(w.Cells)
				for _, pos := range tSortedPos(w.Cells, g.Cells) {
					if gv, wv := g.Cells[pos], w.Cells[pos]; gv != wv {
						t.Errorf("sheet %q %s = %q, excelize %q", w.Name, reports.Cell(pos.col, pos.row), gv, wv)
					}
				}
			}
		})
	}
	t.Logf("compared %d workbooks, %d sheets, %d non-empty cells in %v", nBooks, nSheets, nCells, time.Since(start).Round(time.Millisecond))
	if nBooks < 40 || nCells < 100_000 {
		t.Errorf("compared only %d workbooks and %d cells", nBooks, nCells)
	}
}

// tStrict rewrites a workbook into Strict OOXML's namespaces, as Excel's
// "Strict Open XML Spreadsheet" saves it.
func tStrict(t testing.TB, book []byte) []byte {
	t.Helper()
	r := strings.NewReplacer(
		"http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main",
		"http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships")
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		return []byte(r.Replace(string(b)))
	})
}

// tPrefixed rewrites the spreadsheet parts of a workbook with a namespace
// prefix on every element (<x:row>), as some producers write them.
func tPrefixed(t testing.TB, book []byte) []byte {
	t.Helper()
	tag := regexp.MustCompile(`<(/?)([A-Za-z][\w.-]*)([\s/>])`)
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if !strings.HasPrefix(name, "xl/") || strings.Contains(name, "_rels") || !strings.HasSuffix(name, ".xml") ||
			strings.Contains(name, "theme") || strings.Contains(name, "styles") {
			return nil
		}
		out := tag.ReplaceAll(b, []byte("<${1}x:${2}${3}"))
		return bytes.Replace(out, []byte(`xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`),
			[]byte(`xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`), 1)
	})
}

// tGBK encodes s in GBK.
func tGBK(t testing.TB, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	reportstest.Must(t, err)
	return b
}

// tSortedPos lists the positions of both maps, in order.
func tSortedPos(a, b map[cellPos]string) []cellPos {
	all := slices.Collect(maps.Keys(a))
	for p := range b {
		if _, ok := a[p]; !ok {
			all = append(all, p)
		}
	}
	slices.SortFunc(all, func(x, y cellPos) int {
		if x.row != y.row {
			return x.row - y.row
		}
		return x.col - y.col
	})
	return all
}

// tQuirksWorkbook is a workbook of hand-written XML: shared, inline and
// rich strings, phonetic runs, _xHHHH_ escapes, every cell type, rows and
// cells without numbers, out of order or repeated, prefixed and Strict
// namespaces, CDATA, a cell excelize stops reading, and a hidden and a
// very hidden sheet.
func tQuirksWorkbook(t testing.TB) []byte {
	t.Helper()
	const main = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheets := []struct{ name, state, target, xml string }{
		{"怪表", "", "worksheets/sheet1.xml", `<worksheet ` + main + `><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="D1" t="str"><v>文本&amp;&lt;</v></c>` +
			`<c><v>3.14</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="d"><v>2023-05-01T00:00:00</v></c>` +
			`<c t="n"><v>  7 </v></c></row>` +
			`<row><c t="inlineStr"><is><t>行二_x000D_换行</t></is></c><c r="C2" t="inlineStr"><is><r><t>富</t></r>` +
			`<r><rPr><b/></rPr><t xml:space="preserve"> 文本 </t></r><rPh sb="0" eb="1"><t>フ</t></rPh></is></c>` +
			`<c r="B2"><v>left of the last</v></c><c r="E2" s="3"/><c r="F2"><f>SUM(A1:B1)</f></c><c r="G2"><f>1+1</f><v>2</v></c>` +
			`<c r="H2" t="s"><v>2</v></c><c r="I2" t="s"><v>3</v></c></row>` +
			`<row r="4"><c r="A4" t="s"><v>abc</v></c><c r="B4" t="s"><v> 2 </v></c><c r="C4" t="s"><v>99</v></c>` +
			`<c r="D4" t="inlineStr"><v>no is</v></c><c r="E4" s="x"><v>dead</v></c><c r="F4"><v>1<x>2</x>3</v></c></row>` +
			`<row r="3"><c r="H3"><v>goes to row 4</v></c></row>` +
			`<row r="0"><c r="A5"><v>r zero</v></c></row>` +
			`<row r="7"><c r="A7" t="inlineStr"><is><t>one</t><t>two</t></is></c>` +
			`<c r="B7" t="inlineStr"><is><t>a</t></is><is><r><t>b</t></r></is></c>` +
			`<c r="C7"><v><![CDATA[<cdata> & ]]></v></c><c r="D7"><extLst><v>nested v</v></extLst></c>` +
			`<c r="E7" t="inlineStr"><is><r><t>x</t><t>y</t></r></is></c><c r="F7" t="inlineStr"><is><r><t>run</t></r><t>base</t></is></c>` +
			`<c r="g7"><v>lower</v></c><c r="$H$7"><v>absolute</v></c><c r="H7"><v>repeated</v></c></row>` +
			`<row r="8" spans="1:3"><c r="A8" t="inlineStr"><is><t>_x005F_x0041_ _xD800_ _x0041_ _x41_ _X0041_</t></is></c>` +
			`<c r="B8" t="str"><v>_x0041_</v></c><c r="C8" t="inlineStr"><is><t>&#13;&#10;crlf&#x9;</t></is></c>` +
			"<c r=\"D8\" t=\"inlineStr\"><is><t>a\r\nb\rc</t></is></c></row>" +
			`<row r="10"><c r="B10"><v>10</v></c></row><row r="9"><c r="A9"><v>9</v></c></row>` +
			`</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>`},
		{"前缀", "", "/xl/worksheets/sheet2.xml", `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>prefixed</x:t></x:is></x:c>` +
			`<x:c r="B1" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>`},
		{"Strict", "hidden", `worksheets\sheet3.xml`, `<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">` +
			`<sheetData><row r="2"><c r="B2" t="inlineStr"><is><t>strict</t></is></c></row></sheetData></worksheet>`},
		{"很隐藏", "veryHidden", "worksheets/sheet4.xml", `<worksheet ` + main + `><sheetData>` +
			`<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`},
		{"坏引用", "", "worksheets/sheet5.xml", `<worksheet ` + main + `><sheetData>` +
			`<row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>`},
		{"坏行号", "", "worksheets/sheet6.xml", `<worksheet ` + main + `><sheetData>` +
			`<row r="x"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`},
		{"没有数据", "", "worksheets/sheet7.xml", `<worksheet ` + main + `/>`},
		{"GBK", "", "worksheets/sheet8.xml", tGBK(t, `<?xml version="1.0" encoding="GBK"?><worksheet `+main+`><sheetData>`+
			`<row r="1"><c r="A1" t="inlineStr"><is><t>国标编码</t></is></c><c r="B1" t="s"><v>0</v></c></row></sheetData></worksheet>`)},
		// excelize stops silently at an XML error and keeps the rows
		// before it; the reader refuses the sheet (see tDiffWorkbook).
		{"语法错误", "", "worksheets/sheet9.xml", `<worksheet ` + main + `><sheetData>` +
			`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</x></c></row></sheetData></worksheet>`},
		{"缺失", "", "worksheets/missing.xml", ""},
	}
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?><sst ` + main + ` count="4" uniqueCount="4">` +
			`<si><t>共享</t></si><si><r><t>甲</t></r><r><rPr><i/></rPr><t>乙</t></r></si>` +
			`<si><t>二</t><rPh sb="0" eb="1"><t>に</t></rPh><phoneticPr fontId="1"/></si><si><t>_x0009_tab</t></si></sst>`,
	}
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook ` + main +
		` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range sheets {
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="%s"/>`, i+1, s.target)
		if s.xml != "" {
			files["xl/worksheets/"+filepath.Base(strings.ReplaceAll(s.target, `\`, "/"))] = s.xml
		}
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	files["xl/workbook.xml"] = wb.String()
	files["xl/_rels/workbook.xml.rels"] = rels.String()
	return testtools.Zip(t, files)
}

// tOneSheetWorkbook is a workbook whose only sheet is the given XML, with
// a small shared-string table.
func tOneSheetWorkbook(t testing.TB, sheet string) []byte {
	t.Helper()
	const main = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	return testtools.Zip(t, map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<workbook ` + main + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/sharedStrings.xml":     `<sst ` + main + `><si><t>零</t></si><si><r><t>一</t></r><r><t>_x0031_</t></r></si><si><t>二</t><rPh><t>に</t></rPh></si></sst>`,
		"xl/worksheets/sheet1.xml": sheet,
	})
}

// FuzzSheetMatchesExcelize reads any worksheet XML with the streaming
// reader and with excelize: what the reader reads must be what excelize
// reads. The reader may refuse a sheet excelize half-reads (an XML error,
// which excelize takes for the end of the sheet) or one beyond its bounds.
func FuzzSheetMatchesExcelize(f *testing.F) {
	const main = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	for _, s := range []string{
		`<worksheet ` + main + `><sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`,
		`<worksheet ` + main + `><sheetData><row><c><v>1</v></c></row><row r="5"><c r="C5" t="str"><v>s</v></c><c r="B5"><f>1</f></c></row><row r="3"><c><v>3</v></c></row></sheetData></worksheet>`,
		`<worksheet ` + main + `><sheetData><row r="2"><c r="B2" s="1" t="b"><v>1</v></c><c r="D2" t="inlineStr"><is><r><t>a</t></r><t>b</t></is></c><c r="E2" t="s"><v> 2 </v></c></row></sheetData></worksheet>`,
	} {
		f.Add(s)
	}
	lim := reports.Limits{MaxRows: 1000, MaxColumns: 100}.WithDefaults()
	f.Fuzz(func(t *testing.T, sheet string) {
		data := tOneSheetWorkbook(t, sheet)
		want, oerr := tOracleSheets(data, lim)
		got, err := tStreamSheets(data, lim)
		if oerr != nil || err != nil {
			if err != nil && oerr == nil {
				t.Fatalf("reader cannot open the workbook: %v", err)
			}
			return
		}
		w, g := want[0], got[0]
		if g.Err != nil {
			var le *limitError
			var se *xml.SyntaxError
			if w.Err == nil && !errors.As(g.Err, &le) && !errors.As(g.Err, &se) && !errors.Is(g.Err, errXMLSyntax) {
				t.Fatalf("reader error %v, excelize none", g.Err)
			}
			return
		}
		if w.Err != nil {
			t.Fatalf("reader reads it, excelize error %v", w.Err)
		}
		for _, pos := range tSortedPos(w.Cells, g.Cells) {
			if gv, wv := g.Cells[pos], w.Cells[pos]; gv != wv {
				t.Errorf("%s = %q, excelize %q", reports.Cell(pos.col, pos.row), gv, wv)
			}
		}
	})
}
