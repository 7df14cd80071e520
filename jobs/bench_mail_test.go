package jobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
	for b.Loop() {
		b.StopTimer()
		c, clock := newCycle(b, pl)
		clock.Set(c.Schedule.RemindAt(p))
		c.Mail = &Mail{Transport: &mail.Folder{Dir: filepath.Join(b.TempDir(), "out")}, From: mail.Address{Email: "duban@metro.example"},
			Domain: "metro.example", Office: "都市圈办公室", Texts: texts}
		b.StartTimer()
		testtools.ReportPeak(b, func() {
			res, err := c.Remind(context.Background(), p, RemindOptions{})
			if err != nil || res.Flush.Sent != units {
				b.Fatalf("Remind = %+v, %v", res.Flush, err)
			}
		})
	}
}
