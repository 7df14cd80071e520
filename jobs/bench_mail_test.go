package jobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/templates"
)

// BenchmarkRemind2000ToFolder measures a fan-out to scale.Units units of
// 15 tasks each (2,000 by default) without the network: template, compose,
// archive, outbox, and the folder transport.
func BenchmarkRemind2000ToFolder(b *testing.B) {
	texts, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	units := scale.Units(b)
	pl := scalePlan(units, scale.DefaultTasksPerUnit)
	p := plan.Period{Year: 2023, Month: time.May}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		c, clock := newCycle(b, pl)
		clock.Set(c.Schedule.RemindAt(p))
		c.Mail = &Mail{Transport: &mail.Folder{Dir: filepath.Join(b.TempDir(), "out")}, From: mail.Address{Email: "duban@metro.example"},
			Domain: "metro.example", Office: "都市圈办公室", Texts: texts}
		b.StartTimer()
		start := testtools.CPUTime()
		testtools.ReportPeak(b, func() {
			res, err := c.Remind(context.Background(), p, RemindOptions{})
			if err != nil || res.Flush.Sent != units {
				b.Fatalf("Remind = %+v, %v", res.Flush, err)
			}
		})
		cpu += testtools.CPUTime() - start
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkRemindSeed measures the seed's own fan-out (the embedded
// example: 13 units, 26 tasks) into a folder, which the scale work must
// not make slower.
func BenchmarkRemindSeed(b *testing.B) {
	p := plan.Period{Year: 2023, Month: time.May}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		clk := &clock.Manual{}
		c, _ := exampleCycle(b, b.TempDir(), clk, &mail.Folder{Dir: filepath.Join(b.TempDir(), "out")})
		clk.Set(c.Schedule.RemindAt(p))
		units := len(c.Plan.LeadUnits())
		b.StartTimer()
		start := testtools.CPUTime()
		res, err := c.Remind(context.Background(), p, RemindOptions{})
		if err != nil || res.Flush.Reminders() != units {
			b.Fatalf("Remind = %+v, %v; want %d reminders", res.Flush, err, units)
		}
		cpu += testtools.CPUTime() - start
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}
