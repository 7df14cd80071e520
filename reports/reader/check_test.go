package reader

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tWant is the part of a Problem a test pins down; says lists phrases the
// message must contain.
type tWant struct {
	kind, cell, task string
	says             []string
}

func (w tWant) String() string { return fmt.Sprintf("%s@%s/%s", w.kind, w.cell, w.task) }

func TestCheck(t *testing.T) {
	in := reportstest.Input(3) // T05 row 7, T06 row 8, T07 row 9, the foot on row 11
	contact, phone := reportstest.FootCell(in, reports.LabelContact), reportstest.FootCell(in, reports.LabelPhone)
	reviewer := reportstest.FootCell(in, reports.LabelReviewer)
	other := in
	other.Unit = reportstest.Units[1]
	lastMonth := in
	lastMonth.Period = in.Period.Prev()

	set := func(cells map[string]string) func(t *testing.T, f *excelize.File) {
		return func(t *testing.T, f *excelize.File) {
			for cell, v := range cells {
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, cell, v))
			}
		}
	}
	meta := func(key, v string) func(t *testing.T, f *excelize.File) {
		return func(t *testing.T, f *excelize.File) {
			for i, kv := range reports.MetaRows(reports.Meta{}) {
				if kv[0] == key {
					reportstest.Must(t, f.SetCellStr(reports.SheetMeta, reports.Cell(2, i+1), v))
				}
			}
		}
	}
	tests := []struct {
		name     string
		template reports.TemplateInput // zero: in
		edit     func(t *testing.T, f *excelize.File)
		post     func(t testing.TB, data []byte) []byte // rewrites the saved file
		exp      func(e *Expectation)
		want     []tWant
	}{
		{name: "valid"},
		{name: "empty progress", edit: set(map[string]string{"F7": ""}),
			want: []tWant{{KindProgressEmpty, "F7", "T05", []string{"本月进展", "第1项任务（推进交通基础设施互联互通）"}}}},
		{name: "status 完成 rejected", edit: set(map[string]string{"G8": "完成"}),
			want: []tWant{{KindStatusInvalid, "G8", "T06", []string{"“完成”", "已完成、序时推进、滞后、未启动"}}}},
		{name: "status 进行中 rejected", edit: set(map[string]string{"G9": "进行中"}),
			want: []tWant{{KindStatusInvalid, "G9", "T07", []string{"进行中"}}}},
		{name: "status with spaces accepted", edit: set(map[string]string{"G7": " 滞后 ", "G8": "\u3000已完成\u3000", "G9": "\t未启动\n"})},
		{name: "status with inner space rejected", edit: set(map[string]string{"G7": "滞 后"}),
			want: []tWant{{KindStatusInvalid, "G7", "T05", nil}}},
		{name: "status empty", edit: set(map[string]string{"G9": ""}),
			want: []tWant{{KindStatusEmpty, "G9", "T07", []string{"完成状态", "下拉"}}}},
		{name: "no plan numbers: tasks named by their keys", edit: set(map[string]string{"G9": ""}),
			exp:  func(e *Expectation) { e.TaskNumbers = nil },
			want: []tWant{{KindStatusEmpty, "G9", "T07", []string{"任务 T07（深化港航合作）的"}}}},
		{name: "wrong period", template: lastMonth,
			want: []tWant{{KindWrongPeriod, "", "", []string{"这是 2023年4月 的模板，本期是 2023年5月"}}}},
		{name: "wrong unit", template: other,
			want: []tWant{{KindWrongUnit, "", "", []string{"市发展改革委的模板", "市交通运输局"}}}},
		{name: "wrong plan", exp: func(e *Expectation) { e.PlanTitle = "2024年推进都市圈一体化建设工作要点" },
			want: []tWant{{KindWrongPlan, "", "", []string{"2024年"}}}},
		{name: "period edited in metadata", edit: meta(reports.MetaKeyPeriod, "2023-06"),
			want: []tWant{{KindTokenInvalid, "", "", []string{"模板校验失败"}}}},
		{name: "token edited", edit: meta(reports.MetaKeyToken, "AAAAAAAAAAAAAAAAAAAAAAAAAA"),
			want: []tWant{{KindTokenInvalid, "", "", nil}}},
		{name: "other secret", exp: func(e *Expectation) { e.Secret = []byte("rotated") },
			want: []tWant{{KindTokenInvalid, "", "", nil}}},
		{name: "unknown version", edit: meta(reports.MetaKeyVersion, "99"),
			want: []tWant{{KindMetaVersion, "", "", []string{"99"}}}},
		{name: "metadata sheet deleted", edit: func(t *testing.T, f *excelize.File) { reportstest.Must(t, f.DeleteSheet(reports.SheetMeta)) },
			want: []tWant{{KindMetaMissing, "", "", []string{"隐藏的校验工作表缺失", "请使用本期"}}}},
		{name: "missing task", edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.RemoveRow(reports.SheetForm, 8))
		}, want: []tWant{{KindTaskMissing, "", "T06", []string{"第2项任务（推动交通运输服务一体化）", "缺失", "请勿删除任务行"}}}},
		{name: "extra task", edit: set(map[string]string{"A10": "4", "J10": "T99", "F10": "额外", "G10": "已完成"}),
			want: []tWant{{KindTaskUnknown, "J10", "T99", []string{"T99"}}}},
		{name: "duplicate task", edit: set(map[string]string{"J10": "T05", "F10": "重复", "G10": "已完成"}),
			want: []tWant{{KindTaskDuplicate, "J10", "T05", []string{"第1项任务", "第 7 行和第 10 行"}}}},
		{name: "task key edited", edit: set(map[string]string{"J9": "T7"}),
			want: []tWant{
				{KindTaskMissing, "", "T07", nil},
				{KindTaskUnknown, "J9", "T7", nil},
			}},
		{name: "number shown edited: the key counts", edit: set(map[string]string{"A9": "99", "A7": ""})},
		{name: "too long", edit: set(map[string]string{"H8": strings.Repeat("长", 2001)}),
			want: []tWant{{KindTextTooLong, "H8", "T06", []string{"2001", "2000", "存在问题"}}}},
		{name: "limit from expectation", edit: set(map[string]string{"I7": strings.Repeat("a", 41)}),
			exp:  func(e *Expectation) { e.Limits.MaxTextChars = 40 },
			want: []tWant{{KindTextTooLong, "I7", "T05", []string{"41", "40"}}}},
		// Excel escapes control characters in the XML as _xHHHH_.
		{name: "control character", edit: set(map[string]string{"H9": "有BELL响铃"}),
			post: func(t testing.TB, data []byte) []byte {
				return testtools.RewriteZip(t, data, func(name string, b []byte) []byte {
					if name != "xl/sharedStrings.xml" {
						return nil
					}
					return bytes.ReplaceAll(b, []byte("BELL"), []byte("_x0007_"))
				})
			},
			want: []tWant{{KindControlChars, "H9", "T07", []string{"控制字符"}}}},
		{name: "tabs and line breaks allowed", edit: set(map[string]string{"H9": "一\t二\n三\r\n四"})},
		{name: "contact missing", edit: set(map[string]string{contact: ""}),
			want: []tWant{{KindContactMissing, contact, "", []string{"联系人"}}}},
		{name: "phone missing", edit: set(map[string]string{phone: "  "}),
			want: []tWant{{KindPhoneMissing, phone, "", []string{"联系电话"}}}},
		{name: "phone invalid", edit: set(map[string]string{phone: "找张三"}),
			want: []tWant{{KindPhoneInvalid, phone, "", []string{"找张三", "至少 7 位数字"}}}},
		{name: "phone too short", edit: set(map[string]string{phone: "12345"}),
			want: []tWant{{KindPhoneInvalid, phone, "", nil}}},
		{name: "phone with extension and two numbers", edit: set(map[string]string{
			phone: "(0571) 8765-4321转8001 / +86 138 0013 8000"})},
		{name: "phone full-width", edit: set(map[string]string{phone: "０５７１－８７６５４３２１"})},
		{name: "contact in one cell", edit: set(map[string]string{"B11": "填报人：王五", contact: ""})},
		{name: "reviewer too long", edit: set(map[string]string{reviewer: strings.Repeat("审", 41)}),
			exp:  func(e *Expectation) { e.Limits.MaxTextChars = 40 },
			want: []tWant{{KindTextTooLong, reviewer, "", []string{"审核人", "41"}}}},
		{name: "column deleted", edit: func(t *testing.T, f *excelize.File) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.RemoveCol(reports.SheetForm, "H"))
		}, want: []tWant{ // the foot's label 联系电话 was in column H too
			{KindColumnMissing, "", "", []string{"存在问题"}},
			{KindPhoneMissing, "", "", nil},
		}},
		{name: "text below the table without task key", edit: set(map[string]string{"F10": "补充说明"}),
			want: []tWant{{KindRowWithoutTask, "J10", "", []string{"第 10 行"}}}},
		{name: "instructions line below the table ends it", edit: set(map[string]string{
			"A10": "填写说明：本表由办公室汇总", "F13": "签发人：王五", "B14": "备注"})},
		{name: "the foot ends the table", edit: set(map[string]string{"F12": "签发人：王五", "B13": "备注"})},
		{name: "metadata emptied", edit: func(t *testing.T, f *excelize.File) {
			for _, key := range []string{reports.MetaKeyVersion, reports.MetaKeyToken} {
				meta(key, "")(t, f)
			}
		}, want: []tWant{{KindTokenInvalid, "", "", nil}}},
		{name: "header renamed", edit: set(map[string]string{"F5": "进展"}),
			want: []tWant{{KindColumnMissing, "", "", []string{"本月进展"}}}},
		{name: "task key header renamed", edit: set(map[string]string{"J5": "编号"}),
			want: []tWant{{KindColumnMissing, "", "", []string{"任务编号"}}}},
		{name: "problems ordered by row then column", edit: set(map[string]string{
			"G9": "完成", "F8": "", "G8": "", "F7": "", phone: "", contact: ""}),
			want: []tWant{
				{KindProgressEmpty, "F7", "T05", nil},
				{KindProgressEmpty, "F8", "T06", nil},
				{KindStatusEmpty, "G8", "T06", nil},
				{KindStatusInvalid, "G9", "T07", nil},
				{KindContactMissing, contact, "", nil},
				{KindPhoneMissing, phone, "", nil},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := in
			if tc.template.Plan != nil {
				tmpl = tc.template
			}
			f := reportstest.Open(t, reportstest.Build(t, tmpl))
			tFillFile(t, f, tDefaultFill(tmpl))
			if tc.edit != nil {
				tc.edit(t, f)
			}
			data := reportstest.Save(t, f)
			if tc.post != nil {
				data = tc.post(t, data)
			}
			r := Parse(data, reports.Limits{})
			exp := tExpect(in)
			if tc.exp != nil {
				tc.exp(&exp)
			}
			before := len(r.Problems)
			got := Check(r, exp)
			if len(r.Problems) != before {
				t.Errorf("Check modified r.Problems")
			}
			var gotW []string
			for _, p := range got {
				gotW = append(gotW, tWant{p.Kind, p.Cell, p.TaskID, nil}.String())
			}
			var wantW []string
			for _, w := range tc.want {
				wantW = append(wantW, w.String())
			}
			if strings.Join(gotW, " ") != strings.Join(wantW, " ") {
				t.Fatalf("Check(%s) problems = %v, want %v\n%v", tc.name, gotW, wantW, got)
			}
			for i, w := range tc.want {
				msg := got[i].Message
				if !tHasHan(msg) {
					t.Errorf("Check(%s) message %q is not Chinese", tc.name, msg)
				}
				for _, s := range w.says {
					if !strings.Contains(msg, s) {
						t.Errorf("Check(%s) message %q does not say %q", tc.name, msg, s)
					}
				}
			}
		})
	}
}

func TestCheckKeepsParseProblemsFirst(t *testing.T) {
	r := &Returned{
		HasMeta:  true,
		Problems: []reports.Problem{{Kind: KindColumnMissing, Message: "表头中没有“存在问题”列"}},
		Rows: []Row{{Line: 7, Answer: plan.Answer{TaskID: "T05"},
			Cells: map[string]string{reports.HeaderTaskID: "J7", reports.HeaderProgress: "F7", reports.HeaderStatus: "G7"}}},
		Contact: "张三", Phone: "13800138000",
	}
	in := reportstest.Input(1)
	r.Meta = reports.Meta{Version: reports.TemplateVersion, Plan: in.Plan.Title, Period: in.Period.String(), Unit: in.Unit.ID}
	r.Meta.Token = reports.Sign(in.Secret, r.Meta)
	got := Check(r, tExpect(in))
	var kinds []string
	for _, p := range got {
		kinds = append(kinds, p.Kind)
	}
	want := []string{KindColumnMissing, KindProgressEmpty, KindStatusEmpty}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("Check() kinds = %v, want %v", kinds, want)
	}
	if len(r.Problems) != 1 {
		t.Errorf("Check() changed r.Problems to %v", r.Problems)
	}
}

func TestCheckPhone(t *testing.T) {
	tests := []struct {
		phone string
		want  bool
	}{
		{"13800138000", true},
		{"0571-87654321", true},
		{"+86 571 8765 4321 ext. 12", true},
		{"87654321转123", true},
		{"8765432", true},
		{"876543", false},
		{"电话号码", false},
		{"0571-8765432x", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := ckPhone(tc.phone); got != tc.want {
			t.Errorf("ckPhone(%q) = %v, want %v", tc.phone, got, tc.want)
		}
	}
}

// TestCheckWrongPeriodLabel makes sure the period in the message is the
// template's, read from its metadata, in Chinese.
func TestCheckWrongPeriodLabel(t *testing.T) {
	in := reportstest.Input(1)
	old := in
	old.Period = plan.Period{Year: 2022, Month: time.December}
	r := Parse(tFill(t, reportstest.Build(t, old), tDefaultFill(old)), reports.Limits{})
	got := Check(r, tExpect(in))
	if len(got) != 1 || !strings.Contains(got[0].Message, "2022年12月") {
		t.Errorf("Check(December template in May) = %v, want one wrong-period problem naming 2022年12月", got)
	}
}
