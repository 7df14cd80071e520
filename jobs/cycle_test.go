package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// testPlan is a small plan: three units, five tasks.
func testPlan() *plan.Plan {
	return &plan.Plan{
		Title: "2023年推进都市圈一体化建设工作要点",
		Year:  2023,
		Categories: []plan.Category{
			{ID: "C1", Name: "推进规划统筹一体化"},
			{ID: "C2", Name: "推进基础设施一体化"},
		},
		Tasks: []plan.Task{
			{ID: "T01", Category: "C1", Title: "加快规划报批实施", Requirement: "《*都市圈发展规划》报经省政府同意后……", Lead: "fgw"},
			{ID: "T02", Category: "C1", Title: "深化重大课题研究", Requirement: "结合圈内城市产业和要素禀赋……", Lead: "fgw"},
			{ID: "T04", Category: "C2", Title: "优化轨道交通布局", Requirement: "加快*等项目建设……", Lead: "jtj", CoUnits: []string{"fgw"}},
			{ID: "T05", Category: "C2", Title: "织密高速通道网络", Requirement: "加快*等工程建设……", Lead: "jtj"},
			{ID: "T06", Category: "C2", Title: "完善航空枢纽功能", Requirement: "=加快*新桥机场航站楼改扩建工程建设", Lead: "kjj"},
		},
		Units: []plan.Unit{
			{ID: "fgw", Name: "市发展改革委", Contacts: []plan.Contact{{Name: "张伟", Email: "zhang.wei@fgw.metro.example"}}},
			{ID: "jtj", Name: "市交通运输局", Contacts: []plan.Contact{{Name: "李娜", Email: "li.na@jtj.metro.example"}}},
			{ID: "kjj", Name: "市科技局", Contacts: []plan.Contact{{Name: "王强", Email: "wang.qiang@kjj.metro.example"}}},
		},
	}
}

// may is May 2023, the period most tests play: its reminders go out on
// 2023年6月1日 and its deadline is 2023年6月7日.
var may = plan.Period{Year: 2023, Month: time.May}

func newCycle(t testing.TB, p *plan.Plan) (*Cycle, *clock.Manual) {
	t.Helper()
	ledger, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ledger.Close() })
	clock := &clock.Manual{}
	c := &Cycle{
		Plan:     p,
		Schedule: testSchedule(t),
		Limits:   reports.Limits{MaxFileBytes: 10 << 20, MaxUnzipBytes: 100 << 20, MaxTextChars: 5000},
		Ledger:   ledger,
		Now:      clock.Now,
	}
	return c, clock
}

// testSchedule is the schedule of the tests' cycles: reminders on the
// first working day at 9:00, the deadline on the fifth, no chase ladder.
func testSchedule(t testing.TB) plan.Schedule {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := plan.NewCalendar(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Schedule{Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5}
}

func at(t testing.TB, c *Cycle, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Schedule.Location)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func answersFor(c *Cycle, unit, progress string) []plan.Answer {
	var out []plan.Answer
	for _, t := range c.Plan.TasksLedBy(unit) {
		out = append(out, plan.Answer{TaskID: t.ID, Progress: progress + " " + t.ID, Status: plan.StatusOnTrack, NextSteps: "继续推进"})
	}
	return out
}

// filled builds unit's template for p and fills it like the unit would.
func filled(t testing.TB, c *Cycle, unit string, p plan.Period, answers []plan.Answer) []byte {
	t.Helper()
	tpl, err := c.BuildTemplate(context.Background(), unit, p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := reader.Fill(tpl.Data, "张伟", "0551-63001234", answers)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestIngestDecisions(t *testing.T) {
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	clock.Set(at(t, c, "2023-06-02 10:00")) // deadline is 2023-06-07

	good := filled(t, c, "jtj", may, answersFor(c, "jtj", "五月进展"))
	d, err := c.Ingest(ctx, good, "a.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Accepted || d.Version != 1 || d.Late || d.Unit.ID != "jtj" || d.Period != may {
		t.Fatalf("Ingest(good) = accepted %v version %d late %v unit %q period %s, problems %v", d.Accepted, d.Version, d.Late, d.Unit.ID, d.Period, d.Problems)
	}

	// The same bytes again: recognised, nothing new recorded.
	d2, err := c.Ingest(ctx, good, "a-again.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !d2.Duplicate || d2.Version != 1 || d2.Submission.ID != d.Submission.ID {
		t.Errorf("Ingest(same file) = duplicate %v version %d id %d, want duplicate of id %d", d2.Duplicate, d2.Version, d2.Submission.ID, d.Submission.ID)
	}

	// An invalid one: empty progress and a hand-typed status.
	bad := answersFor(c, "fgw", "五月进展")
	bad[0].Progress = ""
	bad[1].Status = "进行中"
	d3, err := c.Ingest(ctx, filled(t, c, "fgw", may, bad), "b.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if d3.Accepted || len(d3.Problems) != 2 {
		t.Fatalf("Ingest(invalid) = accepted %v, problems %v; want rejected with 2 problems", d3.Accepted, d3.Problems)
	}
	for _, p := range d3.Problems {
		if p.Cell == "" || p.TaskID == "" || !strings.ContainsAny(p.Message, "请") {
			t.Errorf("problem %+v: want a cell, a task and a message saying what to do", p)
		}
	}

	// A corrected version after the deadline is late and version 2 for jtj.
	clock.Set(at(t, c, "2023-06-08 09:00"))
	d4, err := c.Ingest(ctx, filled(t, c, "jtj", may, answersFor(c, "jtj", "更正")), "c.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !d4.Accepted || d4.Version != 2 || !d4.Late {
		t.Errorf("Ingest(correction) = accepted %v version %d late %v, want accepted version 2 late", d4.Accepted, d4.Version, d4.Late)
	}

	// Not a workbook at all: archived, rejected, unattributed.
	d5, err := c.Ingest(ctx, []byte("\xff\xd8\xff\xe0 a photo of the sheet"), "photo.jpg", "test")
	if err != nil {
		t.Fatal(err)
	}
	if d5.Accepted || d5.Unit.ID != "" || len(d5.Problems) != 1 {
		t.Errorf("Ingest(photo) = accepted %v unit %q problems %v, want one problem, unattributed", d5.Accepted, d5.Unit.ID, d5.Problems)
	}
	if _, err := c.Ledger.ReadArchived(ctx, d5.SHA256); err != nil {
		t.Errorf("the photo was not archived: %v", err)
	}

	st, err := c.Status(ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reports.SubmissionState{}
	for _, u := range st.Units {
		got[u.Unit.ID] = u.State
	}
	want := map[string]reports.SubmissionState{"fgw": reports.StateRejected, "jtj": reports.StateSubmitted, "kjj": reports.StateMissing}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("Status(%s) unit %s = %s, want %s", may, id, got[id], w)
		}
	}
}

func TestIngestRefusesAnotherUnitsOrMonthsTemplate(t *testing.T) {
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	clock.Set(at(t, c, "2023-06-02 10:00"))
	data := filled(t, c, "jtj", may, answersFor(c, "jtj", "进展"))

	// Edit the hidden sheet to claim another unit: the token no longer matches.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(reports.SheetMeta)
	for i, r := range rows {
		if len(r) > 1 && r[0] == "unit" {
			f.SetCellStr(reports.SheetMeta, fmt.Sprintf("B%d", i+1), "fgw")
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	d, err := c.Ingest(ctx, b.Bytes(), "forged.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if d.Accepted {
		t.Fatalf("Ingest(template edited into fgw's) accepted, want rejected")
	}
	latest, _ := c.Ledger.Latest(ctx, may.String())
	if len(latest) != 0 {
		t.Errorf("a forged template created accepted submissions: %v", latest)
	}
}

func TestTemplateCarriesLastAcceptedAnswersForward(t *testing.T) {
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	apr := plan.Period{Year: 2023, Month: time.April}
	clock.Set(at(t, c, "2023-05-05 10:00"))
	if d, err := c.Ingest(ctx, filled(t, c, "jtj", apr, answersFor(c, "jtj", "四月进展")), "apr.xlsx", "test"); err != nil || !d.Accepted {
		t.Fatalf("Ingest(april) = %+v, %v", d, err)
	}
	tpl, err := c.BuildTemplate(ctx, "jtj", apr.Next())
	if err != nil {
		t.Fatal(err)
	}
	r := reader.Parse(tpl.Data, c.Limits)
	f, err := excelize.OpenReader(bytes.NewReader(tpl.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, row := range r.Rows {
		got, _ := f.GetCellValue(r.Sheet, row.Cells[reports.HeaderPrevious])
		if want := "四月进展 " + row.Answer.TaskID; got != want {
			t.Errorf("May template %s 上月进展 = %q, want %q", row.Answer.TaskID, got, want)
		}
	}
	if tpl.FileName != "市交通运输局-2023年5月推进情况.xlsx" {
		t.Errorf("template file name = %q", tpl.FileName)
	}
	if _, err := c.BuildTemplate(ctx, "nobody", apr); err == nil || !strings.Contains(err.Error(), "fgw, jtj, kjj") {
		t.Errorf("BuildTemplate(unknown unit) error = %v, want one listing the units", err)
	}
}

// TestCompileVersions pins what a version is: a workbook the office was
// sent. A draft has no number and records nothing; a version is made only
// when reports were accepted since the last one, is queued to the office in
// the same transaction that numbers it, and is never rebuilt afterwards.
func TestCompileVersions(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	clock.Set(at(t, c, "2023-06-02 10:00"))
	if _, err := c.Ingest(ctx, filled(t, c, "jtj", may, answersFor(c, "jtj", "进展")), "a.xlsx", "test"); err != nil {
		t.Fatal(err)
	}
	clock.Set(at(t, c, "2023-06-08 09:00"))
	issued := map[int][]byte{} // version → the workbook as first returned
	steps := []struct {
		name     string
		ingest   string // unit to ingest before, or ""
		draft    bool
		version  int
		isNew    bool
		previous int
		changes  int
	}{
		{"a draft first", "", true, 0, false, 0, 0},
		{"the first version", "", false, 1, true, 0, 0},
		{"nothing new: version 1 as sent", "", false, 1, false, 0, 0},
		{"a late report, seen in a draft", "kjj", true, 0, false, 1, 1},
		{"the second version", "", false, 2, true, 1, 1},
		{"nothing new: version 2 as sent", "", false, 2, false, 0, 0},
	}
	for _, s := range steps {
		clock.Set(clock.Now().Add(time.Hour))
		if s.ingest != "" {
			if _, err := c.Ingest(ctx, filled(t, c, s.ingest, may, answersFor(c, s.ingest, "迟报")), s.ingest+".xlsx", "test"); err != nil {
				t.Fatal(err)
			}
		}
		var res Compiled
		var err error
		if s.draft {
			res, err = c.Draft(ctx, may)
		} else {
			res, err = c.Compile(ctx, may)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Version != s.version || res.New != s.isNew || res.Previous != s.previous || len(res.Changes) != s.changes {
			t.Errorf("%s: version %d new %v previous %d changes %q; want version %d new %v previous %d, %d changes",
				s.name, res.Version, res.New, res.Previous, res.Changes, s.version, s.isNew, s.previous, s.changes)
		}
		tag := "草稿"
		if s.version > 0 {
			tag = fmt.Sprintf("v%d", s.version)
		}
		if want := "2023年5月推进情况汇总-" + tag + ".xlsx"; res.FileName != want {
			t.Errorf("%s: file name %q, want %q", s.name, res.FileName, want)
		}
		if want := "2023年5月推进情况通报-" + tag + ".docx"; res.BulletinName != want || len(res.Bulletin) == 0 {
			t.Errorf("%s: bulletin %q (%d bytes), want %q", s.name, res.BulletinName, len(res.Bulletin), want)
		}
		switch {
		case s.isNew:
			issued[s.version] = res.Data
		case s.version > 0 && !bytes.Equal(res.Data, issued[s.version]):
			t.Errorf("%s: version %d was rebuilt; want the bytes the office was sent", s.name, s.version)
		}
		if _, err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The office got each version once, and the second names the first.
	var subjects []string
	for _, m := range sent(t, out)["office@metro.example"] {
		if strings.HasPrefix(m.Subject, "【汇总】") {
			subjects = append(subjects, m.Subject)
			if strings.Contains(m.Subject, "第2版") && !strings.Contains(m.Text, "与第1版相比") {
				t.Errorf("version 2's mail does not compare with version 1:\n%s", m.Text)
			}
		}
	}
	slices.Sort(subjects)
	if len(subjects) != 2 || !strings.Contains(subjects[0], "第1版") || !strings.Contains(subjects[1], "第2版") {
		t.Errorf("the office's mail = %q; want version 1 and version 2, once each", subjects)
	}
	all, err := c.Ledger.Compilations(ctx, may.String())
	if err != nil || len(all) != 2 {
		t.Errorf("recorded versions = %+v, %v; want 2 (drafts are never recorded)", all, err)
	}

	// Without an office to send it to, there is no version; a draft is fine.
	c.Mail.OfficeTo = nil
	if _, err := c.Ingest(ctx, filled(t, c, "fgw", may, answersFor(c, "fgw", "迟报")), "fgw.xlsx", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(ctx, may); !errors.Is(err, ErrNoOffice) {
		t.Errorf("Compile without office recipients: %v; want ErrNoOffice", err)
	}
	if d, err := c.Draft(ctx, may); err != nil || !d.Draft() {
		t.Errorf("Draft without office recipients = version %d, %v; want a draft", d.Version, err)
	}
}
