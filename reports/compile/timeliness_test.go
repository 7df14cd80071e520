package compile

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// rankingInput is a year from January to June of seven units, one letter a
// month: S on time, L late, M missing, R only rejected files, - nothing
// asked (duban did not run that month for the unit), compiled at generated.
func rankingInput(generated time.Time, states map[string]string) reports.CompileInput {
	june := plan.Period{Year: 2023, Month: time.June}
	in := reports.CompileInput{
		Plan: &plan.Plan{Title: "计划", Year: 2023}, Period: june,
		Deadline: time.Date(2023, time.July, 7, 0, 0, 0, 0, reportstest.Zone), GeneratedAt: generated, Version: 1,
		Year: reports.YearView{States: map[string][]reports.SubmissionState{}},
	}
	for m := time.January; m <= time.June; m++ {
		in.Year.Months = append(in.Year.Months, plan.Period{Year: 2023, Month: m})
		in.Year.Deadlines = append(in.Year.Deadlines, time.Date(2023, m+1, 7, 0, 0, 0, 0, reportstest.Zone))
	}
	state := map[byte]reports.SubmissionState{'S': reports.StateSubmitted, 'L': reports.StateLate,
		'M': reports.StateMissing, 'R': reports.StateRejected, '-': ""}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		var s reports.SubmissionState
		for _, c := range []byte(states[id]) {
			s = state[c]
			in.Year.States[id] = append(in.Year.States[id], s)
		}
		if s == "" {
			s = reports.StateMissing
		}
		in.Units = append(in.Units, reports.UnitReport{Unit: plan.Unit{ID: id, Name: "单位" + id}, State: s})
	}
	return in
}

// TestCompileRanking ranks the units over the months whose deadline is
// over: by the share on time, then the share reported, then fewer late
// reports; equal units share a rank; a unit never asked has none.
func TestCompileRanking(t *testing.T) {
	states := map[string]string{
		"a": "SSSSSS",
		"b": "SSSSLM", // 4 on time, a month late and one missing: behind d and e
		"c": "SSSSSS",
		"d": "SSSSLL",
		"e": "LLSSSS", // as d
		"f": "------", // never asked
		"g": "---SSS", // asked from April on: all on time
	}
	tests := []struct {
		name      string
		generated time.Time
		want      []string // 名次 单位 应报月数 按时 逾期 未报 按时报送率 报送率
		year      []string // 本年累计: label, then 应报 按时 逾期 未报 and the rates
	}{
		{
			name:      "June's deadline is over: six months",
			generated: time.Date(2023, time.July, 17, 10, 0, 0, 0, reportstest.Zone),
			want: []string{
				"1 单位a 6 6 0 0 100.0% 100.0%",
				"1 单位c 6 6 0 0 100.0% 100.0%",
				"1 单位g 3 3 0 0 100.0% 100.0%",
				"4 单位d 6 4 2 0 66.7% 100.0%",
				"4 单位e 6 4 2 0 66.7% 100.0%",
				"6 单位b 6 4 1 1 66.7% 83.3%",
				"— 单位f 0 0 0 0 — —",
			},
			year: []string{"本年累计（1—6月）", "33", "27", "5", "1", "97.0%", "81.8%"},
		},
		{
			name:      "before June's deadline: June is not counted",
			generated: time.Date(2023, time.July, 7, 23, 59, 0, 0, reportstest.Zone),
			want: []string{
				"1 单位a 5 5 0 0 100.0% 100.0%",
				"1 单位c 5 5 0 0 100.0% 100.0%",
				"1 单位g 2 2 0 0 100.0% 100.0%",
				"4 单位b 5 4 1 0 80.0% 100.0%",
				"4 单位d 5 4 1 0 80.0% 100.0%",
				"6 单位e 5 3 2 0 60.0% 100.0%",
				"— 单位f 0 0 0 0 — —",
			},
			year: []string{"本年累计（1—5月）", "27", "23", "4", "0", "100.0%", "85.2%"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := openCompiled(t, compileBytes(t, rankingInput(tc.generated, states)))
			var got []string
			for _, row := range compileSection(t, f, sheetSummary, "六、全年报送及时情况排名")[1:] {
				got = append(got, strings.Join(row, " "))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("排名 =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			counts := compileSection(t, f, sheetSummary, "一、报送情况")
			if year := slices.Delete(slices.Clone(counts[2]), 1, 2); !slices.Equal(year, tc.year) {
				t.Errorf("本年累计 = %q, want %q", year, tc.year)
			}
		})
	}
}

// TestCompileYearFutureMonthsBlank: 全年概览 shows the twelve months of the
// year and leaves blank — no text, no colour — every month whose deadline
// day is not over when the workbook is made; those months are not counted
// in 汇总 or drawn in 图表 either.
func TestCompileYearFutureMonthsBlank(t *testing.T) {
	in := reportstest.CompileYearInput()
	in.GeneratedAt = time.Date(2023, time.July, 3, 10, 0, 0, 0, reportstest.Zone) // June's deadline is July 7
	f := openCompiled(t, compileBytes(t, in))

	rows := compiledRows(t, f, sheetYear)
	months := []string{"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"}
	if got := rows[1][3:]; !slices.Equal(got, months) {
		t.Fatalf("全年概览 months = %q, want %q", got, months)
	}
	checked := 0
	for r, row := range rows[2:] {
		if len(row) < 2 {
			continue
		}
		if _, err := strconv.Atoi(row[0]); err != nil {
			continue // category rows, headings, the legend
		}
		for c := 3; c < 3+12; c++ {
			ref := reports.Cell(c+1, r+3)
			v, _ := f.GetCellValue(sheetYear, ref)
			style, err := f.GetCellStyle(sheetYear, ref)
			if err != nil {
				t.Fatal(err)
			}
			due := c < 3+5 // January to May
			switch {
			case due && v == "":
				t.Errorf("全年概览!%s (row %q, %s) is blank, want January to May filled", ref, row[:2], months[c-3])
			case !due && (v != "" || style != 0):
				t.Errorf("全年概览!%s (row %q, %s) = %q style %d, want blank and unstyled", ref, row[:2], months[c-3], v, style)
			}
			checked++
		}
	}
	if want := 12 * (18 + 5); checked != want {
		t.Errorf("checked %d month cells, want %d (18 tasks and 5 units × 12 months)", checked, want)
	}

	counts := compileSection(t, f, sheetSummary, "一、报送情况")
	if got, want := counts[2][:6], []string{"本年累计（1—5月）", "", "25", "21", "4", "0"}; !slices.Equal(got, want) {
		t.Errorf("汇总 本年累计 = %q, want %q (January to May only)", got, want)
	}
	var chartMonths []string
	for _, row := range compileSection(t, f, sheetCharts, "图表数据：各月报送时效")[1:] {
		chartMonths = append(chartMonths, row[0])
	}
	if !slices.Equal(chartMonths, months[:5]) {
		t.Errorf("图表 months = %q, want %q", chartMonths, months[:5])
	}
}

// TestCompileNothingDueYet: compiled before the first deadline of the year,
// the workbook counts no month, ranks nobody and draws no month.
func TestCompileNothingDueYet(t *testing.T) {
	in := reportstest.CompileInput()
	in.GeneratedAt = in.Deadline.Add(-time.Hour)
	data := compileBytes(t, in)
	f := openCompiled(t, data)
	counts := compileSection(t, f, sheetSummary, "一、报送情况")
	if got, want := counts[2][:6], []string{"本年累计（尚无报送截止日已过的月份）", "", "0", "0", "0", "0"}; !slices.Equal(got, want) {
		t.Errorf("汇总 本年累计 = %q, want %q", got, want)
	}
	if got := compileSection(t, f, sheetSummary, "六、全年报送及时情况排名"); len(got) != 2 || got[1][0] != "尚无报送截止日已过的月份" {
		t.Errorf("汇总 排名 = %q, want its header and 尚无报送截止日已过的月份", got)
	}
	if charts := compileSheetChartParts(t, testtools.ZipParts(t, data), sheetCharts); len(charts) != 1 {
		t.Errorf("图表 shows %d charts, want only the one of the categories", len(charts))
	}
}
