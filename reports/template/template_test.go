package template_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/reports/template"
)

func TestBuildTemplateGolden(t *testing.T) {
	formulaLike := reportstest.Input(3)
	formulaLike.Tasks[0].Title = "=HYPERLINK(\"http://evil.example\",\"点击\")"
	formulaLike.Tasks[1].Requirement = "+86 热线；-号开头；@提及"
	formulaLike.Tasks[2].Requirement = "  前后有空格，且\n有换行  "
	formulaLike.Previous = map[string]plan.Answer{
		formulaLike.Tasks[1].ID: {Progress: "=1+1"},
	}
	formulaLike.Deadline = time.Time{}

	tests := []struct {
		name string
		in   reports.TemplateInput
	}{
		{"basic", reportstest.Input(3)},
		{"formula_like", formulaLike},
		{"closed_indicators", reportstest.ExtInput()},
		{"office_form", officeForm()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testtools.Golden(t, filepath.Join("testdata", "template_"+tc.name+".golden"), []byte(dumpWorkbook(t, reportstest.Build(t, tc.in))))
		})
	}
}

// officeForm is a template with all an office form shows: tasks of two
// categories numbered as in the plan, co-units, the contact and phone of
// the last report, an indicator asked for its total before the period,
// and last month's progress too long for one row.
func officeForm() reports.TemplateInput {
	in := reportstest.ExtInput()
	in.Tasks = reportstest.Tasks(4)
	in.Tasks[0].CoUnits = []string{"fgw", "kjj"} // kjj is no unit of the plan: its id shows
	in.Tasks[3].Category = "C3"
	in.Plan = reportstest.Plan(append([]plan.Task{{ID: "T01", Category: "C1", Title: "加快规划报批实施", Lead: "fgw"}}, in.Tasks...))
	in.Plan.Categories = []plan.Category{{ID: "C1", Name: "推进规划统筹一体化"}, {ID: "C2", Name: "二、推进基础设施一体化"}, {ID: "C3", Name: "推进产业协同一体化"}}
	in.Indicators = slices.Clone(in.Indicators)
	in.Indicators[1].Ask = true
	in.Contact, in.Phone = "李娜", "0551-63001234"
	in.Previous[in.Tasks[0].ID] = plan.Answer{Progress: strings.Repeat("4月完成城际铁路可研批复，开展施工图设计。", 30) + "全文完。"}
	return in
}

func TestBuildTemplateStructure(t *testing.T) {
	in := reportstest.Input(4)
	in.Tasks[1].Requirement = "=SUM(A1:A9)"
	in.Previous[in.Tasks[2].ID] = plan.Answer{Progress: "@所有人 -1 +2"}
	data := reportstest.Build(t, in)
	// Row 6 is the category's heading; the tasks follow.
	firstTask, lastRow := reports.FirstRow+1, reports.FirstRow+len(in.Tasks)
	foot := reports.FootRow(lastRow)

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	defer f.Close()

	if got, want := f.GetSheetList(), []string{reports.SheetForm, reports.SheetMeta}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != reports.SheetForm {
		t.Errorf("active sheet = %q, want %q", got, reports.SheetForm)
	}
	if vis, _ := f.GetSheetVisible(reports.SheetMeta); vis {
		t.Errorf("sheet %s is visible, want hidden", reports.SheetMeta)
	}

	raw := dumpRawSheets(t, data)
	wantDim := map[string]string{reports.SheetForm: fmt.Sprintf("A1:J%d", foot), reports.SheetMeta: "A1:B5"}
	for sh, want := range wantDim {
		if got := raw[sh].dimension; got != want {
			t.Errorf("%s dimension = %q, want %q", sh, got, want)
		}
		prot := raw[sh].protection
		if !strings.Contains(prot, "sheet=true") {
			t.Errorf("%s protection = %q, want sheet=true", sh, prot)
		}
		if strings.Contains(prot, "password=") {
			t.Errorf("%s protection = %q carries a legacy XOR password hash", sh, prot)
		}
	}
	if prot := raw[reports.SheetForm].protection; !strings.Contains(prot, "formatColumns=false") || !strings.Contains(prot, "formatRows=false") {
		t.Errorf("form protection = %q, want resizing columns and rows allowed", prot)
	}
	// The task rows keep their heights but are not marked as set by hand:
	// the applications fit them again to what the unit types.
	if got, want := raw[reports.SheetForm].autoRows, fmt.Sprintf("%d-%d", firstTask, lastRow); got != want {
		t.Errorf("rows fitted to their text = %s, want %s", got, want)
	}

	// Unlocked cells are exactly the request and foot cells and the answer
	// columns.
	wantUnlocked := map[string]bool{reports.ExtensionCell: true, reports.ReasonCell: true}
	for _, label := range reports.FootLabels {
		wantUnlocked[reports.FootCell(label, foot)] = true
	}
	for r := firstTask; r <= lastRow; r++ {
		for _, c := range []string{"F", "G", "H", "I"} {
			wantUnlocked[fmt.Sprintf("%s%d", c, r)] = true
		}
	}
	for r := 1; r <= foot; r++ {
		for c := 1; c <= reports.KeyCol; c++ {
			cell := reports.Cell(c, r)
			id, err := f.GetCellStyle(reports.SheetForm, cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if id != 0 && (st.Font == nil || st.Font.Family != reports.FontCJK) {
				t.Errorf("%s font = %+v, want family %s", cell, st.Font, reports.FontCJK)
			}
			unlocked := st.Protection != nil && !st.Protection.Locked
			if unlocked != wantUnlocked[cell] {
				t.Errorf("%s unlocked = %v, want %v", cell, unlocked, wantUnlocked[cell])
			}
			if fx, _ := f.GetCellFormula(reports.SheetForm, cell); fx != "" {
				t.Errorf("%s has formula %q, want text only", cell, fx)
			}
		}
	}
	footCell := func(label string) string { return reports.FootCell(label, foot) }
	for _, tc := range []struct{ cell, want string }{
		{"C8", "=SUM(A1:A9)"},
		{"E9", "@所有人 -1 +2"},
		{"E7", in.Previous[in.Tasks[0].ID].Progress},
		{"F7", ""},
		{"A1", reportstest.PlanTitle + "——市交通运输局2023年5月推进情况表"},
		{"A2", "填报单位：市交通运输局"},
		{"D2", "报送截止：2023年6月7日"},
		{"F2", "报送期次：2023年5月"},
		{"F3", "申请延期至："},
		{"H3", "延期理由："},
		{"A6", "一、推进基础设施一体化"},
		{"A7", "1"}, {"B7", in.Tasks[0].Title}, {"J7", "T05"},
		{"A10", "4"}, {"J10", "T08"},
		{reports.Cell(2, foot), "填报人："},
		{reports.Cell(4, foot), "审核人："},
		{reports.Cell(6, foot), "填报日期："},
		{reports.Cell(8, foot), "联系电话："},
		{footCell(reports.LabelContact), ""},
	} {
		got, _ := f.GetCellValue(reports.SheetForm, tc.cell, excelize.Options{RawCellValue: true})
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.cell, got, tc.want)
		}
		if tc.want != "" {
			if typ, _ := f.GetCellType(reports.SheetForm, tc.cell); typ != excelize.CellTypeSharedString {
				t.Errorf("%s type = %v, want a string cell", tc.cell, typ)
			}
		}
	}
	for i, h := range reports.TemplateHeaders {
		if got, _ := f.GetCellValue(reports.SheetForm, reports.Cell(i+1, reports.HeaderRow), excelize.Options{RawCellValue: true}); got != h {
			t.Errorf("header %d = %q, want %q", i+1, got, h)
		}
	}
	if visible, _ := f.GetColVisible(reports.SheetForm, "J"); visible {
		t.Errorf("the column of task keys (J) is visible")
	}

	dvs, err := f.GetDataValidations(reports.SheetForm)
	if err != nil || len(dvs) != 2 {
		t.Fatalf("data validations = %v, %v; want two", dvs, err)
	}
	dv := dvs[0]
	if want := fmt.Sprintf("G%d:G%d", firstTask, lastRow); dv.Sqref != want {
		t.Errorf("validation range = %q, want %q", dv.Sqref, want)
	}
	if date := dvs[1]; date.Sqref != footCell(reports.LabelDate) || date.Type != "date" {
		t.Errorf("validation %s type %s, want the date at %s", date.Sqref, date.Type, footCell(reports.LabelDate))
	}
	for _, s := range plan.Statuses {
		if !strings.Contains(dv.Formula1, string(s)) {
			t.Errorf("validation list %q lacks %s", dv.Formula1, s)
		}
	}
	if dv.Error == nil || *dv.Error != "请从下拉列表中选择：已完成、序时推进、滞后、未启动" || !dv.ShowErrorMessage {
		t.Errorf("validation error message = %v, want the four choices", dumpPtr(dv.Error))
	}

	pl, _ := f.GetPageLayout(reports.SheetForm)
	if dumpPtr(pl.Size) != "9" || dumpPtr(pl.Orientation) != "landscape" || dumpPtr(pl.FitToWidth) != "1" {
		t.Errorf("page layout size=%s orientation=%s fit_width=%s, want A4 (9) landscape 1",
			dumpPtr(pl.Size), dumpPtr(pl.Orientation), dumpPtr(pl.FitToWidth))
	}
	printTitles, printArea := false, false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == reports.SheetForm && strings.HasSuffix(dn.RefersTo, "!$5:$5") {
			printTitles = true
		}
		if dn.Name == "_xlnm.Print_Area" && dn.Scope == reports.SheetForm && strings.HasSuffix(dn.RefersTo, fmt.Sprintf("!$A$1:$I$%d", foot)) {
			printArea = true
		}
	}
	if !printTitles || !printArea {
		t.Errorf("defined names = %+v, want print titles repeating row 5 and the print area A1:I%d", f.GetDefinedName(), foot)
	}
	if panes, _ := f.GetPanes(reports.SheetForm); !panes.Freeze || panes.YSplit != reports.HeaderRow {
		t.Errorf("panes = %+v, want frozen below row %d", panes, reports.HeaderRow)
	}

	// The metadata reads back and verifies.
	r := reader.Parse(data, reports.Limits{})
	want := reports.Meta{Version: reports.TemplateVersion, Plan: reportstest.PlanTitle, Period: "2023-05", Unit: "jtj"}
	want.Token = reports.Sign(reportstest.Secret, want)
	if !r.HasMeta || r.Meta != want {
		t.Errorf("Parse(template).Meta = %+v (has %v), want %+v", r.Meta, r.HasMeta, want)
	}
	if !r.Meta.Valid(reportstest.Secret) {
		t.Errorf("template token %q does not verify", r.Meta.Token)
	}
}

func TestBuildTemplateErrors(t *testing.T) {
	noTasks := reportstest.Input(1)
	noTasks.Tasks = nil
	noPlan := reportstest.Input(1)
	noPlan.Plan = nil
	for name, in := range map[string]reports.TemplateInput{"no tasks": noTasks, "no plan": noPlan} {
		if err := template.BuildTemplate(&bytes.Buffer{}, in); err == nil {
			t.Errorf("BuildTemplate(%s) = nil error, want one", name)
		}
	}
}

// TestTemplateOpenpyxlReadOnly reads the template with openpyxl in read-only
// mode, which trusts each sheet's recorded dimension: a dimension left at
// A1 would hide every row but the first.
func TestTemplateOpenpyxlReadOnly(t *testing.T) {
	python := testtools.Python(t)
	in := reportstest.Input(5)
	file := filepath.Join(t.TempDir(), "template.xlsx")
	if err := os.WriteFile(file, reportstest.Build(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
out = {}
for ws in wb.worksheets:
    out[ws.title] = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
print(json.dumps(out, ensure_ascii=False))
`
	cmd := exec.Command(python, "-c", script, file)
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var sheets map[string][][]string
	if err := json.Unmarshal(outb, &sheets); err != nil {
		t.Fatalf("openpyxl output %q: %v", outb, err)
	}
	form := sheets[reports.SheetForm]
	foot := reports.FootRow(reports.FirstRow + len(in.Tasks))
	if len(form) != foot {
		t.Fatalf("openpyxl read %d rows of %s, want %d", len(form), reports.SheetForm, foot)
	}
	if got := strings.Join(form[reports.HeaderRow-1], "|"); got != strings.Join(reports.TemplateHeaders, "|") {
		t.Errorf("openpyxl header row = %q", got)
	}
	for i, task := range in.Tasks {
		row := form[reports.FirstRow+i] // below the category's heading
		if len(row) < reports.KeyCol || row[reports.KeyCol-1] != task.ID || row[2] != task.Requirement {
			t.Errorf("openpyxl task row %d = %q, want id %s and its requirement", i+1, row, task.ID)
		}
	}
	if got := form[foot-1][1]; got != "填报人：" {
		t.Errorf("openpyxl foot row = %q, want it to start with 填报人：", form[foot-1])
	}
	meta := sheets[reports.SheetMeta]
	if len(meta) != 5 || meta[4][0] != reports.MetaKeyToken {
		t.Errorf("openpyxl read %s = %q, want 5 key/value rows ending with the token", reports.SheetMeta, meta)
	}
}

func BenchmarkBuildTemplate(b *testing.B) {
	in := reportstest.Input(5)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := template.BuildTemplate(&buf, in); err != nil {
			b.Fatal(err)
		}
	}
}

// scaleInputs are the template inputs of n units of 15 tasks with
// ~200-character requirements (internal/scale), last month's
// ~100-character progress carried forward: the scale of issue 16.
func scaleInputs(n int) []reports.TemplateInput {
	pl := scale.Plan(n, scale.DefaultTasksPerUnit)
	var out []reports.TemplateInput
	for _, u := range pl.LeadUnits() {
		in := reports.TemplateInput{
			Office: "都市圈办公室", Plan: pl, Period: plan.Period{Year: 2023, Month: time.May}, Unit: u,
			Tasks: pl.TasksLedBy(u.ID), Deadline: time.Date(2023, time.June, 7, 0, 0, 0, 0, time.UTC),
			Previous: map[string]plan.Answer{}, Closed: map[string]reports.Closure{},
			Secret: reportstest.Secret, Contact: "联系人",
		}
		for _, t := range in.Tasks {
			in.Previous[t.ID] = plan.Answer{TaskID: t.ID, Progress: strings.Repeat("本月召开专题推进会，协调解决项目前期问题，", 5)}
		}
		out = append(out, in)
	}
	return out
}

// BenchmarkBuildTemplate15 builds one unit's template of 15 tasks on its
// own, as `duban template` does (units taken in turn from 64).
func BenchmarkBuildTemplate15(b *testing.B) {
	ins := scaleInputs(64)
	var buf bytes.Buffer
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf.Reset()
		if err := template.BuildTemplate(&buf, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(buf.Len()), "bytes/workbook")
}

// BenchmarkBuildTemplate15FromBase builds the templates of a fan-out from
// one Base, units of 15 tasks taken in turn from 64.
func BenchmarkBuildTemplate15FromBase(b *testing.B) {
	ins := scaleInputs(64)
	base := template.NewBase()
	var buf bytes.Buffer
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf.Reset()
		if err := base.Build(&buf, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(buf.Len()), "bytes/workbook")
}

// A template built from a Base shared by a fan-out is the one built alone,
// byte for byte, whatever was built from the Base before or meanwhile.
func TestBuildFromBaseIsBuildTemplate(t *testing.T) {
	ins := append(scaleInputs(12), reportstest.Input(3), reportstest.ExtInput(), officeForm())
	ins[3].Tasks = ins[3].Tasks[:4] // another print area
	base := template.NewBase()
	var wg sync.WaitGroup
	for round := range 2 {
		for i, in := range ins {
			wg.Go(func() {
				var alone, shared bytes.Buffer
				if err := template.BuildTemplate(&alone, in); err != nil {
					t.Error(err)
					return
				}
				if err := base.Build(&shared, in); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(alone.Bytes(), shared.Bytes()) {
					t.Errorf("round %d, input %d: the template built from the Base differs from the one built alone", round, i)
				}
			})
		}
		wg.Wait()
	}
}
