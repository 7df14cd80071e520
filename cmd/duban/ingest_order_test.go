package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestPrintsInArgumentOrder: workbooks are ingested together, yet
// each file's line comes in the order of the arguments, whatever became
// of it, across a message between them, and the exit code counts every
// refusal.
func TestIngestPrintsInArgumentOrder(t *testing.T) {
	dir := inTempDir(t)
	tpl := jtjTemplate(t, dir, june2)
	answers := jtjAnswers("继续推进")
	good := fill(t, tpl, answers)
	answers[0].Status = "完成"
	bad := fill(t, tpl, answers)
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
