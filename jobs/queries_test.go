package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/templates"
)

// A daemon tick reads the ledger a fixed number of times whatever the
// number of units (jobs/period.go): the chase decides from one read of the
// period, the status from one read with the year so far.

// chasedCycle is a cycle of units units whose May reminders and first
// overdue chase went out, at the time of that chase: the next chase tick
// finds everything done.
func chasedCycle(tb testing.TB, units int) (*Cycle, *clock.Manual, plan.Period) {
	tb.Helper()
	texts, err := templates.Load("")
	if err != nil {
		tb.Fatal(err)
	}
	c, clk := newCycle(tb, scalePlan(units, 2))
	c.Mail = &Mail{Transport: &mail.Folder{Dir: filepath.Join(tb.TempDir(), "out")}, From: mail.Address{Email: "duban@metro.example"},
		Domain: "metro.example", Office: "都市圈办公室", Texts: texts}
	c.Schedule.Chase = plan.Chase{BeforeDeadline: 1, OverdueEveryDays: 3, MaxOverdueNotices: 3}
	p := plan.Period{Year: 2023, Month: time.May}
	clk.Set(c.Schedule.RemindAt(p))
	ctx := context.Background()
	if _, err := c.Remind(ctx, p, RemindOptions{}); err != nil {
		tb.Fatal(err)
	}
	var overdue plan.Rung
	for _, r := range c.Schedule.Rungs(p) {
		if r.Overdue == 1 {
			overdue = r
		}
	}
	clk.Set(overdue.At)
	res, err := c.ChaseDue(ctx)
	if err != nil || res.Flush.Sent != units {
		tb.Fatalf("first chase = %+v, %v; want %d sent", res.Flush, err, units)
	}
	return c, clk, p
}

// queriesOf returns how many statements the ledger ran during fn.
func queriesOf(tb testing.TB, c *Cycle, fn func() error) int64 {
	tb.Helper()
	before := c.Ledger.Queries()
	if err := fn(); err != nil {
		tb.Fatal(err)
	}
	return c.Ledger.Queries() - before
}

// tickQueries counts the statements of one chase tick that finds every
// chase sent, and of one status view.
func tickQueries(tb testing.TB, c *Cycle, p plan.Period) (chase, status int64) {
	ctx := context.Background()
	chase = queriesOf(tb, c, func() error {
		res, err := c.ChaseDue(ctx)
		if err == nil && (len(res.Lines) != len(c.Plan.LeadUnits()) || res.Lines[0].Action != "already sent") {
			err = fmt.Errorf("second chase = %+v; want every unit already sent", res.Lines[0])
		}
		return err
	})
	status = queriesOf(tb, c, func() error {
		_, err := c.View(ctx, p)
		return err
	})
	return chase, status
}

func TestQueriesPerTickDoNotGrowWithUnits(t *testing.T) {
	small, _, p := chasedCycle(t, 13)
	large, _, _ := chasedCycle(t, 200)
	chaseSmall, statusSmall := tickQueries(t, small, p)
	chaseLarge, statusLarge := tickQueries(t, large, p)
	t.Logf("queries per tick: 13 units chase %d status %d; 200 units chase %d status %d", chaseSmall, statusSmall, chaseLarge, statusLarge)
	if chaseSmall != chaseLarge || statusSmall != statusLarge {
		t.Errorf("queries per tick: 13 units chase %d status %d; 200 units chase %d status %d; want the same",
			chaseSmall, statusSmall, chaseLarge, statusLarge)
	}
	if chaseSmall > 12 || statusSmall > 8 {
		t.Errorf("queries per tick: chase %d, status %d; want at most 12 and 8", chaseSmall, statusSmall)
	}
}

// BenchmarkQueriesPerTick reports the ledger statements of a chase tick
// that finds every chase sent, and of a status view, from 13 to 2,000 units.
func BenchmarkQueriesPerTick(b *testing.B) {
	for _, units := range []int{13, 2000} {
		b.Run(fmt.Sprintf("units=%d", units), func(b *testing.B) {
			c, _, p := chasedCycle(b, units)
			var chase, status int64
			for b.Loop() {
				chase, status = tickQueries(b, c, p)
			}
			b.ReportMetric(float64(chase), "queries/chase-tick")
			b.ReportMetric(float64(status), "queries/status")
		})
	}
}
