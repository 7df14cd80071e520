package compile

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// compileScaleInput builds a period of nUnits lead units, tasksPerUnit tasks
// each (or, when tasksPerUnit is 0, nTasks tasks dealt out in turn), spread
// over 8 categories, with ~100-character Chinese answers. One unit in ten is
// missing, one in twenty rejected, one in ten late; one task in eight is
// behind and one in four reports a problem.
func compileScaleInput(nUnits, nTasks int, leadOf func(task int) int) reports.CompileInput {
	rng := rand.New(rand.NewPCG(1, 2))
	phrases := []string{
		"召开专题推进会议，研究解决项目推进中的重点难点问题", "完成年度投资计划的阶段目标", "会同圈内城市对口部门开展联席会商",
		"推动合作事项清单逐项落实", "加快项目前期手续办理", "组织开展现场调研和督导检查", "编制完成实施方案并报请审定",
		"争取上级资金支持", "建立月调度和通报机制", "协调解决用地、环评等要素保障问题", "组织企业参加对接交流活动",
		"完成招标采购并进场施工", "形成阶段性研究成果", "开展政策宣传解读",
	}
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < 3*n { // ~3 bytes per character
			b.WriteString(phrases[rng.IntN(len(phrases))])
			b.WriteString("，")
		}
		return strings.TrimSuffix(b.String(), "，") + "。"
	}
	p := &plan.Plan{Title: "2023年推进都市圈一体化建设工作要点", Year: 2023}
	for c := range 8 {
		p.Categories = append(p.Categories, plan.Category{ID: fmt.Sprintf("C%d", c+1), Name: fmt.Sprintf("推进第%d领域一体化", c+1)})
	}
	for u := range nUnits {
		p.Units = append(p.Units, plan.Unit{ID: fmt.Sprintf("u%04d", u), Name: fmt.Sprintf("第%d市发展改革委", u+1)})
	}
	for i := range nTasks {
		p.Tasks = append(p.Tasks, plan.Task{
			ID:       fmt.Sprintf("T%05d", i+1),
			Category: fmt.Sprintf("C%d", i*8/nTasks+1),
			Title:    fmt.Sprintf("推进重点合作事项第%d项", i+1),
			Lead:     p.Units[leadOf(i)].ID,
		})
	}
	deadline := time.Date(2023, time.June, 7, 0, 0, 0, 0, reportstest.Zone)
	in := reports.CompileInput{
		Plan: p, Period: plan.Period{Year: 2023, Month: time.May}, Deadline: deadline,
		GeneratedAt: deadline.Add(34 * time.Hour), Version: 1,
	}
	for u, unit := range p.Units {
		r := reports.UnitReport{Unit: unit, State: reports.StateSubmitted, Versions: 1, Contact: "张三", Phone: "0551-12345678",
			SubmittedAt: deadline.Add(-time.Duration(u%48) * time.Hour)}
		switch {
		case u%10 == 3:
			r = reports.UnitReport{Unit: unit, State: reports.StateMissing}
		case u%20 == 7:
			r = reports.UnitReport{Unit: unit, State: reports.StateRejected, Rejected: 1}
		case u%10 == 5:
			r.State, r.SubmittedAt = reports.StateLate, deadline.Add(30*time.Hour)
		}
		in.Units = append(in.Units, r)
	}
	for i, t := range p.Tasks {
		r := &in.Units[leadOf(i)]
		if !r.Accepted() {
			continue
		}
		if r.Answers == nil {
			r.Answers = map[string]plan.Answer{}
		}
		a := plan.Answer{TaskID: t.ID, Progress: text(100), Status: plan.StatusOnTrack, NextSteps: text(60)}
		if i%8 == 0 {
			a.Status = plan.StatusBehind
		}
		if i%4 == 0 {
			a.Issues = text(50)
		}
		r.Answers[t.ID] = a
	}
	return in
}

func compileInput30x26() reports.CompileInput {
	return compileScaleInput(30, 26, func(task int) int { return task % 30 })
}

func compileInput2000x15() reports.CompileInput { return compileInputUnits(2000) }

// compileInputUnits is units lead units of scale.DefaultTasksPerUnit tasks each.
func compileInputUnits(units int) reports.CompileInput {
	k := scale.DefaultTasksPerUnit
	return compileScaleInput(units, units*k, func(task int) int { return task / k })
}

// compileWithYear adds what the new sheets show to a scale input, as in
// December: a year of 12 months (statuses, colours, submissions), this
// month's colours and last month's answers.
func compileWithYear(in reports.CompileInput) reports.CompileInput {
	in.Period = plan.Period{Year: 2023, Month: time.December}
	in.Year = reports.YearView{
		Tasks: map[string][]plan.Color{}, Statuses: map[string][]plan.Status{},
		Units: map[string][]plan.Color{}, States: map[string][]reports.SubmissionState{},
	}
	for m := time.January; m <= time.December; m++ {
		in.Year.Months = append(in.Year.Months, plan.Period{Year: 2023, Month: m})
	}
	colors := []plan.Color{plan.ColorGreen, plan.ColorGreen, plan.ColorYellow, plan.ColorRed, plan.ColorNone}
	statuses := []plan.Status{plan.StatusOnTrack, plan.StatusOnTrack, plan.StatusBehind, plan.StatusNotStarted, ""}
	states := []reports.SubmissionState{reports.StateSubmitted, reports.StateSubmitted, reports.StateLate, reports.StateMissing, reports.StateRejected}
	in.Progress, in.Timeliness, in.Previous = map[string]plan.Color{}, map[string]plan.Color{}, map[string]plan.Answer{}
	for i, t := range in.Plan.Tasks {
		for m := range 12 {
			in.Year.Tasks[t.ID] = append(in.Year.Tasks[t.ID], colors[(i+m)%len(colors)])
			in.Year.Statuses[t.ID] = append(in.Year.Statuses[t.ID], statuses[(i+m)%len(statuses)])
		}
		in.Progress[t.ID] = colors[i%len(colors)]
	}
	for _, u := range in.Units {
		for id, a := range u.Answers {
			in.Previous[id] = a
		}
	}
	for i, u := range in.Plan.Units {
		for m := range 12 {
			in.Year.Units[u.ID] = append(in.Year.Units[u.ID], colors[(i+m)%len(colors)])
			in.Year.States[u.ID] = append(in.Year.States[u.ID], states[(i+m)%len(states)])
		}
		in.Timeliness[u.ID] = colors[i%len(colors)]
	}
	return in
}

// benchmarkCompile compiles in over and over, reporting the peak of the Go
// runtime's memory over the timed loop (peak-MB).
func benchmarkCompile(b *testing.B, in reports.CompileInput) {
	b.ReportAllocs()
	runtime.GC()
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			if err := Compile(io.Discard, in); err != nil {
				b.Fatalf("Compile() error = %v", err)
			}
		}
	})
}

func BenchmarkCompile30x26(b *testing.B) { benchmarkCompile(b, compileInput30x26()) }

// BenchmarkCompile2000x15 is issue 16's scale: 2,000 units (or
// DUBAN_BENCH_UNITS, see scale.Units) × 15 tasks each; the name keeps the
// full size so its figures compare with earlier runs.
func BenchmarkCompile2000x15(b *testing.B) { benchmarkCompile(b, compileInputUnits(scale.Units(b))) }

// BenchmarkCompile2000x15Year is the same period in December, with a year
// of months on 全年概览 and every colour set.
func BenchmarkCompile2000x15Year(b *testing.B) {
	benchmarkCompile(b, compileWithYear(compileInputUnits(scale.Units(b))))
}

// TestCompileScale compiles 2,000 units × 15 tasks once, as in May and as
// in December with a year of months on 全年概览, checks that the big sheets
// come back whole, and checks May against the budget: at most 300 MB of
// memory (the benchmarks give the time). December is only logged: it peaks
// at about 290 MB, too near the budget for a test that must not flake (the
// runtime's mapped memory depends on when the collector runs, and excelize
// keeps each streamed sheet's buffer, up to 32 MB, until the zip is written).
func TestCompileScale(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test skipped in -short mode")
	}
	tests := []struct {
		name   string
		in     func() reports.CompileInput
		budget uint64 // 0: logged, not checked
	}{
		{"2000×15", compileInput2000x15, 300 << 20},
		{"2000×15 in December", func() reports.CompileInput { return compileWithYear(compileInput2000x15()) }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { compileCheckScale(t, tc.name, tc.in(), tc.budget) })
	}
}

func compileCheckScale(t *testing.T, name string, in reports.CompileInput, budget uint64) {
	runtime.GC()
	// Into memory, as the compile job does.
	var out bytes.Buffer
	var elapsed time.Duration
	peak := testtools.RuntimePeak(func() {
		start := time.Now()
		if err := Compile(&out, in); err != nil {
			t.Fatalf("Compile(%s) error = %v", name, err)
		}
		elapsed = time.Since(start)
	})
	t.Logf("Compile(%s): %v, peak Go memory %.0f MB, workbook %.1f MB", name, elapsed, float64(peak)/(1<<20), float64(out.Len())/(1<<20))
	if budget > 0 && peak > budget {
		t.Errorf("Compile(%s) peak memory = %.0f MB, want ≤ %d MB", name, float64(peak)/(1<<20), budget>>20)
	}
	// Time is measured by BenchmarkCompile2000x15, not asserted here: a
	// timed test fails on a busy machine or under -race for no fault of ours.

	// The task sheets outgrow the stream writer's 16 MB memory chunk and
	// are spilled to a temporary file: check they came back whole.
	f := openCompiled(t, out.Bytes())
	wantRows := 2 + len(in.Plan.Categories) + len(in.Plan.Tasks)
	if dim, err := f.GetSheetDimension(sheetDetail); err != nil || dim != fmt.Sprintf("A1:I%d", wantRows) {
		t.Errorf("明细 dimension = %q, %v; want A1:I%d", dim, err, wantRows)
	}
	rows := compiledRows(t, f, sheetDetail)
	if len(rows) != wantRows {
		t.Fatalf("明细 has %d rows, want %d", len(rows), wantRows)
	}
	if last := rows[len(rows)-1]; last[0] != "30000" || last[2] != in.Plan.Units[1999].Name {
		t.Errorf("明细 last row = %q, want task 30000 of %s", last[:3], in.Plan.Units[1999].Name)
	}
	year := compiledRows(t, f, sheetYear)
	if want := 2 + len(in.Plan.Categories) + len(in.Plan.Tasks) + 3 + len(in.Units) + 2 + len(legend); len(year) != want {
		t.Errorf("全年概览 has %d rows, want %d", len(year), want)
	}
}
