package reader

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tAskInput is ExtInput with the totals before May asked for two of its
// indicators: 合作交流活动 (no monthly bound: 4 × 999 at the most) and
// 新开内贸航线 (1 a month: 4 at the most), on rows 14 and 15.
func tAskInput() reports.TemplateInput {
	in := reportstest.ExtInput()
	in.Indicators = slices.Clone(in.Indicators)
	in.Indicators[1].Ask, in.Indicators[2].Ask = true, true
	return in
}

// TestCheckBefore checks the totals before the period a unit's first
// report of the year is asked for: each a whole number from 0 to what the
// months before could hold, read into the recorded answers; where the
// template did not ask, whatever the cell holds is neither checked nor
// recorded.
func TestCheckBefore(t *testing.T) {
	counts := []any{1, 0, 0}
	tests := []struct {
		name        string
		before      map[int]any // indicator → 截至上月累计 typed
		notAsked    bool        // the expectation asks for none
		request     bool        // an extension request only
		want        []tWant
		wantRecords map[string]map[string]int // RecordedAnswers' Before, by task
	}{
		{name: "numbers", before: map[int]any{1: 2, 2: 4},
			wantRecords: map[string]map[string]int{"T05": {"合作交流活动": 2}, "T07": {"新开内贸航线": 4}}},
		{name: "as text, full-width, with a unit", before: map[int]any{1: "２", 2: "0条"},
			wantRecords: map[string]map[string]int{"T05": {"合作交流活动": 2}, "T07": {"新开内贸航线": 0}}},
		{name: "empty", before: map[int]any{2: 1},
			want:        []tWant{{KindBeforeEmpty, "E14", "T05", []string{"合作交流活动", "截至上月累计", "E14", "未填写", "没有请填0"}}},
			wantRecords: map[string]map[string]int{"T07": {"新开内贸航线": 1}}},
		{name: "negative", before: map[int]any{1: -1, 2: 0},
			want:        []tWant{{KindBeforeInvalid, "E14", "T05", []string{"“-1”", "0—3996之间的整数", "E14"}}},
			wantRecords: map[string]map[string]int{"T07": {"新开内贸航线": 0}}},
		{name: "text", before: map[int]any{1: "两次", 2: "若干"},
			want: []tWant{
				{KindBeforeInvalid, "E14", "T05", []string{"“两次”"}},
				{KindBeforeInvalid, "E15", "T07", []string{"“若干”", "0—4之间的整数"}},
			}},
		{name: "more than the months before could hold", before: map[int]any{1: 3997, 2: 5},
			want: []tWant{
				{KindBeforeInvalid, "E14", "T05", []string{"3997"}},
				{KindBeforeInvalid, "E15", "T07", []string{"“5”", "0—4之间的整数"}},
			}},
		{name: "request only: blank is fine", request: true},
		{name: "not asked: locked afterwards, ignored", notAsked: true, before: map[int]any{0: "很多", 1: -3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tAskInput()
			fill := tExtFill{answers: true, counts: counts, cells: map[string]any{}}
			if tc.request {
				fill = tExtFill{until: "2023-06-20", reason: "等待批复"}
			}
			for i, v := range tc.before {
				fill.cells[tExtBeforeCell(in, i)] = v
			}
			r := Parse(tExtWorkbook(t, in, fill), reports.Limits{})
			exp := tExtExpect(in)
			if tc.notAsked {
				exp.AskBefore = nil
			}
			tCheckProblems(t, Check(r, exp), tc.want)
			got := map[string]map[string]int{}
			for _, a := range RecordedAnswers(r, exp) {
				if a.Before != nil {
					got[a.TaskID] = a.Before
				}
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.wantRecords) {
				t.Errorf("RecordedAnswers' Before = %v, want %v", got, tc.wantRecords)
			}
		})
	}
}

// TestFillBefore: Fill writes the totals before the period where the
// template asks for them, 0 when the answer carries none, and leaves the
// totals it shows alone.
func TestFillBefore(t *testing.T) {
	in := tAskInput()
	answers := tDefaultFill(in).answers
	for i := range answers {
		answers[i].Counts = map[string]int{}
		for _, l := range in.Indicators {
			if l.Indicator.TaskID == answers[i].TaskID {
				answers[i].Counts[l.Indicator.Name] = 1
			}
		}
	}
	answers[0].Before = map[string]int{"合作交流活动": 3, "对口部门联席会": 9} // 9: shown, not asked
	answers = slices.DeleteFunc(answers, func(a plan.Answer) bool { return a.TaskID == "T06" })
	data, err := Fill(reportstest.Build(t, in), "张三", "0571-87654321", answers)
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(data, reports.Limits{})
	exp := tExtExpect(in)
	if ps := Check(r, exp); len(ps) != 0 {
		t.Fatalf("Check(Fill) = %v, want none", ps)
	}
	var befores []string
	for _, c := range r.Counts {
		befores = append(befores, c.Before)
	}
	if want := []string{"1", "3", "0"}; !slices.Equal(befores, want) {
		t.Errorf("截至上月累计 after Fill = %q, want %q", befores, want)
	}
}

// TestWarnings warns, without refusing, about a task reported 已完成 in
// the unit's last report and something else now.
func TestWarnings(t *testing.T) {
	in := reportstest.Input(3) // statuses filled: 已完成, 序时推进, 滞后
	april := plan.Period{Year: 2023, Month: time.April}
	tests := []struct {
		name     string
		previous map[string]plan.Status
		period   plan.Period
		want     []tWant
	}{
		{name: "no earlier report"},
		{name: "done, then on track", previous: map[string]plan.Status{"T06": plan.StatusDone}, period: april,
			want: []tWant{{KindStepBack, "G8", "T06", []string{"第2项任务（推动交通运输服务一体化）", "上次报送（2023年4月）为“已完成”", "本次为“序时推进”", "已按本次登记"}}}},
		{name: "done, then behind", previous: map[string]plan.Status{"T07": plan.StatusDone}, period: april,
			want: []tWant{{KindStepBack, "G9", "T07", []string{"本次为“滞后”"}}}},
		{name: "done twice", previous: map[string]plan.Status{"T05": plan.StatusDone}, period: april},
		{name: "on track, then behind: the colours say it", previous: map[string]plan.Status{"T07": plan.StatusOnTrack}, period: april},
		{name: "no period known", previous: map[string]plan.Status{"T06": plan.StatusDone},
			want: []tWant{{KindStepBack, "G8", "T06", []string{"上次报送为“已完成”"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(tFill(t, reportstest.Build(t, in), tDefaultFill(in)), reports.Limits{})
			exp := tExpect(in)
			exp.Previous, exp.PreviousPeriod = tc.previous, tc.period
			if ps := Check(r, exp); len(ps) != 0 {
				t.Fatalf("Check = %v, want none: a step back is accepted", ps)
			}
			tCheckProblems(t, Warnings(r, exp), tc.want)
		})
	}
}

// TestVersion1Template reads a template the previous release wrote
// (version 1: the contact and phone above the table, the task keys shown,
// no foot), filled by Fill: it is accepted, every answer and count read.
func TestVersion1Template(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "template-v1.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	in := reportstest.ExtInput() // as the release of version 1 was sent it
	in.Indicators = slices.Clone(in.Indicators)
	in.Indicators[1].Ask = true
	answers := tDefaultFill(in).answers
	answers = slices.DeleteFunc(answers, func(a plan.Answer) bool { return a.TaskID == "T06" })
	answers[0].Counts = map[string]int{"对口部门联席会": 1, "合作交流活动": 2}
	answers[1].Counts = map[string]int{"新开内贸航线": 0}
	filled, err := Fill(data, "李四", "13900001111", answers)
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(filled, reports.Limits{})
	if r.Meta.Version != "1" {
		t.Fatalf("the fixture's version = %q, want 1", r.Meta.Version)
	}
	exp := tExtExpect(in)
	if ps := Check(r, exp); len(ps) != 0 {
		t.Fatalf("Check(version 1) = %v, want none", ps)
	}
	if r.Contact != "李四" || r.ContactCell != "C3" || r.Phone != "13900001111" || r.PhoneCell != "E3" {
		t.Errorf("contact %q@%s phone %q@%s, want them above the table at C3, E3", r.Contact, r.ContactCell, r.Phone, r.PhoneCell)
	}
	got := RecordedAnswers(r, exp)
	if len(got) != 2 || !reflect.DeepEqual(got[0].Counts, answers[0].Counts) || !reflect.DeepEqual(got[1].Counts, answers[1].Counts) {
		t.Errorf("RecordedAnswers(version 1) = %+v, want the counts of %+v", got, answers)
	}
	// Version 1 showed the totals before the period, locked: what it
	// showed is recorded where the expectation asks.
	if want := map[string]int{"合作交流活动": 0}; !reflect.DeepEqual(got[0].Before, want) {
		t.Errorf("Before = %v, want %v", got[0].Before, want)
	}
}
