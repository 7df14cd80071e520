package template_test

import (
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
	"github.com/duban/duban/reports/reader"
)

// TestTemplateExtrasStructure checks the closed row, the indicator section
// and their validations in a built template.
func TestTemplateExtrasStructure(t *testing.T) {
	in := reportstest.ExtInput()
	in.Tasks = reportstest.Tasks(4) // T05 open, T06 closed, T07 and T08 open
	in.Plan = reportstest.Plan(in.Tasks)
	data := reportstest.Build(t, in)
	f := reportstest.Open(t, data)
	defer f.Close()

	raw := dumpRawSheets(t, data)
	if got := raw[reports.SheetForm].dimension; got != "A1:I15" {
		t.Errorf("dimension = %q, want A1:I15", got)
	}
	wantUnlocked := map[string]bool{"C3": true, "E3": true, "G3": true, "I3": true, "F13": true, "F14": true, "F15": true}
	for _, r := range []int{6, 8, 9} {
		for _, c := range []string{"F", "G", "H", "I"} {
			wantUnlocked[fmt.Sprintf("%s%d", c, r)] = true
		}
	}
	for r := 1; r <= 15; r++ {
		for c := 1; c <= 9; c++ {
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
		"A11": reports.IndicatorTitle,
		"A12": "序号", "B12": "任务编号", "C12": "指标名称", "D12": "全年目标", "E12": "截至上月累计", "F12": "本月完成数", "G12": "计量单位",
		"A13": "1", "B13": "T05", "C13": "对口部门联席会", "D13": "至少1次", "E13": "1", "F13": "", "G13": "次",
		"D14": "2—3次", "E14": "0",
		"B15": "T07", "C15": "新开内贸航线", "D15": "至少2条", "E15": "12", "G15": "条",
		"A10": "",
	} {
		if got, _ := f.GetCellValue(reports.SheetForm, cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	dvs, err := f.GetDataValidations(reports.SheetForm)
	reportstest.Must(t, err)
	bySqref := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		bySqref[dv.Sqref] = dv
	}
	if len(dvs) != 2 || bySqref["G6:G6 G8:G9"] == nil || bySqref["F13:F15"] == nil {
		var refs []string
		for _, dv := range dvs {
			refs = append(refs, dv.Sqref)
		}
		t.Fatalf("validations = %v, want the status list off the closed row and the counts", refs)
	}
	count := bySqref["F13:F15"]
	if count.Type != "whole" || count.Operator != "between" || count.Formula1 != "0" || count.Formula2 != "999" ||
		!count.ShowErrorMessage || dumpPtr(count.Error) != reports.CountErrorMessage {
		t.Errorf("count validation = %+v (error %s), want whole 0–999 with a Chinese message", count, dumpPtr(count.Error))
	}

	// Reading the untouched template: three open rows and a closed one,
	// three blank counts, no stray rows.
	r := reader.Parse(data, reports.Limits{})
	if len(r.Rows) != 4 || len(r.Counts) != 3 || len(r.Problems) != 0 {
		t.Fatalf("Parse(template) rows %d counts %d problems %v, want 4, 3, none", len(r.Rows), len(r.Counts), r.Problems)
	}
	if c := r.Counts[2]; c != (reader.CountRow{Line: 15, TaskID: "T07", Name: "新开内贸航线", Value: "", Cell: "F15"}) {
		t.Errorf("Counts[2] = %+v", c)
	}
	if r.RequestOnly() {
		t.Errorf("RequestOnly() of an empty template = true")
	}
}
