package scale

import (
	"os"
	"strconv"
	"testing"
)

// The scale issue 16 names: a province's 2,000 units each leading 15 tasks.
const (
	DefaultUnits        = 2000
	DefaultTasksPerUnit = 15
)

// Units is the number of units a scale benchmark uses: DefaultUnits, or
// DUBAN_BENCH_UNITS when set (CI runs the benchmarks at a reduced N; the
// full N is the documented command).
func Units(tb testing.TB) int {
	s := os.Getenv("DUBAN_BENCH_UNITS")
	if s == "" {
		return DefaultUnits
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		tb.Fatalf("DUBAN_BENCH_UNITS=%q: want a positive number of units", s)
	}
	return n
}
