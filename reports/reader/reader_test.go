package reader

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/internal/reportstest"
)

// tFilled is what a test unit types into its template.
type tFilled struct {
	contact, phone string
	answers        []plan.Answer // in template order
}

// tDefaultFill answers every task of the input, with texts that look like
// formulas and statuses of every kind.
func tDefaultFill(in reports.TemplateInput) tFilled {
	fill := tFilled{contact: "张三", phone: "0571-87654321"}
	statuses := plan.Statuses
	for i, t := range in.Tasks {
		fill.answers = append(fill.answers, plan.Answer{
			TaskID:    t.ID,
			Progress:  fmt.Sprintf("%s：本月完成第%d阶段工作。\n二是推进项目前期。", t.Title, i+1),
			Status:    statuses[i%len(statuses)],
			Issues:    []string{"无", "=资金缺口", "-用地指标紧张", "@待协调"}[i%4],
			NextSteps: fmt.Sprintf("+下月完成第%d阶段。", i+2),
		})
	}
	return fill
}

// tFill types fill into a fresh template, the way a unit does in Excel:
// string cells in the contact cells and the four answer columns.
func tFill(t testing.TB, template []byte, fill tFilled) []byte {
	t.Helper()
	f := reportstest.Open(t, template)
	tFillFile(t, f, fill)
	return reportstest.Save(t, f)
}

func tFillFile(t testing.TB, f *excelize.File, fill tFilled) {
	t.Helper()
	foot := reportstest.FootRow(t, f)
	reportstest.Must(t, f.SetCellValue(reports.SheetForm, reports.FootCell(reports.LabelContact, foot), fill.contact))
	reportstest.Must(t, f.SetCellValue(reports.SheetForm, reports.FootCell(reports.LabelPhone, foot), fill.phone))
	rows := reportstest.TaskRows(t, f)
	for _, a := range fill.answers {
		row, ok := rows[a.TaskID]
		if !ok {
			t.Fatalf("template has no row for task %q", a.TaskID)
		}
		for col, v := range map[string]string{"F": a.Progress, "G": string(a.Status), "H": a.Issues, "I": a.NextSteps} {
			if v != "" {
				reportstest.Must(t, f.SetCellValue(reports.SheetForm, fmt.Sprintf("%s%d", col, row), v))
			}
		}
	}
}

// tAnswersByTask indexes answers by task id.
func tAnswersByTask(as []plan.Answer) map[string]plan.Answer {
	out := map[string]plan.Answer{}
	for _, a := range as {
		out[a.TaskID] = a
	}
	return out
}

// tExpect is the expectation matching reportstest.Input.
func tExpect(in reports.TemplateInput) Expectation {
	names := map[string]string{}
	for _, u := range reportstest.Units {
		names[u.ID] = u.Name
	}
	numbers := map[string]int{}
	for _, t := range in.Tasks {
		numbers[t.ID] = in.Plan.TaskNumber(t.ID)
	}
	return Expectation{
		PlanTitle: in.Plan.Title, Period: in.Period, Unit: in.Unit, Tasks: in.Tasks,
		Secret: in.Secret, Limits: reports.Limits{MaxTextChars: 2000}, UnitNames: names, TaskNumbers: numbers,
	}
}

// tInlineStrings rewrites every shared-string cell of every worksheet as an
// inline string, rich text included, as some producers write them.
func tInlineStrings(t testing.TB, data []byte) []byte {
	t.Helper()
	cellRe := regexp.MustCompile(`<c ([^>]*?)t="s"([^>]*)><v>(\d+)</v></c>`)
	converted := 0
	var items []string
	for _, m := range regexp.MustCompile(`(?s)<si>(.*?)</si>`).FindAllSubmatch(testtools.ZipPart(t, data, "xl/sharedStrings.xml"), -1) {
		items = append(items, string(m[1]))
	}
	out := testtools.RewriteZip(t, data, func(name string, b []byte) []byte {
		if !strings.HasPrefix(name, "xl/worksheets/sheet") {
			return nil
		}
		b = cellRe.ReplaceAllFunc(b, func(c []byte) []byte {
			m := cellRe.FindSubmatch(c)
			var idx int
			fmt.Sscan(string(m[3]), &idx)
			converted++
			return []byte(fmt.Sprintf(`<c %st="inlineStr"%s><is>%s</is></c>`, m[1], m[2], items[idx]))
		})
		if bytes.Contains(b, []byte(`t="s"`)) {
			t.Fatalf("%s still has shared-string cells", name)
		}
		return b
	})
	if converted == 0 {
		t.Fatal("no shared-string cells converted")
	}
	return out
}

// tCacheFormula gives the formula cell ref of the form sheet the cached
// value v, as Excel writes it (excelize drops cached values on save).
func tCacheFormula(t testing.TB, data []byte, ref, v string) []byte {
	t.Helper()
	re := regexp.MustCompile(`(<c r="` + ref + `"[^>]*><f>[^<]*</f>)(</c>)`)
	done := false
	out := testtools.RewriteZip(t, data, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" || !re.Match(b) {
			return nil
		}
		done = true
		return re.ReplaceAll(b, []byte("${1}<v>"+v+"</v>${2}"))
	})
	if !done {
		t.Fatalf("no formula cell %s to cache", ref)
	}
	return out
}

// tSwapColumns swaps two columns' contents from the header row to last.
func tSwapColumns(t testing.TB, f *excelize.File, a, b string, last int) {
	t.Helper()
	for r := reports.HeaderRow; r <= last; r++ {
		ca, cb := fmt.Sprintf("%s%d", a, r), fmt.Sprintf("%s%d", b, r)
		va, _ := f.GetCellValue(reports.SheetForm, ca, excelize.Options{RawCellValue: true})
		vb, _ := f.GetCellValue(reports.SheetForm, cb, excelize.Options{RawCellValue: true})
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, ca, vb))
		reportstest.Must(t, f.SetCellStr(reports.SheetForm, cb, va))
	}
}

func TestRoundTrip(t *testing.T) {
	in := reportstest.Input(5) // the category's heading on row 6, tasks on rows 7–11
	last := reportstest.Layout(in).LastTask
	tests := []struct {
		name string
		// edit changes the filled workbook and the answers expected back.
		edit func(t *testing.T, f *excelize.File, fill *tFilled)
		// post rewrites the saved bytes.
		post func(t testing.TB, data []byte) []byte
	}{
		{name: "as filled"},
		{name: "rich text", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.SetCellRichText(reports.SheetForm, "F7", []excelize.RichTextRun{
				{Text: "一是", Font: &excelize.Font{Bold: true, Family: reports.FontCJK}},
				{Text: "完成可研批复；", Font: &excelize.Font{Color: "FF0000"}},
				{Text: "\n二是开工。"},
			}))
			fill.answers[0].Progress = "一是完成可研批复；\n二是开工。"
		}},
		{name: "moved column", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			tSwapColumns(t, f, "F", "I", last) // 下步计划 first, 本月进展 last
			tSwapColumns(t, f, "G", "C", last) // 完成状态 before 工作要求
		}},
		{name: "blank rows inserted", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.InsertRows(reports.SheetForm, 9, 2))                // between tasks
			reportstest.Must(t, f.InsertRows(reports.SheetForm, reports.FirstRow, 1)) // right below the header
			reportstest.Must(t, f.InsertRows(reports.SheetForm, 2, 1))                // above everything
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "A30", ""))           // a stray empty cell far below
		}},
		{name: "protection removed and locked cells edited", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "B7", "标题被改"))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "C8", ""))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "A9", "99")) // the number shown: the key counts
		}},
		{name: "rows reordered", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			for c := 1; c <= reports.KeyCol; c++ {
				a, b := reports.Cell(c, 7), reports.Cell(c, 10)
				va, _ := f.GetCellValue(reports.SheetForm, a, excelize.Options{RawCellValue: true})
				vb, _ := f.GetCellValue(reports.SheetForm, b, excelize.Options{RawCellValue: true})
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, a, vb))
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, b, va))
			}
		}},
		{name: "inline strings", post: tInlineStrings},
		{name: "form sheet renamed", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.SetSheetName(reports.SheetForm, "Sheet1"))
		}},
		{name: "spaces and line breaks", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "G7", " 滞后 "))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "G8", "\u3000序时推进\u3000"))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, "F9", "\n  第一行\r\n第二行\u00a0\u200b "))
			reportstest.Must(t, f.SetCellStr(reports.SheetForm, reportstest.FootCell(in, reports.LabelContact), "  李 四 "))
			fill.answers[0].Status = plan.StatusBehind
			fill.answers[1].Status = plan.StatusOnTrack
			fill.answers[2].Progress = "第一行\n第二行"
			fill.contact = "李 四"
		}},
		{name: "formulas typed by the unit", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			// No cached value, as written by a program that does not calculate.
			reportstest.Must(t, f.SetCellDefault(reports.SheetForm, "H7", ""))
			reportstest.Must(t, f.SetCellFormula(reports.SheetForm, "H7", "A1&\"x\""))
			// A cached value, as Excel writes it (see post).
			reportstest.Must(t, f.SetCellDefault(reports.SheetForm, "H8", ""))
			reportstest.Must(t, f.SetCellFormula(reports.SheetForm, "H8", "J8"))
			fill.answers[0].Issues = "=A1&\"x\""
			fill.answers[1].Issues = "T06"
		}, post: func(t testing.TB, data []byte) []byte { return tCacheFormula(t, data, "H8", "T06") }},
		{name: "numbers typed in general cells", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.SetCellValue(reports.SheetForm, reportstest.FootCell(in, reports.LabelPhone), 13800138000))
			reportstest.Must(t, f.SetCellValue(reports.SheetForm, "H10", 0.5))
			fill.phone = "13800138000"
			fill.answers[3].Issues = "0.5"
		}},
		{name: "everything at once", edit: func(t *testing.T, f *excelize.File, fill *tFilled) {
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			reportstest.Must(t, f.SetCellRichText(reports.SheetForm, "I8", []excelize.RichTextRun{{Text: "富"}, {Text: "文本", Font: &excelize.Font{Italic: true}}}))
			fill.answers[1].NextSteps = "富文本"
			tSwapColumns(t, f, "H", "I", last)
			reportstest.Must(t, f.InsertRows(reports.SheetForm, 8, 3))
		}, post: tInlineStrings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fill := tDefaultFill(in)
			f := reportstest.Open(t, reportstest.Build(t, in))
			tFillFile(t, f, fill)
			if tc.edit != nil {
				tc.edit(t, f, &fill)
			}
			data := reportstest.Save(t, f)
			if tc.post != nil {
				data = tc.post(t, data)
			}
			r := Parse(data, reports.Limits{})
			if ps := Check(r, tExpect(in)); len(ps) != 0 {
				t.Fatalf("Check(%s) problems = %v, want none", tc.name, ps)
			}
			if r.Contact != fill.contact || r.Phone != fill.phone {
				t.Errorf("contact = %q, %q; want %q, %q", r.Contact, r.Phone, fill.contact, fill.phone)
			}
			got, want := tAnswersByTask(r.Answers()), tAnswersByTask(fill.answers)
			if len(got) != len(want) {
				t.Errorf("Parse(%s) answers = %v, want %v", tc.name, r.Answers(), fill.answers)
			}
			for id, w := range want {
				if g := got[id]; !reflect.DeepEqual(g, w) {
					t.Errorf("Parse(%s) answer %s = %#v, want %#v", tc.name, id, g, w)
				}
			}
		})
	}
}

// TestParseFindsCells checks the cell references the reader reports, with a
// column moved and rows inserted.
func TestParseFindsCells(t *testing.T) {
	in := reportstest.Input(2) // tasks on rows 7 and 8, the foot on row 10
	f := reportstest.Open(t, reportstest.Build(t, in))
	tFillFile(t, f, tDefaultFill(in))
	reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
	tSwapColumns(t, f, "G", "I", 8)
	reportstest.Must(t, f.InsertRows(reports.SheetForm, 8, 1))
	r := Parse(reportstest.Save(t, f), reports.Limits{})
	if len(r.Rows) != 2 {
		t.Fatalf("Parse rows = %+v, want 2", r.Rows)
	}
	tests := []struct {
		row    int
		header string
		want   string
	}{
		{0, reports.HeaderTaskID, "J7"}, {0, reports.HeaderStatus, "I7"}, {0, reports.HeaderNextSteps, "G7"},
		{1, reports.HeaderTaskID, "J9"}, {1, reports.HeaderProgress, "F9"}, {1, reports.HeaderStatus, "I9"},
	}
	for _, tc := range tests {
		if got := r.Rows[tc.row].Cells[tc.header]; got != tc.want {
			t.Errorf("Rows[%d].Cells[%s] = %q, want %q", tc.row, tc.header, got, tc.want)
		}
	}
	if r.Rows[1].Line != 9 || r.Rows[0].Title != in.Tasks[0].Title {
		t.Errorf("Rows = %+v, want lines 7 and 9 with titles", r.Rows)
	}
	if r.ContactCell != "C11" || r.PhoneCell != "I11" || r.Sheet != reports.SheetForm {
		t.Errorf("contact cells = %q, %q in %q; want C11, I11 in %s", r.ContactCell, r.PhoneCell, r.Sheet, reports.SheetForm)
	}
}

// TestParseContact finds the contact and phone by their labels: at the
// foot (template version 2) or above the table (version 1), however a unit
// wrote them; and 审核人 and 填报日期 at the foot.
func TestParseContact(t *testing.T) {
	in := reportstest.Input(1) // the task on row 7, the foot on row 9
	tests := []struct {
		name                 string
		cells                map[string]string // cell → text, written after clearing row 3 and the foot
		contact, phone       string
		contactRef, phoneRef string
	}{
		{"foot cells", map[string]string{"B9": "填报人：", "C9": "王五", "H9": "联系电话：", "I9": "13900001111"},
			"王五", "13900001111", "C9", "I9"},
		{"version 1 cells above the table", map[string]string{"A3": "联系人：", "C3": "王五", "D3": "联系电话：", "E3": "13900001111"},
			"王五", "13900001111", "C3", "E3"},
		{"label and value in one cell", map[string]string{"B9": "填报人：赵六", "H9": "联系电话:0571-1234567"},
			"赵六", "0571-1234567", "B9", "H9"},
		{"联系人 for 填报人", map[string]string{"A9": "联系人：孙八", "D9": "联系电话：", "E9": "13900004444"},
			"孙八", "13900004444", "A9", "E9"},
		{"spaced label, value further right", map[string]string{"A3": "联 系 人", "F3": "钱七", "G3": "联系电话：", "I3": "13900002222"},
			"钱七", "13900002222", "F3", "I3"},
		{"contact empty, phone label next", map[string]string{"B9": "填报人：", "D9": "联系电话：", "E9": "13900003333"},
			"", "13900003333", "C9", "E9"},
		{"both empty", map[string]string{"B9": "填报人：", "H9": "联系电话："}, "", "", "C9", "I9"},
		{"labels gone", map[string]string{}, "", "", "", ""},
		{"a task's text like a label is none", map[string]string{"F7": "联系人民群众，走访企业12家。"}, "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := reportstest.Open(t, reportstest.Build(t, in))
			reportstest.Must(t, f.UnprotectSheet(reports.SheetForm))
			for c := 1; c <= reports.KeyCol; c++ {
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, reports.Cell(c, reports.ExtensionRow), ""))
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, reports.Cell(c, 9), ""))
			}
			for cell, v := range tc.cells {
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, cell, v))
			}
			r := Parse(reportstest.Save(t, f), reports.Limits{})
			if r.Fatal {
				t.Fatalf("Parse fatal: %v", r.Problems)
			}
			if r.Contact != tc.contact || r.Phone != tc.phone || r.ContactCell != tc.contactRef || r.PhoneCell != tc.phoneRef {
				t.Errorf("Parse contact = %q@%q phone = %q@%q, want %q@%q %q@%q", r.Contact, r.ContactCell, r.Phone, r.PhoneCell,
					tc.contact, tc.contactRef, tc.phone, tc.phoneRef)
			}
		})
	}
}

// TestParseReviewerAndDate reads 审核人 and 填报日期 from the foot: a
// date typed into the date cell (a serial number), as text, or none.
func TestParseReviewerAndDate(t *testing.T) {
	in := reportstest.Input(1)
	tests := []struct {
		name     string
		reviewer string
		date     any
		wantDate string // DateText
		wantDay  time.Time
	}{
		{"date cell", "王处长", 45082.0, "2023-06-05", time.Date(2023, time.June, 5, 0, 0, 0, 0, time.UTC)},
		{"date as text", "王处长", "2023年6月6日", "2023年6月6日", time.Date(2023, time.June, 6, 0, 0, 0, 0, time.UTC)},
		{"no date: not checked", "", "下周", "下周", time.Time{}},
		{"nothing", "", nil, "", time.Time{}},
		{"a placeholder is no reviewer", "无", nil, "", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := reportstest.Open(t, tFill(t, reportstest.Build(t, in), tDefaultFill(in)))
			if tc.reviewer != "" {
				reportstest.Must(t, f.SetCellStr(reports.SheetForm, reportstest.FootCell(in, reports.LabelReviewer), tc.reviewer))
			}
			if tc.date != nil {
				reportstest.Must(t, f.SetCellValue(reports.SheetForm, reportstest.FootCell(in, reports.LabelDate), tc.date))
			}
			r := Parse(reportstest.Save(t, f), reports.Limits{})
			wantReviewer := tc.reviewer
			if wantReviewer == "无" {
				wantReviewer = ""
			}
			if r.Reviewer != wantReviewer || r.DateText != tc.wantDate || !r.Date.Equal(tc.wantDay) {
				t.Errorf("Parse reviewer %q date %q (%v), want %q, %q (%v)", r.Reviewer, r.DateText, r.Date, wantReviewer, tc.wantDate, tc.wantDay)
			}
			if ps := Check(r, tExpect(in)); len(ps) != 0 {
				t.Errorf("Check = %v, want none: both are optional", ps)
			}
		})
	}
}

func TestParseBadFiles(t *testing.T) {
	in := reportstest.Input(2)
	good := tFill(t, reportstest.Build(t, in), tDefaultFill(in))
	xlsm := testtools.RewriteZip(t, good, nil, testtools.ZipEntry{Name: "xl/vbaProject.bin", Content: []byte("macro")})
	tests := []struct {
		name string
		data []byte
		lim  reports.Limits
		kind string
		says string // a phrase the message must contain
	}{
		{"empty file", nil, reports.Limits{}, KindEmptyFile, "空文件"},
		{"legacy xls", testtools.OLE("Root Entry", "Workbook", "SummaryInformation"), reports.Limits{}, KindLegacyXLS, "另存为"},
		{"encrypted xlsx", testtools.OLE("Root Entry", "EncryptionInfo", "EncryptedPackage"), reports.Limits{}, KindEncrypted, "密码"},
		{"ods", testtools.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
			reports.Limits{}, KindODS, ".ods"},
		{"odt", testtools.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text"}), reports.Limits{}, KindNotXLSX, "不是 Excel"},
		{"xlsm", xlsm, reports.Limits{}, KindMacro, "宏"},
		{"zip of files", testtools.Zip(t, map[string]string{"填报表.xlsx": "PK..."}), reports.Limits{}, KindNotWorkbook, "不要压缩"},
		{"word document", testtools.Zip(t, map[string]string{
			"[Content_Types].xml": `<Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
			"word/document.xml":   "<w/>"}), reports.Limits{}, KindNotWorkbook, "不是 Excel"},
		{"truncated zip", good[:len(good)/2], reports.Limits{}, KindCorrupt, "损坏"},
		{"jpeg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 100)...), reports.Limits{}, KindNotXLSX, "图片"},
		{"pdf", []byte("%PDF-1.7\n..."), reports.Limits{}, KindNotXLSX, "PDF"},
		{"text", []byte("本月进展：已完成"), reports.Limits{}, KindNotXLSX, "不是 Excel"},
		{"too large", good, reports.Limits{MaxFileBytes: 1000}, KindFileTooLarge, "上限"},
		{"garbage after zip magic", append([]byte("PK\x03\x04"), make([]byte, 64)...), reports.Limits{}, KindCorrupt, "损坏"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(tc.data, tc.lim)
			if !r.Fatal || len(r.Problems) != 1 {
				t.Fatalf("Parse(%s) = fatal %v problems %v, want one fatal problem", tc.name, r.Fatal, r.Problems)
			}
			p := r.Problems[0]
			if p.Kind != tc.kind || !strings.Contains(p.Message, tc.says) || !tHasHan(p.Message) {
				t.Errorf("Parse(%s) problem = %+v, want kind %s saying %q", tc.name, p, tc.kind, tc.says)
			}
			if ps := Check(r, tExpect(in)); len(ps) != 1 {
				t.Errorf("Check(%s) problems = %v, want only the fatal one", tc.name, ps)
			}
		})
	}
}

// tHasHan reports whether s contains a Chinese character.
func tHasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

func TestParseZipBomb(t *testing.T) {
	const inflated = 64 << 20
	lim := reports.Limits{MaxFileBytes: 10 << 20, MaxUnzipBytes: 8 << 20}
	for _, lie := range []bool{false, true} {
		t.Run(fmt.Sprintf("declared size lies=%v", lie), func(t *testing.T) {
			data := testtools.BombXLSX(t, inflated, lie)
			if len(data) > 2<<20 {
				t.Fatalf("bomb is %d bytes compressed; the test wants a small file", len(data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := Parse(data, lim)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !r.Fatal || len(r.Problems) == 0 || !tHasHan(r.Problems[0].Message) {
				t.Fatalf("Parse(bomb) = %+v, want a fatal problem", r)
			}
			if !lie && r.Problems[0].Kind != KindUnzipTooLarge {
				t.Errorf("Parse(bomb) kind = %s, want %s", r.Problems[0].Kind, KindUnzipTooLarge)
			}
			if elapsed > 5*time.Second {
				t.Errorf("Parse(bomb) took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("Parse(bomb) allocated %d MB, want it bounded by the limit", alloc>>20)
			}
		})
	}
}

// TestParseSparseRows puts a cell in the last rows Excel allows: the reader
// must neither flag the file as too long nor spend memory on the empty rows
// in between.
func TestParseSparseRows(t *testing.T) {
	in := reportstest.Input(2)
	fill := tDefaultFill(in)
	fill.answers[1].Issues = "" // an empty answer cell makes the reader look for formulas
	f := reportstest.Open(t, reportstest.Build(t, in))
	tFillFile(t, f, fill)
	reportstest.Must(t, f.SetCellStr(reports.SheetForm, reportstest.FootCell(in, reports.LabelContact), ""))
	data := reportstest.Save(t, f)
	data = testtools.RewriteZip(t, data, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" {
			return nil
		}
		far := `<row r="1048000"><c r="A1048000" t="inlineStr"><is><t>远处</t></is></c></row></sheetData>`
		return bytes.Replace(b, []byte("</sheetData>"), []byte(far), 1)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := Parse(data, reports.Limits{})
	got := Check(r, tExpect(in))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if len(got) != 1 || got[0].Kind != KindContactMissing || got[0].Cell != reportstest.FootCell(in, reports.LabelContact) {
		t.Errorf("Check(sparse) problems = %v, want only the missing contact at %s", got, reportstest.FootCell(in, reports.LabelContact))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("Parse(sparse) allocated %d MB, want under 16", alloc>>20)
	}
	if elapsed > 3*time.Second {
		t.Errorf("Parse(sparse) took %v", elapsed)
	}
}

// TestParseForeignCorpus reads workbooks written by other programs: each
// must come back with a clear problem, never a panic or a hang.
func TestParseForeignCorpus(t *testing.T) {
	dir := testtools.Shared(t, "corpus/foreign-xlsx")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if len(files) < 29 {
		t.Fatalf("found %d workbooks in %s, want the corpus's 29", len(files), dir)
	}
	in := reportstest.Input(2)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			reportstest.Must(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			type result struct {
				problems []reports.Problem
				panicked any
			}
			done := make(chan result, 1)
			go func() {
				defer func() {
					if v := recover(); v != nil {
						done <- result{panicked: v}
					}
				}()
				done <- result{problems: Check(Parse(data, reports.Limits{}), tExpect(in))}
			}()
			select {
			case <-ctx.Done():
				t.Fatalf("Parse+Check(%s) did not finish within 10 s", file)
			case res := <-done:
				if res.panicked != nil {
					t.Fatalf("Parse+Check(%s) panicked: %v", file, res.panicked)
				}
				if len(res.problems) == 0 {
					t.Fatalf("Parse+Check(%s) = no problems, want at least one", file)
				}
				for _, p := range res.problems {
					if !tHasHan(p.Message) || p.Kind == "" {
						t.Errorf("Parse+Check(%s) problem %+v lacks a kind or a Chinese message", file, p)
					}
				}
				t.Logf("%s: %s", res.problems[0].Kind, res.problems[0].Message)
			}
		})
	}
}

// TestRoundTripLibreOffice fills a template, with a closed task, indicators
// and an extension request, re-saves it through LibreOffice and reads it
// back.
func TestRoundTripLibreOffice(t *testing.T) {
	soffice := testtools.Soffice(t)
	in := reportstest.Input(5)
	in.Closed = map[string]reports.Closure{"T06": {Period: plan.Period{Year: 2023, Month: time.April}}}
	in.Indicators = reportstest.ExtIndicators
	dir := t.TempDir()
	src := filepath.Join(dir, "filled.xlsx")
	reportstest.Must(t, os.WriteFile(src, tExtWorkbook(t, in, tExtFill{
		answers: true, counts: []any{2, "1次", 0}, until: "2023-06-20", reason: "部分数据待核实",
	}), 0o644))
	outDir := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"),
		"--headless", "--convert-to", "xlsx", "--outdir", outDir, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(outDir, "filled.xlsx"))
	if err != nil {
		t.Fatalf("soffice wrote no file: %v", err)
	}
	r := Parse(data, reports.Limits{})
	if ps := Check(r, tExtExpect(in)); len(ps) != 0 {
		t.Fatalf("Check(LibreOffice copy) problems = %v, want none", ps)
	}
	var want []plan.Answer
	for _, a := range tDefaultFill(in).answers {
		switch a.TaskID {
		case "T06":
			continue
		case "T05":
			a.Counts = map[string]int{"对口部门联席会": 2, "合作交流活动": 1}
		case "T07":
			a.Counts = map[string]int{"新开内贸航线": 0}
		}
		want = append(want, a)
	}
	if got := OpenAnswers(r, in.Closed); !reflect.DeepEqual(got, want) {
		t.Errorf("LibreOffice answers = %#v, want %#v", got, want)
	}
	if r.Contact != "张三" || r.Phone != "0571-87654321" {
		t.Errorf("LibreOffice contact = %q, %q", r.Contact, r.Phone)
	}
	if want := time.Date(2023, 6, 20, 0, 0, 0, 0, time.UTC); !r.Extension.Until.Equal(want) ||
		r.Extension.Reason != "部分数据待核实" || r.RequestOnly() {
		t.Errorf("LibreOffice extension = %+v (request only %v), want 2023-06-20 with its reason", r.Extension, r.RequestOnly())
	}
}

func BenchmarkReadReturned(b *testing.B) {
	in := reportstest.Input(5)
	data := tFill(b, reportstest.Build(b, in), tDefaultFill(in))
	exp := tExpect(in)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := Parse(data, reports.Limits{})
		if ps := Check(r, exp); len(ps) != 0 {
			b.Fatalf("Check problems = %v", ps)
		}
	}
}

// FuzzParse feeds Parse arbitrary bytes: it must return, with a problem
// when the result is fatal, and never panic.
func FuzzParse(f *testing.F) {
	in := reportstest.Input(2)
	template := reportstest.Build(f, in)
	f.Add(template)
	f.Add(tFill(f, template, tDefaultFill(in)))
	f.Add(tInlineStrings(f, template))
	f.Add(tExtWorkbook(f, reportstest.ExtInput(), tExtFill{counts: []any{1, "2次"}, until: 45097, reason: "待批复"}))
	f.Add(testtools.OLE("EncryptedPackage"))
	f.Add([]byte("PK\x03\x04"))
	// Workbooks beyond the reader's bounds (see TestParseBeyondLimits):
	// cells in column XFD on 10,000 rows, and 100,000 nested elements in a
	// cell (fewer than the 2,000,000 of the test, to stay within the
	// unzipped size below).
	filled := tFill(f, template, tDefaultFill(in))
	f.Add(tHostileWorkbook(f, filled, tWideRows(20, 10000)))
	f.Add(tHostileWorkbook(f, filled, tNestedRow(30, 100_000)))
	f.Add(tWithStrayCells(f, filled, 20))
	exp := tExpect(in)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Parse(data, reports.Limits{MaxUnzipBytes: 4 << 20})
		if r.Fatal && len(r.Problems) == 0 {
			t.Fatalf("Parse fatal without a problem")
		}
		_ = Check(r, exp)
	})
}
