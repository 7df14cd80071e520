package jobs

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
)

// scalePlan and fillLedger are the generator's (internal/scale), on a cycle.
func scalePlan(units, tasksPerUnit int) *plan.Plan { return scale.Plan(units, tasksPerUnit) }

func fillLedger(tb testing.TB, c *Cycle, p plan.Period) {
	scale.FillLedger(tb, c.Ledger, c.Plan, p, c.Schedule.RemindAt(p).Add(24*time.Hour))
}

// benchmarkCompileFromLedger measures what `duban compile` does to build a
// workbook: read the period's submissions from the ledger and write the
// consolidated workbook and its bulletin (a draft: the recording and the
// mail are measured elsewhere). It reports the peak of the Go runtime's
// memory over the timed loop (peak-MB).
func benchmarkCompileFromLedger(b *testing.B, units, tasksPerUnit int) {
	c, clock := newCycle(b, scalePlan(units, tasksPerUnit))
	p := plan.Period{Year: 2023, Month: time.May}
	fillLedger(b, c, p)
	clock.Set(c.Schedule.DueBy(p))
	ctx := context.Background()
	b.ReportAllocs()
	runtime.GC() // the ledger's filling is not the compile's
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			res, err := c.Draft(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(res.Data)), "bytes/workbook")
		}
	})
}

// 30 units × 26 tasks each: heavier than one office's plan (26 tasks in all).
func BenchmarkCompileFromLedger30x26(b *testing.B) { benchmarkCompileFromLedger(b, 30, 26) }

// BenchmarkCompileFromLedger2000x15 is issue 16's scale: 2,000 units (or
// DUBAN_BENCH_UNITS, see scale.Units) × 15 tasks each. The name keeps the
// full size so its figures compare with earlier runs.
func BenchmarkCompileFromLedger2000x15(b *testing.B) {
	benchmarkCompileFromLedger(b, scale.Units(b), scale.DefaultTasksPerUnit)
}
