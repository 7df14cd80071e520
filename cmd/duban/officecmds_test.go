package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

// The office's commands from the command line: close and extend, their
// refusals, and what status shows afterwards. The embedded example config
// writes mail to a folder, so the notices to the units are real files.
func TestOfficeCommands(t *testing.T) {
	dir := inTempDir(t)
	tpl := jtjTemplate(t, dir, june2)
	answers := jtjAnswers("")
	answers[0].Status = plan.StatusDone
	good := fill(t, tpl, answers)
	os.WriteFile(filepath.Join(dir, "good.xlsx"), good, 0o644)
	if code, out, _ := cli(t, june2, "ingest", "good.xlsx"); code != exitOK {
		t.Fatalf("ingest: exit %d\n%s", code, out)
	}

	tests := []struct {
		args     []string
		code     int
		out, err string // substrings expected
	}{
		{[]string{"close"}, exitUsage, "", "--task is required"},
		{[]string{"close", "--task", "T05", "--period", "2023-05"}, 1, "", "任务 T05 的完成状态为“序时推进”"},
		{[]string{"close", "--task", "T04", "--period", "2023-05", "--note", "已通车"}, exitOK, "任务 T04 已销号", ""},
		{[]string{"close", "--task", "T04"}, 1, "", "已于2023年5月销号"},
		{[]string{"extend", "--unit", "kjj", "--period", "2023-05"}, exitUsage, "", "either --until"},
		{[]string{"extend", "--unit", "kjj", "--period", "2023-05", "--until", "6月20日"}, exitUsage, "", "YYYY-MM-DD"},
		{[]string{"extend", "--unit", "kjj", "--period", "2023-05", "--until", "2023-06-01"}, 1, "", "不晚于2023年5月的截止日期"},
		{[]string{"extend", "--unit", "kjj", "--period", "2023-05", "--until", "2023-06-20"}, exitOK, "同意市科技局2023年5月推进情况延期至2023年6月20日报送", ""},
	}
	for _, tc := range tests {
		code, out, errOut := cli(t, june2, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("duban %s: exit %d\nstdout %s\nstderr %s\nwant exit %d, %q, %q",
				strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.out, tc.err)
		}
	}

	code, out, _ := cli(t, june2, "status", "--period", "2023-05", "--json")
	if code != exitOK {
		t.Fatalf("status: exit %d", code)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Units {
		switch u.ID {
		case "kjj":
			if u.Extension != "granted until 2023-06-20" {
				t.Errorf("status of kjj: extension %q, want granted until 2023-06-20", u.Extension)
			}
		case "jtj":
			// T04 was confirmed for May: June asks it no more, May still shows it.
			if u.Tasks[0].Closed {
				t.Errorf("status of jtj for May shows T04 closed; it is closed from June on")
			}
		}
	}
	july := time.Date(2023, 7, 4, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	code, out, _ = cli(t, july, "status", "--period", "2023-06", "--json")
	if code != exitOK || !strings.Contains(out, `"closed": true`) {
		t.Errorf("status for June: exit %d, want T04 closed:\n%s", code, out)
	}
	if code, out, _ := cli(t, july, "close", "--task", "T04", "--reopen", "--note", "需整改"); code != exitOK || !strings.Contains(out, "已撤销销号") {
		t.Errorf("close --reopen: exit %d\n%s", code, out)
	}
	notices, _ := filepath.Glob(filepath.Join(dir, "data", "mail-out", "*.eml"))
	var subjects []string
	for _, f := range notices {
		raw, _ := os.ReadFile(f)
		subjects = append(subjects, string(raw))
	}
	all := strings.Join(subjects, "\n")
	for _, kind := range []string{"X-Duban-Kind: closure", "X-Duban-Kind: extension"} {
		if !strings.Contains(all, kind) {
			t.Errorf("no %s notice among the %d messages written to mail-out", kind, len(notices))
		}
	}
}
