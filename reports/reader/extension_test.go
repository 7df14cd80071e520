package reader

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tExtExpect is the expectation matching a template input, with its
// deadline, closed tasks and indicators.
func tExtExpect(in reports.TemplateInput) Expectation {
	exp := tExpect(in)
	exp.Deadline = in.Deadline
	exp.Closed = in.Closed
	for _, l := range in.Indicators {
		exp.Indicators = append(exp.Indicators, l.Indicator)
		if l.Ask {
			exp.AskBefore = append(exp.AskBefore, l.Indicator)
		}
	}
	return exp
}

// tExtCountCell is the 本月完成数 cell of the i-th indicator of in.
func tExtCountCell(in reports.TemplateInput, i int) string {
	return reports.Cell(reports.IndicatorCountCol, reportstest.Layout(in).Indicators[i])
}

// tExtBeforeCell is the 截至上月累计 cell of the i-th indicator of in.
func tExtBeforeCell(in reports.TemplateInput, i int) string {
	return reports.Cell(reports.IndicatorBeforeCol, reportstest.Layout(in).Indicators[i])
}

// tExtFill is what a unit types into a template with indicators.
type tExtFill struct {
	answers bool           // fill every open task row (tDefaultFill's answers)
	counts  []any          // by indicator, nil: leave blank; numbers become number cells
	until   any            // 申请延期至: a string, or a number for a date cell read without style
	reason  string         // 延期理由
	cells   map[string]any // written last
}

// tExtWorkbook builds the template of in and fills it.
func tExtWorkbook(t testing.TB, in reports.TemplateInput, fill tExtFill) []byte {
	t.Helper()
	f := reportstest.Open(t, reportstest.Build(t, in))
	reportstest.Must(t, f.SetCellStr(reports.SheetForm, reportstest.FootCell(in, reports.LabelContact), "张三"))
	reportstest.Must(t, f.SetCellStr(reports.SheetForm, reportstest.FootCell(in, reports.LabelPhone), "0571-87654321"))
	if fill.answers {
		for _, a := range tDefaultFill(in).answers {
			if _, closed := in.Closed[a.TaskID]; closed {
				continue
			}
			row := reportstest.Layout(in).Tasks[a.TaskID]
			for col, v := range map[string]string{"F": a.Progress, "G": string(a.Status), "H": a.Issues, "I": a.NextSteps} {
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, fmt.Sprintf("%s%d", col, row), v))
			}
		}
	}
	for i, v := range fill.counts {
		if v != nil {
			reportstest.Must(t, f.SetCellValue(reports.SheetForm, tExtCountCell(in, i), v))
		}
	}
	if fill.until != nil {
		reportstest.Must(t, f.SetCellValue(reports.SheetForm, reports.ExtensionCell, fill.until))
	}
	if fill.reason != "" {
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, reports.ReasonCell, fill.reason))
	}
	for cell, v := range fill.cells {
		reportstest.Must(t, f.SetCellValue(reports.SheetForm, cell, v))
	}
	return reportstest.Save(t, f)
}

// tKinds lists problems as kind@cell/task.
func tKinds(ps []reports.Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, tWant{p.Kind, p.Cell, p.TaskID, nil}.String())
	}
	return strings.Join(out, " ")
}

func TestExtensionDate(t *testing.T) {
	may := plan.Period{Year: 2023, Month: time.May}
	dec := plan.Period{Year: 2023, Month: time.December}
	tests := []struct {
		text   string
		period plan.Period
		want   string // YYYY-MM-DD, "" for unreadable
	}{
		{"2023-06-20", may, "2023-06-20"},
		{"2023/6/20", may, "2023-06-20"},
		{"2023.6.20", may, "2023-06-20"},
		{"2023年6月20日", may, "2023-06-20"},
		{"2023 年 6 月 20 号", may, "2023-06-20"},
		{"２０２３－０６－２０", may, "2023-06-20"},
		{"2023-06-20 00:00:00", may, "2023-06-20"},
		{"2023-06-20T00:00:00", may, "2023-06-20"},
		{"20230620", may, "2023-06-20"},
		{"6月20日", may, "2023-06-20"},
		{"6-20", may, "2023-06-20"},
		{"6/20", may, "2023-06-20"},
		{"6月20日（星期二）", may, "2023-06-20"},
		{"6月20日前", may, "2023-06-20"},
		{"2023年6月20日之前", may, "2023-06-20"},
		{"45097", may, "2023-06-20"},   // Excel's serial of 2023-06-20
		{"45097.5", may, "2023-06-20"}, // noon of that day
		{"1月10日", dec, "2024-01-10"},   // a December report asking for January
		{"12月20日", dec, "2023-12-20"},
		{"6月20日", plan.Period{}, ""}, // no year known
		{"", may, ""},
		{"下周五", may, ""},
		{"2023-02-30", may, "" /* no such day */},
		{"2023-13-01", may, ""},
		{"13/40", may, ""},
		{"100", may, ""}, // a serial far from any plausible request
		{"1999-06-20", may, ""},
		{"2023-06-20至2023-06-30", may, ""},
	}
	for _, tc := range tests {
		got, ok := extensionDate(tc.text, tc.period)
		gotS := ""
		if ok {
			gotS = got.Format(time.DateOnly)
			if got.Location() != time.UTC || got.Hour() != 0 {
				t.Errorf("extensionDate(%q) = %v, want midnight UTC", tc.text, got)
			}
		}
		if gotS != tc.want {
			t.Errorf("extensionDate(%q, %s) = %q, want %q", tc.text, tc.period, gotS, tc.want)
		}
	}
}

func TestExtensionUntilIn(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	e := reports.ExtensionRequest{Until: time.Date(2023, 6, 20, 0, 0, 0, 0, time.UTC)}
	if got, want := e.UntilIn(shanghai), time.Date(2023, 6, 20, 0, 0, 0, 0, shanghai); !got.Equal(want) {
		t.Errorf("UntilIn = %v, want %v", got, want)
	}
	if got := (reports.ExtensionRequest{UntilText: "下周"}).UntilIn(shanghai); !got.IsZero() {
		t.Errorf("UntilIn(unreadable) = %v, want zero", got)
	}
}

// TestExtensionRequestOnly sends back a template with only the contact and
// the request filled in, the date written every way the reader accepts.
func TestExtensionRequestOnly(t *testing.T) {
	in := reportstest.ExtInput()
	for _, until := range []any{
		"2023-06-20", "2023/6/20", "2023.6.20", "2023年6月20日", "6月20日", "6-20", "２０２３年６月２０日",
		45097,   // a date typed where the cell lost its text format: a number cell
		45097.0, // the same, as a float
	} {
		t.Run(fmt.Sprint(until), func(t *testing.T) {
			data := tExtWorkbook(t, in, tExtFill{until: until, reason: "项目数据待市统计局反馈，需延后报送。"})
			r := Parse(data, reports.Limits{})
			if !r.RequestOnly() {
				t.Fatalf("RequestOnly() = false, want true; rows %+v counts %+v", r.Rows, r.Counts)
			}
			if _, isText := until.(string); !isText && r.Extension.UntilText != "2023-06-20" {
				t.Errorf("Extension.UntilText of a date cell = %q, want 2023-06-20", r.Extension.UntilText)
			}
			if got := r.Extension.Until; !got.Equal(time.Date(2023, 6, 20, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("Extension.Until = %v (text %q), want 2023-06-20 UTC", got, r.Extension.UntilText)
			}
			if r.Extension.Reason != "项目数据待市统计局反馈，需延后报送。" || r.ExtensionCell != "G3" || r.ReasonCell != "I3" {
				t.Errorf("Extension = %+v at %s/%s, want the reason at G3/I3", r.Extension, r.ExtensionCell, r.ReasonCell)
			}
			if ps := Check(r, tExtExpect(in)); len(ps) != 0 {
				t.Errorf("Check(request only) = %v, want no problems", ps)
			}
		})
	}
}

func TestCheckExtension(t *testing.T) {
	in := reportstest.ExtInput() // deadline 2023-06-07
	counts := []any{1, 0, 2}
	tests := []struct {
		name        string
		fill        tExtFill
		exp         func(e *Expectation)
		requestOnly bool
		want        []tWant
	}{
		{name: "no request, full report", fill: tExtFill{answers: true, counts: counts}},
		{name: "request with a full report", fill: tExtFill{answers: true, counts: counts, until: "2023-06-20", reason: "等待批复"}},
		{name: "placeholders are no request", fill: tExtFill{answers: true, counts: counts, until: "无", reason: "／"}},
		{name: "unreadable date", fill: tExtFill{until: "下周五", reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionDateInvalid, "G3", "", []string{"“下周五”不是有效日期", "请按2023-06-17的格式填写"}}}},
		{name: "no such day", fill: tExtFill{until: "2023-06-31", reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionDateInvalid, "G3", "", []string{"2023-06-31"}}}},
		{name: "reason without date", fill: tExtFill{reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionDateInvalid, "G3", "", []string{"“申请延期至”未填写"}}}},
		{name: "date before the deadline", fill: tExtFill{until: "2023-06-05", reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionTooEarly, "G3", "", []string{"2023年6月5日", "应晚于报送截止日期2023年6月7日"}}}},
		{name: "date on the deadline", fill: tExtFill{until: "6月7日", reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionTooEarly, "G3", "", nil}}},
		{name: "day after the deadline", fill: tExtFill{until: "6月8日", reason: "等待批复"}, requestOnly: true},
		{name: "60 days after", fill: tExtFill{until: "2023-08-06", reason: "等待批复"}, requestOnly: true},
		{name: "61 days after", fill: tExtFill{until: "2023-08-07", reason: "等待批复"}, requestOnly: true,
			want: []tWant{{KindExtensionTooFar, "G3", "", []string{"超过60天", "最晚可申请延期至2023年8月6日"}}}},
		{name: "no deadline known", fill: tExtFill{until: "2023-06-01", reason: "等待批复"}, requestOnly: true,
			exp: func(e *Expectation) { e.Deadline = time.Time{} }},
		{name: "deadline in another location", fill: tExtFill{until: "2023-06-08", reason: "等待批复"}, requestOnly: true,
			exp: func(e *Expectation) {
				e.Deadline = time.Date(2023, 6, 7, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
			}},
		{name: "missing reason", fill: tExtFill{until: "2023-06-20"}, requestOnly: true,
			want: []tWant{{KindExtensionReasonEmpty, "I3", "", []string{"延期理由"}}}},
		{name: "reason too long", fill: tExtFill{until: "2023-06-20", reason: strings.Repeat("因", 41)}, requestOnly: true,
			exp:  func(e *Expectation) { e.Limits.MaxTextChars = 40 },
			want: []tWant{{KindTextTooLong, "I3", "", []string{"延期理由", "41"}}}},
		{name: "bad date and no reason", fill: tExtFill{until: "asap", reason: "无"}, requestOnly: true,
			want: []tWant{
				{KindExtensionDateInvalid, "G3", "", nil},
				{KindExtensionReasonEmpty, "I3", "", nil},
			}},
		{name: "request only still needs the contact", fill: tExtFill{until: "2023-06-20", reason: "等待批复",
			cells: map[string]any{"I17": ""}}, requestOnly: true,
			want: []tWant{{KindPhoneMissing, "I17", "", nil}}},
		{name: "request only still checks what was written", fill: tExtFill{until: "2023-06-20", reason: "等待批复",
			counts: []any{nil, "两次"}},
			want: []tWant{
				{KindProgressEmpty, "F7", "T05", nil}, {KindStatusEmpty, "G7", "T05", nil},
				{KindProgressEmpty, "F9", "T07", nil}, {KindStatusEmpty, "G9", "T07", nil},
				{KindCountEmpty, "F13", "T05", nil},
				{KindCountInvalid, "F14", "T05", []string{"两次"}},
				{KindCountEmpty, "F15", "T07", nil},
			}},
		{name: "one answer makes it a report", fill: tExtFill{until: "2023-06-20", reason: "等待批复",
			cells: map[string]any{"F7": "已开工"}},
			want: []tWant{
				{KindStatusEmpty, "G7", "T05", nil},
				{KindProgressEmpty, "F9", "T07", nil}, {KindStatusEmpty, "G9", "T07", nil},
				{KindCountEmpty, "F13", "T05", []string{"第1项任务（推进交通基础设施互联互通）的指标“对口部门联席会”本月完成数未填写，没有请填0。"}},
				{KindCountEmpty, "F14", "T05", nil},
				{KindCountEmpty, "F15", "T07", nil},
			}},
		{name: "wrong unit gets only that", fill: tExtFill{until: "下周", reason: "等待批复"}, requestOnly: true,
			exp:  func(e *Expectation) { e.Unit = reportstest.Units[1] },
			want: []tWant{{KindWrongUnit, "", "", nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(tExtWorkbook(t, in, tc.fill), reports.Limits{})
			if got := r.RequestOnly(); got != tc.requestOnly {
				t.Errorf("RequestOnly() = %v, want %v", got, tc.requestOnly)
			}
			exp := tExtExpect(in)
			if tc.exp != nil {
				tc.exp(&exp)
			}
			got := Check(r, exp)
			tCheckProblems(t, got, tc.want)
			for _, p := range got {
				if !tHasHan(p.Message) {
					t.Errorf("message %q is not Chinese", p.Message)
				}
			}
		})
	}
}

func TestCheckCounts(t *testing.T) {
	in := reportstest.ExtInput() // indicators on rows 13–15
	tests := []struct {
		name       string
		counts     []any
		cells      map[string]any
		edit       func(t *testing.T, f *excelize.File)
		exp        func(e *Expectation)
		want       []tWant
		wantCounts map[string]map[string]int // Answers()[task].Counts
	}{
		{name: "numbers", counts: []any{2, 0, 1},
			wantCounts: map[string]map[string]int{"T05": {"对口部门联席会": 2, "合作交流活动": 0}, "T07": {"新开内贸航线": 1}}},
		{name: "as text, with units, full-width, decimals", counts: []any{"2次", "２", "2.0"},
			wantCounts: map[string]map[string]int{"T05": {"对口部门联席会": 2, "合作交流活动": 2}, "T07": {"新开内贸航线": 2}}},
		{name: "empty", counts: []any{1, nil, 0},
			want:       []tWant{{KindCountEmpty, "F14", "T05", []string{"第1项任务（推进交通基础设施互联互通）的指标“合作交流活动”本月完成数未填写，没有请填0。"}}},
			wantCounts: map[string]map[string]int{"T05": {"对口部门联席会": 1}, "T07": {"新开内贸航线": 0}}},
		{name: "invalid", counts: []any{-1, 1.5, 1000},
			want: []tWant{
				{KindCountInvalid, "F13", "T05", []string{"“-1”", "0—999之间的整数"}},
				{KindCountInvalid, "F14", "T05", []string{"1.5"}},
				{KindCountInvalid, "F15", "T07", []string{"1000"}},
			},
			wantCounts: map[string]map[string]int{"T07": {"新开内贸航线": 1000}}},
		{name: "words", counts: []any{"两次", "若干", "2次左右"},
			want: []tWant{
				{KindCountInvalid, "F13", "T05", nil}, {KindCountInvalid, "F14", "T05", nil}, {KindCountInvalid, "F15", "T07", nil},
			}},
		{name: "unknown indicator row", counts: []any{1, 1, 1},
			cells: map[string]any{"A16": "4", "J16": "T05", "C16": "自创指标", "F16": 3},
			want:  []tWant{{KindCountUnknown, "F16", "T05", []string{"第 16 行", "自创指标"}}}},
		{name: "renamed indicator", counts: []any{1, 1, 1}, cells: map[string]any{"C15": "新开航线"},
			want: []tWant{
				{KindCountMissing, "", "T07", []string{"新开内贸航线"}},
				{KindCountUnknown, "F15", "T07", nil},
			}},
		{name: "duplicate row", counts: []any{1, 1, 1},
			cells: map[string]any{"J16": "T07", "C16": "新开内贸航线", "F16": 3},
			want:  []tWant{{KindCountDuplicate, "F16", "T07", []string{"第 15 行和第 16 行"}}}},
		{name: "rows deleted", counts: []any{1, 1, 1}, edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.RemoveRow(reports.SheetForm, 15))
			reportstest.Must(t, f.RemoveRow(reports.SheetForm, 13))
		}, want: []tWant{
			{KindCountMissing, "", "T05", []string{"对口部门联席会"}},
			{KindCountMissing, "", "T07", nil},
		}},
		{name: "section title deleted and columns moved", counts: []any{1, 2, 3}, edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			for r := 12; r <= 15; r++ { // swap 本月完成数 (F) with 全年目标 (D)
				d, _ := f.GetCellValue(reports.SheetForm, fmt.Sprintf("D%d", r))
				v, _ := f.GetCellValue(reports.SheetForm, fmt.Sprintf("F%d", r))
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, fmt.Sprintf("D%d", r), v))
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, fmt.Sprintf("F%d", r), d))
			}
			reportstest.Must(t, f.RemoveRow(reports.SheetForm, 11))
		}, wantCounts: map[string]map[string]int{"T05": {"对口部门联席会": 1, "合作交流活动": 2}, "T07": {"新开内贸航线": 3}}},
		{name: "count column header renamed", counts: []any{1, 1, 1}, cells: map[string]any{"F12": "完成数"},
			want: []tWant{
				{KindColumnMissing, "", "", []string{"本月完成数"}},
				{KindCountEmpty, "", "T05", nil}, {KindCountEmpty, "", "T05", nil}, {KindCountEmpty, "", "T07", nil},
			}},
		{name: "a closed task's indicator row is ignored", counts: []any{1, 1, 1},
			cells: map[string]any{"J16": "T06", "C16": "旧指标", "F16": "不适用"}},
		{name: "no indicators expected", counts: []any{1, 1, 1}, exp: func(e *Expectation) { e.Indicators = nil },
			want: []tWant{
				{KindCountUnknown, "F13", "T05", nil}, {KindCountUnknown, "F14", "T05", nil}, {KindCountUnknown, "F15", "T07", nil},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := reportstest.Open(t, tExtWorkbook(t, in, tExtFill{answers: true, counts: tc.counts, cells: tc.cells}))
			if tc.edit != nil {
				tc.edit(t, f)
			}
			r := Parse(reportstest.Save(t, f), reports.Limits{})
			if len(r.Rows) != 3 {
				t.Errorf("Parse read %d task rows, want 3: %+v", len(r.Rows), r.Rows)
			}
			exp := tExtExpect(in)
			if tc.exp != nil {
				tc.exp(&exp)
			}
			got := Check(r, exp)
			tCheckProblems(t, got, tc.want)
			if tc.wantCounts != nil {
				gotCounts := map[string]map[string]int{}
				for _, a := range r.Answers() {
					if a.Counts != nil {
						gotCounts[a.TaskID] = a.Counts
					}
				}
				if !reflect.DeepEqual(gotCounts, tc.wantCounts) {
					t.Errorf("Answers() counts = %v, want %v", gotCounts, tc.wantCounts)
				}
			}
		})
	}
}

// TestClosedTasks checks that a closed task's row, shown locked with 已销号,
// is neither checked nor returned by OpenAnswers, and may even be gone.
func TestClosedTasks(t *testing.T) {
	in := reportstest.ExtInput() // T06 closed, on row 8
	full := tExtFill{answers: true, counts: []any{1, 1, 1}}
	tests := []struct {
		name string
		edit func(t *testing.T, f *excelize.File)
		exp  func(e *Expectation)
		want []tWant
	}{
		{name: "as sent"},
		{name: "closed row edited anyway", edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "F8", ""))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "G8", "完成"))
		}},
		{name: "closed row deleted", edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.RemoveRow(reports.SheetForm, 8))
		}},
		{name: "closure unknown to the office", exp: func(e *Expectation) { e.Closed = nil },
			want: []tWant{{KindStatusInvalid, "G8", "T06", []string{"已销号"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := reportstest.Open(t, tExtWorkbook(t, in, full))
			if tc.edit != nil {
				tc.edit(t, f)
			}
			r := Parse(reportstest.Save(t, f), reports.Limits{})
			exp := tExtExpect(in)
			if tc.exp != nil {
				tc.exp(&exp)
			}
			got := Check(r, exp)
			tCheckProblems(t, got, tc.want)
			var ids []string
			for _, a := range OpenAnswers(r, in.Closed) {
				ids = append(ids, a.TaskID)
			}
			if strings.Join(ids, ",") != "T05,T07" {
				t.Errorf("OpenAnswers task ids = %v, want T05,T07", ids)
			}
		})
	}

	// The row as the unit sees it.
	f := reportstest.Open(t, reportstest.Build(t, in))
	defer f.Close()
	for cell, want := range map[string]string{
		"J8": "T06", "F8": "已销号（2023年3月确认完成，本期无需填写）", "G8": "已销号", "H8": "", "I8": "",
	} {
		if got, _ := f.GetCellValue(reports.SheetForm, cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	// A request-only reply with a closed row is still request-only.
	r := Parse(tExtWorkbook(t, in, tExtFill{until: "2023-06-20", reason: "等待批复"}), reports.Limits{})
	if !r.RequestOnly() {
		t.Errorf("RequestOnly() with a closed row = false, want true")
	}
}

// TestOldTemplateLayout reads a workbook laid out as before extension
// requests and indicators: no new problems unless indicators are expected.
func TestOldTemplateLayout(t *testing.T) {
	in := reportstest.Input(3)
	f := reportstest.Open(t, reportstest.Build(t, in))
	tFillFile(t, f, tDefaultFill(in))
	reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
	for _, cell := range []string{"F3", "G3", "H3", "I3"} {
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, cell, ""))
	}
	reportstest.Must(t, f.SetCellStr(reports.SheetForm, "A4", reports.Note))
	r := Parse(reportstest.Save(t, f), reports.Limits{})
	if r.ExtensionCell != "" || r.ReasonCell != "" || r.Extension.Requested() || r.Counts != nil {
		t.Errorf("Parse(old layout) extension %+v at %q/%q, counts %v; want none", r.Extension, r.ExtensionCell, r.ReasonCell, r.Counts)
	}
	exp := tExtExpect(in)
	if ps := Check(r, exp); len(ps) != 0 {
		t.Errorf("Check(old layout) = %v, want no problems", ps)
	}
	for _, a := range r.Answers() {
		if a.Counts != nil {
			t.Errorf("answer %s counts = %v, want nil", a.TaskID, a.Counts)
		}
	}
	exp.Indicators = []plan.Indicator{reportstest.ExtIndicators[0].Indicator}
	if got := tKinds(Check(r, exp)); got != "count_missing@/T05" {
		t.Errorf("Check(old layout, indicator expected) = %s, want count_missing@/T05", got)
	}
}

func TestCountValue(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"2", 2, true}, {"2次", 2, true}, {"2 次", 2, true}, {"２", 2, true}, {"2.0", 2, true},
		{"１２条", 12, true}, {" 3 ", 3, true},
		{"", 0, false}, {"-1", 0, false}, {"1.5", 0, false}, {"两次", 0, false}, {"2次左右", 0, false},
		{"1e3", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tc := range tests {
		got, ok := countValue(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("countValue(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// tCheckProblems compares Check's problems with the expected kinds, cells
// and message fragments, in order.
func tCheckProblems(t *testing.T, got []reports.Problem, want []tWant) {
	t.Helper()
	var wantW []string
	for _, w := range want {
		wantW = append(wantW, w.String())
	}
	if g, w := tKinds(got), strings.Join(wantW, " "); g != w {
		t.Fatalf("Check problems = %v, want %v\n%v", g, w, got)
	}
	for i, w := range want {
		for _, s := range w.says {
			if !strings.Contains(got[i].Message, s) {
				t.Errorf("message %q does not say %q", got[i].Message, s)
			}
		}
	}
}
