package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
)

// scalePlan is a plan of units × tasksPerUnit tasks, each unit leading its
// own, in 8 categories.
func scalePlan(units, tasksPerUnit int) *plan.Plan {
	p := &plan.Plan{Title: "规模测试工作要点", Year: 2023}
	for c := 1; c <= 8; c++ {
		p.Categories = append(p.Categories, plan.Category{ID: fmt.Sprintf("C%d", c), Name: fmt.Sprintf("第%d类工作", c)})
	}
	for u := 0; u < units; u++ {
		id := fmt.Sprintf("u%04d", u)
		p.Units = append(p.Units, plan.Unit{ID: id, Name: fmt.Sprintf("第%d单位", u), Contacts: []plan.Contact{{Name: "联系人", Email: id + "@metro.example"}}})
		for k := 0; k < tasksPerUnit; k++ {
			n := len(p.Tasks)
			p.Tasks = append(p.Tasks, plan.Task{
				ID: fmt.Sprintf("T%05d", n+1), Category: fmt.Sprintf("C%d", n%8+1),
				Title: fmt.Sprintf("重点任务%d", n+1), Requirement: strings.Repeat("推进一体化建设，", 10), Lead: id,
			})
		}
	}
	return p.Freeze() // as config.Plan returns it
}

// fillLedger records one accepted submission per unit for period p, with
// realistic ~100-character answers, straight into the ledger.
func fillLedger(tb testing.TB, c *Cycle, p plan.Period) {
	tb.Helper()
	ctx := context.Background()
	at := c.Schedule.RemindAt(p).Add(24 * time.Hour)
	progress := strings.Repeat("本月召开专题推进会，协调解决项目前期问题，", 5)
	for i, u := range c.Plan.LeadUnits() {
		f, _, err := c.Ledger.Archive(ctx, []byte("workbook of "+u.ID), u.ID+".xlsx", "bench", at)
		if err != nil {
			tb.Fatal(err)
		}
		var answers []plan.Answer
		for j, t := range c.Plan.TasksLedBy(u.ID) {
			a := plan.Answer{TaskID: t.ID, Progress: progress, Status: plan.StatusOnTrack, NextSteps: "继续按序时推进。"}
			if (i+j)%7 == 0 {
				a.Status, a.Issues = plan.StatusBehind, "审批手续进度慢于预期，需协调加快。"
			}
			answers = append(answers, a)
		}
		_, _, err = c.Ledger.AddSubmission(ctx, store.Submission{
			Period: p.String(), Unit: u.ID, FileSHA256: f.SHA256, FileName: f.Name, Source: "bench",
			ReceivedAt: at.Add(time.Duration(i) * time.Second), Accepted: true, Contact: "联系人", Phone: "0551-63000000", Answers: answers,
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// benchmarkCompileFromLedger measures what `duban compile` does: read the
// period's submissions from the ledger and build the consolidated workbook
// (and its bulletin). It builds a draft: a version, once made, is never
// built again (Compile reads it back from the archive), and a version needs
// office recipients that the test cycle has not.
func benchmarkCompileFromLedger(b *testing.B, units, tasksPerUnit int) {
	c, clock := newCycle(b, scalePlan(units, tasksPerUnit))
	p := plan.Period{Year: 2023, Month: time.May}
	fillLedger(b, c, p)
	clock.Set(c.Schedule.DueBy(p))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Draft(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.Data)), "bytes/workbook")
	}
}

// 30 units × 26 tasks each: heavier than one office's plan (26 tasks in all).
func BenchmarkCompileFromLedger30x26(b *testing.B) { benchmarkCompileFromLedger(b, 30, 26) }

func BenchmarkCompileFromLedger2000x15(b *testing.B) { benchmarkCompileFromLedger(b, 2000, 15) }
