package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailtest"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
)

// cli runs duban in-process with a fixed clock and returns its exit code
// and outputs.
func cli(t *testing.T, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, now: func() time.Time { return now }}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	code := exitOK
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCodeOf(err, &stderr)
	}
	return code, stdout.String(), stderr.String()
}

// inTempDir runs the test in an empty folder with the ledger there too, on
// the embedded example configuration.
func inTempDir(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DUBAN_STORAGE_DATA_DIR", filepath.Join(dir, "data"))
	return dir
}

// june2 is 10:00 on 2023年6月2日 in the office's time zone: the May
// reminders are out and the deadline is days away.
var june2 = time.Date(2023, 6, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestCycleFromTheCommandLine(t *testing.T) {
	dir := inTempDir(t)

	code, out, errOut := cli(t, june2, "template", "--unit", "jtj", "--period", "2023-05", "-o", dir)
	if code != exitOK {
		t.Fatalf("template: exit %d, %s", code, errOut)
	}
	if !strings.Contains(errOut, "embedded example") {
		t.Errorf("template without a config file should say it uses the embedded example, stderr = %q", errOut)
	}
	tplPath := filepath.Join(dir, "市交通运输局-2023年5月推进情况.xlsx")
	tpl, err := os.ReadFile(tplPath)
	if err != nil {
		t.Fatalf("template wrote %q, want %s: %v", out, tplPath, err)
	}

	// One good reply, one with a hand-typed status.
	answers := jtjAnswers("继续推进")
	good := fill(t, tpl, answers)
	answers[0].Status = "完成"
	bad := fill(t, tpl, answers)
	os.WriteFile(filepath.Join(dir, "good.xlsx"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.xlsx"), bad, 0o644)

	code, out, _ = cli(t, june2, "ingest", "bad.xlsx", "good.xlsx")
	if code != exitRejected {
		t.Errorf("ingest with one rejected file: exit %d, want %d", code, exitRejected)
	}
	if !strings.Contains(out, "退回     bad.xlsx") || !strings.Contains(out, "1. 单元格 G7（任务 T04）：") || !strings.Contains(out, "已采用   good.xlsx") {
		t.Errorf("ingest output lacks the decisions or the problem's cell:\n%s", out)
	}
	code, out, _ = cli(t, june2, "ingest", "good.xlsx")
	if code != exitOK || !strings.Contains(out, "此文件此前已导入") {
		t.Errorf("ingest of the same file again: exit %d, output %q; want 0 and 此文件此前已导入", code, out)
	}

	code, out, _ = cli(t, june2, "status", "--period", "2023-05", "--json")
	if code != exitOK {
		t.Fatalf("status --json: exit %d", code)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	if st.Period != "2023-05" || st.Deadline != "2023-06-07" || len(st.Units) != 13 {
		t.Errorf("status --json = period %q deadline %q %d units, want 2023-05, 2023-06-07, 13", st.Period, st.Deadline, len(st.Units))
	}
	for _, u := range st.Units {
		switch u.ID {
		case "jtj":
			if u.State != "submitted" || u.Versions != 1 || u.Rejected != 1 || u.SubmittedAt == nil {
				t.Errorf("status of jtj = %+v, want submitted, 1 version, 1 rejected", u)
			}
		default:
			if u.State != "missing" || u.SubmittedAt != nil {
				t.Errorf("status of %s = %+v, want missing", u.ID, u)
			}
		}
	}

	// A draft has no number and mails nobody; a version is mailed, once,
	// and asked for again is written exactly as the office received it.
	for _, step := range []struct {
		args []string
		file string
		want string
	}{
		{[]string{"--no-mail"}, "2023年5月推进情况汇总-草稿.xlsx", "草稿（不编号，未记录，未发送办公室）"},
		{nil, "out.xlsx", "第1版，发送"},
		{nil, "again.xlsx", "自第1版以来没有新的报送"},
	} {
		args := append([]string{"compile", "--period", "2023-05", "-o", filepath.Join(dir, step.file)}, step.args...)
		code, out, _ = cli(t, june2, args...)
		if code != exitOK || !strings.Contains(out, step.want) {
			t.Errorf("%s: exit %d, output %q; want %q", strings.Join(args, " "), code, out, step.want)
		}
		if fi, err := os.Stat(filepath.Join(dir, step.file)); err != nil || fi.Size() == 0 {
			t.Errorf("%s wrote no workbook: %v", strings.Join(args, " "), err)
		}
	}
	v1, _ := os.ReadFile(filepath.Join(dir, "out.xlsx"))
	again, _ := os.ReadFile(filepath.Join(dir, "again.xlsx"))
	if !bytes.Equal(v1, again) {
		t.Error("compile with nothing new rewrote version 1; want the bytes the office was sent")
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := inTempDir(t)
	now := time.Date(2023, 6, 2, 10, 0, 0, 0, time.UTC)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("plan:\n  title: x\n  year: 1999\nunits: []\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"unknown flag", []string{"status", "--nope"}, exitUsage, "unknown flag"},
		{"bad period", []string{"status", "--period", "2023-5"}, exitUsage, "want YYYY-MM"},
		{"template without unit", []string{"template"}, exitUsage, "--unit is required"},
		{"unknown unit", []string{"template", "--unit", "nobody"}, exitUsage, "units that report: fgw"},
		{"missing config file", []string{"check", "--config", "nope.yaml"}, exitUsage, "nope.yaml"},
		{"invalid config", []string{"check", "--config", broken}, exitUsage, "plan.year"},
		{"unreadable file", []string{"ingest", "missing.xlsx"}, exitRejected, "无法读取"},
		{"check", []string{"check", "--from", "2023-09-20"}, exitOK, "2023年9月\n  2023年10月7日 09:00   向各牵头单位发送报送提醒\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, now, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("duban %v = exit %d, output %q %q; want exit %d containing %q", tt.args, code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

// check prints every event of the next three periods on the real
// calendar: around National Day 2023 (Sep 29 – Oct 6 off, Sat Oct 7 and
// Sun Oct 8 make-up working days) and the 2023 Spring Festival (Jan 21–27
// off, Sat Jan 28 and Sun Jan 29 make-up working days).
func TestCheckSchedule(t *testing.T) {
	inTempDir(t)
	for _, tc := range []struct {
		from string
		want string
	}{
		{"2023-09-20", `2023年9月
  2023年10月7日 09:00   向各牵头单位发送报送提醒
  2023年10月9日 09:00   催报：提醒尚未报送的单位
  2023年10月11日 23:59  报送截止（星期三当日24时前），此后报送计为逾期
  2023年10月12日 08:30  生成汇总表并发送办公室
  2023年10月12日 09:00  第1次逾期提醒，抄送办公室
  2023年10月19日 09:00  第2次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警
  2023年10月26日 09:00  第3次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警
  2023年11月1日 09:00   本期结束，下一期开始
2023年10月
  2023年11月1日 09:00   向各牵头单位发送报送提醒
`},
		{"2022-12-20", `2022年12月（不在计划年度2023年内，不发送任何邮件）
  2023年1月3日 09:00   向各牵头单位发送报送提醒
  2023年1月5日 09:00   催报：提醒尚未报送的单位
  2023年1月9日 23:59   报送截止（星期一当日24时前），此后报送计为逾期
  2023年1月10日 08:30  生成汇总表并发送办公室
  2023年1月10日 09:00  第1次逾期提醒，抄送办公室
  2023年1月17日 09:00  第2次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警
  2023年1月28日 09:00  第3次逾期提醒，抄送办公室及领导；仍未报送的单位列为红色预警
  2023年2月1日 09:00   本期结束，下一期开始
2023年1月
`},
		{"2035-01-01", "注意：没有2035年的法定节假日数据"},
	} {
		code, out, errOut := cli(t, time.Now(), "check", "--from", tc.from)
		if code != exitOK || !strings.Contains(out, tc.want) {
			t.Errorf("duban check --from %s = exit %d\n%s%s\nwant it to contain\n%s", tc.from, code, out, errOut, tc.want)
		}
	}
	code, out, _ := cli(t, time.Now(), "check", "--from", "2023-09-20")
	if !strings.HasPrefix(out, "注意：今天（") || !strings.Contains(out, "不在计划年度（2023年）内") {
		t.Errorf("check outside the plan year does not warn first:\n%s", out)
	}
	if code != exitOK || !regexp.MustCompile(`(?m)^  collect   2023年9月20日 00:05  \(@every 5m\)$`).MatchString(out) {
		t.Errorf("check does not print the next collect run:\n%s", out)
	}
}

func TestDemo(t *testing.T) {
	dir := inTempDir(t)
	out := filepath.Join(dir, "demo")
	code, stdout, stderr := cli(t, time.Now(), "demo", "--dir", out)
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"compiled/2023年5月推进情况汇总-v1.xlsx",
		"compiled/2023年5月推进情况汇总-v2.xlsx",
		"compiled/2023年5月推进情况通报-v2.docx",
		"templates/2023-05/市交通运输局-2023年5月推进情况.xlsx",
		"data",
	} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("demo did not write %s: %v", want, err)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*kjj\s+市科技局\s+late\s`).MatchString(stdout) {
		t.Errorf("demo output should show kjj (市科技局) as late:\n%s", stdout)
	}

	boxes := demoMailboxes(t, filepath.Join(out, "mail"))
	subjects := func(addr string) []string {
		var s []string
		for _, m := range boxes[addr] {
			s = append(s, m.Subject)
		}
		return s
	}
	// The invalid unit's contact: a rejection for May, then a receipt.
	jtj := subjects("liu.yang@jtj.metro.example")
	rejected, received := -1, -1
	for i, s := range jtj {
		switch {
		case strings.HasPrefix(s, "【退回】") && strings.Contains(s, "2023年5月") && rejected < 0:
			rejected = i
		case strings.HasPrefix(s, "【回执】") && strings.Contains(s, "2023年5月"):
			received = i
		}
	}
	if rejected < 0 || received < rejected {
		t.Errorf("liu.yang@jtj.metro.example received %q, want a 【退回】 for 2023年5月 followed by a 【回执】", jtj)
	}
	if got := subjects("li.ming@163.example"); len(got) != 0 {
		t.Errorf("the stranger received %q, want nothing", got)
	}
	if _, ok := boxes["li.ming@163.example"]; !ok {
		t.Errorf("demo wrote no mailbox folder for the stranger li.ming@163.example")
	}
	office := subjects("office@metro.example")
	if !slices.ContainsFunc(office, func(s string) bool { return strings.Contains(s, "隔离邮件日报") }) {
		t.Errorf("office@metro.example received %q, want the daily digest listing the unregistered sender's message", office)
	}
	for _, s := range subjects("wang.qiang@fgw.metro.example") {
		// A cc of 市发展改革委: its reminders and the office's close-out of
		// its task, never an answer to its out-of-office.
		if !strings.HasPrefix(s, "【报送提醒】") && !strings.HasPrefix(s, "【销号】") {
			t.Errorf("wang.qiang@fgw.metro.example, whose out-of-office answered, received %q besides reminders", s)
		}
	}
	// Issue 6: the office's decisions and the red notice reach the people
	// they concern, and the compiled mail carries the bulletin.
	for addr, want := range map[string]string{
		"zhang.wei@fgw.metro.example": "【销号】T02",
		"wang.zhuren@metro.example":   "【逾期提醒】市农业农村局",
		"office@metro.example":        "延期申请已收到",
	} {
		if !slices.ContainsFunc(subjects(addr), func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("%s received %q, want a message about %q", addr, subjects(addr), want)
		}
	}
	// Issue 14: the office is mailed each version once — April's, and May's
	// two (the second after the late reports); the later look at May is an
	// unnumbered draft that is mailed to nobody.
	var versions []string
	for _, s := range office {
		if strings.HasPrefix(s, "【汇总】") {
			versions = append(versions, regexp.MustCompile(`\d+年\d+月.*第\d+版`).FindString(s))
		}
	}
	if want := []string{"2023年4月推进情况汇总表（第1版", "2023年5月推进情况汇总表（第1版", "2023年5月推进情况汇总表（第2版"}; !slices.Equal(versions, want) {
		t.Errorf("the office received the versions %q; want %q", versions, want)
	}
	if _, err := os.Stat(filepath.Join(out, "compiled", "2023年5月推进情况汇总-草稿.xlsx")); err != nil {
		t.Errorf("demo wrote no draft: %v", err)
	}
	for _, m := range boxes["office@metro.example"] {
		if strings.HasPrefix(m.Subject, "【汇总】") && !slices.ContainsFunc(m.Files, func(f inbound.File) bool { return strings.HasSuffix(f.Name, ".docx") }) {
			t.Errorf("the compiled mail %q carries no bulletin", m.Subject)
		}
	}
	for addr, msgs := range boxes {
		seen := map[string]bool{}
		for _, m := range msgs {
			if m.MessageID == "" || seen[m.MessageID] {
				t.Errorf("%s received message %q (Message-ID %q) twice or without an id", addr, m.Subject, m.MessageID)
			}
			seen[m.MessageID] = true
		}
	}

	// A second run clears its own folder; a foreign folder is refused.
	if code, _, stderr := cli(t, time.Now(), "demo", "--dir", out); code != exitOK {
		t.Errorf("demo run twice on its own folder: exit %d, %s", code, stderr)
	}
	foreign := filepath.Join(dir, "mine")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "thesis.docx"), []byte("x"), 0o644)
	if code, _, stderr := cli(t, time.Now(), "demo", "--dir", foreign); code != exitUsage || !strings.Contains(stderr, "not made by the demo") {
		t.Errorf("demo into a foreign folder: exit %d, %q; want refused", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(foreign, "thesis.docx")); err != nil {
		t.Errorf("demo deleted a file it did not make: %v", err)
	}
}

// demoMailboxes parses every .eml the demo wrote, by mailbox, in order.
func demoMailboxes(t *testing.T, dir string) map[string][]*inbound.Message {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("demo wrote no mailboxes: %v", err)
	}
	boxes := map[string][]*inbound.Message{}
	for _, e := range entries {
		boxes[e.Name()] = nil
		for _, s := range mailtest.Folder(t, filepath.Join(dir, e.Name())) {
			boxes[e.Name()] = append(boxes[e.Name()], s.Msg)
		}
	}
	return boxes
}

// An accepted workbook's warnings are printed under it, as its receipt
// tells them.
func TestPrintDecisionWarnings(t *testing.T) {
	var b bytes.Buffer
	printDecision(&b, "may.xlsx", jobs.Decision{
		Accepted: true, Version: 1,
		Unit: plan.Unit{ID: "jtj", Name: "市交通运输局"}, Period: plan.Period{Year: 2023, Month: time.May},
		Warnings: []reports.Problem{{Cell: "G7", TaskID: "T04", Kind: reader.KindStepBack, Message: "第4项任务上次报送为“已完成”。"}},
	})
	want := "已采用   may.xlsx：市交通运输局（jtj）2023年5月，本期第1次报送，按时报送\n" +
		"         提醒：单元格 G7（任务 T04）：第4项任务上次报送为“已完成”。\n"
	if b.String() != want {
		t.Errorf("printDecision =\n%s\nwant\n%s", b.String(), want)
	}
}

// jtjTemplate writes 市交通运输局's May 2023 template into dir with the
// command line, as of now, and returns it.
func jtjTemplate(t *testing.T, dir string, now time.Time) []byte {
	t.Helper()
	if code, _, errOut := cli(t, now, "template", "--unit", "jtj", "--period", "2023-05", "-o", dir); code != exitOK {
		t.Fatalf("template: exit %d, %s", code, errOut)
	}
	tpl, err := os.ReadFile(filepath.Join(dir, "市交通运输局-2023年5月推进情况.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// jtjAnswers are 市交通运输局's four tasks on track, each with progress
// (五月进展 and the task) and next steps when given.
func jtjAnswers(nextSteps string) []plan.Answer {
	var answers []plan.Answer
	for _, id := range []string{"T04", "T05", "T06", "T07"} {
		answers = append(answers, plan.Answer{TaskID: id, Progress: "五月进展 " + id, Status: plan.StatusOnTrack, NextSteps: nextSteps})
	}
	return answers
}

// fill fills a template in as 李娜 would, or fails the test.
func fill(t *testing.T, tpl []byte, answers []plan.Answer) []byte {
	t.Helper()
	data, err := reader.Fill(tpl, "李娜", "0551-63001234", answers)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
