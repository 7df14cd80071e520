package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duban/duban/internal/testtools"
)

// checkGolden compares a rendered message with testdata/name.golden, or
// rewrites the file with -update.
func checkGolden(t *testing.T, name string, r Rendered) {
	t.Helper()
	got := "Subject: " + r.Subject + "\n--- text\n" + r.Text + "--- html\n" + r.HTML
	testtools.Golden(t, filepath.Join("testdata", name+".golden"), []byte(got))
}

// goldenCase is one message rendered and compared with its golden file.
type goldenCase struct {
	name, tmpl string
	data       any
}

func renderGoldens(t *testing.T, set *Set, cases []goldenCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := set.Render(c.tmpl, c.data)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.name, r)
		})
	}
}

// The office and its contact as the embedded example configures them.
const office = "都市圈办公室"

var contact = OfficeContact{Name: "综合处张敏", Phone: "0551-63000000"}

// letter is the office's letter to unit about period.
func letter(unit, period string) Letter {
	return Letter{Office: office, Contact: contact, Unit: unit, Period: period}
}

func sampleRejection() ReplyData {
	return ReplyData{
		Letter:   letter("市交通运输局", "2023年5月"),
		FileName: "市交通运输局-2023年5月推进情况.xlsx", ReceivedAt: "2023年6月5日10时12分", Deadline: "2023年6月7日（星期三）24时",
		Problems: []ProblemLine{
			{Cell: "F6", Task: "T04", Message: "“本月进展”未填写，请填写本月工作进展。"},
			{Cell: "G7", Task: "T05", Message: "“完成状态”填写为“进行中”，请从下拉列表中选择：已完成、序时推进、滞后、未启动。"},
			{Message: "<b>联系人</b>未填写"},
		},
	}
}

// goldenCases renders every message the product sends, with the data jobs
// gives it (the words formatted as jobs formats them), each compared with
// testdata/NAME.golden.
func goldenCases() []goldenCase {
	tasks := []TaskLine{{Number: "4.", Title: "优化轨道交通布局", Status: "序时推进"}, {Number: "5.", Title: "织密高速通道网络", Status: "滞后"}}
	const (
		may, sep          = "2023年5月", "2023年9月"
		mayDue, sepDue    = "2023年6月7日（星期三）24时", "2023年10月11日（星期三）24时"
		jtj, jtjFile      = "市交通运输局", "市交通运输局-2023年5月推进情况.xlsx"
		jtjSepFile        = "市交通运输局-2023年9月推进情况.xlsx"
		received, request = "2023年6月2日9时30分", "2023年6月20日（星期二）"
	)
	noContact := sampleRejection()
	noContact.Unit, noContact.Contact = "", OfficeContact{}
	return []goldenCase{
		{"reminder", Reminder, ReminderData{Letter: letter(jtj, may), Plan: "2023年推进都市圈一体化建设工作要点",
			Deadline: mayDue, FileName: jtjFile, Tasks: tasks, Closed: 1}},
		// With the desk public: the unit's own upload link, for a gateway that strips attachments.
		{"reminder_upload_link", Reminder, ReminderData{Letter: letter(jtj, may), Plan: "2023年推进都市圈一体化建设工作要点",
			Deadline: mayDue, FileName: jtjFile, Tasks: tasks, UploadLink: "https://desk.metro.example/u/jtj/2023-05/ABCDEFGHIJKLMNOPQRSTUVWXYZ"}},
		{"chase_overdue_upload_link", Chase, ChaseData{Letter: letter(jtj, sep), Deadline: sepDue, Overdue: 1, DaysLate: 1,
			OfficeCopied: true, FileName: jtjSepFile, UploadLink: "https://desk.metro.example/u/jtj/2023-09/ABCDEFGHIJKLMNOPQRSTUVWXYZ"}},
		{"chase_before", Chase, ChaseData{Letter: letter(jtj, sep), Deadline: sepDue, DaysLeft: 2, FileName: jtjSepFile}},
		{"chase_overdue", Chase, ChaseData{Letter: letter(jtj, sep), Deadline: sepDue, Overdue: 1, DaysLate: 1, OfficeCopied: true, FileName: jtjSepFile}},
		{"chase_red", Chase, ChaseData{Letter: letter(jtj, sep), Deadline: sepDue,
			Overdue: 2, DaysLate: 6, OfficeCopied: true, Leader: "王主任", FileName: jtjSepFile}},
		{"receipt_on_time", Receipt, ReplyData{Letter: letter("市科技局", may), FileName: "a.xlsx", ReceivedAt: received, Deadline: mayDue, Version: 1}},
		{"receipt_late_v2", Receipt, ReplyData{Letter: letter("市科技局", may), FileName: "a.xlsx", ReceivedAt: "2023年6月9日9时30分",
			Deadline: mayDue, Version: 2, Late: true}},
		{"receipt_with_tasks", Receipt, ReplyData{Letter: letter(jtj, may), FileName: "a.xlsx",
			ReceivedAt: received, Deadline: mayDue, Version: 1, Tasks: tasks}},
		{"receipt_several_files", Receipt, ReplyData{Letter: letter(jtj, may), FileName: "a.xlsx",
			ReceivedAt: received, Deadline: mayDue, Version: 1, Tasks: tasks,
			Others: []string{"附件“b.xlsx”：未采用。本邮件另附的“a.xlsx”已通过校验并登记，本文件未采用。"}}},
		{"rejection", Rejection, sampleRejection()},
		// A sender matched to no unit, and no office contact configured.
		{"rejection_no_unit", Rejection, noContact},
		{"no_workbook", NoWorkbook, NoWorkbookData{Letter: letter(jtj, may), ReceivedAt: received, Deadline: mayDue, Found: "照片.jpg"}},
		{"no_workbook_too_large", NoWorkbook, NoWorkbookData{Letter: letter(jtj, may), ReceivedAt: received,
			Deadline: mayDue, TooLarge: "42.0 MB，超过了 40 MB 的上限"}},
		{"extension_received", Extension, ExtensionData{Letter: letter(jtj, may), Deadline: mayDue,
			Requested: request, Reason: "部分项目数据待统计部门核定", ReceivedAt: "2023年6月5日10时12分"}},
		{"extension_granted", Extension, ExtensionData{Letter: letter(jtj, may), Deadline: mayDue,
			Requested: request, Decision: "granted", Until: "2023年6月16日（星期五）24时", Note: "同意延期，但不超过6月16日。", FileName: jtjFile}},
		{"extension_refused", Extension, ExtensionData{Letter: letter(jtj, may), Deadline: mayDue,
			Requested: request, Decision: "refused"}},
		{"closure", Closure, ClosureData{Letter: letter("市发展改革委", "2023年6月"), Task: "T01 加快规划报批实施", Next: "2023年7月", Note: "规划已获批复。"}},
		{"closure_reopened", Closure, ClosureData{Letter: letter("市发展改革委", ""), Task: "T01 加快规划报批实施", Next: sep, Reopened: true}},
		{"compiled_v1", Compiled, CompiledData{Office: office, Period: sep, FileName: "2023年9月推进情况汇总-v1.xlsx", Version: 1, GeneratedAt: "2023年10月12日8时30分",
			Deadline: sepDue, Expected: 13, Submitted: 11, Late: 1, Missing: []string{jtj, "市科技局"}}},
		{"compiled_v2", Compiled, CompiledData{Office: office, Period: sep, FileName: "2023年9月推进情况汇总-v2.xlsx", Version: 2, PreviousVersion: 1, GeneratedAt: "2023年10月13日10时00分",
			Deadline: sepDue, Expected: 13, Submitted: 13, Late: 3, Changes: []string{"市交通运输局：补报（10月12日16时20分）", "市发展改革委：更正，第2次报送（10月13日9时41分）"}}},
		{"compiled_colours", Compiled, CompiledData{Office: office, Period: sep, FileName: "2023年9月推进情况汇总-v1.xlsx", Version: 1,
			GeneratedAt: "2023年10月12日8时30分", Deadline: sepDue, Expected: 13, Submitted: 12, Missing: []string{"市科技局"},
			RedUnits: []string{"市科技局"}, RedTasks: []string{"5.织密高速通道网络（市交通运输局）"}, YellowTasks: 2, Bulletin: "2023年9月推进情况通报（第1版）.docx"}},
		{"login", Login, LoginData{Office: office, RequestedAt: "2023年6月8日9时30分", Link: "https://desk.metro.example/login/abc123", Minutes: 15}},
		{"digest", Digest, DigestData{Office: office, Date: "2023年6月5日（星期一）", Count: 4, RetentionDays: 90, Operator: "信息中心值班", Groups: []DigestGroup{
			{Number: "一", Reason: "未登记的发件人", Items: []DigestItem{
				{ReceivedAt: "6月2日10时00分", From: "xiaowang@qq.example", Subject: "市交通运输局5月推进情况", Size: "31 KB"},
				{ReceivedAt: "6月3日22时41分", From: "<b>x</b>@evil.example", Size: "1.0 MB"}}, More: 1},
			{Number: "二", Reason: "退信（可能有单位未收到邮件）", Items: []DigestItem{
				{ReceivedAt: "6月4日8时02分", From: "mailer-daemon@jtj.metro.example", Subject: "Undelivered Mail Returned to Sender", Size: "45 KB"}}},
		}}},
		{"office_note", OfficeNote, OfficeNoteData{Office: office, Title: "邮件未能送达：市交通运输局",
			Lines: []string{"收件人：li.na@jtj.metro.example", "邮件：报送提醒（2023年5月）", "原因：对方邮件服务器拒收，邮箱地址可能有误或已停用。"}}},
		{"operator_note", OperatorNote, OperatorNoteData{Title: "mail failed for good: reminder 2023-05 to jtj",
			Lines: []string{"To: li.na@jtj.metro.example", "Error: 550 mailbox unavailable"}}},
	}
}

func TestRenderGolden(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	renderGoldens(t, set, goldenCases())
}

func TestRenderEscapesHTMLAndKeepsSubjectOneLine(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	d := sampleRejection()
	d.Unit = "市交通运输局\r\nBcc: x@evil.example"
	r, err := set.Render(Rejection, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("Render subject = %q, want a single line", r.Subject)
	}
	if strings.Contains(r.HTML, "<b>联系人</b>") {
		t.Errorf("Render html kept unit-supplied markup unescaped:\n%s", r.HTML)
	}
}

func TestOverrideDir(t *testing.T) {
	dir := t.TempDir()
	custom := `{{define "subject"}}自定义回执 {{.Unit}}{{end}}{{define "text"}}收到{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "receipt.txt.tmpl"), []byte(custom), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Render(Receipt, ReplyData{Letter: Letter{Unit: "市科技局"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "自定义回执 市科技局" || r.Text != "收到" {
		t.Errorf("Render with override = %q / %q", r.Subject, r.Text)
	}
	if !strings.Contains(r.HTML, "市科技局") {
		t.Errorf("the html part should still come from the built-in template, got %q", r.HTML)
	}

	bad := filepath.Join(dir, "rejection.txt.tmpl")
	if err := os.WriteFile(bad, []byte(`{{define "subject"}}x{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `"text"`) {
		t.Errorf("Load with a template missing its text block: err = %v, want one naming the block", err)
	}
}
