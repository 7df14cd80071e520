package reader

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tHostileWorkbook injects rows into the form sheet of a workbook, before
// </sheetData>, as /tmp/hostile/gen.py does.
func tHostileWorkbook(t testing.TB, book []byte, rows string) []byte {
	t.Helper()
	done := false
	out := testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" {
			return nil
		}
		done = true
		return bytes.Replace(b, []byte("</sheetData>"), []byte(rows+"</sheetData>"), 1)
	})
	if !done {
		t.Fatal("no form sheet to inject rows into")
	}
	return out
}

// tWideRows is n rows from row first on, each with one cell in the last
// column Excel has (XFD).
func tWideRows(first, n int) string {
	var b strings.Builder
	for r := first; r < first+n; r++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, r, r)
	}
	return b.String()
}

// tNestedRow is one row whose inline-string cell nests depth <r> elements.
func tNestedRow(row, depth int) string {
	return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is>`, row, row) +
		strings.Repeat("<r>", depth) + strings.Repeat("</r>", depth) + `</is></c></row>`
}

// tStrayCells is n cells holding text outside the default area: the first
// half right of it in row 6, the rest below it in column B.
func tStrayCells(n int) string {
	var right, below strings.Builder
	for i := range n {
		if i < n/2 {
			fmt.Fprintf(&right, `<c r="%s6" t="inlineStr"><is><t>旁注%d</t></is></c>`, columnName(33+i), i)
			continue
		}
		r := 5001 + i
		fmt.Fprintf(&below, `<row r="%d"><c r="B%d" t="inlineStr"><is><t>备注%d</t></is></c></row>`, r, r, i)
	}
	return right.String() + "|" + below.String()
}

// tWithStrayCells adds tStrayCells(n) to the form sheet of a workbook: the
// cells right of the area go into row 6, the rows below at the end.
func tWithStrayCells(t testing.TB, book []byte, n int) []byte {
	t.Helper()
	right, below, _ := strings.Cut(tStrayCells(n), "|")
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" {
			return nil
		}
		i := bytes.Index(b, []byte(`<row r="6"`))
		end := i + bytes.Index(b[i:], []byte("</row>"))
		out := append([]byte{}, b[:end]...)
		out = append(out, right...)
		out = append(out, b[end:]...)
		return bytes.Replace(out, []byte("</sheetData>"), []byte(below+"</sheetData>"), 1)
	})
}

// tSharedStrings appends n shared strings of the given text to a
// workbook's table (the cells still point at the first ones).
func tSharedStrings(t testing.TB, book []byte, n int, text string) []byte {
	t.Helper()
	item := []byte("<si><t>" + text + "</t></si>")
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/sharedStrings.xml" {
			return nil
		}
		tail := bytes.Repeat(item, n)
		return bytes.Replace(b, []byte("</sst>"), append(tail, "</sst>"...), 1)
	})
}

// tEchoedString is a workbook whose shared-string table ends with one
// string of about 15 MB (15 runs of a megabyte, line breaks included),
// shown in every cell of rows 20 to 5000.
func tEchoedString(t testing.TB, book []byte) []byte {
	t.Helper()
	n := tCountParts(t, book, "xl/sharedStrings.xml", "<si>")
	run := "<r><t>" + strings.Repeat("长文\r\n", 125_000) + "</t></r>"
	book = tRewritePart(t, book, "xl/sharedStrings.xml", func(b []byte) []byte {
		return bytes.Replace(b, []byte("</sst>"), []byte("<si>"+strings.Repeat(run, 15)+"</si></sst>"), 1)
	})
	var rows strings.Builder
	for r := 20; r <= 5000; r++ {
		fmt.Fprintf(&rows, `<row r="%d">`, r)
		for c := 1; c <= 32; c++ {
			fmt.Fprintf(&rows, `<c r="%s%d" t="s"><v>%d</v></c>`, columnName(c), r, n)
		}
		rows.WriteString("</row>")
	}
	return tHostileWorkbook(t, book, rows.String())
}

// tSheetsOnePart is a workbook of n sheets that all name one 6 MB part, a
// row of 200,000 cells in column XFD: reading every sheet would read the
// part n times.
func tSheetsOnePart(t testing.TB, n int) []byte {
	t.Helper()
	var wb, row strings.Builder
	wb.WriteString(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i := range n {
		fmt.Fprintf(&wb, `<sheet name="表%d" sheetId="%d" r:id="rId1"/>`, i, i+1)
	}
	wb.WriteString(`</sheets></workbook>`)
	row.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for range 200_000 {
		row.WriteString(`<c r="XFD1"><v>1</v></c>`)
	}
	row.WriteString(`</row></sheetData></worksheet>`)
	return testtools.Zip(t, map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"xl/workbook.xml": wb.String(),
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": row.String(),
	})
}

// tCountParts counts the occurrences of s in a part.
func tCountParts(t testing.TB, book []byte, part, s string) int {
	t.Helper()
	n := -1
	testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name == part {
			n = bytes.Count(b, []byte(s))
		}
		return nil
	})
	if n < 0 {
		t.Fatalf("no part %s", part)
	}
	return n
}

// tRewritePart replaces a part's content with what edit makes of it.
func tRewritePart(t testing.TB, book []byte, part string, edit func([]byte) []byte) []byte {
	t.Helper()
	done := false
	out := testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != part {
			return nil
		}
		done = true
		return edit(b)
	})
	if !done {
		t.Fatalf("no part %s", part)
	}
	return out
}

// tNestIn nests depth elements right inside the root element of a part.
func tNestIn(depth int) func([]byte) []byte {
	return func(b []byte) []byte {
		i := bytes.Index(b, []byte("?>")) + 2
		i += bytes.IndexByte(b[i:], '>') + 1
		nest := strings.Repeat("<x>", depth) + strings.Repeat("</x>", depth)
		return append(append(append([]byte{}, b[:i]...), nest...), b[i:]...)
	}
}

// tCellRow is a row with one inline-string cell in column A.
func tCellRow(row int, text string) string {
	return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>`, row, row, text)
}

// TestParseBeyondLimits sends workbooks beyond each bound of Limits: each
// is refused with one fatal problem that tells the unit what to do.
func TestParseBeyondLimits(t *testing.T) {
	in := reportstest.Input(5)
	filled := tFill(t, reportstest.Build(t, in), tDefaultFill(in))
	form := "xl/worksheets/sheet1.xml"
	tests := []struct {
		name string
		data func() []byte
		lim  reports.Limits
		kind string
		says []string // phrases the message must contain
	}{
		{"one cell in column XFD on 10,000 rows", func() []byte { return tHostileWorkbook(t, filled, tWideRows(20, 10000)) },
			reports.Limits{}, KindOutsideTable, []string{"工作表“填报表”在表格以外的区域", "第 AF 列以右或第 5000 行以下", "10000 个单元格", "XFD20", "删除表格以外的内容"}},
		{"21 stray cells", func() []byte { return tWithStrayCells(t, filled, 21) },
			reports.Limits{}, KindOutsideTable, []string{"21 个单元格", "AG6"}},
		{"3 stray cells, 2 allowed", func() []byte { return tWithStrayCells(t, filled, 3) },
			reports.Limits{MaxCellsOutside: 2}, KindOutsideTable, []string{"3 个单元格"}},
		{"stray cells with a smaller area", func() []byte { return filled },
			reports.Limits{MaxColumns: 8, MaxCellsOutside: 1}, KindOutsideTable, []string{"第 H 列以右"}},
		{"2,000,000 nested elements in a cell", func() []byte { return tHostileWorkbook(t, filled, tNestedRow(30, 2_000_000)) },
			reports.Limits{}, KindTooComplex, []string{"工作表“填报表”", "嵌套超过 32 层", "另存为"}},
		{"nesting in the metadata sheet", func() []byte { return tRewritePart(t, filled, "xl/worksheets/sheet2.xml", tNestIn(40)) },
			reports.Limits{}, KindTooComplex, []string{"工作表“_duban”", "嵌套"}},
		{"nesting in the workbook part", func() []byte { return tRewritePart(t, filled, "xl/workbook.xml", tNestIn(40)) },
			reports.Limits{}, KindTooComplex, []string{"文件的内部结构", "嵌套"}},
		{"nesting in the relationships", func() []byte { return tRewritePart(t, filled, "xl/_rels/workbook.xml.rels", tNestIn(40)) },
			reports.Limits{}, KindTooComplex, []string{"嵌套"}},
		{"nesting in the shared strings", func() []byte { return tRewritePart(t, filled, "xl/sharedStrings.xml", tNestIn(40)) },
			reports.Limits{}, KindTooComplex, []string{"嵌套"}},
		{"a million empty elements", func() []byte {
			return tRewritePart(t, filled, form, func(b []byte) []byte {
				return bytes.Replace(b, []byte("</sheetData>"), []byte("</sheetData><extLst>"+strings.Repeat("<x/>", 1_000_001)+"</extLst>"), 1)
			})
		}, reports.Limits{}, KindTooComplex, []string{"XML 元素超过 1000000 个"}},
		{"elements, smaller bound", func() []byte { return filled }, reports.Limits{MaxXMLElements: 100}, KindTooComplex, []string{"元素超过 100 个"}},
		{"a tag with 300,000 attributes", func() []byte {
			var attrs strings.Builder
			for i := range 300_000 {
				fmt.Fprintf(&attrs, ` a%d=""`, i)
			}
			return tHostileWorkbook(t, filled, `<row r="30"`+attrs.String()+`/>`)
		}, reports.Limits{}, KindTooComplex, []string{"单个单元格或标记超过 1.0 MB"}},
		{"a 2 MB cell", func() []byte { return tHostileWorkbook(t, filled, tCellRow(30, strings.Repeat("字", 700_000))) },
			reports.Limits{}, KindTooComplex, []string{"单个单元格或标记超过"}},
		{"a 2 MB comment", func() []byte { return tHostileWorkbook(t, filled, "<!--"+strings.Repeat("<a>", 700_000)+"-->") },
			reports.Limits{}, KindTooComplex, []string{"单个单元格或标记超过"}},
		{"a 2 MB CDATA section", func() []byte {
			return tHostileWorkbook(t, filled, `<row r="30"><c r="A30"><v><![CDATA[`+strings.Repeat("<a'", 700_000)+`]]></v></c></row>`)
		}, reports.Limits{}, KindTooComplex, []string{"单个单元格或标记超过"}},
		{"2,000 sheets naming one 6 MB part", func() []byte { return tSheetsOnePart(t, 2000) },
			reports.Limits{MaxUnzipBytes: 12 << 20}, KindTooComplex, []string{"读取的内容合计超过 12.0 MB"}},
		{"a part beyond MaxPartBytes", func() []byte { return filled }, reports.Limits{MaxPartBytes: 4096}, KindTooComplex, []string{"解压后超过 4 KB"}},
		{"100,001 shared strings", func() []byte { return tSharedStrings(t, filled, 100_001, "x") },
			reports.Limits{}, KindTooComplex, []string{"共享字符串超过 100000 条"}},
		{"a 15 MB shared string in 160,000 cells", func() []byte { return tEchoedString(t, filled) },
			reports.Limits{}, KindTooComplex, []string{"工作表“填报表”", "文字内容合计超过 32.0 MB"}},
		{"text beyond MaxTextBytes in shared strings", func() []byte { return filled },
			reports.Limits{MaxTextBytes: 200}, KindTooComplex, []string{"文字内容合计超过 200 字节"}},
		{"text beyond MaxTextBytes in cells", func() []byte { return tHostileWorkbook(t, filled, tCellRow(30, strings.Repeat("字", 100_000))) },
			reports.Limits{MaxTextBytes: 100_000}, KindTooComplex, []string{"工作表“填报表”", "文字内容合计超过 97 KB"}},
		{"an XML error in the form sheet", func() []byte {
			return tHostileWorkbook(t, filled, `<row r="30"><c r="A30"><v>1</x></c></row>`)
		}, reports.Limits{}, KindUnreadable, []string{"无法读取"}},
		{"a cell reference beyond XFD", func() []byte { return tHostileWorkbook(t, filled, `<row r="30"><c r="XFE30"><v>1</v></c></row>`) },
			reports.Limits{}, KindUnreadable, []string{"无法读取"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := Parse(tc.data(), tc.lim)
			if !r.Fatal || len(r.Problems) != 1 {
				t.Fatalf("Parse = fatal %v problems %v, want one fatal problem", r.Fatal, r.Problems)
			}
			p := r.Problems[0]
			if p.Kind != tc.kind || !tHasHan(p.Message) {
				t.Errorf("problem = %+v, want kind %s", p, tc.kind)
			}
			for _, s := range tc.says {
				if !strings.Contains(p.Message, s) {
					t.Errorf("message %q does not say %q", p.Message, s)
				}
			}
			if ps := Check(r, tExpect(in)); len(ps) != 1 {
				t.Errorf("Check problems = %v, want only the fatal one", ps)
			}
			t.Logf("%s in %v: %s", p.Kind, time.Since(start).Round(time.Millisecond), p.Message)
		})
	}
}

// TestParseNearLimits reads workbooks at the bounds: they are read as
// usual.
func TestParseNearLimits(t *testing.T) {
	in := reportstest.Input(5)
	fill := tDefaultFill(in)
	filled := tFill(t, reportstest.Build(t, in), fill)
	blankOutside := func() []byte {
		var b strings.Builder
		for r := 20; r < 10020; r++ {
			fmt.Fprintf(&b, `<row r="%d"><c r="XFD%d" s="3"/><c r="A%d" t="inlineStr"><is><t> `+"\u3000"+`</t></is></c></row>`, r, r, r+10000)
		}
		return tHostileWorkbook(t, filled, b.String())
	}
	tests := []struct {
		name string
		data []byte
		lim  reports.Limits
	}{
		{"20 stray cells", tWithStrayCells(t, filled, 20), reports.Limits{}},
		{"3 stray cells, 3 allowed", tWithStrayCells(t, filled, 3), reports.Limits{MaxCellsOutside: 3}},
		{"empty styled and blank cells outside", blankOutside(), reports.Limits{}},
		{"a cell in row 1,048,576", tHostileWorkbook(t, filled, tCellRow(1048576, "远处")), reports.Limits{}},
		{"100,000 shared strings", tSharedStrings(t, filled, 100_000-tCountParts(t, filled, "xl/sharedStrings.xml", "<si>"), "共享"), reports.Limits{}},
		{"cells in the last column and row", tHostileWorkbook(t, filled,
			`<row r="5000"><c r="AF5000" t="inlineStr"><is><t>角落</t></is></c></row>`), reports.Limits{}},
		{"the area's 10 columns used", filled, reports.Limits{MaxColumns: reports.KeyCol, MaxCellsOutside: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(tc.data, tc.lim)
			exp := tExpect(in)
			exp.Limits = tc.lim
			exp.Limits.MaxTextChars = 2000
			if ps := Check(r, exp); len(ps) != 0 {
				t.Fatalf("Check problems = %v, want none", ps)
			}
			got, want := tAnswersByTask(r.Answers()), tAnswersByTask(fill.answers)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("answers = %v, want %v", got, want)
			}
		})
	}
}

// tFullArea fills every empty cell of columns K..lim.MaxColumns from the
// header row down to lim.MaxRows with text: the whole area in use, without
// touching what the reader reads (the labels' rows above the header would
// give a blank label a value).
func tFullArea(t testing.TB, book []byte, lim reports.Limits, text string) []byte {
	t.Helper()
	lim = lim.WithDefaults()
	cells := func(r int) string {
		var b strings.Builder
		for c := reports.KeyCol + 1; c <= lim.MaxColumns; c++ {
			fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, columnName(c), r, text)
		}
		return b.String()
	}
	rowRe := regexp.MustCompile(`(?s)<row r="(\d+)"[^>]*>.*?</row>`)
	return tRewritePart(t, book, "xl/worksheets/sheet1.xml", func(b []byte) []byte {
		last := 0
		b = rowRe.ReplaceAllFunc(b, func(row []byte) []byte {
			n, _ := strconv.Atoi(string(rowRe.FindSubmatch(row)[1]))
			last = max(last, n)
			if n < reports.HeaderRow {
				return row
			}
			return append(row[:len(row)-len("</row>"):len(row)-len("</row>")], cells(n)+"</row>"...)
		})
		var more strings.Builder
		for r := last + 1; r <= lim.MaxRows; r++ {
			fmt.Fprintf(&more, `<row r="%d">%s</row>`, r, cells(r))
		}
		return bytes.Replace(b, []byte("</sheetData>"), []byte(more.String()+"</sheetData>"), 1)
	})
}

// TestParseFullArea reads the largest template the area holds, 4,995 tasks
// down to row 5000, with every cell right of the table in use up to column
// AF: it is accepted, and every line of the area is read.
func TestParseFullArea(t *testing.T) {
	in := reportstest.Input(5000 - reports.FootGap - reports.FirstRow - 1) // the foot on row 5000
	fill := tDefaultFill(in)
	data := tFullArea(t, tFill(t, reportstest.Build(t, in), fill), reports.Limits{}, "满")
	start := time.Now()
	r := Parse(data, reports.Limits{})
	elapsed := time.Since(start)
	if ps := Check(r, tExpect(in)); len(ps) != 0 {
		t.Fatalf("Check problems = %v, want none", ps[:min(len(ps), 5)])
	}
	if got, want := tAnswersByTask(r.Answers()), tAnswersByTask(fill.answers); !reflect.DeepEqual(got, want) {
		t.Errorf("answers differ (%d read, %d written)", len(got), len(want))
	}
	// The reader's lines reach the area's last cell.
	lim := reports.Limits{}.WithDefaults()
	b, err := openBook(data, &lim)
	reportstest.Must(t, err)
	p := parser{b: b, lim: lim, r: &Returned{}}
	tb, err := p.readTable(b.sheets[0])
	reportstest.Must(t, err)
	lastLine := tb.lines[len(tb.lines)-1]
	if lastLine.n != 5000 || len(lastLine.cells) != 32 || lastLine.cell(32) != "满" {
		t.Errorf("last line = row %d with %d cells, want row 5000 with 32", lastLine.n, len(lastLine.cells))
	}
	t.Logf("%d KB workbook, %d rows read in %v", len(data)>>10, len(r.Rows), elapsed.Round(time.Millisecond))
}

// TestParseNamespaces reads a filled template saved in Strict OOXML's
// namespaces, and one with prefixed elements: the answers come back.
func TestParseNamespaces(t *testing.T) {
	in := reportstest.Input(5)
	fill := tDefaultFill(in)
	filled := tFill(t, reportstest.Build(t, in), fill)
	for name, data := range map[string][]byte{"strict": tStrict(t, filled), "prefixed": tPrefixed(t, filled)} {
		t.Run(name, func(t *testing.T) {
			if tCountParts(t, data, "xl/workbook.xml", "purl.oclc.org") == 0 &&
				tCountParts(t, data, "xl/worksheets/sheet1.xml", "<x:row") == 0 {
				t.Fatal("the workbook was not rewritten")
			}
			r := Parse(data, reports.Limits{})
			if ps := Check(r, tExpect(in)); len(ps) != 0 {
				t.Fatalf("Check problems = %v, want none", ps)
			}
			if got, want := tAnswersByTask(r.Answers()), tAnswersByTask(fill.answers); !reflect.DeepEqual(got, want) {
				t.Errorf("answers = %v, want %v", got, want)
			}
		})
	}
}
