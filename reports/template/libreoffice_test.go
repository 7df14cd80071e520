package template_test

import (
	"cmp"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/reports/template"
)

// seedInput is 市发展改革委's May template as the example configuration
// makes it: the seed plan's texts and numbering, tasks of three categories,
// co-units, the indicators of task 3 (one asked for its total before May),
// last month's progress — for task 3 too long for one row — and the
// contact of April's report.
func seedInput() reports.TemplateInput {
	units := []plan.Unit{
		{ID: "fgw", Name: "市发展改革委"}, {ID: "jtj", Name: "市交通运输局"}, {ID: "kjj", Name: "市科技局"},
		{ID: "jxj", Name: "市经济和信息化局"}, {ID: "swj", Name: "市商务局"}, {ID: "zrzyj", Name: "市自然资源和规划局"},
		{ID: "sjj", Name: "市数据资源局"}, {ID: "sthjj", Name: "市生态环境局"},
	}
	tasks := []plan.Task{
		{ID: "T01", Category: "C1", Title: "加快规划报批实施", CoUnits: []string{"zrzyj"},
			Requirement: "《*都市圈发展规划》报经省政府同意后，配合省发改委按程序上报国家发改委，争取早日获批实施。"},
		{ID: "T02", Category: "C1", Title: "深化重大课题研究", CoUnits: []string{"jxj", "kjj"},
			Requirement: "结合圈内城市产业和要素禀赋的差异性、互补性，开展圈内城市互补合作专项课题研究。围绕都市圈重点发展方向，完成合六同城化发展顶层设计前期研究。"},
		{ID: "T03", Category: "C1", Title: "推进合作专题落实", CoUnits: []string{"jtj", "kjj", "jxj", "swj"},
			Requirement: "围绕工业、交通基础设施、科技创新等11个合作专题，各牵头责任单位组织至少1次圈内城市对口部门联席会，开展2—3次合作交流活动。完善信息报送制度，牵头责任单位每月向都市圈办公室报送1次合作专题推进情况。"},
		{ID: "T10", Category: "C3", Title: "推动现代服务业协同联动", CoUnits: []string{"swj", "jtj", "sjj"},
			Requirement: "实施服务业锻长补短行动，聚焦十大重点行业，发挥*引领作用，推动都市圈服务业协同联动。发挥市大物流体系建设领导小组统筹作用，" +
				"以国家物流枢纽和国际航空货运集散中心建设为引领，密切与都市圈城市综合立体物流通道网络联系。争创国家现代流通战略支点城市、" +
				"国家综合货运枢纽补链强链城市和生产服务型国家物流枢纽。推进*数字经济和线上经济创新发展试验区建设，加快发展数据要素市场。" +
				"鼓励我市品牌连锁商贸流通企业在圈内城市连锁发展。"},
		{ID: "T16", Category: "C5", Title: "推进碳达峰碳中和", CoUnits: []string{"jxj", "sthjj"},
			Requirement: "有计划分步骤推动实施碳达峰行动，完善能源消耗总量和强度调控，体现控制在先。推动企业对标行业能效标杆水平实施节能改造升级，" +
				"坚决遏制“两高”项目盲目发展。推进煤炭消费有序减量替代。"},
	}
	// The other units' tasks, so that each keeps the seed's number.
	var all []plan.Task
	for n := 1; n <= 16; n++ {
		id := fmt.Sprintf("T%02d", n)
		i := slices.IndexFunc(tasks, func(t plan.Task) bool { return t.ID == id })
		if i < 0 {
			all = append(all, plan.Task{ID: id, Category: "C2", Title: "其他单位的任务", Lead: "jtj"})
			continue
		}
		tasks[i].Lead = "fgw"
		all = append(all, tasks[i])
	}
	tasks = all
	p := &plan.Plan{
		Title: reportstest.PlanTitle, Year: 2023, Units: units, Tasks: tasks,
		Categories: []plan.Category{
			{ID: "C1", Name: "推进规划统筹一体化"}, {ID: "C2", Name: "推进基础设施一体化"}, {ID: "C3", Name: "推进产业协同一体化"},
			{ID: "C4", Name: "推进科创协同一体化"}, {ID: "C5", Name: "推进生态治理一体化"},
		},
		Indicators: []plan.Indicator{
			{TaskID: "T03", Name: "对口部门联席会", Unit: "次", Min: 1, PerMonthMax: 1},
			{TaskID: "T03", Name: "合作交流活动", Unit: "次", Min: 2, Max: 3, PerMonthMax: 1},
		},
	}
	p.Freeze()
	var lines []string
	for _, topic := range []string{"工业", "交通基础设施", "科技创新", "商贸流通", "文化旅游", "生态环境", "公共服务", "金融合作", "人才交流", "农业合作", "开放合作"} {
		lines = append(lines, topic+"专题：4月与圈内城市对口部门召开工作对接会，梳理年度合作事项清单，明确责任分工和时间节点，"+
			"推动已签约合作项目按计划实施，协调解决项目推进中的用地、资金等问题。")
	}
	previous := map[string]plan.Answer{
		"T01": {TaskID: "T01", Progress: "4月配合省发改委完成规划文本修改完善，已按程序上报。"},
		"T03": {TaskID: "T03", Progress: strings.Join(lines, "\n") + "（完）"},
		"T10": {TaskID: "T10", Progress: "4月召开市大物流体系建设领导小组会议，部署国家物流枢纽建设重点任务；推进数字经济和线上经济创新发展试验区建设，制定数据要素市场培育方案。"},
	}
	var mine []plan.Task
	for _, t := range tasks {
		if t.Lead == "fgw" {
			mine = append(mine, t)
		}
	}
	return reports.TemplateInput{
		Plan: p, Period: plan.Period{Year: 2023, Month: time.May}, Unit: units[0], Tasks: mine,
		Deadline: time.Date(2023, time.June, 7, 0, 0, 0, 0, time.UTC), Previous: previous, Secret: reportstest.Secret,
		Indicators: []reports.IndicatorLine{
			{Indicator: p.Indicators[0], Before: 1},
			{Indicator: p.Indicators[1], Ask: true},
		},
		Contact: "张伟", Phone: "0551-63500201",
	}
}

// squeezed drops the white space pdftotext puts into text it extracts
// (line breaks, and spaces between Chinese and digits).
func squeezed(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestTemplateInLibreOffice has a real spreadsheet application re-save a
// template with long texts and print the re-saved file to PDF: the
// re-saved workbook reads as it was sent (task keys, numbers, contact), its
// rows keep their heights, and every text of the form is printed whole —
// none cut by a row too low for it. With -update the first page is written
// to docs/office/template-page-1.png, where README shows it.
func TestTemplateInLibreOffice(t *testing.T) {
	testtools.Soffice(t)
	pdftotext, pdftoppm := testtools.Poppler(t, "pdftotext"), testtools.Poppler(t, "pdftoppm")
	in := seedInput()
	data := reportstest.Build(t, in)
	dir := t.TempDir()
	src := filepath.Join(dir, "市发展改革委-2023年5月推进情况.xlsx")
	reportstest.Must(t, os.WriteFile(src, data, 0o644))
	resavedPath := testtools.Convert(t, src, "xlsx")
	resaved, err := os.ReadFile(resavedPath)
	reportstest.Must(t, err)

	// What the reader finds is what was sent.
	r := reader.Parse(resaved, reports.Limits{})
	if r.Fatal || len(r.Problems) > 0 || r.Meta.Version != reports.TemplateVersion {
		t.Fatalf("Parse(re-saved) fatal %v problems %v version %q", r.Fatal, r.Problems, r.Meta.Version)
	}
	var keys []string
	for _, row := range r.Rows {
		keys = append(keys, row.Answer.TaskID)
	}
	if got, want := strings.Join(keys, " "), "T01 T02 T03 T10 T16"; got != want {
		t.Errorf("task keys after LibreOffice = %s, want %s", got, want)
	}
	if r.Contact != in.Contact || r.Phone != in.Phone || len(r.Counts) != 2 || r.Counts[0].Before != "1" || r.Counts[1].Before != "" {
		t.Errorf("after LibreOffice: contact %q phone %q counts %+v", r.Contact, r.Phone, r.Counts)
	}
	layout := template.LayoutOf(in)
	f := reportstest.Open(t, resaved)
	defer f.Close()
	orig := reportstest.Open(t, data)
	defer orig.Close()
	for row := reports.FirstRow; row <= layout.LastTask; row++ {
		want, _ := orig.GetRowHeight(reports.SheetForm, row)
		if got, _ := f.GetRowHeight(reports.SheetForm, row); got < want-0.5 {
			t.Errorf("row %d after LibreOffice is %gpt high, was %gpt", row, got, want)
		}
		if number, _ := f.GetCellValue(reports.SheetForm, reports.Cell(1, row)); row == layout.Tasks["T10"] && number != "10" {
			t.Errorf("task T10 shows number %q, want the plan's 10", number)
		}
	}

	// Printed from the re-saved file: every text of the form whole, each
	// cell's in its column, the one-line texts across the page anywhere.
	pdf := testtools.Convert(t, resavedPath, "pdf")
	printed := squeezed(string(testtools.Run(t, pdftotext, pdf, "-")))
	columns := printedColumns(t, testtools.Run(t, pdftotext, "-bbox", pdf, "-"))
	merged := map[string]bool{} // cells of a merged range, but its first
	merges, err := orig.GetMergeCells(reports.SheetForm)
	reportstest.Must(t, err)
	for _, m := range merges {
		c0, r0, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
		c1, r1, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				merged[reports.Cell(c, r)] = c != c0 || r != r0
			}
		}
	}
	var texts []string // printed on a line of their own
	for row := reports.TitleRow; row <= layout.Foot; row++ {
		for col := 1; col <= reports.KeyCol-1; col++ {
			cell := reports.Cell(col, row)
			v, _ := orig.GetCellValue(reports.SheetForm, cell)
			if v == "" || merged[cell] {
				continue
			}
			if _, spans := merged[cell]; !spans && row > reports.HeaderRow && row <= layout.Indicators[len(layout.Indicators)-1] {
				if !strings.Contains(columns[col-1], squeezed(v)) {
					t.Errorf("the printed form lacks %s's %q in its column", reports.Cell(col, row), v)
				}
				continue
			}
			texts = append(texts, v)
		}
	}
	for _, want := range append(texts, "（完）") {
		if !strings.Contains(printed, squeezed(want)) {
			t.Errorf("the printed form lacks %q", want)
		}
	}
	if strings.Contains(printed, "T03") || strings.Contains(printed, reports.HeaderTaskID) {
		t.Errorf("the printed form shows the column of task keys: it is to be hidden")
	}
	if t.Failed() {
		t.Logf("printed:\n%s", testtools.Run(t, pdftotext, "-layout", pdf, "-"))
	}

	testtools.Run(t, pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(dir, "page"))
	page := filepath.Join("..", "..", "docs", "office", "template-page-1.png")
	if !testtools.Update() {
		if _, err := os.Stat(page); err != nil {
			t.Errorf("%s is missing (run the test with -update)", page)
		}
		return
	}
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	reportstest.Must(t, err)
	reportstest.Must(t, os.WriteFile(page, png, 0o644))
}

// pdfWord is a word pdftotext -bbox found: its page, place and text.
type pdfWord struct {
	page int
	x, y float64 // the middle of its left to right, its top
	text string
}

var (
	pdfPage   = regexp.MustCompile(`<page `)
	pdfWordRe = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>`)
)

// printedColumns reads pdftotext -bbox's words and returns, for each
// visible column of the form (A to LastCol), its words from the header row
// down, page after page, as one text without white space. The columns are
// placed from where the header row prints 序号 and 下步计划, in proportion
// to their widths.
func printedColumns(t *testing.T, bbox []byte) []string {
	t.Helper()
	var words []pdfWord
	page := 0
	for _, chunk := range pdfPage.Split(string(bbox), -1)[1:] {
		page++
		for _, m := range pdfWordRe.FindAllStringSubmatch(chunk, -1) {
			x0, _ := strconv.ParseFloat(m[1], 64)
			y, _ := strconv.ParseFloat(m[2], 64)
			x1, _ := strconv.ParseFloat(m[3], 64)
			words = append(words, pdfWord{page: page, x: (x0 + x1) / 2, y: y, text: html.UnescapeString(m[4])})
		}
	}
	widths := []float64{6, 18, 50, 14, 36, 40, 12, 28, 28} // the template's, A to I
	var first, last *pdfWord
	for i := range words {
		switch {
		case first == nil && words[i].text == reports.HeaderSeq:
			first = &words[i]
		case last == nil && words[i].text == reports.HeaderNextSteps:
			last = &words[i]
		}
	}
	if first == nil || last == nil {
		t.Fatalf("the printed form has no header row (序号 … 下步计划)")
	}
	// x = a + b·u, u in column width units from A's left edge.
	u0, u1 := widths[0]/2, 0.0
	for _, w := range widths[:len(widths)-1] {
		u1 += w
	}
	u1 += widths[len(widths)-1] / 2
	b := (last.x - first.x) / (u1 - u0)
	a := first.x - b*u0
	slices.SortStableFunc(words, func(p, q pdfWord) int {
		if p.page != q.page {
			return p.page - q.page
		}
		return cmp.Compare(p.y, q.y)
	})
	out := make([]string, len(widths))
	for _, w := range words {
		if w.page == first.page && w.y < first.y {
			continue // above the table
		}
		edge := a
		for col, width := range widths {
			edge += b * width
			if w.x < edge {
				out[col] += squeezed(w.text)
				break
			}
		}
	}
	return out
}
