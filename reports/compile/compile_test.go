package compile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// compileBytes compiles the input and fails the test on error.
func compileBytes(t testing.TB, in reports.CompileInput) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Compile(&b, in); err != nil {
		t.Fatalf("Compile() error = %v", err)
	}
	return b.Bytes()
}

func openCompiled(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("opening compiled workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// compiledRows reads a sheet with the Rows iterator (not GetRows, which
// hides row errors).
func compiledRows(t testing.TB, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatalf("reading sheet %s: %v", sheet, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("reading sheet %s row %d: %v", sheet, len(out)+1, err)
		}
		out = append(out, cols)
	}
	if err := rows.Error(); err != nil {
		t.Fatalf("reading sheet %s: %v", sheet, err)
	}
	return out
}

// dumpCompiled renders a compiled workbook as normalised text for golden
// files: sheets, defined names, then per sheet the used range, print and
// view settings, column widths, merged ranges and every non-empty cell with
// its style, followed by the essentials of each style used.
func dumpCompiled(t testing.TB, data []byte) string {
	t.Helper()
	f := openCompiled(t, data)
	var b strings.Builder
	fmt.Fprintf(&b, "sheets: %s\n", strings.Join(f.GetSheetList(), ", "))
	fmt.Fprintf(&b, "active: %s\n", f.GetSheetName(f.GetActiveSheetIndex()))
	if font, err := f.GetDefaultFont(); err == nil {
		fmt.Fprintf(&b, "default font: %s\n", font)
	}
	names := f.GetDefinedName()
	slices.SortFunc(names, func(a, b excelize.DefinedName) int { return strings.Compare(a.Scope+a.Name, b.Scope+b.Name) })
	for _, n := range names {
		fmt.Fprintf(&b, "defined name: %s scope=%s refers=%s\n", n.Name, n.Scope, n.RefersTo)
	}
	styles := map[int]bool{}
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "\n== %s ==\n", sheet)
		dim, err := f.GetSheetDimension(sheet)
		if err != nil {
			t.Fatalf("GetSheetDimension(%s): %v", sheet, err)
		}
		fmt.Fprintf(&b, "dimension: %s\n", dim)
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatalf("GetPageLayout(%s): %v", sheet, err)
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil {
			t.Fatalf("GetSheetProps(%s): %v", sheet, err)
		}
		fmt.Fprintf(&b, "page: size=%d orientation=%s fitToPage=%t fitToWidth=%s fitToHeight=%s\n",
			*layout.Size, *layout.Orientation, *props.FitToPage, compileDumpInt(layout.FitToWidth), compileDumpInt(layout.FitToHeight))
		margins, err := f.GetPageMargins(sheet)
		if err != nil {
			t.Fatalf("GetPageMargins(%s): %v", sheet, err)
		}
		fmt.Fprintf(&b, "margins: left=%g right=%g top=%g bottom=%g header=%g footer=%g centred=%t\n",
			*margins.Left, *margins.Right, *margins.Top, *margins.Bottom, *margins.Header, *margins.Footer, *margins.Horizontally)
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil {
			t.Fatalf("GetHeaderFooter(%s): %v", sheet, err)
		}
		if hf != nil {
			fmt.Fprintf(&b, "footer: %q\n", hf.OddFooter)
		}
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatalf("GetPanes(%s): %v", sheet, err)
		}
		fmt.Fprintf(&b, "panes: freeze=%t ySplit=%d topLeft=%s\n", panes.Freeze, panes.YSplit, panes.TopLeftCell)

		lastCol, lastRow := 1, 1
		if dim != "" {
			if _, end, ok := strings.Cut(dim, ":"); ok {
				if lastCol, lastRow, err = excelize.CellNameToCoordinates(end); err != nil {
					t.Fatalf("dimension %q of %s: %v", dim, sheet, err)
				}
			}
		}
		var widths []string
		for c := 1; c <= lastCol; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			w, err := f.GetColWidth(sheet, name)
			if err != nil {
				t.Fatalf("GetColWidth(%s, %s): %v", sheet, name, err)
			}
			widths = append(widths, fmt.Sprintf("%s=%g", name, w))
		}
		fmt.Fprintf(&b, "widths: %s\n", strings.Join(widths, " "))
		merges, err := f.GetMergeCells(sheet, true)
		if err != nil {
			t.Fatalf("GetMergeCells(%s): %v", sheet, err)
		}
		var ranges []string
		for _, m := range merges {
			ranges = append(ranges, m.GetStartAxis()+":"+m.GetEndAxis())
		}
		fmt.Fprintf(&b, "merged: %s\n", strings.Join(ranges, " "))
		// excelize reports a merged range's value in every covered cell;
		// only the first one holds it.
		covered := map[string]bool{}
		for _, m := range merges {
			c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
			c2, r2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
			for r := r1; r <= r2; r++ {
				for c := c1; c <= c2; c++ {
					if ref, _ := excelize.CoordinatesToCellName(c, r); ref != m.GetStartAxis() {
						covered[ref] = true
					}
				}
			}
		}

		for r := 1; r <= lastRow; r++ {
			h, err := f.GetRowHeight(sheet, r)
			if err != nil {
				t.Fatalf("GetRowHeight(%s, %d): %v", sheet, r, err)
			}
			line := []string{fmt.Sprintf("row %d", r)}
			if h != 15 { // excelize reports 15 for rows sized to their text
				line[0] += fmt.Sprintf(" height=%g", h)
			}
			for c := 1; c <= lastCol; c++ {
				ref, _ := excelize.CoordinatesToCellName(c, r)
				v, err := f.GetCellValue(sheet, ref)
				if err != nil {
					t.Fatalf("GetCellValue(%s, %s): %v", sheet, ref, err)
				}
				s, err := f.GetCellStyle(sheet, ref)
				if err != nil {
					t.Fatalf("GetCellStyle(%s, %s): %v", sheet, ref, err)
				}
				if v == "" || covered[ref] {
					continue
				}
				styles[s] = true
				line = append(line, fmt.Sprintf("  %s s%d %q", ref, s, v))
			}
			fmt.Fprintln(&b, strings.Join(line, "\n"))
		}
	}
	fmt.Fprintln(&b, "\n== styles ==")
	for _, id := range slices.Sorted(maps.Keys(styles)) {
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatalf("GetStyle(%d): %v", id, err)
		}
		fmt.Fprintf(&b, "s%d: %s\n", id, compileDumpStyle(st))
	}
	return b.String()
}

func compileDumpInt(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

func compileDumpStyle(st *excelize.Style) string {
	var parts []string
	if fo := st.Font; fo != nil {
		s := fmt.Sprintf("font=%s/%g", fo.Family, fo.Size)
		if fo.Bold {
			s += " bold"
		}
		if fo.Italic {
			s += " italic"
		}
		if fo.Color != "" {
			s += " color=" + fo.Color
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, "font=default")
	}
	parts = append(parts, reportstest.FillAndBorder(st)...)
	if a := st.Alignment; a != nil {
		s := fmt.Sprintf("align=%s/%s", a.Horizontal, a.Vertical)
		if a.WrapText {
			s += " wrap"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " | ")
}

func TestCompileGolden(t *testing.T) {
	data := compileBytes(t, reportstest.CompileInput())
	testtools.Golden(t, filepath.Join("testdata", "compile_realistic.golden"), []byte(dumpCompiled(t, data)+dumpCompiledCharts(t, data)))
}

// compileSection returns the rows of a section of a sheet: those after the
// row whose first cell starts with heading, up to the next empty row.
func compileSection(t *testing.T, f *excelize.File, sheet, heading string) [][]string {
	t.Helper()
	var out [][]string
	in := false
	for _, row := range compiledRows(t, f, sheet) {
		switch {
		case !in && len(row) > 0 && strings.HasPrefix(row[0], heading):
			in = true
		case in && (len(row) == 0 || slices.Equal(row, make([]string, len(row)))):
			return out
		case in:
			out = append(out, row)
		}
	}
	if !in {
		t.Fatalf("%s has no section %q", sheet, heading)
	}
	return out
}

// compileTally reads a row of 汇总's 报送情况: 应报, 按时报送, 逾期报送, 未报送
// from column C on, and the two rates after them.
func compileTally(t *testing.T, row []string) (tally, [2]string) {
	t.Helper()
	if len(row) < 8 {
		t.Fatalf("报送情况 row %q: want 8 cells", row)
	}
	var n [4]int
	for i := range n {
		v, err := strconv.Atoi(row[2+i])
		if err != nil {
			t.Fatalf("报送情况 count %q: %v", row[2+i], err)
		}
		n[i] = v
	}
	return tally{Expected: n[0], OnTime: n[1], Late: n[2], Missing: n[3]}, [2]string{row[6], row[7]}
}

// TestCompileCounts checks 汇总's 报送情况 of the period: disjoint counts
// (a late unit is late, not also reported on its own), the two rates, and
// what the list of units not reported or late says of each.
func TestCompileCounts(t *testing.T) {
	deadline := time.Date(2023, time.June, 7, 0, 0, 0, 0, reportstest.Zone)
	unit := func(id string, state reports.SubmissionState) reports.UnitReport {
		return reports.UnitReport{Unit: plan.Unit{ID: id, Name: id}, State: state}
	}
	granted := func(u reports.UnitReport, until time.Time) reports.UnitReport {
		u.Extension = reports.Extension{Requested: until, Decision: reports.ExtensionGranted, Until: until}
		return u
	}
	tests := []struct {
		name      string
		generated time.Time
		units     []reports.UnitReport
		want      tally
		rates     [2]string
		standing  []string // 情况 of the listed units, in order
	}{
		{
			name:      "before the deadline day ends: not reported is not yet overdue",
			generated: deadline.Add(23*time.Hour + 59*time.Minute),
			units:     []reports.UnitReport{unit("a", reports.StateSubmitted), unit("b", reports.StateMissing), unit("c", reports.StateRejected)},
			want:      tally{Expected: 3, OnTime: 1, Missing: 2},
			rates:     [2]string{"33.3%", "33.3%"},
			standing:  []string{"未报送（未到截止日）", "退回未改（未到截止日）"},
		},
		{
			name:      "at midnight after the deadline day: missing and rejected are overdue",
			generated: deadline.Add(24 * time.Hour),
			units:     []reports.UnitReport{unit("a", reports.StateSubmitted), unit("b", reports.StateMissing), unit("c", reports.StateRejected)},
			want:      tally{Expected: 3, OnTime: 1, Missing: 2},
			rates:     [2]string{"33.3%", "33.3%"},
			standing:  []string{"未报送（已逾期）", "退回未改（已逾期）"},
		},
		{
			name:      "a late unit is counted once, as late",
			generated: deadline.Add(48 * time.Hour),
			units:     []reports.UnitReport{unit("a", reports.StateLate), unit("b", reports.StateSubmitted), unit("c", reports.StateMissing)},
			want:      tally{Expected: 3, OnTime: 1, Late: 1, Missing: 1},
			rates:     [2]string{"66.7%", "33.3%"},
			standing:  []string{"未报送（已逾期）", "逾期报送"},
		},
		{
			name:      "rejected only counts as not reported",
			generated: deadline.Add(-48 * time.Hour),
			units:     []reports.UnitReport{unit("a", reports.StateRejected)},
			want:      tally{Expected: 1, Missing: 1},
			rates:     [2]string{"0.0%", "0.0%"},
			standing:  []string{"退回未改（未到截止日）"},
		},
		{
			name:      "all submitted on time",
			generated: deadline.Add(72 * time.Hour),
			units:     []reports.UnitReport{unit("a", reports.StateSubmitted), unit("b", reports.StateSubmitted)},
			want:      tally{Expected: 2, OnTime: 2},
			rates:     [2]string{"100.0%", "100.0%"},
		},
		{
			name:      "all late",
			generated: deadline.Add(72 * time.Hour),
			units:     []reports.UnitReport{unit("a", reports.StateLate), unit("b", reports.StateLate)},
			want:      tally{Expected: 2, Late: 2},
			rates:     [2]string{"100.0%", "0.0%"},
			standing:  []string{"逾期报送", "逾期报送"},
		},
		{
			name:      "no state recorded counts as not reported",
			generated: deadline.Add(24 * time.Hour).UTC(), // another zone: compared as instants
			units:     []reports.UnitReport{unit("a", "")},
			want:      tally{Expected: 1, Missing: 1},
			rates:     [2]string{"0.0%", "0.0%"},
			standing:  []string{"未报送（已逾期）"},
		},
		{
			name:      "an extension granted to a later day: not overdue until that day is over",
			generated: deadline.Add(72 * time.Hour),
			units: []reports.UnitReport{
				granted(unit("a", reports.StateMissing), deadline.AddDate(0, 0, 3)),
				granted(unit("b", reports.StateRejected), deadline.AddDate(0, 0, 2)),
			},
			want:     tally{Expected: 2, Missing: 2},
			rates:    [2]string{"0.0%", "0.0%"},
			standing: []string{"未报送（已同意延期至2023年6月10日）", "退回未改（已逾期）"},
		},
		{
			name:      "an extension asked for, or refused: the deadline stands",
			generated: deadline.Add(24 * time.Hour),
			units: []reports.UnitReport{
				{Unit: plan.Unit{ID: "a"}, State: reports.StateMissing, Extension: reports.Extension{Requested: deadline.AddDate(0, 0, 5)}},
				{Unit: plan.Unit{ID: "b"}, State: reports.StateMissing, Extension: reports.Extension{
					Requested: deadline.AddDate(0, 0, 5), Decision: reports.ExtensionRefused, Until: deadline.AddDate(0, 0, 5),
				}},
			},
			want:     tally{Expected: 2, Missing: 2},
			rates:    [2]string{"0.0%", "0.0%"},
			standing: []string{"未报送（已逾期）", "未报送（已逾期）"},
		},
		{
			name:      "no units",
			generated: deadline,
			want:      tally{},
			rates:     [2]string{"—", "—"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := reports.CompileInput{
				Plan: &plan.Plan{Title: "计划"}, Period: plan.Period{Year: 2023, Month: time.May},
				Deadline: deadline, GeneratedAt: tc.generated, Version: 1, Units: tc.units,
			}
			f := openCompiled(t, compileBytes(t, in))
			rows := compileSection(t, f, sheetSummary, "一、报送情况")
			if len(rows) < 3 || rows[1][0] != "2023年5月" {
				t.Fatalf("汇总 报送情况 = %q, want a header and the row of 2023年5月", rows)
			}
			got, rates := compileTally(t, rows[1])
			if got != tc.want || rates != tc.rates {
				t.Errorf("应报/按时/逾期/未报 = %+v %q, want %+v %q", got, rates, tc.want, tc.rates)
			}
			if got.Expected != got.OnTime+got.Late+got.Missing {
				t.Errorf("应报 %d ≠ 按时 %d + 逾期 %d + 未报 %d", got.Expected, got.OnTime, got.Late, got.Missing)
			}
			var standing []string
			for _, row := range compileSection(t, f, sheetSummary, "二、未报送及逾期报送单位")[1:] {
				if _, err := strconv.Atoi(row[0]); err == nil {
					standing = append(standing, row[2])
				}
			}
			if !slices.Equal(standing, tc.standing) {
				t.Errorf("未报送及逾期报送单位 情况 = %q, want %q", standing, tc.standing)
			}
		})
	}
}

// TestCompileStatusTotals checks the summary's 合计 row against the detail
// sheet's 完成状态 column: the two sheets must tell the same story.
func TestCompileStatusTotals(t *testing.T) {
	f := openCompiled(t, compileBytes(t, reportstest.CompileInput()))
	want := map[string]int{}
	tasks := 0
	for _, row := range compiledRows(t, f, sheetDetail)[2:] {
		if len(row) < 5 || row[0] == "" { // a category row
			continue
		}
		tasks++
		want[row[4]]++
	}
	var total []string
	for _, row := range compiledRows(t, f, sheetSummary) {
		if len(row) > 0 && row[0] == "合计" {
			total = row
		}
	}
	if len(total) < 8 {
		t.Fatalf("汇总 合计 row = %q, want 8 cells", total)
	}
	for i, label := range []string{"任务数", "已完成", "序时推进", "滞后", "未启动", notReported} {
		n := want[label]
		if i == 0 {
			n = tasks
		}
		if total[2+i] != strconv.Itoa(n) {
			t.Errorf("汇总 合计 %s = %s, want %d (from 明细)", label, total[2+i], n)
		}
	}
	if want[notReported] != 6 { // kjj's 3 tasks and jxj's 3 tasks
		t.Errorf("明细 未报送 tasks = %d, want 6", want[notReported])
	}
}

func TestCompileFormulaInjection(t *testing.T) {
	in := reportstest.CompileInput()
	risky := []string{"=1+1", "+8613800000000", "-5%进度", "@SUM(A1:A3)", "=HYPERLINK(\"http://example.invalid\",\"点击\")"}
	u := &in.Units[0]
	i := 0
	for id, a := range u.Answers {
		a.Progress, a.Issues, a.NextSteps = risky[i%len(risky)], risky[(i+1)%len(risky)], risky[(i+2)%len(risky)]
		u.Answers[id] = a
		i++
	}
	u.Contact, u.Phone = "=cmd|' /C calc'!A0", "+86 551 1234"
	data := compileBytes(t, in)

	// No formula anywhere in the package.
	for name, xml := range testtools.ZipParts(t, data) {
		if strings.HasPrefix(name, "xl/worksheets/") && (bytes.Contains(xml, []byte("<f>")) || bytes.Contains(xml, []byte("<f "))) {
			t.Errorf("%s contains a formula element", name)
		}
	}

	f := openCompiled(t, data)
	found := 0
	for _, sheet := range f.GetSheetList() {
		for r, row := range compiledRows(t, f, sheet) {
			for c, v := range row {
				if v == "" || !strings.ContainsAny(v[:1], "=+-@") {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, err := f.GetCellType(sheet, ref)
				if err != nil {
					t.Fatalf("GetCellType(%s, %s): %v", sheet, ref, err)
				}
				formula, err := f.GetCellFormula(sheet, ref)
				if err != nil {
					t.Fatalf("GetCellFormula(%s, %s): %v", sheet, ref, err)
				}
				if typ != excelize.CellTypeInlineString || formula != "" {
					t.Errorf("%s!%s %q: type %v formula %q, want an inline string without formula", sheet, ref, v, typ, formula)
				}
				if !slices.Contains(risky, v) && v != u.Contact && v != u.Phone {
					t.Errorf("%s!%s = %q, not one of the texts given", sheet, ref, v)
				}
				found++
			}
		}
	}
	// fgw leads 4 tasks: 3 texts each in 明细, plus issues in 问题清单, plus
	// contact and phone in 报送情况.
	if found < 4*3+4+2 {
		t.Errorf("found %d formula-like texts, want at least %d", found, 4*3+4+2)
	}
}

func TestCompileSheetsAndPrintSetup(t *testing.T) {
	inputs := []struct {
		name       string
		in         reports.CompileInput
		wantSheets []string
	}{
		{"without indicators", reportstest.CompileInput(), []string{sheetSummary, sheetDetail, sheetLog, sheetMoM,
			sheetYear, sheetCharts, sheetProblems}},
		{"with indicators", reportstest.CompileYearInput(), []string{sheetSummary, sheetDetail, sheetLog, sheetMoM,
			sheetYear, sheetIndicators, sheetCharts, sheetProblems}},
	}
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) { compileCheckSheetsAndPrintSetup(t, tc.in, tc.wantSheets) })
	}
}

func compileCheckSheetsAndPrintSetup(t *testing.T, in reports.CompileInput, wantSheets []string) {
	f := openCompiled(t, compileBytes(t, in))
	if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
		t.Fatalf("sheets = %q, want %q", got, wantSheets)
	}
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != sheetSummary {
		t.Errorf("active sheet = %q, want %q", got, sheetSummary)
	}
	titles := map[string]string{}
	for _, n := range f.GetDefinedName() {
		if n.Name == "_xlnm.Print_Titles" {
			titles[n.Scope] = n.RefersTo
		}
	}
	wantTitles := map[string]string{
		sheetSummary: "'汇总'!$1:$2", sheetDetail: "'明细'!$1:$2",
		sheetMoM: "'环比'!$1:$2", sheetYear: "'全年概览'!$1:$2", sheetCharts: "'图表'!$1:$1",
		sheetIndicators: "'量化指标'!$1:$2",
		sheetProblems:   "'问题清单'!$1:$2", sheetLog: "'报送情况'!$1:$2",
	}
	for _, sheet := range wantSheets {
		if titles[sheet] != wantTitles[sheet] {
			t.Errorf("%s print titles = %q, want %q", sheet, titles[sheet], wantTitles[sheet])
		}
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatalf("GetPageLayout(%s): %v", sheet, err)
		}
		if *layout.Size != 9 || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
			t.Errorf("%s page layout = size %d %s fit %s×%s, want A4 (9) landscape fit 1×0",
				sheet, *layout.Size, *layout.Orientation, compileDumpInt(layout.FitToWidth), compileDumpInt(layout.FitToHeight))
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil {
			t.Fatalf("GetSheetProps(%s): %v", sheet, err)
		}
		if !*props.FitToPage { // without it Excel ignores fitToWidth
			t.Errorf("%s fitToPage = false, want true", sheet)
		}
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatalf("GetPanes(%s): %v", sheet, err)
		}
		header, _ := strconv.Atoi(titles[sheet][strings.LastIndex(titles[sheet], "$")+1:])
		if !panes.Freeze || panes.YSplit != header {
			t.Errorf("%s panes = freeze %t ySplit %d, want frozen under row %d", sheet, panes.Freeze, panes.YSplit, header)
		}
	}
}

// TestCompileFonts checks that every cell written names the CJK font.
func TestCompileFonts(t *testing.T) {
	t.Run("without the new fields", func(t *testing.T) { compileCheckFonts(t, reportstest.CompileInput()) })
	t.Run("a year with every field", func(t *testing.T) { compileCheckFonts(t, reportstest.CompileYearInput()) })
}

func compileCheckFonts(t *testing.T, in reports.CompileInput) {
	f := openCompiled(t, compileBytes(t, in))
	if font, err := f.GetDefaultFont(); err != nil || font != reports.FontCJK {
		t.Errorf("default font = %q, %v; want %q", font, err, reports.FontCJK)
	}
	checked := map[int]bool{}
	for _, sheet := range f.GetSheetList() {
		for r, row := range compiledRows(t, f, sheet) {
			for c := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				id, err := f.GetCellStyle(sheet, ref)
				if err != nil {
					t.Fatalf("GetCellStyle(%s, %s): %v", sheet, ref, err)
				}
				if checked[id] {
					continue
				}
				checked[id] = true
				st, err := f.GetStyle(id)
				if err != nil {
					t.Fatalf("GetStyle(%d): %v", id, err)
				}
				if st.Font == nil || st.Font.Family != reports.FontCJK {
					t.Errorf("%s!%s style %d font = %+v, want %s", sheet, ref, id, st.Font, reports.FontCJK)
				}
			}
		}
	}
}

// compileSheetExtent is a sheet's real used range: rows and the widest row.
func compileSheetExtent(rows [][]string) (nRows, nCols int) {
	for _, r := range rows {
		nCols = max(nCols, len(r))
	}
	return len(rows), nCols
}

func TestCompileDimension(t *testing.T) {
	data := compileBytes(t, reportstest.CompileInput())
	f := openCompiled(t, data)
	type extent struct{ Rows, Cols int }
	want := map[string]extent{}
	for _, sheet := range f.GetSheetList() {
		rows, cols := compileSheetExtent(compiledRows(t, f, sheet))
		dim, err := f.GetSheetDimension(sheet)
		if err != nil {
			t.Fatalf("GetSheetDimension(%s): %v", sheet, err)
		}
		_, end, _ := strings.Cut(dim, ":")
		c, r, err := excelize.CellNameToCoordinates(end)
		if err != nil {
			t.Fatalf("GetSheetDimension(%s) = %q: %v", sheet, dim, err)
		}
		// The recorded range may include styled empty cells beyond the last
		// value, never fall short of the data.
		if r != rows || c < cols || c > 16 {
			t.Errorf("GetSheetDimension(%s) = %q, want it to end at row %d and cover %d columns", sheet, dim, rows, cols)
		}
		want[sheet] = extent{Rows: r, Cols: c}
	}

	py := testtools.Python(t)
	path := filepath.Join(t.TempDir(), "compiled.xlsx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
out = {}
for ws in wb.worksheets:
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    out[ws.title] = {"rows": ws.max_row, "cols": ws.max_column, "values": values}
print(json.dumps(out, ensure_ascii=False))
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	raw, err := exec.CommandContext(ctx, py, "-c", script, path).Output()
	if err != nil {
		t.Fatalf("openpyxl read-only load: %v", err)
	}
	var got map[string]struct {
		Rows, Cols int
		Values     [][]any
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decoding openpyxl output: %v", err)
	}
	for sheet, w := range want {
		g := got[sheet]
		if g.Rows != w.Rows || g.Cols != w.Cols {
			t.Errorf("openpyxl %s max_row×max_column = %d×%d, want %d×%d", sheet, g.Rows, g.Cols, w.Rows, w.Cols)
		}
		if len(g.Values) != w.Rows {
			t.Errorf("openpyxl %s yields %d rows, want %d", sheet, len(g.Values), w.Rows)
		}
	}
	cell := func(sheet string, r, c int) any {
		v := got[sheet].Values
		if r >= len(v) || c >= len(v[r]) {
			return nil
		}
		return v[r][c]
	}
	checks := []struct {
		sheet string
		r, c  int
		want  string
	}{
		{sheetSummary, 0, 0, "2023年推进都市圈一体化建设工作要点 2023年5月推进情况汇总（第2版）"},
		{sheetDetail, 1, 3, reports.HeaderProgress},
		{sheetDetail, 2, 0, "一、推进规划统筹一体化"},
		{sheetDetail, 3, 2, "市发展改革委"},
		{sheetDetail, 3, 4, "已完成"},
		{sheetDetail, 3, 8, "2023年6月5日 16:30"},
		{sheetLog, 3, 4, "逾期报送"},
	}
	for _, c := range checks {
		if got := cell(c.sheet, c.r, c.c); got != c.want {
			t.Errorf("openpyxl %s row %d col %d = %v, want %q", c.sheet, c.r+1, c.c+1, got, c.want)
		}
	}
}

func TestCompileLibreOffice(t *testing.T) {
	soffice := testtools.Soffice(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "compiled.xlsx")
	in := reportstest.CompileInput()
	a := in.Units[0].Answers["T01"]
	a.Progress = "=1+1 是文本"
	in.Units[0].Answers["T01"] = a
	if err := os.WriteFile(src, compileBytes(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	convert := func(format, out string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		profile := "file://" + filepath.Join(dir, "lo-profile")
		cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation="+profile, "--headless",
			"--convert-to", format, "--outdir", out, src)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, msg)
		}
		path := filepath.Join(out, "compiled."+format)
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Fatalf("soffice --convert-to %s wrote nothing at %s (%v)", format, path, err)
		}
		return path
	}

	pdf, err := os.ReadFile(convert("pdf", filepath.Join(dir, "pdf")))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("converted PDF starts with %q, want %%PDF", pdf[:min(8, len(pdf))])
	}

	resaved, err := os.ReadFile(convert("xlsx", filepath.Join(dir, "xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	f := openCompiled(t, resaved)
	checks := []struct{ sheet, cell, want string }{
		{sheetSummary, "A1", "2023年推进都市圈一体化建设工作要点 2023年5月推进情况汇总（第2版）"},
		{sheetDetail, "A3", "一、推进规划统筹一体化"},
		{sheetDetail, "D4", "=1+1 是文本"},
		{sheetDetail, "E4", "已完成"},
		{sheetLog, "B5", "市科技局"},
		{sheetLog, "E5", notReported},
	}
	for _, c := range checks {
		got, err := f.GetCellValue(c.sheet, c.cell)
		if err != nil {
			t.Fatalf("LibreOffice copy %s!%s: %v", c.sheet, c.cell, err)
		}
		if got != c.want {
			t.Errorf("LibreOffice copy %s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
	}
	if formula, _ := f.GetCellFormula(sheetDetail, "D4"); formula != "" {
		t.Errorf("LibreOffice copy 明细!D4 formula = %q, want none", formula)
	}
}

func TestCompileRejectsIncompleteInput(t *testing.T) {
	good := reportstest.CompileInput()
	tests := []struct {
		name string
		edit func(*reports.CompileInput)
	}{
		{"no plan", func(in *reports.CompileInput) { in.Plan = nil }},
		{"no deadline", func(in *reports.CompileInput) { in.Deadline = time.Time{} }},
		{"no generation time", func(in *reports.CompileInput) { in.GeneratedAt = time.Time{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			var b bytes.Buffer
			if err := Compile(&b, in); err == nil {
				t.Errorf("Compile(%s) error = nil, want an error", tc.name)
			}
		})
	}
}

func TestCompileUnknownCategoryAndUnit(t *testing.T) {
	in := reportstest.CompileInput()
	in.Plan.Tasks = append(in.Plan.Tasks, plan.Task{ID: "T99", Category: "C9", Title: "临时增加任务", Lead: "wjw"})
	f := openCompiled(t, compileBytes(t, in))
	rows := compiledRows(t, f, sheetDetail)
	last, category := rows[len(rows)-1], rows[len(rows)-2]
	if category[0] != "四、其他" {
		t.Errorf("明细 category of a task with unknown category = %q, want 四、其他", category[0])
	}
	if want := []string{"19", "临时增加任务", "wjw", "", notReported}; !slices.Equal(last[:5], want) {
		t.Errorf("明细 last row = %q, want prefix %q", last, want)
	}
}

func TestCompileChineseNumeral(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "一"}, {8, "八"}, {10, "十"}, {11, "十一"}, {20, "二十"}, {23, "二十三"},
		{99, "九十九"}, {100, "一百"}, {105, "一百零五"}, {110, "一百一十"}, {119, "一百一十九"}, {120, "一百二十"},
		{0, "0"}, {1000, "1000"},
	}
	for _, tc := range tests {
		if got := chineseNumeral(tc.n); got != tc.want {
			t.Errorf("chineseNumeral(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCompileBareCategoryName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"推进规划统筹一体化", "推进规划统筹一体化"},
		{"一、推进规划统筹一体化", "推进规划统筹一体化"},
		{"十二、推进市场体系一体化", "推进市场体系一体化"},
		{" 三．推进产业协同一体化 ", "推进产业协同一体化"},
		{"推进长三角、皖江一体化", "推进长三角、皖江一体化"},
	}
	for _, tc := range tests {
		if got := bareCategoryName(tc.in); got != tc.want {
			t.Errorf("bareCategoryName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCompileNothingToList checks the summary and the problems list when
// every unit reported on time, nothing is behind and no problem was raised.
func TestCompileNothingToList(t *testing.T) {
	in := reportstest.CompileInput()
	for i := range in.Units {
		u := &in.Units[i]
		u.State, u.SubmittedAt, u.Answers = reports.StateSubmitted, in.Deadline, map[string]plan.Answer{}
		for _, task := range in.Plan.TasksLedBy(u.Unit.ID) {
			u.Answers[task.ID] = plan.Answer{TaskID: task.ID, Progress: "按计划推进。", Status: plan.StatusOnTrack, Issues: "暂无"}
		}
	}
	f := openCompiled(t, compileBytes(t, in))
	var lines []string
	for _, row := range compiledRows(t, f, sheetSummary) {
		if len(row) > 0 {
			lines = append(lines, row[0])
		}
	}
	summary := strings.Join(lines, "|")
	for _, want := range []string{"二、未报送及逾期报送单位（0个）|序号|本期各单位均已按时报送|", "四、预警任务（0项）|序号|本期无红色、黄色预警任务|"} {
		if !strings.Contains(summary, want) {
			t.Errorf("汇总 column A = %q, want it to contain %q", summary, want)
		}
	}
	rows := compiledRows(t, f, sheetProblems)
	if len(rows) != 3 || rows[2][0] != "本期各单位均未报告存在问题" {
		t.Errorf("问题清单 rows = %q, want title, header and 本期各单位均未报告存在问题", rows)
	}
}
