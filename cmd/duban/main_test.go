package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
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

func TestCycleFromTheCommandLine(t *testing.T) {
	dir := inTempDir(t)
	june2 := time.Date(2023, 6, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

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
	var answers []plan.Answer
	for _, id := range []string{"T04", "T05", "T06", "T07"} {
		answers = append(answers, plan.Answer{TaskID: id, Progress: "五月进展 " + id, Status: plan.StatusOnTrack, NextSteps: "继续推进"})
	}
	good, err := reader.Fill(tpl, "李娜", "0551-63001234", answers)
	if err != nil {
		t.Fatal(err)
	}
	answers[0].Status = "完成"
	bad, err := reader.Fill(tpl, "李娜", "0551-63001234", answers)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "good.xlsx"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.xlsx"), bad, 0o644)

	code, out, _ = cli(t, june2, "ingest", "bad.xlsx", "good.xlsx")
	if code != exitRejected {
		t.Errorf("ingest with one rejected file: exit %d, want %d", code, exitRejected)
	}
	if !strings.Contains(out, "REJECTED  bad.xlsx") || !strings.Contains(out, "G6 T04") || !strings.Contains(out, "ACCEPTED  good.xlsx") {
		t.Errorf("ingest output lacks the decisions or the problem's cell:\n%s", out)
	}
	code, out, _ = cli(t, june2, "ingest", "good.xlsx")
	if code != exitOK || !strings.Contains(out, "already ingested") {
		t.Errorf("ingest of the same file again: exit %d, output %q; want 0 and 'already ingested'", code, out)
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

	code, out, _ = cli(t, june2, "compile", "--period", "2023-05", "-o", filepath.Join(dir, "out.xlsx"))
	if code != exitOK || !strings.Contains(out, "version 1") {
		t.Errorf("compile: exit %d, output %q", code, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "out.xlsx")); err != nil || fi.Size() == 0 {
		t.Errorf("compile wrote no workbook: %v", err)
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
		{"unreadable file", []string{"ingest", "missing.xlsx"}, exitRejected, "FAILED"},
		{"check", []string{"check", "--from", "2023-09-20"}, exitOK, "period 2023-09\n  2023-10-07 09:00  reminders to every lead unit\n"},
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
		{"2023-09-20", `period 2023-09
  2023-10-07 09:00  reminders to every lead unit
  2023-10-09 09:00  chase: units that have not submitted
  2023-10-11 23:59  deadline: reports due by the end of Wednesday; later ones count as late
  2023-10-12 08:30  compile and mail the consolidated workbook to the office
  2023-10-12 09:00  overdue notice 1, office in copy
  2023-10-19 09:00  overdue notice 2, office and leader in copy; a unit still without a report is red
  2023-10-26 09:00  overdue notice 3, office and leader in copy; a unit still without a report is red
  2023-11-01 09:00  the period closes (the next one opens)
period 2023-10
  2023-11-01 09:00  reminders to every lead unit
`},
		{"2022-12-20", `period 2022-12  (outside the plan year 2023: the daemon sends nothing for it)
  2023-01-03 09:00  reminders to every lead unit
  2023-01-05 09:00  chase: units that have not submitted
  2023-01-09 23:59  deadline: reports due by the end of Monday; later ones count as late
  2023-01-10 08:30  compile and mail the consolidated workbook to the office
  2023-01-10 09:00  overdue notice 1, office in copy
  2023-01-17 09:00  overdue notice 2, office and leader in copy; a unit still without a report is red
  2023-01-28 09:00  overdue notice 3, office and leader in copy; a unit still without a report is red
  2023-02-01 09:00  the period closes (the next one opens)
period 2023-01
  2023-02-01 09:00  reminders to every lead unit
  2023-02-03 09:00  chase: units that have not submitted
  2023-02-07 23:59  deadline: reports due by the end of Tuesday; later ones count as late
`},
		{"2035-01-01", "warning: no official holiday data for 2035"},
	} {
		code, out, errOut := cli(t, time.Now(), "check", "--from", tc.from)
		if code != exitOK || !strings.Contains(out, tc.want) {
			t.Errorf("duban check --from %s = exit %d\n%s%s\nwant it to contain\n%s", tc.from, code, out, errOut, tc.want)
		}
	}
	code, out, _ := cli(t, time.Now(), "check", "--from", "2023-09-20")
	if code != exitOK || !regexp.MustCompile(`(?m)^  collect   2023-09-20 00:05  \(@every 5m\)$`).MatchString(out) {
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
		files, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.eml"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		boxes[e.Name()] = nil
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := inbound.Parse(raw, inbound.Limits{})
			if err != nil {
				t.Fatalf("inbound.Parse(%s) error = %v", f, err)
			}
			boxes[e.Name()] = append(boxes[e.Name()], m)
		}
	}
	return boxes
}
