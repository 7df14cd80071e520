package jobs

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// The template an office form would be (issue 14, items 3 and 4): the
// total before a unit's first period asked, the contact pre-filled, a step
// back from 已完成 warned about.

// indicatorPlan is testPlan with an indicator of fgw's T01, at most one a
// month.
func indicatorPlan() *plan.Plan {
	pl := testPlan()
	pl.Indicators = []plan.Indicator{{TaskID: "T01", Name: "联席会", Unit: "次", Min: 2, PerMonthMax: 1}}
	return pl.Freeze()
}

// fillBefore fills unit's template for p with answers (T01 counting cnt),
// then writes before into 截至上月累计 as the unit typed it (nil: leave
// it as Fill left it).
func fillBefore(t *testing.T, c *Cycle, p plan.Period, cnt int, before any) []byte {
	t.Helper()
	tpl, err := c.BuildTemplate(context.Background(), "fgw", p)
	if err != nil {
		t.Fatal(err)
	}
	as := answersFor(c, "fgw", p.Label())
	as[0].Counts = map[string]int{"联席会": cnt}
	data := mustFill(t, tpl.Data, as)
	if before == nil {
		return data
	}
	r := reader.Parse(data, reports.Limits{})
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetCellValue(r.Sheet, r.Counts[0].BeforeCell, before); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// beforeOf reads 截至上月累计 of the template's only indicator, and whether
// the template asks for it (an input cell, left blank).
func beforeOf(t *testing.T, c *Cycle, p plan.Period) (shown string, asked bool) {
	t.Helper()
	tpl, err := c.BuildTemplate(context.Background(), "fgw", p)
	if err != nil {
		t.Fatal(err)
	}
	r := reader.Parse(tpl.Data, reports.Limits{})
	if len(r.Counts) != 1 {
		t.Fatalf("template of %s: indicator rows %+v, want one", p, r.Counts)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	style, _ := f.GetCellStyle(r.Sheet, r.Counts[0].BeforeCell)
	st, err := f.GetStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	unlocked := st.Protection != nil && !st.Protection.Locked
	if unlocked != (r.Counts[0].Before == "") {
		t.Fatalf("template of %s: 截至上月累计 %q unlocked %v: asked cells are blank and unlocked, the others shown and locked",
			p, r.Counts[0].Before, unlocked)
	}
	return r.Counts[0].Before, unlocked
}

// TestFirstPeriodIndicatorBase: a unit's first report of the year (May)
// asks for the total before it, checks it, and takes it as the base of the
// year-to-date total; afterwards it is locked and shown from the ledger.
func TestFirstPeriodIndicatorBase(t *testing.T) {
	may, jun := plan.Period{Year: 2023, Month: time.May}, plan.Period{Year: 2023, Month: time.June}
	tests := []struct {
		name   string
		before any // typed into 截至上月累计; nil: Fill's 0
		kind   string
		says   []string
	}{
		{name: "negative", before: -1, kind: reader.KindBeforeInvalid, says: []string{"“-1”", "0—4之间的整数"}},
		{name: "text", before: "开了几次", kind: reader.KindBeforeInvalid, says: []string{"开了几次"}},
		{name: "empty", before: "", kind: reader.KindBeforeEmpty, says: []string{"未填写", "今年1月至上月累计"}},
		{name: "more than four months hold", before: 5, kind: reader.KindBeforeInvalid, says: []string{"0—4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, clock := newCycle(t, indicatorPlan())
			clock.Set(c.Schedule.RemindAt(may).Add(time.Hour))
			d := mustIngest(t, c, fillBefore(t, c, may, 1, tc.before), "may.xlsx")
			if d.Accepted || len(d.Problems) != 1 || d.Problems[0].Kind != tc.kind {
				t.Fatalf("May with 截至上月累计 %v: accepted %v, problems %+v; want one %s", tc.before, d.Accepted, d.Problems, tc.kind)
			}
			p := d.Problems[0]
			if !strings.HasPrefix(p.Cell, "E") || !strings.Contains(p.Message, p.Cell) || !strings.Contains(p.Message, "第1项任务（加快规划报批实施）的指标“联席会”") {
				t.Errorf("problem %+v: want it at the cell of 截至上月累计, naming it and the task as the plan numbers it", p)
			}
			for _, s := range tc.says {
				if !strings.Contains(p.Message, s) {
					t.Errorf("message %q does not say %q", p.Message, s)
				}
			}
		})
	}

	t.Run("accepted, then the base of the year's total", func(t *testing.T) {
		ctx := context.Background()
		c, clock := newCycle(t, indicatorPlan())
		clock.Set(c.Schedule.RemindAt(may).Add(time.Hour))
		if shown, asked := beforeOf(t, c, may); !asked || shown != "" {
			t.Fatalf("May template: 截至上月累计 %q asked %v; want it asked", shown, asked)
		}
		d := mustIngest(t, c, fillBefore(t, c, may, 1, 2), "may.xlsx")
		if !d.Accepted {
			t.Fatalf("May rejected: %v", d.Problems)
		}
		if got := d.Submission.Answers[0].Before; len(got) != 1 || got["联席会"] != 2 {
			t.Errorf("recorded Before = %v, want 联席会 2", got)
		}
		// May's total: 2 before it and 1 in it, against 2×5/12 → 1 expected.
		s, err := c.readPeriod(ctx, may, c.templateWants())
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.view(ctx, s, c.statusOf(s))
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Indicators) != 1 || v.Indicators[0].YearToDate != 3 || v.Indicators[0].Color != plan.ColorGreen {
			t.Errorf("May indicators = %+v; want the year's total 3 (2 declared, 1 in May), 绿", v.Indicators)
		}
		// June: locked, shown from the ledger.
		clock.Set(c.Schedule.RemindAt(jun).Add(time.Hour))
		if shown, asked := beforeOf(t, c, jun); asked || shown != "3" {
			t.Errorf("June template: 截至上月累计 %q asked %v; want 3, locked", shown, asked)
		}
		// What a unit types into the locked cell anyway is neither checked
		// nor recorded.
		d = mustIngest(t, c, fillBefore(t, c, jun, 0, "很多"), "jun.xlsx")
		if !d.Accepted || d.Submission.Answers[0].Before != nil {
			t.Errorf("June with the locked total edited: accepted %v %v, Before %v; want accepted, none recorded",
				d.Accepted, d.Problems, d.Submission.Answers[0].Before)
		}
	})

	t.Run("January: nothing before to ask", func(t *testing.T) {
		c, clock := newCycle(t, indicatorPlan())
		jan := plan.Period{Year: 2023, Month: time.January}
		clock.Set(c.Schedule.RemindAt(jan).Add(time.Hour))
		if shown, asked := beforeOf(t, c, jan); asked || shown != "0" {
			t.Errorf("January template: 截至上月累计 %q asked %v; want 0, locked", shown, asked)
		}
	})
}

// TestTotalsWithDeclaredBase: the year-to-date totals a template shows
// and the compiled view count from the total the unit declared, in period
// order, the months it reported before included.
func TestTotalsWithDeclaredBase(t *testing.T) {
	tests := []struct {
		name  string
		count []int       // T01's 联席会, month by month from January (-1: no report)
		base  map[int]int // month index → the total declared before it
		want  int         // the total through the last month
	}{
		{name: "counts only", count: []int{1, 0, 1}, want: 2},
		{name: "first report in March", count: []int{-1, -1, 1}, base: map[int]int{2: 2}, want: 3},
		{name: "declared again later: the latest declaration stands", count: []int{1, -1, 0, 1}, base: map[int]int{2: 3}, want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			totals := map[string]map[string]int{}
			for m, n := range tc.count {
				if n < 0 {
					continue
				}
				a := plan.Answer{TaskID: "T01", Counts: map[string]int{"联席会": n}}
				if b, ok := tc.base[m]; ok {
					a.Before = map[string]int{"联席会": b}
				}
				addCounts(totals, map[string]store.Submission{"fgw": {Answers: []plan.Answer{a}}})
			}
			if got := totals["T01"]["联席会"]; got != tc.want {
				t.Errorf("total = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestContactPrefill: the foot names the contact and phone of the unit's
// last accepted report, or else its first configured contact.
func TestContactPrefill(t *testing.T) {
	apr, may := plan.Period{Year: 2023, Month: time.April}, plan.Period{Year: 2023, Month: time.May}
	tests := []struct {
		name           string
		unit           string
		contacts       []plan.Contact // replaces the unit's, when set
		reportApril    bool           // an accepted April report by 赵敏, 13900001111
		contact, phone string
	}{
		{name: "the last accepted report's", unit: "fgw", reportApril: true, contact: "赵敏", phone: "13900001111"},
		{name: "none yet: the first configured contact", unit: "fgw", contact: "张伟"},
		{name: "no contact configured", unit: "fgw", contacts: []plan.Contact{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := testPlan()
			if tc.contacts != nil {
				pl.Units[0].Contacts = tc.contacts
			}
			c, clock := newCycle(t, pl.Freeze())
			ctx := context.Background()
			if tc.reportApril {
				clock.Set(c.Schedule.RemindAt(apr).Add(time.Hour))
				tpl, err := c.BuildTemplate(ctx, tc.unit, apr)
				if err != nil {
					t.Fatal(err)
				}
				data, err := reader.Fill(tpl.Data, "赵敏", "13900001111", answersFor(c, tc.unit, "四月"))
				if err != nil {
					t.Fatal(err)
				}
				if d := mustIngest(t, c, data, "apr.xlsx"); !d.Accepted {
					t.Fatalf("April rejected: %v", d.Problems)
				}
			}
			clock.Set(c.Schedule.RemindAt(may).Add(time.Hour))
			tpl, err := c.BuildTemplate(ctx, tc.unit, may)
			if err != nil {
				t.Fatal(err)
			}
			r := reader.Parse(tpl.Data, reports.Limits{})
			if r.Contact != tc.contact || r.Phone != tc.phone {
				t.Errorf("May template's foot: 填报人 %q 联系电话 %q; want %q, %q", r.Contact, r.Phone, tc.contact, tc.phone)
			}
		})
	}
}

// TestStepBackWarned: a task 已完成 in April and 序时推进 in May is accepted,
// and the receipt says so beside the task's status.
func TestStepBackWarned(t *testing.T) {
	r := newIntakeRun(t)
	apr := plan.Period{Year: 2023, Month: time.April}
	as := answersFor(r.c, "jtj", "四月进展")
	as[0].Status = plan.StatusDone
	if d := mustIngest(t, r.c, filled(t, r.c, "jtj", apr, as), "apr.xlsx"); !d.Accepted {
		t.Fatalf("April rejected: %v", d.Problems)
	}
	r.reply("may", r.lina, "回复：五月报送", nil, r.book("一"))
	r.collect()
	var receipt string
	for _, m := range sent(t, r.out)["li.na@jtj.metro.example"] {
		if strings.HasPrefix(m.Subject, "【回执】") {
			receipt = m.Text
		}
	}
	if want := "3. 优化轨道交通布局：序时推进（请注意：上次报送为“已完成”"; !strings.Contains(receipt, want) {
		t.Errorf("receipt:\n%s\nwant the line %q", receipt, want)
	}
	if strings.Contains(receipt, "4. 织密高速通道网络：序时推进（") {
		t.Errorf("receipt warns about T05, which was 序时推进 in April too:\n%s", receipt)
	}
	// Ingested from a file, the decision carries the warning itself.
	d := mustIngest(t, r.c, r.book("二"), "may.xlsx")
	if !d.Accepted || len(d.Warnings) != 1 || d.Warnings[0].Kind != reader.KindStepBack || d.Warnings[0].TaskID != "T04" {
		t.Errorf("Ingest(step back) = accepted %v, warnings %+v; want accepted with a step back of T04", d.Accepted, d.Warnings)
	}
}
