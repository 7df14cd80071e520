// Package scale makes a plan and a ledger of any size for benchmarks: N
// units each leading K tasks, with realistic texts, the way a province's
// office would use duban (2,000 units × 15 tasks). For tests only.
package scale

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
)

// Plan returns a frozen plan of units × tasksPerUnit tasks in 8
// categories, each unit with one contact.
func Plan(units, tasksPerUnit int) *plan.Plan {
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

// FillLedger records one accepted submission per lead unit of p for
// period, received from at on, with realistic ~100-character answers,
// straight into the ledger.
func FillLedger(tb testing.TB, l *store.Ledger, p *plan.Plan, period plan.Period, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	progress := strings.Repeat("本月召开专题推进会，协调解决项目前期问题，", 5)
	for i, u := range p.LeadUnits() {
		f, _, err := l.Archive(ctx, []byte("workbook of "+u.ID+" "+period.String()), u.ID+".xlsx", "bench", at)
		if err != nil {
			tb.Fatal(err)
		}
		var answers []plan.Answer
		for j, t := range p.TasksLedBy(u.ID) {
			a := plan.Answer{TaskID: t.ID, Progress: progress, Status: plan.StatusOnTrack, NextSteps: "继续按序时推进。"}
			if (i+j)%7 == 0 {
				a.Status, a.Issues = plan.StatusBehind, "审批手续进度慢于预期，需协调加快。"
			}
			answers = append(answers, a)
		}
		_, _, err = l.AddSubmission(ctx, store.Submission{
			Period: period.String(), Unit: u.ID, FileSHA256: f.SHA256, FileName: f.Name, Source: "bench",
			ReceivedAt: at.Add(time.Duration(i) * time.Second), Accepted: true, Contact: "联系人", Phone: "0551-63000000", Answers: answers,
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}
