// Package reportstest holds what the tests of reports' packages share: the
// test plan and its template inputs, the inputs of the consolidated
// workbook, helpers that edit a workbook as a unit would, and what golden
// dumps read of a workbook (its zip parts, a style's fill and borders).
package reportstest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/template"
)

// PlanTitle is the title of the test plan.
const PlanTitle = "2023年推进都市圈一体化建设工作要点"

// Secret signs the metadata of the test templates.
var Secret = []byte("test-secret")

// Units are the units of the test plan.
var Units = []plan.Unit{
	{ID: "jtj", Name: "市交通运输局"},
	{ID: "fgw", Name: "市发展改革委"},
}

// Tasks returns n tasks led by jtj, with requirements of the seed's
// length and style.
func Tasks(n int) []plan.Task {
	base := []plan.Task{
		{ID: "T05", Title: "推进交通基础设施互联互通", Requirement: "加快推进都市圈城际铁路、高速公路建设，" +
			"推动**至**城际铁路开工建设，完成**高速公路改扩建工程前期工作；" +
			"优化都市圈公交线路，年内新开通跨市公交线路2条以上。"},
		{ID: "T06", Title: "推动交通运输服务一体化", Requirement: "推进都市圈交通“一卡通”互联互通，" +
			"实现公交、地铁“一码通乘”。\n加强运输服务标准对接。"},
		{ID: "T07", Title: "深化港航合作", Requirement: "推动**港与**港开展合作，共同开辟内贸航线。"},
		{ID: "T08", Title: "推进物流枢纽建设", Requirement: "建设国家物流枢纽，培育多式联运示范工程。"},
		{ID: "T09", Title: "推进智慧交通建设", Requirement: "推动交通数据共享，建设都市圈综合交通信息平台。"},
	}
	var out []plan.Task
	for i := range n {
		t := base[i%len(base)]
		if i >= len(base) {
			t.ID = fmt.Sprintf("T%02d", 5+i)
		}
		t.Category, t.Lead = "C2", "jtj"
		out = append(out, t)
	}
	return out
}

// Plan is a plan holding the given tasks and the test units.
func Plan(tasks []plan.Task) *plan.Plan {
	return &plan.Plan{
		Title:      PlanTitle,
		Year:       2023,
		Categories: []plan.Category{{ID: "C2", Name: "推进基础设施一体化"}},
		Tasks:      tasks,
		Units:      Units,
	}
}

// Input is the template input for jtj, period 2023-05, with n tasks
// and last month's progress carried forward for the first.
func Input(n int) reports.TemplateInput {
	tasks := Tasks(n)
	return reports.TemplateInput{
		Plan:     Plan(tasks),
		Period:   plan.Period{Year: 2023, Month: time.May},
		Unit:     Units[0],
		Tasks:    tasks,
		Deadline: time.Date(2023, time.June, 7, 0, 0, 0, 0, time.UTC),
		Previous: map[string]plan.Answer{
			tasks[0].ID: {TaskID: tasks[0].ID, Progress: "4月完成城际铁路可研批复。", Status: plan.StatusOnTrack},
		},
		Secret: Secret,
	}
}

// Build builds a template and fails the test on error.
func Build(t testing.TB, in reports.TemplateInput) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := template.BuildTemplate(&buf, in); err != nil {
		t.Fatalf("BuildTemplate: %v", err)
	}
	return buf.Bytes()
}

// Layout is where in's template puts its rows: for Input(n), the
// category's heading on row 6, the tasks from row 7, the foot two rows
// below the last.
func Layout(in reports.TemplateInput) template.Layout { return template.LayoutOf(in) }

// FootCell names the cell of a foot label (reports.FootLabels) in in's
// template.
func FootCell(in reports.TemplateInput, label string) string {
	return reports.FootCell(label, Layout(in).Foot)
}

// TaskRows finds the row of each task in an open template by its key, in
// the hidden column of task keys (reports.KeyCol), below the header.
func TaskRows(t testing.TB, f *excelize.File) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i, v := range column(t, f, reports.KeyCol) {
		if i+1 > reports.HeaderRow && v != "" {
			if _, dup := out[v]; !dup {
				out[v] = i + 1
			}
		}
	}
	return out
}

// FootRow finds the foot's row in an open template: column B holds the
// label 填报人; 0 when it is not there.
func FootRow(t testing.TB, f *excelize.File) int {
	t.Helper()
	for i, v := range column(t, f, 2) {
		if i+1 > reports.HeaderRow && strings.HasPrefix(v, reports.LabelContact) {
			return i + 1
		}
	}
	return 0
}

// column reads the form sheet's column n (1-based) from its first row.
func column(t testing.TB, f *excelize.File, n int) []string {
	t.Helper()
	cols, err := f.GetCols(reports.SheetForm, excelize.Options{RawCellValue: true}) // the keys' format shows nothing
	if err != nil {
		t.Fatal(err)
	}
	if n > len(cols) {
		return nil
	}
	return cols[n-1]
}

// ExtIndicators are the indicators of ExtInput: two of T05, one of T07.
var ExtIndicators = []reports.IndicatorLine{
	{Indicator: plan.Indicator{TaskID: "T05", Name: "对口部门联席会", Unit: "次", Min: 1}, Before: 1},
	{Indicator: plan.Indicator{TaskID: "T05", Name: "合作交流活动", Unit: "次", Min: 2, Max: 3}, Before: 0},
	{Indicator: plan.Indicator{TaskID: "T07", Name: "新开内贸航线", Unit: "条", Min: 2, PerMonthMax: 1}, Before: 12},
}

// ExtInput is Input(3) with T06 closed in March and indicators for
// T05 and T07: the category's heading on row 6, tasks on rows 7–9, the
// indicator section's title on row 11, its header on row 12, the
// indicators on rows 13–15, the foot on row 17.
func ExtInput() reports.TemplateInput {
	in := Input(3)
	in.Closed = map[string]reports.Closure{
		"T06": {Period: plan.Period{Year: 2023, Month: time.March}, Note: "已完成", At: time.Date(2023, 4, 10, 0, 0, 0, 0, time.UTC)},
	}
	in.Indicators = ExtIndicators
	return in
}

// Open opens workbook bytes for editing.
func Open(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("opening workbook: %v", err)
	}
	return f
}

// Save writes an edited workbook back to bytes and closes it.
func Save(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	defer f.Close()
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatalf("saving workbook: %v", err)
	}
	return buf.Bytes()
}

// Must fails the test on an editing error.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Zone stands in for Asia/Shanghai without needing tzdata.
var Zone = time.FixedZone("CST", 8*3600)

// CompileInput is a realistic period: 3 categories × 6 tasks, 5 lead
// units — one on time, one late, one missing, one with only rejected files,
// one reporting tasks behind schedule with problems — compiled the day after
// the deadline. The units that did not report on time were chased; the
// missing and the rejected one gave no contact, so their configured one
// stands.
func CompileInput() reports.CompileInput {
	contact := func(name, email string) []plan.Contact { return []plan.Contact{{Name: name, Email: email}} }
	units := []plan.Unit{
		{ID: "fgw", Name: "市发展改革委", Contacts: contact("张三", "zhangsan@fgw.metro.example")},
		{ID: "jtj", Name: "市交通运输局", Contacts: contact("李四", "lisi@jtj.metro.example")},
		{ID: "kjj", Name: "市科技局", Contacts: contact("王五", "wangwu@kjj.metro.example")},
		{ID: "jxj", Name: "市经济和信息化局", Contacts: contact("赵六", "zhaoliu@jxj.metro.example")},
		{ID: "zgj", Name: "市自然资源和规划局", Contacts: contact("孙七", "sunqi@zgj.metro.example")},
	}
	p := &plan.Plan{
		Title: "2023年推进都市圈一体化建设工作要点",
		Year:  2023,
		Categories: []plan.Category{
			{ID: "C1", Name: "一、推进规划统筹一体化"}, // numbered in config: renumbered anyway
			{ID: "C2", Name: "推进基础设施一体化"},
			{ID: "C3", Name: "推进产业协同一体化"},
		},
		Units: units,
	}
	titles := []string{
		"加快规划报批实施", "深化重大课题研究", "推进合作专题落实", "优化轨道交通布局", "织密高速通道网络", "完善航空枢纽功能",
		"提高水运通江能力", "完善能源保障体系", "推进新型基础设施建设", "强化交通运输协同", "推动重点产业协同发展", "共建产业合作园区",
		"协同推进科技创新", "共建创新平台载体", "推动数字经济发展", "促进要素市场一体化", "优化营商环境", "加强招商引资合作",
	}
	leads := []string{"fgw", "fgw", "fgw", "jtj", "jtj", "jtj", "zgj", "zgj", "kjj", "jtj", "jxj", "jxj", "kjj", "kjj", "jxj", "fgw", "zgj", "zgj"}
	for i, title := range titles {
		p.Tasks = append(p.Tasks, plan.Task{
			ID:       fmt.Sprintf("T%02d", i+1),
			Category: fmt.Sprintf("C%d", i/6+1),
			Title:    title,
			Lead:     leads[i],
		})
	}
	answers := func(unit string, status func(i int) plan.Status, issues func(i int) string) map[string]plan.Answer {
		out := map[string]plan.Answer{}
		for i, t := range p.Tasks {
			if t.Lead != unit {
				continue
			}
			out[t.ID] = plan.Answer{
				TaskID:    t.ID,
				Progress:  fmt.Sprintf("本月%s工作有序推进，召开专题会议1次，完成阶段目标。", t.Title),
				Status:    status(i),
				Issues:    issues(i),
				NextSteps: "下月继续加强协调，按计划推进。",
			}
		}
		return out
	}
	return reports.CompileInput{
		Plan:        p,
		Period:      plan.Period{Year: 2023, Month: time.May},
		Deadline:    time.Date(2023, time.June, 7, 0, 0, 0, 0, Zone),
		GeneratedAt: time.Date(2023, time.June, 8, 10, 0, 0, 0, Zone),
		Version:     2,
		Chases:      map[string]int{"jtj": 1, "kjj": 2, "jxj": 2},
		Units: []reports.UnitReport{
			{
				Unit: units[0], State: reports.StateSubmitted, Versions: 1, Contact: "张三", Phone: "0551-12345678",
				SubmittedAt: time.Date(2023, time.June, 5, 8, 30, 0, 0, time.UTC), // 16:30 in the office's zone
				Answers: answers("fgw", func(i int) plan.Status {
					if i == 0 {
						return plan.StatusDone
					}
					return plan.StatusOnTrack
				}, func(i int) string {
					if i == 2 {
						return "无" // says there is none: not a problem to list
					}
					return ""
				}),
			},
			{
				Unit: units[1], State: reports.StateLate, Versions: 2, Rejected: 1, Contact: "李四", Phone: "13800000000",
				SubmittedAt: time.Date(2023, time.June, 8, 9, 12, 0, 0, Zone),
				Answers: answers("jtj", func(i int) plan.Status {
					if i == 9 {
						return plan.StatusNotStarted
					}
					return plan.StatusOnTrack
				}, func(i int) string {
					if i == 5 {
						return "航站楼改扩建工程用地指标尚未落实。"
					}
					return ""
				}),
			},
			{Unit: units[2], State: reports.StateMissing},
			{Unit: units[3], State: reports.StateRejected, Rejected: 2},
			{
				Unit: units[4], State: reports.StateSubmitted, Versions: 1, Contact: "孙七", Phone: "0551-33334444",
				SubmittedAt: time.Date(2023, time.June, 6, 11, 5, 0, 0, Zone),
				Answers: answers("zgj", func(i int) plan.Status {
					if i == 6 || i == 17 {
						return plan.StatusBehind
					}
					return plan.StatusOnTrack
				}, func(i int) string {
					switch i {
					case 6:
						return "航道整治工程环评批复滞后，影响开工。"
					case 17:
						return "招商项目落地用地保障不足。"
					}
					return ""
				}),
			},
		},
	}
}

// yearStatuses are the statuses each task of CompileInput's plan
// reported from January to June 2023, one letter a month: S 序时推进,
// D 已完成, B 滞后, N 未启动, - nothing (not reported, or closed).
var yearStatuses = map[string]string{
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

// yearStates are each lead unit's submissions from January to June:
// S on time, L late, M missing, R only rejected files.
var yearStates = map[string]string{
	"fgw": "SSSSSS",
	"jtj": "SSLSSL",
	"kjj": "SLSLSM",
	"jxj": "SSSLSR",
	"zgj": "SSSSSS",
}

// CompileYearInput is CompileInput's plan over January to June 2023,
// compiled for June ten days after the deadline: every optional field set —
// colours by plan's own rules, last month's answers, a task closed out, a
// year of statuses and submissions, indicators of task 3 (and one of a unit
// that did not report), and three extensions: refused, pending and granted.
func CompileYearInput() reports.CompileInput {
	in := CompileInput()
	p := in.Plan
	june := plan.Period{Year: 2023, Month: time.June}
	in.Period, in.Version = june, 3
	in.Deadline = time.Date(2023, time.July, 7, 0, 0, 0, 0, Zone)
	in.GeneratedAt = time.Date(2023, time.July, 17, 10, 0, 0, 0, Zone)
	rules := plan.DefaultColorRules()

	status := map[byte]plan.Status{'S': plan.StatusOnTrack, 'D': plan.StatusDone, 'B': plan.StatusBehind, 'N': plan.StatusNotStarted}
	state := map[byte]reports.SubmissionState{'S': reports.StateSubmitted, 'L': reports.StateLate, 'M': reports.StateMissing, 'R': reports.StateRejected}
	in.Year = reports.YearView{
		Tasks: map[string][]plan.Color{}, Statuses: map[string][]plan.Status{},
		Units: map[string][]plan.Color{}, States: map[string][]reports.SubmissionState{},
	}
	for m := time.January; m <= time.June; m++ {
		in.Year.Months = append(in.Year.Months, plan.Period{Year: 2023, Month: m})
		// The 5th working day of the month after, near enough.
		in.Year.Deadlines = append(in.Year.Deadlines, time.Date(2023, m+1, 7, 0, 0, 0, 0, Zone))
	}
	juneProgress := map[string]plan.Warning{} // each task's progress warning in June
	for _, t := range p.Tasks {
		var prev plan.Status
		for i, c := range []byte(yearStatuses[t.ID]) {
			s := status[c]
			w := plan.ProgressWarning(in.Year.Months[i], s, prev, rules)
			in.Year.Statuses[t.ID] = append(in.Year.Statuses[t.ID], s)
			in.Year.Tasks[t.ID] = append(in.Year.Tasks[t.ID], w.Color)
			juneProgress[t.ID] = w
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
	indicators := map[string][]plan.Warning{}
	for i, ind := range p.Indicators {
		c := counts[i]
		w := plan.IndicatorWarning(ind, june, c.total)
		in.Indicators = append(in.Indicators, reports.IndicatorProgress{
			Indicator: ind, ThisMonth: c.thisMonth, Reported: c.reported, YearToDate: c.total,
			Expected: plan.IndicatorExpected(ind, june), Color: w.Color,
		})
		indicators[ind.TaskID] = append(indicators[ind.TaskID], w)
	}
	in.Progress, in.Reasons = map[string]plan.Color{}, map[string]string{}
	for _, t := range p.Tasks {
		w := plan.TaskWarning(juneProgress[t.ID], indicators[t.ID]...)
		in.Year.Tasks[t.ID][5] = w.Color
		if w.Color != plan.ColorNone {
			in.Progress[t.ID] = w.Color
		}
		if w.Reason != "" {
			in.Reasons[t.ID] = w.Reason
		}
	}
	in.Closed = map[string]reports.Closure{
		"T01": {Period: plan.Period{Year: 2023, Month: time.April}, Note: "规划已获批复", At: time.Date(2023, time.May, 10, 9, 0, 0, 0, Zone)},
	}

	// Timeliness at GeneratedAt: jtj sent late (黄), kjj nothing six working
	// days after the deadline (红), jxj only a rejected file but an
	// extension to tomorrow (蓝).
	timeliness := map[string]plan.Color{"jtj": plan.ColorYellow, "kjj": plan.ColorRed, "jxj": plan.ColorBlue}
	in.Timeliness = timeliness
	for id, states := range yearStates {
		for i, c := range []byte(states) {
			s := state[c]
			in.Year.States[id] = append(in.Year.States[id], s)
			var color plan.Color
			switch {
			case i == 5:
				color = timeliness[id]
			case s == reports.StateLate:
				color = plan.ColorYellow
			case s == reports.StateMissing || s == reports.StateRejected:
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
			u.SubmittedAt = time.Date(2023, time.July, 5, 16, 30, 0, 0, Zone)
		case "jtj":
			u.State, u.SubmittedAt, u.Versions, u.Rejected = reports.StateLate, time.Date(2023, time.July, 12, 9, 12, 0, 0, Zone), 1, 0
			u.Extension = reports.Extension{
				Requested: time.Date(2023, time.July, 14, 0, 0, 0, 0, Zone), Reason: "数据汇总需时",
				Decision: reports.ExtensionRefused, Note: "截止前未提出申请",
			}
		case "kjj":
			u.Extension = reports.Extension{
				Requested: time.Date(2023, time.July, 20, 0, 0, 0, 0, Zone),
				Reason:    "科技合作项目数据需与省科技厅核对",
			}
		case "jxj":
			u.Extension = reports.Extension{
				Requested: time.Date(2023, time.July, 18, 0, 0, 0, 0, Zone), Reason: "主要负责同志出差，材料待审签",
				Decision: reports.ExtensionGranted, Until: time.Date(2023, time.July, 18, 0, 0, 0, 0, Zone),
			}
		case "zgj":
			u.SubmittedAt = time.Date(2023, time.July, 6, 11, 5, 0, 0, Zone)
		}
		if !u.Accepted() {
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
