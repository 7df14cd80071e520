package compile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// compileAnswered is a month's answer with a status and a progress text.
func compileAnswered(s plan.Status, progress string) month {
	return month{answer: plan.Answer{Status: s, Progress: progress}, answered: true}
}

func TestCompileChange(t *testing.T) {
	var none month
	on, done := plan.StatusOnTrack, plan.StatusDone
	behind, notStarted := plan.StatusBehind, plan.StatusNotStarted
	tests := []struct {
		name      string
		prev, cur month
		closed    bool
		want      string
	}{
		{"behind to on track", compileAnswered(behind, ""), compileAnswered(on, ""), false, "好转"},
		{"on track to done", compileAnswered(on, ""), compileAnswered(done, ""), false, "好转"},
		{"not started to on track", compileAnswered(notStarted, ""), compileAnswered(on, ""), false, "好转"},
		{"not started to behind: started, so better", compileAnswered(notStarted, ""), compileAnswered(behind, ""), false, "好转"},
		{"behind to not started: worse", compileAnswered(behind, ""), compileAnswered(notStarted, ""), false, "退步"},
		{"on track to behind", compileAnswered(on, ""), compileAnswered(behind, ""), false, "退步"},
		{"done to on track", compileAnswered(done, ""), compileAnswered(on, ""), false, "退步"},
		{"on track both months", compileAnswered(on, ""), compileAnswered(on, ""), false, "持平"},
		{"behind both months", compileAnswered(behind, ""), compileAnswered(behind, ""), false, "持平"},
		{"not started both months", compileAnswered(notStarted, ""), compileAnswered(notStarted, ""), false, "持平"},
		{"no answer last month", none, compileAnswered(behind, ""), false, "首次报送"},
		{"no answer this month", compileAnswered(on, ""), none, false, "本月未报"},
		{"no answer either month", none, none, false, "本月未报"},
		{"closed", compileAnswered(done, ""), compileAnswered(done, ""), true, "已销号"},
		{"closed, nothing last month", none, compileAnswered(done, ""), true, "已销号"},
		{"an unknown status is not ranked", compileAnswered("暂停", ""), compileAnswered(on, ""), false, "—"},
		{"the same unknown status", compileAnswered("暂停", ""), compileAnswered("暂停", ""), false, "持平"},
	}
	for _, tc := range tests {
		if got := change(tc.prev, tc.cur, tc.closed); got != tc.want {
			t.Errorf("change(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCompileEcho(t *testing.T) {
	var none month
	const text = "召开专题会议1次，完成方案编制。"
	on := plan.StatusOnTrack
	tests := []struct {
		name      string
		prev, cur month
		closed    bool
		want      string
	}{
		{"same text", compileAnswered(on, text), compileAnswered(on, text), false, "与上月相同"},
		{"same text, status changed", compileAnswered(on, text), compileAnswered(plan.StatusBehind, text), false, "与上月相同"},
		{"only spaces and line breaks differ", compileAnswered(on, text), compileAnswered(on, " 召开专题会议1次，\n完成方案编制。\r\n"), false, "与上月相同"},
		{"only a full-width space differs", compileAnswered(on, text), compileAnswered(on, "召开专题会议1次，\u3000完成方案编制。"), false, "与上月相同"},
		{"both empty", compileAnswered(on, ""), compileAnswered(on, "  "), false, "与上月相同"},
		{"one character differs", compileAnswered(on, text), compileAnswered(on, "召开专题会议2次，完成方案编制。"), false, "更新"},
		{"new text", compileAnswered(on, text), compileAnswered(on, "完成招标。"), false, "更新"},
		{"no answer last month", none, compileAnswered(on, text), false, ""},
		{"no answer this month", compileAnswered(on, text), none, false, ""},
		{"closed", compileAnswered(on, text), compileAnswered(plan.StatusDone, text), true, ""},
	}
	for _, tc := range tests {
		if got := echo(tc.prev, tc.cur, tc.closed); got != tc.want {
			t.Errorf("echo(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCompileExtensionText(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2023, time.June, d, 0, 0, 0, 0, reportstest.Zone) }
	tests := []struct {
		name string
		e    reports.Extension
		want string
	}{
		{"none", reports.Extension{}, ""},
		{"pending", reports.Extension{Requested: day(20), Reason: "数据需核对"}, "申请延期至2023年6月20日（待审批）：数据需核对"},
		{"pending without a reason", reports.Extension{Requested: day(20)}, "申请延期至2023年6月20日（待审批）"},
		{"granted", reports.Extension{Requested: day(20), Reason: "数据需核对", Decision: reports.ExtensionGranted, Until: day(20)}, "已同意延期至2023年6月20日"},
		{"granted to another day than asked", reports.Extension{Requested: day(25), Decision: reports.ExtensionGranted, Until: day(20)}, "已同意延期至2023年6月20日"},
		{"granted unasked", reports.Extension{Decision: reports.ExtensionGranted, Until: day(15)}, "已同意延期至2023年6月15日"},
		{"granted with a note", reports.Extension{Requested: day(20), Decision: reports.ExtensionGranted, Until: day(20), Note: "最后一次"}, "已同意延期至2023年6月20日（最后一次）"},
		{"refused", reports.Extension{Requested: day(20), Reason: "数据需核对", Decision: reports.ExtensionRefused}, "不同意延期"},
		{"refused with a note", reports.Extension{Requested: day(20), Decision: reports.ExtensionRefused, Note: "理由不充分"}, "不同意延期（理由不充分）"},
	}
	for _, tc := range tests {
		if got := extensionText(tc.e); got != tc.want {
			t.Errorf("extensionText(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCompileAxisStep(t *testing.T) {
	tests := []struct {
		peak int
		want float64
	}{{0, 1}, {1, 1}, {10, 1}, {11, 2}, {20, 2}, {21, 5}, {50, 5}, {51, 10}, {100, 10}, {101, 20}, {2000, 200}, {2001, 500}}
	for _, tc := range tests {
		if got := axisStep(tc.peak); got != tc.want {
			t.Errorf("axisStep(%d) = %g, want %g", tc.peak, got, tc.want)
		}
	}
}

// compileRowsByNumber returns the rows of a sheet keyed by the text of
// column A (task numbers), for rows whose column A is a number; the first
// table wins when a sheet has two.
func compileRowsByNumber(t *testing.T, rows [][]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range rows {
		if len(r) == 0 || r[0] == "" || strings.Trim(r[0], "0123456789") != "" {
			continue
		}
		if _, dup := out[r[0]]; !dup {
			out[r[0]] = r
		}
	}
	return out
}

// TestCompileMoMSheet checks 环比 against reportstest.CompileYearInput's story.
func TestCompileMoMSheet(t *testing.T) {
	f := openCompiled(t, compileBytes(t, reportstest.CompileYearInput()))
	rows := compiledRows(t, f, sheetMoM)
	if want := []string{"序号", "重点任务", "牵头单位", "上月状态", "本月状态", "变化", "进展文字"}; !slices.Equal(rows[1], want) {
		t.Fatalf("环比 header = %q, want %q", rows[1], want)
	}
	byTask := compileRowsByNumber(t, rows)
	tests := []struct {
		task string
		want []string // 上月状态, 本月状态, 变化, 进展文字
	}{
		{"1", []string{"—", "已完成", "已销号", ""}},
		{"2", []string{"序时推进", "序时推进", "持平", "与上月相同"}},
		{"3", []string{"序时推进", "序时推进", "持平", "更新"}},
		{"5", []string{"滞后", "滞后", "持平", "更新"}},
		{"8", []string{"序时推进", "滞后", "退步", "更新"}},
		{"9", []string{"序时推进", "未报送", "本月未报", ""}},
		{"16", []string{"滞后", "序时推进", "好转", "更新"}},
		{"17", []string{"序时推进", "序时推进", "持平", "与上月相同"}},
		{"18", []string{"未启动", "滞后", "好转", "更新"}},
	}
	for _, tc := range tests {
		row := byTask[tc.task]
		if len(row) < 7 {
			row = append(row, make([]string, 7-len(row))...)
		}
		if got := row[3:7]; !slices.Equal(got, tc.want) {
			t.Errorf("环比 task %s = %q, want %q", tc.task, got, tc.want)
		}
	}
}

// TestCompileAttentionOrder checks that 汇总 lists 红 tasks first, then 黄,
// then tasks behind without a colour, each in plan order.
func TestCompileAttentionOrder(t *testing.T) {
	in := reportstest.CompileYearInput()
	delete(in.Progress, "T08") // behind, but no colour given: listed last
	delete(in.Reasons, "T08")
	f := openCompiled(t, compileBytes(t, in))
	var got, reasons []string
	for _, row := range compileSection(t, f, sheetSummary, "四、预警任务")[1:] {
		row = append(row, "", "") // an empty 预警 or reason is not read
		got = append(got, row[0]+row[4])
		reasons = append(reasons, row[5])
	}
	// Task 13's unit sent nothing: its target behind pace colours it all
	// the same (plan.TaskWarning).
	want := []string{"5红", "7红", "3黄", "10黄", "13黄", "18黄", "8"}
	if !slices.Equal(got, want) {
		t.Errorf("汇总 tasks needing attention = %q, want %q", got, want)
	}
	wantReasons := []string{"连续2个月报告滞后", "连续2个月报告滞后",
		"“对口部门联席会”进度落后序时：累计完成0次（0%），序时应达1次（50%）", "已过3月仍未启动",
		"“共建创新平台”进度落后序时：累计完成1个（25%），序时应达2个（50%）", "本月报告滞后", ""}
	if !slices.Equal(reasons, wantReasons) {
		t.Errorf("汇总 预警原因 = %q, want %q", reasons, wantReasons)
	}
}

// TestCompileWithoutNewFields checks the sheets an old caller gets: no
// colours, —, and a year of one month built from this period.
func TestCompileWithoutNewFields(t *testing.T) {
	f := openCompiled(t, compileBytes(t, reportstest.CompileInput()))
	if slices.Contains(f.GetSheetList(), sheetIndicators) {
		t.Errorf("sheets = %q, want no %s without indicators", f.GetSheetList(), sheetIndicators)
	}
	year := compiledRows(t, f, sheetYear)
	if want := []string{"序号", "重点任务", "牵头单位", "5月"}; !slices.Equal(year[1], want) {
		t.Errorf("全年概览 header = %q, want %q", year[1], want)
	}
	byTask := compileRowsByNumber(t, year)
	for task, want := range map[string]string{"1": "已完成", "2": "序时", "7": "滞后", "9": "—", "10": "未启动"} {
		if got := byTask[task]; len(got) < 4 || got[3] != want {
			t.Errorf("全年概览 task %s = %q, want month cell %q", task, got, want)
		}
	}
	for _, row := range compiledRows(t, f, sheetDetail)[2:] {
		if len(row) > 5 && row[5] != "" {
			t.Errorf("明细 row %q has 预警 %q, want none without colours", row[:2], row[5])
		}
	}
	mom := compileRowsByNumber(t, compiledRows(t, f, sheetMoM))
	if got := mom["1"]; len(got) < 6 || got[3] != "—" || got[5] != "首次报送" {
		t.Errorf("环比 task 1 = %q, want 上月状态 — and 首次报送", got)
	}
}

func TestCompileSameText(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"", " \n\u3000", true},
		{"完成招标。", "完成招标。", true},
		{"完成招标。", "完成 招标。", true},
		{"完成 招标。", "完成招标。\n", true},
		{"完成\r\n招标。", "完成\u3000招标。", true},
		{"完成招标。", "完成招标", false},
		{"完成招标", "完成招标。", false},
		{"完成招标。", "完成投标。", false},
		{"a b", "ab c", false},
		{"", "无", false},
	}
	for _, tc := range tests {
		if got := sameText(tc.a, tc.b); got != tc.want {
			t.Errorf("sameText(%q, %q) = %t, want %t", tc.a, tc.b, got, tc.want)
		}
		if got := sameText(tc.b, tc.a); got != tc.want {
			t.Errorf("sameText(%q, %q) = %t, want %t", tc.b, tc.a, got, tc.want)
		}
	}
}
