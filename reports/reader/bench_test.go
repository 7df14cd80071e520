package reader

import (
	"strings"
	"testing"

	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// benchmarkParse measures Parse alone on one workbook.
func benchmarkParse(b *testing.B, data []byte, wantFatal bool) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if r := Parse(data, reports.Limits{}); r.Fatal != wantFatal {
			b.Fatalf("Parse fatal = %v, want %v: %v", r.Fatal, wantFatal, r.Problems)
		}
	}
}

// BenchmarkParseFilled reads a filled 5-task template: the common case.
func BenchmarkParseFilled(b *testing.B) {
	in := reportstest.Input(5)
	benchmarkParse(b, tFill(b, reportstest.Build(b, in), tDefaultFill(in)), false)
}

// BenchmarkParseIndicators reads a reply with a closed task, indicators
// and an extension request.
func BenchmarkParseIndicators(b *testing.B) {
	benchmarkParse(b, tExtWorkbook(b, reportstest.ExtInput(), tExtFill{answers: true, counts: []any{2, "1次", 0},
		until: "2023-06-20", reason: "部分数据待核实"}), false)
}

// BenchmarkParseFullArea reads the largest template the area holds (4,995
// tasks) with every cell up to column AF in use.
func BenchmarkParseFullArea(b *testing.B) {
	in := reportstest.Input(5000 - reports.FootGap - reports.FirstRow - 1) // the foot on row 5000
	benchmarkParse(b, tFullArea(b, tFill(b, reportstest.Build(b, in), tDefaultFill(in)), reports.Limits{}, "满"), false)
}

// BenchmarkParseWide reads a filled template with one cell in column XFD
// on 1,000 rows: refused.
func BenchmarkParseWide(b *testing.B) {
	in := reportstest.Input(5)
	benchmarkParse(b, tHostileWorkbook(b, tFill(b, reportstest.Build(b, in), tDefaultFill(in)), tWideRows(20, 1000)), true)
}

// scaleFill is tDefaultFill with ~200-character progress texts: a
// province's unit (issue 16: 15 tasks a unit).
func scaleFill(in reports.TemplateInput) tFilled {
	fill := tDefaultFill(in)
	for i := range fill.answers {
		fill.answers[i].Progress += strings.Repeat("召开专题推进会，协调解决项目前期手续和要素保障问题，完成年度投资计划的阶段目标，", 4)
	}
	return fill
}

// BenchmarkParseFilled15 reads a filled 15-task template with
// ~200-character texts: one of the 2,000 workbooks of an office at scale.
func BenchmarkParseFilled15(b *testing.B) {
	in := reportstest.Input(15)
	benchmarkParse(b, tFill(b, reportstest.Build(b, in), scaleFill(in)), false)
}

// BenchmarkCheckFilled15 checks that workbook, read, against what is
// expected of it.
func BenchmarkCheckFilled15(b *testing.B) {
	in := reportstest.Input(15)
	r := Parse(tFill(b, reportstest.Build(b, in), scaleFill(in)), reports.Limits{})
	exp := tExpect(in)
	b.ReportAllocs()
	for b.Loop() {
		Check(r, exp)
	}
}
