package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// TestIngestPrintsInArgumentOrder: workbooks are ingested together, yet
// each file's line comes in the order of the arguments, whatever became
// of it, across a message between them, and the exit code counts every
// refusal.
func TestIngestPrintsInArgumentOrder(t *testing.T) {
	dir := inTempDir(t)
	june2 := time.Date(2023, 6, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if code, _, errOut := cli(t, june2, "template", "--unit", "jtj", "--period", "2023-05", "-o", dir); code != exitOK {
		t.Fatalf("template: exit %d, %s", code, errOut)
	}
	tpl, err := os.ReadFile(filepath.Join(dir, "市交通运输局-2023年5月推进情况.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
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
	limit := 2 * len(good)
	t.Setenv("DUBAN_LIMITS_MAX_ATTACHMENT_BYTES", fmt.Sprint(limit))
	for name, data := range map[string][]byte{"good.xlsx": good, "bad.xlsx": bad, "big.xlsx": make([]byte, limit+1)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := cli(t, june2, "ingest", "bad.xlsx", "big.xlsx", "missing.xlsx", "good.xlsx", "missing.eml", "good.xlsx")
	if code != exitRejected {
		t.Errorf("exit %d, want %d; stderr %s", code, exitRejected, errOut)
	}
	var verdicts []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && !strings.HasPrefix(line, " ") {
			verdicts = append(verdicts, f[0]+" "+strings.SplitN(f[1], "：", 2)[0])
		}
	}
	want := []string{"退回 bad.xlsx", "退回 big.xlsx", "无法读取 missing.xlsx", "已采用 good.xlsx", "无法读取 missing.eml", "已采用 good.xlsx"}
	if strings.Join(verdicts, "|") != strings.Join(want, "|") {
		t.Errorf("ingest printed\n%s\nwant the lines %q", out, want)
	}
	if !strings.Contains(out, "此文件此前已导入") {
		t.Errorf("the second good.xlsx is not told as ingested before:\n%s", out)
	}
}
