package reader

import (
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
