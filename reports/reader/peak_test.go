package reader

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tPeakBound is what TestParsePeakMemory allows Parse on any one input:
// the aim, well within the 300 MB published for any single workbook.
const tPeakBound = 100 << 20

// tPeakCase is one input of TestParsePeakMemory.
type tPeakCase struct {
	name  string
	build func(t testing.TB) []byte
	kind  string // the fatal problem expected; "" when the workbook is read
}

// tPeakCases are the costliest inputs for the reader: the two that took
// gigabytes and hundreds of megabytes with excelize, and the largest
// workbooks it still reads.
func tPeakCases() []tPeakCase {
	filled := func(t testing.TB) []byte {
		in := reportstest.Input(5)
		return tFill(t, reportstest.Build(t, in), tDefaultFill(in))
	}
	return []tPeakCase{
		{"wide rows", func(t testing.TB) []byte { return tHostileWorkbook(t, filled(t), tWideRows(20, 10000)) }, KindOutsideTable},
		{"nested elements", func(t testing.TB) []byte { return tHostileWorkbook(t, filled(t), tNestedRow(30, 2_000_000)) }, KindTooComplex},
		{"100k-character cell", func(t testing.TB) []byte {
			f := reportstest.Open(t, filled(t))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "F6", strings.Repeat("进", 100_000)))
			return reportstest.Save(t, f)
		}, ""},
		{"100,000 shared strings", func(t testing.TB) []byte {
			b := filled(t)
			return tSharedStrings(t, b, 100_000-tCountParts(t, b, "xl/sharedStrings.xml", "<si>"), strings.Repeat("共享字符串", 10))
		}, ""},
		{"100,000 attributes in a tag", func(t testing.TB) []byte {
			return tHostileWorkbook(t, filled(t), `<row r="30"`+strings.Repeat(` a=""`, 100_000)+`/>`)
		}, ""},
		{"1,000,001 elements", func(t testing.TB) []byte {
			return tHostileWorkbook(t, filled(t), `<row r="30">`+strings.Repeat("<x/>", 1_000_001)+`</row>`)
		}, KindTooComplex},
		{"a 15 MB shared string in 160,000 cells", func(t testing.TB) []byte { return tEchoedString(t, filled(t)) }, KindTooComplex},
		{"max-size workbook", tMaxWorkbook, ""},
	}
}

// tMaxWorkbook is about the largest workbook the reader accepts: the
// largest template the area holds (4,995 tasks), every cell right of the
// table up to column AF holding 48 bytes of text (a 13 MB sheet), and
// 100,000 shared strings of 150 bytes (a 15 MB table).
func tMaxWorkbook(t testing.TB) []byte {
	in := reportstest.Input(5000 - reports.FootGap - reports.FirstRow - 1) // the foot on row 5000
	data := tFullArea(t, tFill(t, reportstest.Build(t, in), tDefaultFill(in)), reports.Limits{}, strings.Repeat("满", 16))
	data = tSharedStrings(t, data, 100_000-tCountParts(t, data, "xl/sharedStrings.xml", "<si>"), strings.Repeat("共享字符串", 10))
	lim := reports.Limits{}.WithDefaults()
	if len(data) > int(lim.MaxFileBytes) {
		panic(fmt.Sprintf("max-size workbook is %d bytes, beyond MaxFileBytes", len(data)))
	}
	return data
}

// tResetPeak returns the garbage of building an input to the system and
// resets the process's peak resident set (VmHWM), so that what is measured
// next is what reading costs, the input in memory included.
func tResetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// TestParsePeakMemory parses each of tPeakCases in a fresh process and
// bounds its peak resident memory.
func TestParsePeakMemory(t *testing.T) {
	for _, tc := range tPeakCases() {
		t.Run(tc.name, func(t *testing.T) {
			peak := testtools.PeakRSS(t, func() {
				data := tc.build(t)
				tResetPeak()
				r := Parse(data, reports.Limits{})
				kind := ""
				if r.Fatal {
					kind = r.Problems[0].Kind
				}
				if kind != tc.kind {
					// The parent reports the child's output.
					panic(fmt.Sprintf("Parse(%s): fatal %q %v, want %q", tc.name, kind, r.Problems, tc.kind))
				}
				runtime.KeepAlive(data)
			})
			t.Logf("%s: peak RSS %s", tc.name, testtools.MB(peak))
			if peak > tPeakBound && !testtools.RaceEnabled {
				t.Errorf("Parse(%s) peak RSS = %s, want at most %s", tc.name, testtools.MB(peak), testtools.MB(tPeakBound))
			}
		})
	}
}
