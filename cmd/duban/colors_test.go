package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// TestStatusColors follows period 2023-09 on the embedded example around
// National Day: reminders 10-07, deadline day 10-11 (the 5th working day,
// make-up days included). jtj reported T04 滞后 for August on time, then its
// September report late, T04 滞后 again.
func TestStatusColors(t *testing.T) {
	dir := inTempDir(t)
	cst := time.FixedZone("CST", 8*3600)
	day := func(month time.Month, d int) time.Time { return time.Date(2023, month, d, 10, 0, 0, 0, cst) }

	ingest := func(period string, now time.Time, statuses map[string]plan.Status) {
		t.Helper()
		code, _, errOut := cli(t, now, "template", "--unit", "jtj", "--period", period, "-o", filepath.Join(dir, period+".xlsx"))
		if code != exitOK {
			t.Fatalf("template %s: exit %d, %s", period, code, errOut)
		}
		tpl, err := os.ReadFile(filepath.Join(dir, period+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		var answers []plan.Answer
		for _, id := range []string{"T04", "T05", "T06", "T07"} {
			answers = append(answers, plan.Answer{TaskID: id, Progress: period + " 进展 " + id, Status: statuses[id], NextSteps: "继续推进"})
		}
		filled, err := reader.Fill(tpl, "李娜", "0551-63001234", answers)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "reply-"+period+".xlsx")
		if err := os.WriteFile(name, filled, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := cli(t, now, "ingest", name); code != exitOK {
			t.Fatalf("ingest %s: exit %d\n%s%s", period, code, out, errOut)
		}
	}
	status := func(now time.Time) statusJSON {
		t.Helper()
		code, out, errOut := cli(t, now, "status", "--period", "2023-09", "--json")
		if code != exitOK {
			t.Fatalf("status --json: exit %d, %s", code, errOut)
		}
		var st statusJSON
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("status --json is not JSON: %v\n%s", err, out)
		}
		return st
	}
	unit := func(st statusJSON, id string) unitStatusJSON {
		t.Helper()
		for _, u := range st.Units {
			if u.ID == id {
				return u
			}
		}
		t.Fatalf("status lists no unit %s", id)
		return unitStatusJSON{}
	}

	// 10-09: two working days to the deadline day, nobody has reported.
	if u := unit(status(day(time.October, 9)), "fgw"); u.Color != "蓝" {
		t.Errorf("status on 10-09 of fgw = color %q, want 蓝", u.Color)
	}

	ingest("2023-08", day(time.September, 5), map[string]plan.Status{
		"T04": plan.StatusBehind, "T05": plan.StatusOnTrack, "T06": plan.StatusOnTrack, "T07": plan.StatusOnTrack,
	})
	ingest("2023-09", day(time.October, 13), map[string]plan.Status{
		"T04": plan.StatusBehind, "T05": plan.StatusNotStarted, "T06": plan.StatusOnTrack, "T07": plan.StatusDone,
	})

	st := status(day(time.October, 13))
	jtj := unit(st, "jtj")
	if jtj.State != "late" || jtj.Color != "黄" {
		t.Errorf("status on 10-13 of jtj = state %s color %q, want late 黄", jtj.State, jtj.Color)
	}
	want := []taskStatusJSON{
		{ID: "T04", Status: "滞后", Color: "红"},  // two months running
		{ID: "T05", Status: "未启动", Color: "红"}, // in the second half of the year
		{ID: "T06", Status: "序时推进", Color: "绿"},
		{ID: "T07", Status: "已完成", Color: "绿"},
	}
	if len(jtj.Tasks) != len(want) {
		t.Fatalf("status tasks of jtj = %+v, want %+v", jtj.Tasks, want)
	}
	for i := range want {
		if jtj.Tasks[i] != want[i] {
			t.Errorf("status task %d of jtj = %+v, want %+v", i, jtj.Tasks[i], want[i])
		}
	}
	if fgw := unit(st, "fgw"); fgw.Color != "黄" || len(fgw.Tasks) == 0 || fgw.Tasks[0].Color != "" || fgw.Tasks[0].Status != "" {
		t.Errorf("status on 10-13 of fgw = %+v, want 黄 and tasks without status or colour", fgw)
	}

	// 10-20: six working days past the deadline day (> 5): 红.
	if u := unit(status(day(time.October, 20)), "fgw"); u.Color != "红" {
		t.Errorf("status on 10-20 of fgw = color %q, want 红", u.Color)
	}

	// The text table has the colour column.
	code, out, _ := cli(t, day(time.October, 13), "status", "--period", "2023-09")
	if code != exitOK {
		t.Fatalf("status: exit %d", code)
	}
	if !regexp.MustCompile(`状态\s+预警\s+最近报送时间`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^jtj\s+\S+\s+逾期报送\s+黄\s`).MatchString(out) {
		t.Errorf("status text lacks the colour column or jtj's 黄:\n%s", out)
	}
}
