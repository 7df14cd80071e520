package template_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/reports/template"
)

// TestTemplateExtrasStructure checks the category heading, the closed row,
// the indicator section with a total before the period asked for, the
// foot, and their validations in a built template.
func TestTemplateExtrasStructure(t *testing.T) {
	in := reportstest.ExtInput()
	in.Tasks = reportstest.Tasks(4) // T05 open, T06 closed, T07 and T08 open
	in.Plan = reportstest.Plan(in.Tasks)
	in.Indicators = slices.Clone(in.Indicators)
	in.Indicators[1].Ask = true // 合作交流活动: the unit's first report with it
	in.Contact, in.Phone = "李娜", "0551-63001234"
	data := reportstest.Build(t, in)
	f := reportstest.Open(t, data)
	defer f.Close()

	// Row 6 the heading, tasks on 7–10, the indicators' title on 12, their
	// header on 13, the indicators on 14–16, the foot on 18.
	l := template.LayoutOf(in)
	if want := (template.Layout{Tasks: map[string]int{"T05": 7, "T06": 8, "T07": 9, "T08": 10}, LastTask: 10,
		Indicators: []int{14, 15, 16}, Foot: 18}); fmt.Sprint(l) != fmt.Sprint(want) {
		t.Errorf("LayoutOf = %+v, want %+v", l, want)
	}
	raw := dumpRawSheets(t, data)
	if got := raw[reports.SheetForm].dimension; got != "A1:J18" {
		t.Errorf("dimension = %q, want A1:J18", got)
	}
	wantUnlocked := map[string]bool{"G3": true, "I3": true, "F14": true, "F15": true, "F16": true, "E15": true,
		"C18": true, "E18": true, "G18": true, "I18": true}
	for _, r := range []int{7, 9, 10} {
		for _, c := range []string{"F", "G", "H", "I"} {
			wantUnlocked[fmt.Sprintf("%s%d", c, r)] = true
		}
	}
	for r := 1; r <= 18; r++ {
		for c := 1; c <= reports.KeyCol; c++ {
			cell := reports.Cell(c, r)
			id, _ := f.GetCellStyle(reports.SheetForm, cell)
			st, err := f.GetStyle(id)
			reportstest.Must(t, err)
			unlocked := st.Protection != nil && !st.Protection.Locked
			if unlocked != wantUnlocked[cell] {
				t.Errorf("%s unlocked = %v, want %v", cell, unlocked, wantUnlocked[cell])
			}
		}
	}
	for cell, want := range map[string]string{
		"A6": "一、推进基础设施一体化", "A7": "1", "J7": "T05", "A8": "2", "J8": "T06", "G8": reports.ClosedStatus,
		"A12": reports.IndicatorTitleAsk,
		"A13": "序号", "B13": "重点任务", "C13": "指标名称", "D13": "全年目标", "E13": "截至上月累计", "F13": "本月完成数", "G13": "计量单位",
		"H13": "", "I13": "", "J13": "任务编号",
		"A14": "1", "B14": "1.推进交通基础设施互联互通", "C14": "对口部门联席会", "D14": "至少1次", "E14": "1", "F14": "", "G14": "次", "J14": "T05",
		"D15": "2—3次", "E15": "",
		"B16": "3.深化港航合作", "J16": "T07", "C16": "新开内贸航线", "D16": "至少2条", "E16": "12", "G16": "条",
		"A11": "", "A17": "",
		"B18": "填报人：", "C18": "李娜", "D18": "审核人：", "E18": "", "F18": "填报日期：", "G18": "", "H18": "联系电话：", "I18": "0551-63001234",
	} {
		if got, _ := f.GetCellValue(reports.SheetForm, cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if visible, _ := f.GetColVisible(reports.SheetForm, "J"); visible {
		t.Errorf("the column of task keys (J) is visible")
	}
	dvs, err := f.GetDataValidations(reports.SheetForm)
	reportstest.Must(t, err)
	bySqref := map[string]*excelize.DataValidation{}
	var refs []string
	for _, dv := range dvs {
		bySqref[dv.Sqref] = dv
		refs = append(refs, dv.Sqref)
	}
	slices.Sort(refs)
	if want := []string{"E15:E15", "F14:F16", "G18", "G7:G7 G9:G10"}; !slices.Equal(refs, want) {
		t.Fatalf("validations = %v, want %v: the status list off the closed row, the counts, the total asked for, the date", refs, want)
	}
	count := bySqref["F14:F16"]
	if count.Type != "whole" || count.Operator != "between" || count.Formula1 != "0" || count.Formula2 != "999" ||
		!count.ShowErrorMessage || dumpPtr(count.Error) != reports.CountErrorMessage {
		t.Errorf("count validation = %+v (error %s), want whole 0–999 with a Chinese message", count, dumpPtr(count.Error))
	}
	// Four months before May, 999 a month at the most: 合作交流活动 has no
	// monthly bound.
	before := bySqref["E15:E15"]
	if before.Type != "whole" || before.Formula1 != "0" || before.Formula2 != "3996" ||
		dumpPtr(before.Error) != fmt.Sprintf(reports.BeforeErrorMessage, 3996) {
		t.Errorf("total before validation = %+v (error %s), want whole 0–3996", before, dumpPtr(before.Error))
	}
	// 2023-05-01 to 2024-05-01.
	if date := bySqref["G18"]; date.Type != "date" || date.Formula1 != "45047" || date.Formula2 != "45413" {
		t.Errorf("date validation = %+v, want a date from 2023-05-01 to 2024-05-01", date)
	}

	// Reading the untouched template: three open rows and a closed one,
	// three blank counts, the pre-filled contact, no stray rows.
	r := reader.Parse(data, reports.Limits{})
	if len(r.Rows) != 4 || len(r.Counts) != 3 || len(r.Problems) != 0 {
		t.Fatalf("Parse(template) rows %d counts %d problems %v, want 4, 3, none", len(r.Rows), len(r.Counts), r.Problems)
	}
	want := reader.CountRow{Line: 16, TaskID: "T07", Name: "新开内贸航线", Value: "", Cell: "F16", Before: "12", BeforeCell: "E16"}
	if c := r.Counts[2]; c != want {
		t.Errorf("Counts[2] = %+v, want %+v", c, want)
	}
	if c := r.Counts[1]; c.Before != "" || c.BeforeCell != "E15" {
		t.Errorf("Counts[1] = %+v, want the total before blank at E15", c)
	}
	if r.Contact != "李娜" || r.ContactCell != "C18" || r.Phone != "0551-63001234" || r.PhoneCell != "I18" {
		t.Errorf("Parse(template) contact %q@%s phone %q@%s, want the pre-filled ones at C18, I18", r.Contact, r.ContactCell, r.Phone, r.PhoneCell)
	}
	if r.RequestOnly() {
		t.Errorf("RequestOnly() of an empty template = true")
	}
}
