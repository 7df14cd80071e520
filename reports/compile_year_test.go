package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
)

// compileYearStatuses are the statuses each task of compileTestInput's plan
// reported from January to June 2023, one letter a month: S 序时推进,
// D 已完成, B 滞后, N 未启动, - nothing (not reported, or closed).
var compileYearStatuses = map[string]string{
	"T01": "SSSD--", // done in April, closed out: 销号 after
	"T02": "SSSSSS", // June's progress text is May's again
	"T03": "SSSSSS", // on schedule, but an indicator behind its pace: 黄
	"T04": "SSSSSS",
	"T05": "SSSSBB", // behind two months running: 红
	"T06": "SSSSSS",
	"T07": "SSSSBB", // 红
	"T08": "SSSSSB", // behind this month: 黄, 退步
	"T09": "SSSSS-", // its unit sent nothing in June
	"T10": "NNNNNN", // not started: 黄 from April
	"T11": "SSSBB-", // its unit's June file was rejected
	"T12": "SSSSS-",
	"T13": "SSSSS-",
	"T14": "SSSSS-",
	"T15": "SSSSS-",
	"T16": "SSSSBS", // caught up: 好转
	"T17": "SSSSSS", // June's text differs from May's only by a full-width space
	"T18": "NNNNNB", // started, behind: 好转 by rank, 黄
}

// compileYearStates are each lead unit's submissions from January to June:
// S on time, L late, M missing, R only rejected files.
var compileYearStates = map[string]string{
	"fgw": "SSSSSS",
	"jtj": "SSLSSL",
	"kjj": "SLSLSM",
	"jxj": "SSSLSR",
	"zgj": "SSSSSS",
}

// compileYearTestInput is compileTestInput's plan over January to June 2023,
// compiled for June ten days after the deadline: every optional field set —
// colours by plan's own rules, last month's answers, a task closed out, a
// year of statuses and submissions, indicators of task 3 (and one of a unit
// that did not report), and three extensions: refused, pending and granted.
func compileYearTestInput() CompileInput {
	in := compileTestInput()
	p := in.Plan
	june := plan.Period{Year: 2023, Month: time.June}
	in.Period, in.Version = june, 3
	in.Deadline = time.Date(2023, time.July, 7, 0, 0, 0, 0, compileTestZone)
	in.GeneratedAt = time.Date(2023, time.July, 17, 10, 0, 0, 0, compileTestZone)
	rules := plan.DefaultColorRules()

	status := map[byte]plan.Status{'S': plan.StatusOnTrack, 'D': plan.StatusDone, 'B': plan.StatusBehind, 'N': plan.StatusNotStarted}
	state := map[byte]SubmissionState{'S': StateSubmitted, 'L': StateLate, 'M': StateMissing, 'R': StateRejected}
	in.Year = YearView{
		Tasks: map[string][]plan.Color{}, Statuses: map[string][]plan.Status{},
		Units: map[string][]plan.Color{}, States: map[string][]SubmissionState{},
	}
	for m := time.January; m <= time.June; m++ {
		in.Year.Months = append(in.Year.Months, plan.Period{Year: 2023, Month: m})
	}
	for _, t := range p.Tasks {
		var prev plan.Status
		for i, c := range []byte(compileYearStatuses[t.ID]) {
			s := status[c]
			in.Year.Statuses[t.ID] = append(in.Year.Statuses[t.ID], s)
			in.Year.Tasks[t.ID] = append(in.Year.Tasks[t.ID], plan.ProgressColor(in.Year.Months[i], s, prev, rules))
			prev = s
		}
	}

	// Task 3's indicators, and one of task 13 whose unit sent nothing.
	p.Indicators = []plan.Indicator{
		{TaskID: "T03", Name: "对口部门联席会", Unit: "次", Min: 1},
		{TaskID: "T03", Name: "合作交流活动", Unit: "次", Min: 2, Max: 3, PerMonthMax: 1},
		{TaskID: "T13", Name: "共建创新平台", Unit: "个", Min: 4, PerMonthMax: 1},
	}
	counts := []struct {
		thisMonth, total int
		reported         bool
	}{{0, 0, true}, {1, 1, true}, {0, 1, false}}
	var indicatorColors []plan.Color
	for i, ind := range p.Indicators {
		c := counts[i]
		color := plan.IndicatorColor(ind, june, c.total)
		in.Indicators = append(in.Indicators, IndicatorProgress{
			Indicator: ind, ThisMonth: c.thisMonth, Reported: c.reported, YearToDate: c.total,
			Expected: plan.IndicatorExpected(ind, june), Color: color,
		})
		if ind.TaskID == "T03" {
			indicatorColors = append(indicatorColors, color)
		}
	}
	in.Year.Tasks["T03"][5] = plan.TaskColor(in.Year.Tasks["T03"][5], indicatorColors...)
	in.Progress = map[string]plan.Color{}
	for _, t := range p.Tasks {
		if c := in.Year.Tasks[t.ID][5]; c != plan.ColorNone {
			in.Progress[t.ID] = c
		}
	}
	in.Closed = map[string]Closure{
		"T01": {Period: plan.Period{Year: 2023, Month: time.April}, Note: "规划已获批复", At: time.Date(2023, time.May, 10, 9, 0, 0, 0, compileTestZone)},
	}

	// Timeliness at GeneratedAt: jtj sent late (黄), kjj nothing six working
	// days after the deadline (红), jxj only a rejected file but an
	// extension to tomorrow (蓝).
	timeliness := map[string]plan.Color{"jtj": plan.ColorYellow, "kjj": plan.ColorRed, "jxj": plan.ColorBlue}
	in.Timeliness = timeliness
	for id, states := range compileYearStates {
		for i, c := range []byte(states) {
			s := state[c]
			in.Year.States[id] = append(in.Year.States[id], s)
			var color plan.Color
			switch {
			case i == 5:
				color = timeliness[id]
			case s == StateLate:
				color = plan.ColorYellow
			case s == StateMissing || s == StateRejected:
				color = plan.ColorRed
			}
			in.Year.Units[id] = append(in.Year.Units[id], color)
		}
	}

	// May's answers, and June's from the units that reported.
	progress := func(t plan.Task, month string) string {
		return fmt.Sprintf("%s%s工作有序推进，召开专题会议1次。", month, t.Title)
	}
	in.Previous = map[string]plan.Answer{}
	for _, t := range p.Tasks {
		if s := in.Year.Statuses[t.ID][4]; s != "" {
			in.Previous[t.ID] = plan.Answer{TaskID: t.ID, Progress: progress(t, "5月"), Status: s, NextSteps: "按计划推进。"}
		}
	}
	for i := range in.Units {
		u := &in.Units[i]
		u.Answers = nil
		switch u.Unit.ID {
		case "fgw":
			u.SubmittedAt = time.Date(2023, time.July, 5, 16, 30, 0, 0, compileTestZone)
		case "jtj":
			u.State, u.SubmittedAt, u.Versions, u.Rejected = StateLate, time.Date(2023, time.July, 12, 9, 12, 0, 0, compileTestZone), 1, 0
			u.Extension = Extension{
				Requested: time.Date(2023, time.July, 14, 0, 0, 0, 0, compileTestZone), Reason: "数据汇总需时",
				Decision: ExtensionRefused, Note: "截止前未提出申请",
			}
		case "kjj":
			u.Extension = Extension{
				Requested: time.Date(2023, time.July, 20, 0, 0, 0, 0, compileTestZone),
				Reason:    "科技合作项目数据需与省科技厅核对",
			}
		case "jxj":
			u.Extension = Extension{
				Requested: time.Date(2023, time.July, 18, 0, 0, 0, 0, compileTestZone), Reason: "主要负责同志出差，材料待审签",
				Decision: ExtensionGranted, Until: time.Date(2023, time.July, 18, 0, 0, 0, 0, compileTestZone),
			}
		case "zgj":
			u.SubmittedAt = time.Date(2023, time.July, 6, 11, 5, 0, 0, compileTestZone)
		}
		if !compileAccepted(u) {
			continue
		}
		u.Answers = map[string]plan.Answer{}
		for _, t := range p.TasksLedBy(u.Unit.ID) {
			s := in.Year.Statuses[t.ID][5]
			if s == "" {
				continue
			}
			a := plan.Answer{TaskID: t.ID, Progress: progress(t, "6月"), Status: s, NextSteps: "下月继续加强协调。"}
			switch t.ID {
			case "T02":
				a.Progress = in.Previous[t.ID].Progress + "\n"
			case "T17":
				a.Progress = strings.Replace(in.Previous[t.ID].Progress, "，", "，\u3000", 1)
			case "T05", "T07":
				a.Issues = "项目用地指标尚未落实。"
			}
			u.Answers[t.ID] = a
		}
	}
	return in
}

func TestCompileYearGolden(t *testing.T) {
	data := compileBytes(t, compileYearTestInput())
	checkGolden(t, "compile_year.golden", dumpCompiled(t, data)+dumpCompiledCharts(t, data))
}

// compileChartPart is what the golden dump shows of a chart part.
type compileChartPart struct {
	Title    []string   `xml:"chart>title>tx>rich>p>r>t"`
	Legend   compileVal `xml:"chart>legend>legendPos"`
	BarChart []struct {
		Dir      compileVal `xml:"barDir"`
		Grouping compileVal `xml:"grouping"`
		Series   []struct {
			Name   string     `xml:"tx>strRef>f"`
			CatStr string     `xml:"cat>strRef>f"`
			CatNum string     `xml:"cat>numRef>f"`
			Values string     `xml:"val>numRef>f"`
			Color  compileVal `xml:"spPr>solidFill>srgbClr"`
		} `xml:"ser"`
	} `xml:"chart>plotArea>barChart"`
}

type compileVal struct {
	Val string `xml:"val,attr"`
}

// compileZipParts maps the parts of a workbook to their contents.
func compileZipParts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading workbook zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("opening %s: %v", zf.Name, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", zf.Name, err)
		}
		parts[strings.TrimPrefix(zf.Name, "/")] = b
	}
	return parts
}

// compileRels reads a relationships part: target paths (resolved against
// the folder of the part they belong to) by type suffix.
func compileRels(t testing.TB, parts map[string][]byte, owner string) map[string][]string {
	t.Helper()
	dir, file := path.Split(owner)
	raw, ok := parts[dir+"_rels/"+file+".rels"]
	if !ok {
		return nil
	}
	var rels struct {
		Rel []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(raw, &rels); err != nil {
		t.Fatalf("rels of %s: %v", owner, err)
	}
	out := map[string][]string{}
	for _, r := range rels.Rel {
		kind := r.Type[strings.LastIndex(r.Type, "/")+1:]
		target := r.Target
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		out[kind] = append(out[kind], target)
	}
	return out
}

// compileSheetParts maps sheet names to their worksheet parts.
func compileSheetParts(t testing.TB, parts map[string][]byte) map[string]string {
	t.Helper()
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(parts["xl/workbook.xml"], &wb); err != nil {
		t.Fatalf("workbook.xml: %v", err)
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(parts["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		t.Fatalf("workbook.xml.rels: %v", err)
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		for _, r := range rels.Rel {
			if r.ID == s.RID {
				target := strings.TrimPrefix(r.Target, "/")
				if !strings.HasPrefix(target, "xl/") {
					target = path.Join("xl", target)
				}
				out[s.Name] = target
			}
		}
	}
	return out
}

// compileSheetCharts returns the chart parts a sheet shows, following the
// links a viewer follows: the sheet's <drawing> element, the sheet's
// relationships to its drawing, the drawing's to its charts.
func compileSheetChartParts(t testing.TB, parts map[string][]byte, sheet string) []string {
	t.Helper()
	part := compileSheetParts(t, parts)[sheet]
	if !bytes.Contains(parts[part], []byte("<drawing ")) {
		return nil // parts without the link are invisible in Excel
	}
	var charts []string
	for _, drawing := range compileRels(t, parts, part)["drawing"] {
		charts = append(charts, compileRels(t, parts, drawing)["chart"]...)
	}
	slices.Sort(charts)
	return charts
}

// dumpCompiledCharts renders the charts of the chart sheet for golden files.
func dumpCompiledCharts(t testing.TB, data []byte) string {
	t.Helper()
	parts := compileZipParts(t, data)
	var b strings.Builder
	fmt.Fprintf(&b, "\n== charts of %s ==\n", compileSheetCharts)
	for _, name := range compileSheetChartParts(t, parts, compileSheetCharts) {
		var c compileChartPart
		if err := xml.Unmarshal(parts[name], &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s: title=%q legend=%s\n", name, strings.Join(c.Title, ""), c.Legend.Val)
		for _, bc := range c.BarChart {
			fmt.Fprintf(&b, "  bar dir=%s grouping=%s\n", bc.Dir.Val, bc.Grouping.Val)
			for _, s := range bc.Series {
				fmt.Fprintf(&b, "    series name=%s categories=%s%s values=%s color=%s\n", s.Name, s.CatStr, s.CatNum, s.Values, s.Color.Val)
			}
		}
	}
	return b.String()
}

func TestCompileCharts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         CompileInput
		months     int
		categories int
	}{
		{"a year of six months", compileYearTestInput(), 6, 3},
		{"no year given: the compiled period alone", compileTestInput(), 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := compileBytes(t, tc.in)
			parts := compileZipParts(t, data)
			charts := compileSheetChartParts(t, parts, compileSheetCharts)
			if len(charts) != 2 {
				t.Fatalf("%s shows charts %q, want 2", compileSheetCharts, charts)
			}
			// Each chart prints on a page of its own, the tables after them.
			sheetXML := parts[compileSheetParts(t, parts)[compileSheetCharts]]
			if n := bytes.Count(sheetXML, []byte("<brk ")); n != 2 {
				t.Errorf("%s has %d page breaks, want 2", compileSheetCharts, n)
			}
			f := openCompiled(t, data)
			wantPoints := []int{tc.months, tc.categories}
			for i, name := range charts {
				var c compileChartPart
				if err := xml.Unmarshal(parts[name], &c); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(c.BarChart) != 1 || c.BarChart[0].Grouping.Val != "stacked" || c.Legend.Val != "b" {
					t.Fatalf("%s: want one stacked bar chart with its legend at the bottom, got %+v", name, c)
				}
				for _, s := range c.BarChart[0].Series {
					// Every value a series draws is a number on the chart sheet.
					cells := compileRefCells(t, s.Values)
					if len(cells) != wantPoints[i] {
						t.Errorf("%s series %s draws %d points, want %d", name, s.Name, len(cells), wantPoints[i])
					}
					for _, cell := range cells {
						typ, err := f.GetCellType(compileSheetCharts, cell)
						if err != nil {
							t.Fatal(err)
						}
						if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
							t.Errorf("%s!%s type = %v, want a number", compileSheetCharts, cell, typ)
						}
					}
				}
			}
		})
	}
}

// compileRefCells expands a chart reference like '图表'!$B$30:$B$35 into
// its cells.
func compileRefCells(t testing.TB, ref string) []string {
	t.Helper()
	_, rng, ok := strings.Cut(ref, "!")
	if !ok {
		t.Fatalf("reference %q has no sheet", ref)
	}
	rng = strings.ReplaceAll(rng, "$", "")
	from, to, ok := strings.Cut(rng, ":")
	if !ok {
		to = from
	}
	c1, r1, err := excelize.CellNameToCoordinates(from)
	if err != nil {
		t.Fatal(err)
	}
	c2, r2, err := excelize.CellNameToCoordinates(to)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for c := c1; c <= c2; c++ {
		for r := r1; r <= r2; r++ {
			name, _ := excelize.CoordinatesToCellName(c, r)
			cells = append(cells, name)
		}
	}
	return cells
}

// TestCompileChartsLibreOffice checks that the charts survive LibreOffice:
// it opens the workbook, prints it, and saves it again with both charts
// still linked from the chart sheet.
func TestCompileChartsLibreOffice(t *testing.T) {
	src := filepath.Join(t.TempDir(), "compiled.xlsx")
	if err := os.WriteFile(src, compileBytes(t, compileYearTestInput()), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(testtools.Convert(t, src, "pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("converted PDF starts with %q, want %%PDF", pdf[:min(8, len(pdf))])
	}
	resaved, err := os.ReadFile(testtools.Convert(t, src, "xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	parts := compileZipParts(t, resaved)
	charts := compileSheetChartParts(t, parts, compileSheetCharts)
	if len(charts) != 2 {
		t.Fatalf("LibreOffice copy: %s shows charts %q, want 2", compileSheetCharts, charts)
	}
	titles := map[string]bool{}
	for _, name := range charts {
		var c compileChartPart
		if err := xml.Unmarshal(parts[name], &c); err != nil {
			t.Fatalf("LibreOffice copy %s: %v", name, err)
		}
		titles[strings.Join(c.Title, "")] = true
		if len(c.BarChart) != 1 || len(c.BarChart[0].Series) == 0 {
			t.Errorf("LibreOffice copy %s: want a bar chart with series, got %+v", name, c)
		}
	}
	for _, want := range []string{"各月报送时效（单位数）", "2023年6月各类任务推进状态（项）"} {
		if !titles[want] {
			t.Errorf("LibreOffice copy: no chart titled %q (titles %v)", want, titles)
		}
	}
}
