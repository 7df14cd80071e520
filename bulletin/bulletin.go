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
	Office    string    // issuing office, e.g. "市推进都市圈建设办公室"
	PlanTitle string    // e.g. "2023年推进都市圈一体化建设工作要点"
	Period    string    // label, e.g. "2023年5月"
	Issue     int       // 第N期 (the period's month number is fine)
	Date      time.Time // issue date
	Deadline  time.Time // the period's deadline day
	Expected  int       // 应报 units

	// Unit names: reported on time, reported after the deadline, not
	// reported after the deadline.
	OnTime, Late, Missing []string
	// Extended names units with a granted extension still running, with its
	// date, e.g. "市交通运输局（延期至6月20日）".
	Extended []string

	Categories  []Category  // progress by category, in plan order
	RedTasks    []Task      // tasks in red
	YellowTasks []Task      // tasks in yellow
	Indicators  []Indicator // quantified targets behind pace or at risk (may be empty)
	Problems    []Problem   // problems raised by units
}

// Category is one category's task count by reported status.
type Category struct {
	Name                                                  string
	Tasks, Done, OnTrack, Behind, NotStarted, NotReported int
}

// Task is a task in a warning colour.
type Task struct {
	Number int    // the task's number in the plan (0: not shown)
	Title  string //
	Unit   string // lead unit
	Status string // reported status, e.g. "滞后"
	Why    string // why it is flagged, e.g. "连续两个月滞后"
}

// Indicator is a quantified target behind pace or at risk.
type Indicator struct {
	Task       string // task title
	Unit       string // lead unit (not the unit of count: that is part of Target)
	Name       string // e.g. "对口部门联席会"
	Target     string // the year's target as the plan writes it, e.g. "至少2次"
	YearToDate int    // total so far this year
	Expected   int    // what the pace asks for by now
	Color      string // "红", "黄" (plan.Color) or empty
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
		Title:   title(in),
		Creator: line(in.Office),
		Date:    in.Date,
	}, compose(in))
}

// Paragraph style ids of styles.xml.
const (
	styleNormal      = "Normal"
	styleMasthead    = "Masthead"    // 推进情况通报, red
	styleIssueNumber = "IssueNumber" // 第N期
	styleIssuer      = "IssuerLine"  // office ⇥ date, red rule below
	styleTitle       = "Title"
	styleHeading1    = "Heading1" // 一、
	styleHeading2    = "Heading2" // （一）
	styleSignature   = "Signature"
	styleTableText   = "TableText"
	styleTableHeader = "TableHeader"
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

// compose lays out the bulletin as a list of paragraphs and tables.
func compose(in Input) []any {
	var body []any
	p := func(style, text string) { body = append(body, paragraph{style, text}) }

	p(styleMasthead, "推进情况通报")
	p(styleIssueNumber, fmt.Sprintf("第%d期", in.Issue))
	p(styleIssuer, line(in.Office)+"\t"+chineseDate(in.Date))
	p(styleTitle, title(in))
	p(styleNormal, fmt.Sprintf("按照工作要点督办安排，现将%s各牵头单位工作推进情况通报如下。", line(in.Period)))

	p(styleHeading1, "一、报送情况")
	for _, s := range submissionText(in) {
		p(styleNormal, s)
	}

	p(styleHeading1, "二、推进情况")
	t, sum := categoryTable(in.Categories)
	p(styleNormal, fmt.Sprintf("本期纳入督办的重点任务共%d项，其中已完成%d项，序时推进%d项，滞后%d项，未启动%d项，未报送%d项。各类别推进情况如下表。",
		sum.Tasks, sum.Done, sum.OnTrack, sum.Behind, sum.NotStarted, sum.NotReported))
	body = append(body, t)

	p(styleHeading1, "三、需要关注的事项")
	p(styleHeading2, "（一）红色预警任务")
	for _, s := range taskLines(in.RedTasks, "本期无红色预警任务。") {
		p(styleNormal, s)
	}
	p(styleHeading2, "（二）黄色预警任务")
	for _, s := range taskLines(in.YellowTasks, "本期无黄色预警任务。") {
		p(styleNormal, s)
	}
	if len(in.Indicators) > 0 {
		p(styleHeading2, "（三）量化指标预警")
		for i, ind := range in.Indicators {
			p(styleNormal, indicatorLine(i+1, ind))
		}
	}

	p(styleHeading1, "四、存在的问题")
	if len(in.Problems) == 0 {
		p(styleNormal, "本期各牵头单位未反映问题。")
	}
	for _, pr := range in.Problems {
		who := line(pr.Unit)
		if task := line(pr.Task); task != "" {
			who += "（" + task + "）"
		}
		if who != "" {
			who += "："
		}
		// A text of several lines becomes several paragraphs: a line break
		// inside a justified paragraph spreads the line before it.
		for i, l := range strings.Split(sentence(text(pr.Text)), "\n") {
			if i == 0 {
				l = who + l
			}
			p(styleNormal, l)
		}
	}

	p(styleHeading1, "五、下步工作要求")
	if len(in.RedTasks)+len(in.YellowTasks) > 0 {
		p(styleNormal, "请红色预警任务的牵头单位于下期报送前书面说明滞后原因，提出整改措施和完成时限；黄色预警任务的牵头单位要加强跟踪调度，确保按序时进度推进。")
	}
	if len(in.Late)+len(in.Missing) > 0 {
		p(styleNormal, "请未按时报送的单位严格落实报送要求，于每月截止日前按时报送推进情况；逾期未报送的，将在下期通报中予以说明。")
	} else {
		p(styleNormal, "请各牵头单位继续严格落实报送要求，于每月截止日前按时报送推进情况。")
	}
	p(styleNormal, "请各牵头单位对照工作要点，紧盯年度目标和量化指标，加快推进各项任务，确保按期保质完成。")

	p(styleNormal, "")
	p(styleSignature, line(in.Office))
	p(styleSignature, chineseDate(in.Date))
	return body
}

// title is the bulletin's title; the plan's name goes in 书名号 unless the
// configuration already wrote them.
func title(in Input) string {
	plan := line(in.PlanTitle)
	if plan != "" && !strings.HasPrefix(plan, "《") {
		plan = "《" + plan + "》"
	}
	return "关于" + line(in.Period) + plan + "推进情况的通报"
}

// submissionText is section 一: who reported, late, not at all, or has more
// time.
func submissionText(in Input) []string {
	var out []string
	if !in.Deadline.IsZero() {
		out = append(out, "本期报送截止日期为"+chineseDate(in.Deadline)+"。")
	}
	if len(in.Late) == 0 && len(in.Missing) == 0 && len(in.Extended) == 0 && len(in.OnTime) == in.Expected {
		return append(out, fmt.Sprintf("应报%d家，均按时报送。", in.Expected))
	}
	parts := []string{fmt.Sprintf("应报%d家", in.Expected), fmt.Sprintf("按时报送%d家", len(in.OnTime))}
	if len(in.Late) > 0 {
		parts = append(parts, fmt.Sprintf("逾期报送%d家（%s）", len(in.Late), names(in.Late)))
	}
	if len(in.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("未报送%d家（%s）", len(in.Missing), names(in.Missing)))
	}
	s := strings.Join(parts, "，") + "。"
	if len(in.Extended) > 0 {
		s += fmt.Sprintf("另有%d家单位经批准延期报送：%s。", len(in.Extended), names(in.Extended))
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

// taskLines numbers the tasks of one colour: "1. 12.标题（单位）：滞后，原因。"
func taskLines(tasks []Task, none string) []string {
	if len(tasks) == 0 {
		return []string{none}
	}
	var out []string
	for i, t := range tasks {
		s := fmt.Sprintf("%d. ", i+1)
		if t.Number > 0 {
			s += fmt.Sprintf("%d.", t.Number)
		}
		s += line(t.Title)
		if u := line(t.Unit); u != "" {
			s += "（" + u + "）"
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

// indicatorLine is one quantified target: "1. 任务（单位）：指标年度目标至少2次，
// 累计完成0次，按序时应完成1次（红色）。"
func indicatorLine(n int, ind Indicator) string {
	target := line(ind.Target)
	count := countUnit(target)
	s := fmt.Sprintf("%d. %s", n, line(ind.Task))
	if u := line(ind.Unit); u != "" {
		s += "（" + u + "）"
	}
	s += fmt.Sprintf("：%s年度目标%s，截至本期累计完成%d%s，按序时进度应完成%d%s",
		line(ind.Name), target, ind.YearToDate, count, ind.Expected, count)
	if c := line(ind.Color); c != "" {
		if !strings.HasSuffix(c, "色") {
			c += "色"
		}
		s += "（" + c + "）"
	}
	return s + "。"
}

// countUnit is the unit of count a plan target ends with: "次" of "至少2次"
// and of "2—3次"; empty when the target does not end that way.
func countUnit(target string) string {
	i := strings.LastIndexFunc(target, unicode.IsDigit)
	if i < 0 {
		return ""
	}
	u := target[i+1:]
	if utf8.RuneCountInString(u) > 3 {
		return ""
	}
	return u
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
