package jobs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// TestLibreOfficeRoundTrip is the path a real unit takes: our template,
// filled and saved by a real spreadsheet application, ingested and
// compiled; the values must arrive in the consolidated workbook, which
// openpyxl (pandas' reader) must read in full too.
func TestLibreOfficeRoundTrip(t *testing.T) {
	testtools.Soffice(t)
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	clock.Set(at(t, c, "2023-06-05 15:30"))

	answers := answersFor(c, "jtj", "五月：完成*线路初步设计审查，第二季度开工准备工作有序推进")
	answers[1].Status = plan.StatusBehind
	answers[1].Issues = "=用地手续尚未批复，需市自然资源和规划局协调"
	data := filled(t, c, "jtj", may, answers)

	resaved := testtools.Resave(t, data, "filled.xlsx")
	if bytes.Equal(resaved, data) {
		t.Fatal("LibreOffice returned the file unchanged; the round trip proves nothing")
	}

	d, err := c.Ingest(ctx, resaved, "resaved.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Accepted {
		t.Fatalf("Ingest(LibreOffice-resaved) rejected: %v", d.Problems)
	}
	got := map[string]plan.Answer{}
	for _, a := range d.Submission.Answers {
		got[a.TaskID] = a
	}
	for _, want := range answers {
		if !reflect.DeepEqual(got[want.TaskID], want) {
			t.Errorf("after LibreOffice, answer %s = %+v, want %+v", want.TaskID, got[want.TaskID], want)
		}
	}

	res, err := c.Draft(ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows("明细")
	if err != nil {
		t.Fatal(err)
	}
	var detail strings.Builder
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		detail.WriteString(strings.Join(cols, "|") + "\n")
	}
	if err := rows.Error(); err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		for _, v := range []string{a.Progress, string(a.Status), a.Issues} {
			if v != "" && !strings.Contains(detail.String(), v) {
				t.Errorf("compiled 明细 lacks %q", v)
			}
		}
	}

	// The compiled workbook, opened the way pandas does (read-only mode
	// trusts each sheet's recorded dimension).
	out := filepath.Join(t.TempDir(), res.FileName)
	if err := os.WriteFile(out, res.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb["明细"]
for row in ws.iter_rows(values_only=True):
    print("|".join("" if v is None else str(v) for v in row))
`
	py := testtools.RunPython(t, script, out)
	if !strings.Contains(py, answers[1].Issues) || !strings.Contains(py, "市交通运输局") {
		t.Errorf("openpyxl read-only sees 明细 as:\n%s\nwant the unit's answers in it", py)
	}
}

// TestTemplateSurvivesLibreOfficeBeforeFilling covers a unit that opens the
// template in LibreOffice and saves it before filling it in with another
// program: the hidden sheet and token must survive.
func TestTemplateSurvivesLibreOfficeBeforeFilling(t *testing.T) {
	testtools.Soffice(t)
	ctx := context.Background()
	c, clock := newCycle(t, testPlan())
	clock.Set(at(t, c, "2023-06-02 10:00"))
	tpl, err := c.BuildTemplate(ctx, "fgw", may)
	if err != nil {
		t.Fatal(err)
	}
	resaved := testtools.Resave(t, tpl.Data, tpl.FileName)
	// The plan's numbers shown, the keys kept in their hidden column.
	r := reader.Parse(resaved, c.Limits)
	f, err := excelize.OpenReader(bytes.NewReader(resaved))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if visible, _ := f.GetColVisible(r.Sheet, "J"); visible || len(r.Rows) != 2 {
		t.Fatalf("re-saved template: key column visible %v, task rows %+v; want hidden, 2", visible, r.Rows)
	}
	for i, row := range r.Rows {
		number, _ := f.GetCellValue(r.Sheet, fmt.Sprintf("A%d", row.Line))
		if want := fmt.Sprint(c.Plan.TaskNumber(row.Answer.TaskID)); row.Answer.TaskID != []string{"T01", "T02"}[i] || number != want {
			t.Errorf("re-saved row %d: key %s, number %q; want %s numbered %s", row.Line, row.Answer.TaskID, number, []string{"T01", "T02"}[i], want)
		}
	}
	data, err := reader.Fill(resaved, "张伟", "0551-63001234", answersFor(c, "fgw", "进展"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Ingest(ctx, data, "fgw.xlsx", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Accepted {
		t.Errorf("Ingest(template re-saved by LibreOffice, then filled) rejected: %v", d.Problems)
	}
}
