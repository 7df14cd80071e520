package jobs

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/bulletin"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// TestBulletinInput follows a plan that starts reporting in April: May's
// bulletin is its 第2期; the unit that never reported is red and stands
// under 需要关注 with how late it is; a task behind two months running is
// red; a quantified target behind pace is told once, in its task's line;
// the 版记 is sent to the lead units and copied to the leader and the units
// that only support tasks.
func TestBulletinInput(t *testing.T) {
	ctx := context.Background()
	p := testPlan()
	p.Tasks[3].CoUnits = []string{"sjj"} // T05
	p.Units = append(p.Units, plan.Unit{ID: "sjj", Name: "市数据资源局"})
	p.Indicators = []plan.Indicator{{TaskID: "T06", Name: "对口部门联席会", Unit: "次", Min: 3}}
	c, clock := newCycle(t, p)
	april, may := plan.Period{Year: 2023, Month: time.April}, plan.Period{Year: 2023, Month: time.May}
	behind := func(unit string, p plan.Period) []byte {
		answers := answersFor(c, unit, "进展")
		for i := range answers {
			if answers[i].TaskID == "T04" {
				answers[i].Status = plan.StatusBehind
			}
		}
		return filled(t, c, unit, p, answers)
	}
	ingest := func(when, unit string, p plan.Period) {
		t.Helper()
		clock.Set(at(t, c, when))
		if d, err := c.Ingest(ctx, behind(unit, p), unit+".xlsx", "test"); err != nil || !d.Accepted {
			t.Fatalf("ingest %s %s: %+v, %v", unit, p, d, err)
		}
	}
	ingest("2023-05-08 10:00", "jtj", april)
	ingest("2023-06-02 10:00", "fgw", may)
	ingest("2023-06-02 11:00", "jtj", may)

	clock.Set(at(t, c, "2023-06-16 10:00")) // the deadline was 2023-06-07
	out, err := c.Draft(ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	c.Mail = &Mail{Office: "都市圈办公室", Leader: mail.Address{Name: "王主任", Email: "wang@metro.example"}}
	in := c.bulletinInput(out)

	if in.Issue != 2 {
		t.Errorf("Issue = %d, want 2 (April is the plan's first reported period)", in.Issue)
	}
	if in.Office != "都市圈办公室" || !in.Date.Equal(at(t, c, "2023-06-16 10:00")) {
		t.Errorf("Office, Date = %q, %v; want the office's name and now", in.Office, in.Date)
	}
	if want := []bulletin.Unit{{Name: "市科技局", Why: "逾期7个工作日未报送"}}; !slices.Equal(in.RedUnits, want) {
		t.Errorf("RedUnits = %v, want %v", in.RedUnits, want)
	}
	if want := []bulletin.Task{{Number: 3, Title: "优化轨道交通布局", Unit: "市交通运输局", Why: "连续2个月报告滞后"}}; !slices.Equal(in.RedTasks, want) {
		t.Errorf("RedTasks = %v, want %v", in.RedTasks, want)
	}
	if want := []bulletin.Task{{Number: 5, Title: "完善航空枢纽功能", Unit: "市科技局", Status: "未报送",
		Why: "“对口部门联席会”进度落后序时：累计完成0次（0%），序时应达1次（42%）"}}; !slices.Equal(in.YellowTasks, want) {
		t.Errorf("YellowTasks = %v, want %v", in.YellowTasks, want)
	}
	if !slices.Equal(in.MainTo, []string{"各牵头单位"}) || !slices.Equal(in.CopyTo, []string{"王主任", "各配合单位"}) {
		t.Errorf("MainTo, CopyTo = %q, %q; want the lead units, and the leader and the supporting units", in.MainTo, in.CopyTo)
	}

	doc := documentText(t, out.Bulletin)
	if n := strings.Count(doc, "对口部门联席会"); n != 1 {
		t.Errorf("the bulletin names the target 对口部门联席会 %d times, want once", n)
	}
	for _, want := range []string{"第2期", "市科技局：逾期7个工作日未报送。", "主送：各牵头单位。", "2023年6月16日印发"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the bulletin lacks %q", want)
		}
	}
	if strings.Contains(doc, "家") {
		t.Error("the bulletin counts units in 家")
	}
}

// documentText is the text of a .docx's document.xml, markup and all.
func documentText(t *testing.T, docx []byte) string {
	t.Helper()
	return string(testtools.ZipPart(t, docx, "word/document.xml"))
}

// TestIssueNumber: 第N期 counts the months of the plan year duban ran, up to
// the period's, which counts whatever happened in it.
func TestIssueNumber(t *testing.T) {
	tests := []struct {
		name   string
		month  time.Month                           // the period's
		states map[string][]reports.SubmissionState // by unit, January to month
		want   int
	}{
		{"January", time.January, map[string][]reports.SubmissionState{"a": {""}}, 1},
		{"every month ran", time.May, map[string][]reports.SubmissionState{"a": {"missing", "late", "submitted", "rejected", "submitted"}}, 5},
		{"reporting began in April", time.May, map[string][]reports.SubmissionState{"a": {"", "", "", "missing", "submitted"}, "b": {"", "", "", "", "missing"}}, 2},
		{"one unit is enough", time.May, map[string][]reports.SubmissionState{"a": {"", "submitted", "", "", ""}, "b": {"", "", "missing", "", ""}}, 3},
		{"May itself not run yet", time.May, map[string][]reports.SubmissionState{"a": {"", "", "", "submitted", ""}}, 2},
	}
	for _, tt := range tests {
		y := reports.YearView{States: tt.states}
		for m := time.January; m <= tt.month; m++ {
			y.Months = append(y.Months, plan.Period{Year: 2023, Month: m})
		}
		if got := issueNumber(y, plan.Period{Year: 2023, Month: tt.month}); got != tt.want {
			t.Errorf("%s: issueNumber = %d, want %d", tt.name, got, tt.want)
		}
	}
}
