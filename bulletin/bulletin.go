// Package bulletin writes the monthly 情况通报 (supervision bulletin) draft as
// a .docx the office finishes in Word or WPS. This file decides what the
// bulletin says; ooxml.go turns it into WordprocessingML. It knows nothing of
// the ledger or of mail: the caller gathers the figures into an Input.
package bulletin

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Input is everything one bulletin shows. Names and texts come from users
// and configuration; they are sanitised here, never trusted.
type Input struct {
	Office    string    // issuing office (印发机关), e.g. "市推进都市圈建设办公室"
	PlanTitle string    // e.g. "2023年推进都市圈一体化建设工作要点"
	Period    string    // label, e.g. "2023年5月"
	Issue     int       // 第N期: the period's place among the plan year's reported periods (0: left blank)
	Date      time.Time // issue date, also the 印发日期 of the 版记
	Deadline  time.Time // the period's deadline day
	Expected  int       // 应报 units

	// Unit names: reported on time, reported after the deadline, not
	// reported after the deadline.
	OnTime, Late, Missing []string
	// Extended are the units with a granted extension still running.
	Extended []Extension

	// MainTo and CopyTo are the 主送 and 抄送 organs of the 版记, e.g.
	// ["各牵头单位"]; empty lists leave their line out.
	MainTo, CopyTo []string

	Categories  []Category // progress by category, in plan order
	RedUnits    []Unit     // units in red for not reporting
	RedTasks    []Task     // tasks in red
	YellowTasks []Task     // tasks in yellow
	Problems    []Problem  // problems raised by units
}

// Extension is a unit given until Until to report.
type Extension struct {
	Unit  string
	Until time.Time
}

// Category is one category's task count by reported status.
type Category struct {
	Name                                                  string
	Tasks, Done, OnTrack, Behind, NotStarted, NotReported int
}

// Unit is a unit in a warning colour.
type Unit struct {
	Name string
	Why  string // e.g. "逾期6个工作日未报送"
}

// Task is a task in a warning colour.
type Task struct {
	Number int    // the task's number in the plan (0: not shown)
	Title  string //
	Unit   string // lead unit
	Status string // reported status, e.g. "滞后"
	// Why it is flagged, e.g. "已连续两个月"; a task flagged for one of its
	// quantified targets says so here, and nowhere else.
	Why string
}

// Problem is a problem a unit raised in its report.
type Problem struct {
	Task string // task title (may be empty)
	Unit string
	Text string
}

// FileName names the bulletin the way jobs.CompiledFileName names the
// consolidated workbook, so both sort side by side in the archive:
// "2023年5月推进情况通报-v1.docx", or "…-草稿.docx" for version 0 (a draft
// of the workbook). Characters Windows forbids in file names are dropped
// from the period label.
func FileName(period string, version int) string {
	label := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, period)
	tag := "草稿"
	if version > 0 {
		tag = fmt.Sprintf("v%d", version)
	}
	return fmt.Sprintf("%s推进情况通报-%s.docx", strings.TrimSpace(label), tag)
}

// Write writes the bulletin for in as a .docx to w.
func Write(w io.Writer, in Input) error {
	return writePackage(w, documentProperties{
		Title:   strings.Join(titleLines(in), ""),
		Creator: line(in.Office),
		Date:    in.Date,
	}, compose(in))
}

// Paragraph style ids of styles.xml.
const (
	styleNormal        = "Normal"
	styleMasthead      = "Masthead"    // 推进情况通报, red
	styleIssueNumber   = "IssueNumber" // 第N期
	styleIssuer        = "IssuerLine"  // office ⇥ date, red rule below
	styleTitle         = "Title"
	styleHeading1      = "Heading1" // 一、
	styleHeading2      = "Heading2" // （一）
	styleSignature     = "Signature"
	styleTableText     = "TableText"
	styleTableHeader   = "TableHeader"
	styleImprint       = "Imprint"       // 版记: 主送：…, 抄送：…
	styleImprintIssuer = "ImprintIssuer" // 版记: 印发机关 ⇥ 印发日期
)

// paragraph is one body paragraph: "\t" in text is a tab, "\n" a line break.
type paragraph struct {
	style string
	text  string
}

// table is the category table: a shaded header row, rows, a bold total row.
type table struct {
	header []string
	rows   [][]string
	total  []string
}

// imprint is the 版记 (GB/T 9704 §8.3): its lines between rules.
type imprint struct {
	lines []paragraph
}

// compose lays out the bulletin as a list of paragraphs and tables. The
// numbering is the 公文's: 一、 for sections, （一） below them, 1. for items;
// an item carries no other number in front.
func compose(in Input) []any {
	var body []any
	p := func(style, text string) { body = append(body, paragraph{style, text}) }
	sections := 0
	section := func(heading string) {
		sections++
		p(styleHeading1, numeral(sections)+"、"+heading)
	}
	items := func(list []string) {
		for i, s := range list {
			p(styleNormal, fmt.Sprintf("%d.%s", i+1, s))
		}
	}

	p(styleMasthead, "推进情况通报")
	p(styleIssueNumber, issueNumber(in.Issue))
	p(styleIssuer, line(in.Office)+"\t"+chineseDate(in.Date))
	p(styleTitle, strings.Join(titleLines(in), "\n"))
	p(styleNormal, fmt.Sprintf("按照工作要点督办安排，现将%s各牵头单位工作推进情况通报如下。", line(in.Period)))

	section("报送情况")
	for _, s := range submissionText(in) {
		p(styleNormal, s)
	}

	section("推进情况")
	t, sum := categoryTable(in.Categories)
	p(styleNormal, fmt.Sprintf("本期纳入督办的重点任务共%d项，其中已完成%d项，序时推进%d项，滞后%d项，未启动%d项，未报送%d项。各类别推进情况如下表。",
		sum.Tasks, sum.Done, sum.OnTrack, sum.Behind, sum.NotStarted, sum.NotReported))
	body = append(body, t)

	section("需要关注的事项")
	red := append(unitItems(in.RedUnits), taskItems(in.RedTasks)...)
	yellow := taskItems(in.YellowTasks)
	switch {
	case len(red) == 0 && len(yellow) == 0:
		p(styleNormal, "本期无红色、黄色预警。")
	case len(red) == 0:
		p(styleNormal, "本期无红色预警。")
	}
	groups := 0
	for _, g := range []struct {
		name  string
		items []string
	}{{"红色预警", red}, {"黄色预警", yellow}} {
		if len(g.items) > 0 {
			groups++
			p(styleHeading2, "（"+numeral(groups)+"）"+g.name)
			items(g.items)
		}
	}

	section("存在的问题")
	if len(in.Problems) == 0 {
		p(styleNormal, "本期各牵头单位未反映问题。")
	}
	for i, pr := range in.Problems {
		who := line(pr.Unit)
		if task := line(pr.Task); task != "" {
			who += "（" + task + "）"
		}
		if who != "" {
			who += "："
		}
		// A text of several lines becomes several paragraphs: a line break
		// inside a justified paragraph spreads the line before it.
		for j, l := range strings.Split(sentence(text(pr.Text)), "\n") {
			if j == 0 {
				l = fmt.Sprintf("%d.%s%s", i+1, who, l)
			}
			p(styleNormal, l)
		}
	}

	// What the office asks of the units follows from what this period
	// shows; when nothing calls for it, the section is left out.
	if asks := requirements(in); len(asks) > 0 {
		section("下步工作要求")
		for _, s := range asks {
			p(styleNormal, s)
		}
	}

	p(styleNormal, "")
	p(styleSignature, line(in.Office))
	p(styleSignature, chineseDate(in.Date))
	p(styleNormal, "")
	return append(body, imprintOf(in))
}

// issueNumber is 第N期; an unknown number is left blank for the office.
func issueNumber(n int) string {
	if n <= 0 {
		return "第  期"
	}
	return fmt.Sprintf("第%d期", n)
}

// numeral writes 1 to 99 in Chinese numerals, as 公文 headings number:
// 一, 十, 十二, 二十.
func numeral(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 1 || n > 99:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n-10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}

// submissionText is section 一: who reported, late, not at all, or has more
// time.
func submissionText(in Input) []string {
	var out []string
	if !in.Deadline.IsZero() {
		out = append(out, "本期报送截止日期为"+chineseDate(in.Deadline)+"。")
	}
	expected := fmt.Sprintf("应报送的牵头单位共%d个", in.Expected)
	if len(in.Late) == 0 && len(in.Missing) == 0 && len(in.Extended) == 0 && len(in.OnTime) == in.Expected {
		return append(out, expected+"，均按时报送。")
	}
	parts := []string{expected, fmt.Sprintf("其中按时报送%d个", len(in.OnTime))}
	if len(in.Late) > 0 {
		parts = append(parts, fmt.Sprintf("逾期报送%d个（%s）", len(in.Late), names(in.Late)))
	}
	if len(in.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("未报送%d个（%s）", len(in.Missing), names(in.Missing)))
	}
	s := strings.Join(parts, "，") + "。"
	if len(in.Extended) > 0 {
		extended := make([]string, len(in.Extended))
		for i, e := range in.Extended {
			extended[i] = line(e.Unit)
			if !e.Until.IsZero() {
				extended[i] += "（延期至" + chineseDate(e.Until) + "）"
			}
		}
		s += fmt.Sprintf("另有%d个单位经批准延期报送：%s。", len(in.Extended), names(extended))
	}
	return append(out, s)
}

// categoryTable is section 二's table and its totals.
func categoryTable(cats []Category) (table, Category) {
	t := table{header: []string{"类别", "任务数", "已完成", "序时推进", "滞后", "未启动", "未报送"}}
	var sum Category
	row := func(name string, c Category) []string {
		return []string{name, strconv.Itoa(c.Tasks), strconv.Itoa(c.Done), strconv.Itoa(c.OnTrack),
			strconv.Itoa(c.Behind), strconv.Itoa(c.NotStarted), strconv.Itoa(c.NotReported)}
	}
	for _, c := range cats {
		t.rows = append(t.rows, row(line(c.Name), c))
		sum.Tasks += c.Tasks
		sum.Done += c.Done
		sum.OnTrack += c.OnTrack
		sum.Behind += c.Behind
		sum.NotStarted += c.NotStarted
		sum.NotReported += c.NotReported
	}
	t.total = row("合计", sum)
	return t, sum
}

// unitItems are the units in one colour, unnumbered: "市农业农村局：逾期6个
// 工作日未报送。"
func unitItems(units []Unit) []string {
	out := make([]string, 0, len(units))
	for _, u := range units {
		why := strings.TrimRight(line(u.Why), "，,；;。")
		if why == "" {
			why = "未报送"
		}
		out = append(out, sentence(line(u.Name)+"："+why))
	}
	return out
}

// taskItems are the tasks in one colour, unnumbered: "优化轨道交通布局（第4项，
// 市交通运输局）：滞后，已连续两个月。"
func taskItems(tasks []Task) []string {
	out := make([]string, 0, len(tasks))
	for _, t := range tasks {
		s := line(t.Title)
		var about []string
		if t.Number > 0 {
			about = append(about, fmt.Sprintf("第%d项", t.Number))
		}
		if u := line(t.Unit); u != "" {
			about = append(about, u)
		}
		if len(about) > 0 {
			s += "（" + strings.Join(about, "，") + "）"
		}
		var detail []string
		for _, d := range []string{line(t.Status), line(t.Why)} {
			if d = strings.TrimRight(d, "，,；;。"); d != "" {
				detail = append(detail, d)
			}
		}
		if len(detail) > 0 {
			s += "：" + strings.Join(detail, "，")
		}
		out = append(out, sentence(s))
	}
	return out
}

// requirements is section 五: one request for each kind of thing the period
// shows in need of it, none when there is nothing to ask.
func requirements(in Input) []string {
	var out []string
	if len(in.RedUnits) > 0 {
		red := make([]string, len(in.RedUnits))
		for i, u := range in.RedUnits {
			red[i] = u.Name
		}
		out = append(out, "请"+names(red)+"立即报送本期推进情况。")
	}
	if len(in.RedTasks) > 0 {
		out = append(out, "请红色预警任务的牵头单位于下期报送前书面说明滞后原因，提出整改措施和完成时限。")
	}
	if len(in.YellowTasks) > 0 {
		out = append(out, "请黄色预警任务的牵头单位加强跟踪调度，确保按序时进度推进。")
	}
	if len(in.Late)+len(in.Missing) > 0 {
		out = append(out, "请未按时报送的单位严格落实报送要求，于每月截止日前按时报送推进情况。")
	}
	return out
}

// imprintOf is the 版记: 主送 and 抄送 where there are any, then the
// issuing office and the date it issues the bulletin.
func imprintOf(in Input) imprint {
	var im imprint
	for _, l := range []struct {
		label  string
		organs []string
	}{{"主送：", in.MainTo}, {"抄送：", in.CopyTo}} {
		// GB/T 9704 §8.3.2: organs separated by commas, a full stop after
		// the last.
		if list := organs(l.organs); list != "" {
			im.lines = append(im.lines, paragraph{styleImprint, l.label + list + "。"})
		}
	}
	im.lines = append(im.lines, paragraph{styleImprintIssuer, line(in.Office) + "\t" + chineseDate(in.Date) + "印发"})
	return im
}

// organs lists the organs of a 主送 or 抄送 line: 甲，乙.
func organs(list []string) string {
	out := make([]string, 0, len(list))
	for _, o := range list {
		if o = strings.TrimRight(line(o), "，,、；;。"); o != "" {
			out = append(out, o)
		}
	}
	return strings.Join(out, "，")
}

// chineseDate writes 2023年6月8日; the zero time is left blank for the office
// to fill in.
func chineseDate(t time.Time) string {
	if t.IsZero() {
		return "    年  月  日"
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// names lists unit names the Chinese way: 甲、乙、丙.
func names(list []string) string {
	out := make([]string, 0, len(list))
	for _, n := range list {
		if n = line(n); n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "、")
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimRight(s, " ，,；;：:、")
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune("。！？…", r) {
		return s
	}
	return s + "。"
}

// line cleans a user-supplied name for a single line: whitespace runs become
// one space, characters XML cannot carry are dropped.
func line(s string) string {
	return strings.Join(strings.Fields(strip(s)), " ")
}

// text cleans a user-supplied text that may span lines: line breaks are
// kept, tabs become spaces, characters XML cannot carry are dropped.
func text(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	lines := strings.Split(strip(s), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// strip drops what XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF,
// invalid UTF-8) and the C1 controls it merely discourages; tab, line feed
// and carriage return stay for the callers to handle.
func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return r
		}
		if !xmlChar(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// xmlChar reports whether XML 1.0 allows r in a document (the Char
// production). Invalid UTF-8 reaches here as utf8.RuneError and is refused,
// so broken bytes vanish rather than show as U+FFFD.
func xmlChar(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
