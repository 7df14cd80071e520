package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// answersWith is answersFor with one task's status set.
func answersWith(c *Cycle, unit, progress, task string, status plan.Status) []plan.Answer {
	as := answersFor(c, unit, progress)
	for i := range as {
		if as[i].TaskID == task {
			as[i].Status = status
		}
	}
	return as
}

func mustIngest(t *testing.T, c *Cycle, data []byte, name string) Decision {
	t.Helper()
	d, err := c.Ingest(context.Background(), data, name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Close-out: refused until the unit reports 已完成; then the task is shown
// locked in later templates, not asked, its row ignored, a unit whose every
// task is closed is not reminded; reopening asks it again. The unit is told
// each time, once.
func TestCloseTaskLifecycle(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	apr, may, jun := plan.Period{Year: 2023, Month: time.April}, plan.Period{Year: 2023, Month: time.May}, plan.Period{Year: 2023, Month: time.June}

	clock.Set(at(t, c, "2023-05-05 10:00"))
	if _, err := c.CloseTask(ctx, "T02", apr, "", false); !errors.Is(err, ErrDecision) {
		t.Fatalf("CloseTask before any report = %v; want a refusal", err)
	}
	mustIngest(t, c, filled(t, c, "fgw", apr, answersWith(c, "fgw", "四月", "T02", plan.StatusDone)), "fgw-apr.xlsx")
	kjj := mustIngest(t, c, filled(t, c, "kjj", apr, answersWith(c, "kjj", "四月", "T06", plan.StatusDone)), "kjj-apr.xlsx")
	if !kjj.Accepted {
		t.Fatalf("kjj's April report rejected: %v", kjj.Problems)
	}
	if _, err := c.CloseTask(ctx, "T01", apr, "", false); err == nil || !strings.Contains(err.Error(), "序时推进") {
		t.Errorf("CloseTask(T01, reported 序时推进) = %v; want a refusal naming the status", err)
	}
	if _, err := c.CloseTask(ctx, "T99", apr, "", false); !errors.Is(err, ErrDecision) {
		t.Errorf("CloseTask(unknown) = %v; want a refusal", err)
	}
	d, err := c.CloseTask(ctx, "T02", plan.Period{}, "规划已获批复", false)
	if err != nil {
		t.Fatal(err)
	}
	if d.MessageID == "" || d.Flush.Sent != 1 {
		t.Errorf("CloseTask(T02) = %+v; want one notice sent", d)
	}
	if _, err := c.CloseTask(ctx, "T02", apr, "", false); err == nil || !strings.Contains(err.Error(), "已于2023年4月销号") {
		t.Errorf("closing T02 twice = %v; want already closed", err)
	}
	if _, err := c.CloseTask(ctx, "T06", apr, "", false); err != nil {
		t.Fatal(err)
	}

	// April still asks T02 (its report is what was confirmed); May does not.
	for _, tc := range []struct {
		p      plan.Period
		closed bool
	}{{apr, false}, {may, true}, {jun, true}} {
		tpl, err := c.BuildTemplate(ctx, "fgw", tc.p)
		if err != nil {
			t.Fatal(err)
		}
		var row reader.Row
		for _, r := range reader.Parse(tpl.Data, reports.Limits{}).Rows {
			if r.Answer.TaskID == "T02" {
				row = r
			}
		}
		if got := row.Answer.Status == "已销号"; got != tc.closed {
			t.Errorf("%s template: T02 shown closed = %v (status cell %q); want %v", tc.p, got, row.Answer.Status, tc.closed)
		}
	}

	// May's report leaves T02 alone and is accepted without it.
	clock.Set(at(t, c, "2023-06-02 10:00"))
	var mayAnswers []plan.Answer
	for _, a := range answersFor(c, "fgw", "五月") {
		if a.TaskID != "T02" {
			mayAnswers = append(mayAnswers, a)
		}
	}
	dm := mustIngest(t, c, filled(t, c, "fgw", may, mayAnswers), "fgw-may.xlsx")
	if !dm.Accepted || len(dm.Submission.Answers) != 1 || dm.Submission.Answers[0].TaskID != "T01" {
		t.Errorf("May report without the closed task = accepted %v, answers %v, problems %v; want accepted with T01 only", dm.Accepted, dm.Submission.Answers, dm.Problems)
	}

	// kjj leads only T06, now closed: no reminder, no chase.
	res, err := c.Remind(ctx, may, RemindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Lines {
		if l.Unit.ID == "kjj" && l.Action != "all tasks closed" {
			t.Errorf("Remind(kjj, every task closed) = %q; want no reminder", l.Action)
		}
	}
	st, err := c.Status(ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	colors, err := c.Colors(ctx, st, c.rules())
	if err != nil {
		t.Fatal(err)
	}
	if tc := colors["fgw"].Tasks[1]; !tc.Closed || tc.Color != plan.ColorGreen {
		t.Errorf("colour of closed T02 = %+v; want closed, 绿", tc)
	}

	// Reopened: asked again from the period being collected.
	clock.Set(at(t, c, "2023-07-04 10:00"))
	if _, err := c.ReopenTask(ctx, "T02", "发现问题需整改"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReopenTask(ctx, "T02", ""); !errors.Is(err, ErrDecision) {
		t.Errorf("reopening an open task = %v; want a refusal", err)
	}
	closed, err := c.Closed(ctx, jun)
	if err != nil || len(closed) != 1 || closed["T06"].Period != apr {
		t.Errorf("Closed(June) after reopening T02 = %v, %v; want only T06", closed, err)
	}
	events, _ := c.Ledger.ClosureEvents(ctx)
	if len(events) != 3 {
		t.Errorf("closure log has %d events; want 3 (two closes, one reopen)", len(events))
	}
	// Every decision told its unit once, whatever runs after.
	if err := c.NotifyDecisions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, msgs := range sent(t, out) {
		for _, m := range msgs {
			switch {
			case strings.Contains(m.Subject, "【销号撤销】"):
				got["reopen"]++
			case strings.Contains(m.Subject, "【销号】"):
				got["close"]++
			}
		}
	}
	if got["close"] != 2 || got["reopen"] != 1 {
		t.Errorf("notices sent = %v; want 2 closes and 1 reopening", got)
	}
}

// Extension: a workbook with only the request is acknowledged and keeps
// the unit missing; a grant moves its deadline for lateness, colours and
// the chase ladder; a refusal puts it back.
func TestExtensionLifecycle(t *testing.T) {
	ctx := context.Background()
	c, clock, out, _ := mailCycle(t)
	c.Schedule.Chase = plan.Chase{BeforeDeadline: 2, OverdueEveryDays: 7, MaxOverdueNotices: 3}

	clock.Set(at(t, c, "2023-06-02 10:00"))
	tpl, err := c.BuildTemplate(ctx, "jtj", may)
	if err != nil {
		t.Fatal(err)
	}
	req, err := reader.FillExtensionRequest(tpl.Data, "李娜", "0551-63001234", "2023-06-14", "数据待统计局核定")
	if err != nil {
		t.Fatal(err)
	}
	d := mustIngest(t, c, req, "jtj-request.xlsx")
	if d.Accepted || len(d.Problems) > 0 || !d.Submission.RequestOnly() || d.Submission.ExtensionUntil != "2023-06-14" {
		t.Fatalf("Ingest(request only) = accepted %v problems %v submission %+v; want a recorded request", d.Accepted, d.Problems, d.Submission)
	}
	st, _ := c.Status(ctx, may)
	if u := st.Units[1]; u.State != reports.StateMissing || u.Rejected != 0 || u.Extension.Requested.Format(time.DateOnly) != "2023-06-14" {
		t.Errorf("status after the request = %+v; want missing, not rejected, request shown", u)
	}

	if _, err := c.Extend(ctx, "jtj", may, at(t, c, "2023-06-05 00:00"), ""); !errors.Is(err, ErrDecision) {
		t.Errorf("Extend(before the deadline) = %v; want a refusal", err)
	}
	if _, err := c.Extend(ctx, "nobody", may, at(t, c, "2023-06-14 00:00"), ""); !errors.Is(err, ErrDecision) {
		t.Errorf("Extend(unknown unit) = %v; want a refusal", err)
	}
	g, err := c.Extend(ctx, "jtj", may, at(t, c, "2023-06-14 00:00"), "同意")
	if err != nil {
		t.Fatal(err)
	}
	if g.MessageID == "" {
		t.Error("the grant was not mailed to the unit")
	}

	// Past the period's deadline, within the extension: no colour, no chase.
	clock.Set(at(t, c, "2023-06-09 10:00"))
	st, _ = c.Status(ctx, may)
	colors, _ := c.Colors(ctx, st, c.rules())
	if got := colors["jtj"].Timeliness; got != plan.ColorNone {
		t.Errorf("jtj's colour within its extension = %q; want none", got)
	}
	if got := colors["kjj"].Timeliness; got != plan.ColorYellow {
		t.Errorf("kjj's colour past the deadline = %q; want 黄", got)
	}
	remind(t, c, may)
	chase, err := c.ChaseDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, l := range chase.Lines {
		actions[l.Unit.ID] = l.Action
	}
	if actions["jtj"] == "queued" || actions["kjj"] != "queued" {
		t.Errorf("chase at 06-09 = %v; want kjj chased, jtj not (extended)", actions)
	}

	// A report on the last day of the extension is on time.
	clock.Set(at(t, c, "2023-06-14 17:00"))
	dr := mustIngest(t, c, filled(t, c, "jtj", may, answersFor(c, "jtj", "五月")), "jtj.xlsx")
	if !dr.Accepted || dr.Late {
		t.Errorf("report within the extension = accepted %v late %v; want on time", dr.Accepted, dr.Late)
	}

	// Refused afterwards: the deadline is the period's again, and the same
	// report counts late.
	if _, err := c.Extend(ctx, "jtj", may, time.Time{}, "不符合延期条件"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Status(ctx, may)
	if st.Units[1].State != reports.StateLate || st.Units[1].Extension.Decision != reports.ExtensionRefused {
		t.Errorf("after the refusal jtj = %s (%+v); want late, refused", st.Units[1].State, st.Units[1].Extension)
	}
	subjects := ""
	for _, msgs := range sent(t, out) {
		for _, m := range msgs {
			subjects += m.Subject + "\n"
		}
	}
	for _, want := range []string{"同意市交通运输局2023年5月推进情况延期至2023年6月14日（星期三）24时前报送", "延期申请未获同意"} {
		if !strings.Contains(subjects, want) {
			t.Errorf("no message %q among:\n%s", want, subjects)
		}
	}
}

// remind queues and sends the period's reminders (the chase ladder skips
// units never reminded).
func remind(t *testing.T, c *Cycle, p plan.Period) {
	t.Helper()
	saved := c.Now
	c.Now = func() time.Time { return c.Schedule.RemindAt(p) }
	defer func() { c.Now = saved }()
	if _, err := c.Remind(context.Background(), p, RemindOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Indicators: the template asks this month's count with the total so far;
// the compiled view totals them and colours the task.
func TestIndicatorTotals(t *testing.T) {
	ctx := context.Background()
	pl := testPlan()
	pl.Indicators = []plan.Indicator{{TaskID: "T01", Name: "联席会", Unit: "次", Min: 2, PerMonthMax: 1}}
	c, clock := newCycle(t, pl.Freeze())
	for m, n := range []int{1, 0, 0} { // January: 1, February and March: 0
		p := plan.Period{Year: 2023, Month: time.Month(m + 1)}
		clock.Set(c.Schedule.RemindAt(p).Add(time.Hour))
		as := answersFor(c, "fgw", p.Label())
		as[0].Counts = map[string]int{"联席会": n}
		if d := mustIngest(t, c, filled(t, c, "fgw", p, as), p.String()+".xlsx"); !d.Accepted {
			t.Fatalf("%s rejected: %v", p, d.Problems)
		}
	}
	apr := plan.Period{Year: 2023, Month: time.April}
	clock.Set(c.Schedule.RemindAt(apr).Add(time.Hour))
	tpl, err := c.BuildTemplate(ctx, "fgw", apr)
	if err != nil {
		t.Fatal(err)
	}
	// An April report without the count is refused: the template asks it.
	d := mustIngest(t, c, mustFill(t, tpl.Data, answersFor(c, "fgw", "四月")), "apr-nocount.xlsx")
	if d.Accepted {
		t.Error("April report without the indicator count was accepted")
	}
	as := answersFor(c, "fgw", "四月")
	as[0].Counts = map[string]int{"联席会": 0}
	if d := mustIngest(t, c, mustFill(t, tpl.Data, as), "apr.xlsx"); !d.Accepted {
		t.Fatalf("April rejected: %v", d.Problems)
	}
	s, err := c.readPeriod(ctx, apr, c.templateWants())
	if err != nil {
		t.Fatal(err)
	}
	if lines := c.indicatorLines(s, pl.TasksLedBy("fgw"), s.CarriedForward["fgw"]); len(lines) != 1 || lines[0].Before != 1 || lines[0].Ask {
		t.Errorf("indicatorLines(April) = %+v; want 联席会 with 1 before April, not asked", lines)
	}
	v, err := c.view(ctx, s, c.statusOf(s))
	if err != nil {
		t.Fatal(err)
	}
	// Total 1 by April against 2×4/12 → 1: on pace, 绿 (T01 序时推进 too).
	if len(v.Indicators) != 1 || v.Indicators[0].YearToDate != 1 || v.Indicators[0].Expected != 1 || v.Indicators[0].Color != plan.ColorGreen || !v.Indicators[0].Reported {
		t.Errorf("April indicators = %+v; want total 1, expected 1, 绿, reported", v.Indicators)
	}
	if len(v.Year.Months) != 4 || len(v.Year.Tasks["T01"]) != 4 {
		t.Errorf("year view = %d months, T01 %v; want January to April", len(v.Year.Months), v.Year.Tasks["T01"])
	}
	// Nothing more by November with one a month at most: out of reach, 红.
	if got := plan.IndicatorColor(pl.Indicators[0], plan.Period{Year: 2023, Month: time.November}, 0); got != plan.ColorRed {
		t.Errorf("IndicatorColor(November, 0 of 2) = %q; want 红", got)
	}
}

func mustFill(t *testing.T, tpl []byte, as []plan.Answer) []byte {
	t.Helper()
	data, err := reader.Fill(tpl, "张伟", "0551-63001234", as)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The red notice (the second overdue one) copies the office leader.
func TestRedNoticeCopiesLeader(t *testing.T) {
	ctx := context.Background()
	c, clock, _, _ := mailCycle(t)
	c.Mail.Leader = mail.Address{Name: "王主任", Email: "wang.zhuren@metro.example"}
	c.Schedule.Chase = plan.Chase{BeforeDeadline: 2, OverdueEveryDays: 7, MaxOverdueNotices: 3}
	remind(t, c, may)
	rungs := c.Schedule.Rungs(may)
	for _, r := range rungs {
		clock.Set(r.At)
		if _, err := c.ChaseDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	overdue, err := c.Ledger.OutboxOf(ctx, may.String(), string(kindOverdue))
	if err != nil {
		t.Fatal(err)
	}
	leaderCc := map[int]int{}
	for _, m := range overdue {
		n := strings.Count(strings.Join(m.To, ","), "wang.zhuren@")
		leaderCc[n]++
	}
	// 3 units × overdue-1 without the leader, 3 × overdue-2 and 3 × overdue-3 with.
	if leaderCc[0] != 3 || leaderCc[1] != 6 {
		t.Errorf("overdue notices by leader copies = %v; want 3 without, 6 with", leaderCc)
	}
}

// TestCompileViewForTheSummary: what the compile input carries for 汇总 and
// 报送情况 beyond the reports — each task's reason for its colour (the one
// plan decides it with), each unit's chase and overdue notices of the
// period (sent or queued; a reminder is no chase, a notice that failed for
// good reached nobody) and each month's deadline day.
func TestCompileViewForTheSummary(t *testing.T) {
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	april, may := plan.Period{Year: 2023, Month: time.April}, plan.Period{Year: 2023, Month: time.May}
	clock.Set(at(t, c, "2023-05-08 10:00"))
	mustIngest(t, c, filled(t, c, "jtj", april, answersWith(c, "jtj", "四月进展", "T04", plan.StatusBehind)), "jtj-4.xlsx")
	clock.Set(at(t, c, "2023-06-02 10:00"))
	mustIngest(t, c, filled(t, c, "jtj", may, answersWith(c, "jtj", "五月进展", "T04", plan.StatusBehind)), "jtj-5.xlsx")

	clock.Set(at(t, c, "2023-06-12 10:00")) // May's deadline day was 2023-06-07
	notices := []struct {
		key, kind, unit, period string
		failed                  bool
	}{
		{"reminder/2023-05/kjj", string(kindReminder), "kjj", "2023-05", false},
		{"chase/2023-05/kjj/1", string(kindChase), "kjj", "2023-05", false},
		{"overdue/2023-05/kjj/1", string(kindOverdue), "kjj", "2023-05", false},
		{"overdue/2023-05/fgw/1", string(kindOverdue), "fgw", "2023-05", true},
		{"chase/2023-04/fgw/1", string(kindChase), "fgw", "2023-04", false},
	}
	for i, n := range notices {
		m, _, err := c.Ledger.EnqueueComposed(ctx, store.OutMessage{
			Key: n.key, MessageID: fmt.Sprintf("m%d@duban.example", i), Kind: n.kind, Period: n.period, Unit: n.unit,
			From: "duban@metro.example", To: []string{n.unit + "@metro.example"}, CreatedAt: clock.Now(),
		}, []byte("Subject: "+n.key+"\r\n\r\n"), n.key+".eml")
		if err != nil {
			t.Fatal(err)
		}
		if n.failed {
			if err := c.Ledger.MarkFailed(ctx, m.ID, "550 no such user"); err != nil {
				t.Fatal(err)
			}
		}
	}

	out, err := c.Draft(ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	v := out.view
	if want := map[string]int{"kjj": 2}; !maps.Equal(v.Chases, want) {
		t.Errorf("Chases = %v, want %v", v.Chases, want)
	}
	if got, want := v.Reasons["T04"], "连续2个月报告滞后"; got != want || v.Progress["T04"] != plan.ColorRed {
		t.Errorf("T04 = %s %q, want 红 %q", v.Progress["T04"], got, want)
	}
	if len(v.Year.Deadlines) != len(v.Year.Months) || !v.Year.Deadlines[4].Equal(c.Schedule.Deadline(may)) {
		t.Errorf("Year.Deadlines = %v for months %v, want May's %v last", v.Year.Deadlines, v.Year.Months, c.Schedule.Deadline(may))
	}

	f, err := excelize.OpenReader(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("报送情况")
	if err != nil {
		t.Fatal(err)
	}
	chased := map[string]string{}
	for _, row := range rows[2:] {
		chased[row[1]] = row[9] // 单位 → 催报次数
	}
	if want := map[string]string{"市发展改革委": "0", "市交通运输局": "0", "市科技局": "2"}; !maps.Equal(chased, want) {
		t.Errorf("报送情况 催报次数 = %v, want %v", chased, want)
	}
}
