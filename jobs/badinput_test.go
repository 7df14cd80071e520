package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math/rand/v2"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// TestBadInput feeds a corpus of bad messages, each a whole .eml as a unit
// (or a stranger, or a mail server) would send it, through
// Cycle.IngestMessage — the path of mail from the mailbox — on the embedded
// example configuration, and checks for each: the decision, the answer and
// what it tells the unit, that nothing panics or hangs, that the raw message
// is archived, that nothing is written outside the data and outbox folders,
// and that ingesting the same message again changes nothing.
//
// The small messages are committed under testdata/badinput (the corpus);
// go test ./jobs/ -run BadInput -badinput.regen rewrites them from the
// generators below, deterministically. The large ones (a 30 MB attachment,
// 20 MB of headers, a cell of 100,000 characters) are generated at run
// time and never committed. -badinput.table FILE writes the corpus table
// for the docs from the same cases.
//
// Each case gets a fresh data directory whose ledger holds badInputSecret
// (written straight into its settings table: the configuration's
// security.token_secret is not used by the ledger), so the committed
// templates carry valid tokens. Cases run one after another, not in
// parallel: each compares snapshots of the shared temporary root and
// points TMPDIR at a folder of its own.

var (
	badInputRegen = flag.Bool("badinput.regen", false, "rewrite testdata/badinput from its generators")
	badInputTable = flag.String("badinput.table", "", "write the bad-input corpus table (markdown) to this file")
)

const badInputDir = "testdata/badinput"

// badInputSecret signs every template of the corpus: the ledger of each case
// is given this key, so committed workbooks carry valid tokens.
var badInputSecret = []byte("duban-badinput-corpus-secret-32b")

// Times of the corpus: reminders for May 2023 go out on 2023-06-01 09:00;
// replies come on 2023-06-02 10:00, before the deadline (2023-06-07).
var badApril = plan.Period{Year: 2023, Month: time.April}

const (
	badReplyAt   = "2023-06-02 10:00"
	badReplyDate = "Fri, 02 Jun 2023 10:00:00 +0800"
)

// Who is who in the embedded example.
var (
	badLiuYang  = mail.Address{Name: "刘洋", Email: "liu.yang@jtj.metro.example"} // jtj's first contact
	badFengXue  = mail.Address{Name: "冯雪", Email: "feng.xue@jtj.metro.example"} // jtj's second contact
	badStranger = mail.Address{Name: "小王", Email: "xiaowang@qq.example"}        // nobody's contact
	badDuban    = mail.Address{Name: "都市圈办公室", Email: "duban@metro.example"}
	badOffice   = "office@metro.example"
)

// Decisions, as the test names them.
const (
	outProcessed  = store.InProcessed
	outRejected   = store.InRejected
	outQuarantine = store.InQuarantine
	outIgnored    = "ignored" // processed, deliberately left unanswered

	subAccepted = "accepted" // one submission recorded, accepted
	subRejected = "rejected" // one submission recorded, refused
	subNone     = "none"     // no submission recorded

	ansNone MailKind = "none"
)

// badWant is what must become of one message.
type badWant struct {
	outcome    string   // outProcessed, outRejected, outQuarantine, outIgnored
	submission string   // subAccepted, subRejected, subNone
	answer     MailKind // X-Duban-Kind of the one answer sent: receipt, rejection, no_workbook, office_note; or ansNone
	says       []string // phrases the answer's text must contain (what to do, the cell)
}

// badCase is one message of the corpus.
type badCase struct {
	name  string                 // file stem under testdata/badinput
	sent  string                 // what is sent, for the table
	build func(g *badGen) []byte // the whole message
	large bool                   // built at run time, never committed
	// setup runs before the message arrives, after the May reminder to jtj.
	setup func(t *testing.T, r *badRun)
	want  badWant
	// check makes the case's own further assertions; also says what they
	// are, for the table.
	check func(t *testing.T, r *badRun, got *badResult)
	also  string
}

func badInputCases() []badCase {
	return []badCase{
		// The file is not an .xlsx.
		{
			name: "xls-ole", sent: "old Excel .xls (OLE compound file) attached",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "xls", g.attach("市交通运输局-2023年5月推进情况.xls", "application/vnd.ms-excel",
					oleFile("Root Entry", "Workbook", "\x05SummaryInformation", "\x05DocumentSummaryInformation")))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"旧版 Excel（.xls）", "另存为", ".xlsx"}},
		},
		{
			name: "wps-et", sent: "WPS .et workbook attached",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "et", g.attach("市交通运输局-2023年5月推进情况.et", "application/octet-stream",
					oleFile("Root Entry", "Workbook", "ETExtData", "\x05SummaryInformation")))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"WPS（.et）", "另存为", ".xlsx"}},
		},
		{
			name: "ods", sent: "OpenDocument .ods attached",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "ods", g.attach("市交通运输局-2023年5月推进情况.ods", "application/vnd.oasis.opendocument.spreadsheet", odsFile(g.t)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{".ods", "另存为", ".xlsx"}},
		},
		{
			name: "xlsm-macro", sent: "the filled template saved as .xlsm with a vbaProject.bin",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "xlsm", g.attach("市交通运输局-2023年5月推进情况.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12",
					withMacro(g.t, g.filled("jtj", may, nil))))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"宏", "另存为", "不含宏"}},
		},
		{
			name: "xlsx-password", sent: "password-protected .xlsx (OLE EncryptionInfo + EncryptedPackage)",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "encrypted", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType,
					oleFile("Root Entry", "\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"打开密码", "清空密码"}},
		},
		{
			name: "xlsx-truncated", sent: "the filled template cut in half (corrupt zip) as .xlsx",
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, nil)
				return g.reply(badLiuYang, "truncated", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book[:len(book)/2]))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"损坏", "另存为"}},
		},
		{
			name: "zip-bomb", sent: ".xlsx whose sheet inflates to 120 MB (directory tells the truth)",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "bomb", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, testtools.BombXLSX(g.t, 120<<20, false)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"解压后", "超过了 100.0 MB"}},
		},
		{
			name: "zip-bomb-lying", sent: ".xlsx whose sheet inflates to 120 MB, the zip directory claiming 1 KB",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "bomb-lying", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, testtools.BombXLSX(g.t, 120<<20, true)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"文件无法读取", "另存为"}},
			also: "the sheet stops at the size its directory declared: read as a damaged file",
		},
		{
			// Generated at run time: 12 MB is too large to commit.
			name: "attachment-12mb", sent: "a 12 MB .xlsx (the template plus a 12 MB picture) in a 16 MB message; generated at run time", large: true,
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "12mb", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, withPicture(g.t, g.filled("jtj", may, nil), 12<<20)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"超过 10 MB 的限制", "重新保存为 .xlsx", "不要打包成压缩文件"}},
			check: func(t *testing.T, r *badRun, got *badResult) {
				m := regexp.MustCompile(`大小为 ([0-9.]+) MB`).FindStringSubmatch(got.answerText())
				var mb float64
				if m != nil {
					fmt.Sscan(m[1], &mb)
				}
				if mb < 10 {
					t.Errorf("the answer should give a size over 10 MB:\n%s", got.answerText())
				}
			},
			also: "the size told is over 10 MB",
		},
		{
			// Generated at run time: 41 MB is too large to commit.
			name: "message-41mb", sent: "a 30 MB .xlsx in a 41 MB message, over the message limit (4 × the attachment limit); generated at run time", large: true,
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "41mb", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, withPicture(g.t, g.filled("jtj", may, nil), 30<<20)))
			},
			want: badWant{outRejected, subNone, kindNoWorkbook, []string{"未能读取其中的附件", "超过了 40 MB 的上限", "只附本期推进情况表"}},
			also: "judged from its header and size alone: only its first 1 MiB is read and archived (the whole stays in the mailbox)",
		},
		{
			name: "photo-only", sent: "a .jpg photo of the sheet, no workbook",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "photo", g.attach("IMG_20230602_095512.jpg", "image/jpeg", jpegPhoto(g.t)))
			},
			want: badWant{outRejected, subNone, kindNoWorkbook, []string{"没有找到推进情况表", "只找到：IMG_20230602_095512.jpg", "附上填写好的推进情况表"}},
		},
		{
			name: "zip-of-workbook", sent: "a .zip holding the filled template",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "zip", g.attach("推进情况.zip", "application/zip",
					testtools.ZipOf(g.t, testtools.ZipEntry{Name: "市交通运输局-2023年5月推进情况.xlsx", Content: g.filled("jtj", may, nil)})))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"不要压缩", ".xlsx"}},
		},

		// The wrong template.
		{
			name: "wrong-month", sent: "April's template (already reported in April) filled again with May's progress, in reply to the May reminder",
			setup: func(t *testing.T, r *badRun) {
				// jtj reported April on time; the May reminder follows.
				r.clock.Set(r.c.Schedule.RemindAt(badApril))
				r.remind(badApril, "jtj")
				r.clock.Set(at(t, r.c, "2023-05-08 10:00"))
				d, err := r.c.Ingest(r.ctx, r.g().filled("jtj", badApril, func(a []plan.Answer) {
					for i := range a {
						a[i].Progress = "四月进展 " + a[i].TaskID
					}
				}), "april.xlsx", "test")
				if err != nil || !d.Accepted {
					t.Fatalf("April's report: %+v, %v", d, err)
				}
				r.clock.Set(r.c.Schedule.RemindAt(may))
				r.remind(may, "jtj")
			},
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "wrong-month", g.attach("市交通运输局-2023年4月推进情况.xlsx", mail.XLSXType, g.filled("jtj", badApril, nil)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"这是 2023年4月 的模板，本期是 2023年5月"}},
			check: func(t *testing.T, r *badRun, got *badResult) {
				latest, _ := r.c.Ledger.Latest(r.ctx, badApril.String())
				if s := latest["jtj"]; s.Version != 1 || !strings.HasPrefix(s.Answers[0].Progress, "四月进展") {
					t.Errorf("April's accepted report was replaced by May's progress: version %d, %q", s.Version, s.Answers[0].Progress)
				}
			},
			also: "April's accepted report stays version 1",
		},
		{
			name: "other-units-template", sent: "jtj's contact sends fgw's template (a genuine mistake), in reply to jtj's reminder",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "other-unit", g.attach("市发展改革委-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("fgw", may, nil)))
			},
			want:  badWant{outRejected, subRejected, kindRejection, []string{"这是市发展改革委的模板，不是市交通运输局的模板", "请使用发给市交通运输局的模板"}},
			check: func(t *testing.T, r *badRun, _ *badResult) { r.noAccepted(t, "fgw") },
			also:  "fgw gets no accepted report",
		},
		{
			name: "hidden-sheet-deleted", sent: "the filled template with its hidden sheet _duban deleted",
			build: func(g *badGen) []byte {
				book := g.edit(g.filled("jtj", may, nil), func(f *excelize.File) error { return f.DeleteSheet(reports.SheetMeta) })
				return g.reply(badLiuYang, "no-meta", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"隐藏的校验工作表缺失", "请使用本期通知邮件附带的模板重新填写"}},
		},

		// The table changed.
		{
			name: "task-row-deleted", sent: "the row of task T05 deleted",
			build: func(g *badGen) []byte {
				book := g.edit(g.filled("jtj", may, nil), func(f *excelize.File) error { return f.RemoveRow(reports.SheetForm, 8) })
				return g.reply(badLiuYang, "row-deleted", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"第5项任务（织密高速通道网络）缺失，请勿删除任务行"}},
		},
		{
			name: "task-row-added", sent: "a row added for T03, a task jtj only co-leads",
			build: func(g *badGen) []byte {
				book := g.edit(g.filled("jtj", may, nil), func(f *excelize.File) error {
					return f.SetSheetRow(reports.SheetForm, "A11", &[]any{3, "推进合作专题落实", "", "", "", "配合完成专题对接", "序时推进", "无", "继续配合", "T03"})
				})
				return g.reply(badLiuYang, "row-added", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"单元格 J11", "第 11 行的任务编号“T03”不是本单位本期的任务"}},
		},
		{
			name: "task-rows-reordered", sent: "the rows of T04 and T06 swapped",
			build: func(g *badGen) []byte {
				book := g.edit(g.filled("jtj", may, nil), func(f *excelize.File) error {
					return swapRange(f, "A7", "J7", "A9")
				})
				return g.reply(badLiuYang, "rows-reordered", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want:  badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过", "4. 优化轨道交通布局：序时推进\n  5. 织密高速通道网络", "如需修改，请在原表基础上修改"}},
			check: func(t *testing.T, r *badRun, _ *badResult) { r.answersIntact(t) },
			also:  "every answer recorded under its own task",
		},
		{
			name: "columns-moved", sent: "the columns 本月进展 and 下步计划 swapped, headers included",
			build: func(g *badGen) []byte {
				book := g.edit(g.filled("jtj", may, nil), func(f *excelize.File) error {
					return swapRange(f, "F5", "F10", "I5")
				})
				return g.reply(badLiuYang, "columns-moved", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want:  badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过", "如需修改，请在原表基础上修改"}},
			check: func(t *testing.T, r *badRun, _ *badResult) { r.answersIntact(t) },
			also:  "every answer recorded under its own task",
		},

		// The cells.
		{
			name: "status-typed", sent: "完成状态 typed by hand: 进行中 (T04), 完成 (T05)",
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, func(a []plan.Answer) { a[0].Status, a[1].Status = "进行中", "完成" })
				return g.reply(badLiuYang, "status", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"单元格 G7", "“进行中”，不是规定的选项", "单元格 G8", "“完成”，不是规定的选项",
				"请从下拉列表中选择：已完成、序时推进、滞后、未启动"}},
		},
		{
			name: "required-empty", sent: "联系人, T05's 本月进展 and T06's 完成状态 left empty",
			build: func(g *badGen) []byte {
				book := g.filledBy("jtj", may, "", "0551-63500201", func(a []plan.Answer) { a[1].Progress, a[2].Status = "", "" })
				return g.reply(badLiuYang, "empty", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"单元格 C12", "请填写本次报送的联系人姓名", "单元格 F8",
				"“本月进展”未填写", "单元格 G9", "“完成状态”未选择"}},
		},
		{
			// Generated at run time: 100,000 characters make a 300 KB cell.
			// Excel stops at 32,767 characters a cell (and so does excelize's
			// SetCellStr); another program writes more, so the text goes
			// into the shared strings directly.
			name: "cell-100k-chars", sent: "T04's 本月进展 of 100,000 characters (written into the XML, past Excel's 32,767); generated at run time", large: true,
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, func(a []plan.Answer) { a[0].Progress = "[LONG]" })
				book = patchStrings(g.t, book, "[LONG]", strings.Repeat("推进", 50000))
				return g.reply(badLiuYang, "100k", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"单元格 F7", "共 100000 字", "请精简到 5000 字以内"}},
			check: func(t *testing.T, r *badRun, got *badResult) {
				if n := len(got.answerText()); n > 20<<10 {
					t.Errorf("the rejection text is %d bytes: the long cell should not be echoed back", n)
				}
			},
			also: "the rejection does not echo the cell",
		},
		{
			name: "formula-like-text", sent: "text cells starting with =, +, - and @ (one a HYPERLINK formula), typed as text",
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, func(a []plan.Answer) {
					for i, v := range badFormulaLike {
						switch i {
						case 0:
							a[0].Progress = v
						case 1:
							a[0].Issues = v
						case 2:
							a[0].NextSteps = v
						case 3:
							a[1].Progress = v
						case 4:
							a[2].Issues = v
						}
					}
				})
				return g.reply(badLiuYang, "formula", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want:  badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过", "已登记为本期第1次报送"}},
			check: checkFormulaLikeStaysText,
			also:  "recorded as typed; string cells, no formula, in the compiled workbook (明细, 问题清单) and in June's template (上月进展)",
		},
		{
			name: "control-chars", sent: "a vertical tab in T04's 本月进展 and a BEL in T05's 存在问题",
			build: func(g *badGen) []byte {
				// Excel writes control characters as _xHHHH_ escapes (excelize's
				// SetCellStr would drop them).
				book := g.filled("jtj", may, func(a []plan.Answer) {
					a[0].Progress = "完成首期工程[VT]验收"
					a[1].Issues = "资金[BEL]缺口"
				})
				book = patchStrings(g.t, book, "[VT]", "_x000B_", "[BEL]", "_x0007_")
				return g.reply(badLiuYang, "control", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, book))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"单元格 F7", "单元格 H8", "控制字符", "请删除该单元格内容后重新输入"}},
		},

		// The message.
		{
			name: "attachment-path-traversal", sent: "the filled template attached as ../../etc/passwd.xlsx",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "traversal", g.attach("../../etc/passwd.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"附件“passwd.xlsx”", "校验通过"}},
			check: func(t *testing.T, r *badRun, got *badResult) {
				if strings.Contains(got.answerText(), "../") || strings.Contains(got.answerText(), "etc/") {
					t.Errorf("the receipt repeats the path:\n%s", got.answerText())
				}
				wd, _ := os.Getwd()
				for _, p := range []string{
					filepath.Join(r.data, "../../etc/passwd.xlsx"), filepath.Join(r.out, "../../etc/passwd.xlsx"),
					filepath.Join(wd, "../../etc/passwd.xlsx"), "/etc/passwd.xlsx",
				} {
					if _, err := os.Lstat(p); err == nil {
						t.Errorf("%s was written", p)
					}
				}
			},
			also: "the receipt names passwd.xlsx, no path; nothing at ../../etc/passwd.xlsx from the data, outbox or working folder, nor /etc/passwd.xlsx",
		},
		{
			name: "subject-crlf", sent: "a Subject encoded-word hiding CR LF + Bcc:/X-Injected: lines; a valid workbook",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{
					from:    addr(badLiuYang),
					subject: bword("UTF-8", "回复：5月推进情况\r\nBcc: attacker@evil.example\r\nX-Injected: yes"),
					id:      "subject-crlf",
				}, g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want:  badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
			check: checkNoInjection,
			also:  "no Bcc:/X-Injected: header line in the answer; envelope recipients: the sender only",
		},
		{
			name: "from-name-crlf", sent: "the From display name an encoded-word hiding CR LF + Bcc: (a registered address); a valid workbook",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{
					from: bword("UTF-8", "刘洋\r\nBcc: attacker@evil.example") + " <liu.yang@jtj.metro.example>",
					id:   "from-crlf",
				}, g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want:  badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
			check: checkNoInjection,
			also:  "no Bcc:/X-Injected: header line in the answer; envelope recipients: the sender only",
		},
		{
			name: "no-body", sent: "headers only: no body, no blank line after the header",
			build: func(g *badGen) []byte {
				return []byte(crlfLines(fmt.Sprintf(`From: %s
To: %s
Subject: %s
Date: %s
Message-ID: <no-body.20230602100000@jtj.metro.example>
In-Reply-To: <%s>
References: <%s>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8`, addr(badLiuYang), addr(badDuban), bword("UTF-8", "回复：5月推进情况"), badReplyDate,
					g.reminderID("jtj"), g.reminderID("jtj"))))
			},
			want: badWant{outRejected, subNone, kindNoWorkbook, []string{"没有找到推进情况表", "附上填写好的推进情况表"}},
		},
		{
			// Generated at run time: 20 MB is too large to commit.
			name: "headers-20mb", sent: "a valid reply preceded by 20 MB of Received: header lines; generated at run time", large: true,
			build: func(g *badGen) []byte {
				msg := g.reply(badLiuYang, "20mb-headers", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
				var b bytes.Buffer
				for i := 0; b.Len() < 20<<20; i++ {
					fmt.Fprintf(&b, "Received: from relay%06d.example (relay%06d.example [192.0.2.1]) by mx.metro.example; %s\r\n", i, i, badReplyDate)
				}
				return append(b.Bytes(), msg...)
			},
			want: badWant{outQuarantine, subNone, ansNone, []string{"邮件头过长", "header block larger than"}},
			also: "nothing past the header block is read; its first 1 MiB is archived; the office's daily digest lists it",
		},
		{
			name: "mime-boundary-malformed", sent: "multipart whose declared boundary is never used and whose closing delimiter is missing; a valid workbook",
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, nil)
				const real = "----=_NextPart_000_0012_01D99529.5A1C2E40"
				return []byte(crlfLines(fmt.Sprintf(`From: %s
To: %s
Subject: %s
Date: %s
Message-ID: <boundary.20230602100000@jtj.metro.example>
In-Reply-To: <%s>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_declared_but_never_used"

--%s
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

%s
--%s
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="%s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="%s"

%s
`, addr(badLiuYang), addr(badDuban), bword("UTF-8", "回复：5月推进情况"), badReplyDate, g.reminderID("jtj"),
					real, b64Lines([]byte(badBodyText)), real, bword("UTF-8", "市交通运输局-2023年5月推进情况.xlsx"),
					bword("UTF-8", "市交通运输局-2023年5月推进情况.xlsx"), b64Lines(book))))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
		},
		{
			name: "charset-unknown", sent: "subject, body and file name in an unknown charset (x-unknown-2023); a valid workbook",
			build: func(g *badGen) []byte {
				book := g.filled("jtj", may, nil)
				return []byte(crlfLines(fmt.Sprintf(`From: %s
To: %s
Subject: =?x-unknown-2023?B?%s?=
Date: %s
Message-ID: <charset.20230602100000@jtj.metro.example>
In-Reply-To: <%s>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset="x-unknown-2023"
Content-Transfer-Encoding: 8bit

%s
--b1
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename*=x-unknown-2023''%s

%s
--b1--
`, addr(badLiuYang), addr(badDuban), base64.StdEncoding.EncodeToString([]byte("回复：5月推进情况")), badReplyDate, g.reminderID("jtj"),
					badBodyText, pctEncode("市交通运输局-2023年5月推进情况.xlsx"), b64Lines(book))))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
		},

		// Who sent it.
		{
			name: "sender-unregistered", sent: "a stranger (xiaowang@qq.example) replies to jtj's reminder with jtj's filled template",
			build: func(g *badGen) []byte {
				return g.reply(badStranger, "stranger", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want:  badWant{outQuarantine, subNone, ansNone, []string{"未登记的发件人"}},
			check: func(t *testing.T, r *badRun, got *badResult) { r.noAccepted(t, "jtj"); r.stranger(t, got) },
			also:  "judged from the header alone, its workbook never opened; jtj gets no accepted report; nothing goes to the stranger; the office's daily digest lists it",
		},
		{
			name: "from-spoofed", sent: "From: jtj's contact, Return-Path/Sender/Reply-To elsewhere, threaded to fgw's reminder, carrying fgw's filled template (fgw's token)",
			setup: func(t *testing.T, r *badRun) { r.remind(may, "fgw") },
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{
					from: addr(badLiuYang), id: "spoofed", inReplyTo: g.reminderID("fgw"),
					extra: "Return-Path: <bulk@mailer.evil.example>\nReceived: from mailer.evil.example (unknown [203.0.113.9])\n\tby mx.metro.example (Postfix) with ESMTP id 4QbS1; " + badReplyDate +
						"\nSender: <bulk@mailer.evil.example>\nReply-To: <collector@evil.example>",
				}, g.attach("市发展改革委-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("fgw", may, nil)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"这是市发展改革委的模板，不是市交通运输局的模板"}},
			check: func(t *testing.T, r *badRun, got *badResult) {
				r.noAccepted(t, "fgw")
				r.noAccepted(t, "jtj")
				if rcpt := r.recipients(t); !slices.Equal(rcpt, []string{badLiuYang.Email}) {
					t.Errorf("the rejection went to %v, want only the registered contact %s (never Reply-To or Sender)", rcpt, badLiuYang.Email)
				}
			},
			also: "answered at the From address only (never Reply-To or Sender); neither fgw nor jtj gets an accepted report",
		},

		// Hostile workbooks: bounded reading.
		{
			name: "wide-rows", sent: "the filled template plus one cell in column XFD on each of 10,000 rows (61 KB zipped; 4 GB when it was read whole)",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "wide", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, wideRows(g.t, g.filled("jtj", may, nil), 10000)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"表格以外的区域", "10000 个单元格", "XFD20"}},
			also: "the cells outside the table are counted, never held",
		},
		{
			name: "nested-elements", sent: "two million nested <r> elements inside one inline-string cell",
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "nested", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, nestedElements(g.t, g.filled("jtj", may, nil), 2_000_000)))
			},
			want: badWant{outRejected, subRejected, kindRejection, []string{"内部结构异常", "嵌套超过 32 层", "另存为"}},
		},
		{
			// Generated at run time: a megabyte of workbooks.
			name: "fifty-workbooks", sent: "one message with 50 distinct filled copies of the template; generated at run time", large: true,
			build: func(g *badGen) []byte {
				var files []badAttachment
				for i := range 50 {
					files = append(files, g.attach(fmt.Sprintf("市交通运输局-2023年5月推进情况(%d).xlsx", i+1), mail.XLSXType,
						g.filledBy("jtj", may, "刘洋", fmt.Sprintf("0551-635%05d", i), nil)))
				}
				return g.reply(badLiuYang, "fifty", files...)
			},
			want: badWant{outRejected, "10 submissions, 0 accepted", kindRejection, []string{"无法确定以哪一份为准", "另有 40 个附件未读取"}},
			also: "one answer; only limits.max_attachments (10) files are looked at",
		},
		{
			name: "two-workbooks-one-valid", sent: "the filled template and a copy with a status typed by hand, in one message",
			build: func(g *badGen) []byte {
				bad := g.filled("jtj", may, func(a []plan.Answer) { a[0].Status = "进行中" })
				return g.reply(badLiuYang, "two", g.attach("草稿.xlsx", mail.XLSXType, bad),
					g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want: badWant{outProcessed, "2 submissions, 1 accepted", kindReceipt, []string{"校验通过", "附件“草稿.xlsx”：未采用"}},
			also: "one receipt, naming the file taken and why the other was not",
		},

		// Nothing real is dropped.
		{
			name: "subject-waichu", sent: "a real report whose subject starts with 外出 (外出调研期间报送……), no auto-reply header",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{from: addr(badLiuYang), id: "waichu", subject: bword("UTF-8", "外出调研期间报送5月推进情况")},
					g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
		},
		{
			name: "auto-reply-subject-with-workbook", sent: "subject 自动回复：… with no auto-reply header, and the filled template attached",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{from: addr(badLiuYang), id: "subject-book", subject: bword("UTF-8", "自动回复：【报送提醒】市交通运输局2023年5月推进情况")},
					g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"校验通过"}},
			also: "a message with a workbook is always judged as a report",
		},

		// Who sent it: from the header, before anything is opened.
		{
			name: "sender-lookalike", sent: "From: liu.yang@jtj.metro.exampl\u212A (a Kelvin sign for the k), jtj's filled template",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{from: "<liu.yang@jtj.metro.exampl\u212A>", id: "kelvin"},
					g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want:  badWant{outQuarantine, subNone, ansNone, []string{"未登记的发件人"}},
			check: func(t *testing.T, r *badRun, got *badResult) { r.noAccepted(t, "jtj"); r.stranger(t, got) },
			also:  "a look-alike character is never folded into the letter it imitates",
		},
		{
			name: "dmarc-fail", sent: "a contact's address, the receiving server's Authentication-Results saying dmarc=fail",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{from: addr(badLiuYang), id: "dmarc",
					extra: "Authentication-Results: mx.metro.example; spf=softfail smtp.mailfrom=jtj.metro.example; dmarc=fail (p=none dis=none) header.from=jtj.metro.example"},
					g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want:  badWant{outQuarantine, subNone, ansNone, []string{"DMARC", "市交通运输局"}},
			check: func(t *testing.T, r *badRun, _ *badResult) { r.noAccepted(t, "jtj") },
		},
		{
			name: "exact-contact-over-domain", sent: "jtj's contact sends jtj's template while fgw lists jtj.metro.example among its domains",
			setup: func(t *testing.T, r *badRun) {
				p := *r.c.Plan
				p.Units = append([]plan.Unit(nil), p.Units...)
				for i, u := range p.Units {
					if u.ID == "fgw" {
						p.Units[i].Domains = []string{"jtj.metro.example"}
					}
				}
				r.c.Plan = p.Freeze()
			},
			build: func(g *badGen) []byte {
				return g.reply(badLiuYang, "exact", g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.filled("jtj", may, nil)))
			},
			want: badWant{outProcessed, subAccepted, kindReceipt, []string{"市交通运输局", "校验通过"}},
		},

		// Machines.
		{
			name: "auto-reply-header", sent: "an out-of-office reply (Auto-Submitted: auto-replied, X-Autoreply) quoting the reminder's template",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{
					from: addr(badLiuYang), id: "ooo", subject: bword("UTF-8", "自动回复: 【报送提醒】市交通运输局2023年5月推进情况"),
					extra: "Auto-Submitted: auto-replied\nX-Autoreply: yes",
					text:  "您好，我于6月1日至6月5日休假，期间邮件无法及时处理，急事请联系冯雪。",
				}, g.attach("市交通运输局-2023年5月推进情况.xlsx", mail.XLSXType, g.template("jtj", may)))
			},
			want: badWant{outRejected, subRejected, ansNone, []string{"自动发送的邮件", "未自动回复"}},
			also: "a message with a workbook is always judged as a report (here the blank template: refused); mail marked as automatic (RFC 3834) is never answered; the office's daily digest lists it",
		},
		{
			name: "auto-reply-subject", sent: "an auto-reply recognisable only by its subject (自动回复：…), from jtj's second contact",
			build: func(g *badGen) []byte {
				return g.replyWith(badMsg{
					from: addr(badFengXue), id: "ooo-subject", subject: bword("UTF-8", "自动回复：【报送提醒】市交通运输局2023年5月推进情况"),
					text: "这是一封自动回复邮件。您的来信已收到，我会尽快处理。",
				})
			},
			want: badWant{outIgnored, subNone, ansNone, nil},
		},
		{
			name: "bounce", sent: "a delivery-status report (multipart/report) for jtj's cc, carrying the whole reminder and its template",
			build: func(g *badGen) []byte {
				return g.bounce("cao.liang@jtj.metro.example")
			},
			want:  badWant{outQuarantine, subNone, ansNone, []string{"退信"}},
			check: func(t *testing.T, r *badRun, _ *badResult) { r.noAccepted(t, "jtj") },
			also:  "the reminder's template inside is not taken as a report; the office's daily digest lists it",
		},
	}
}

// badFormulaLike are texts a spreadsheet would take for formulas.
var badFormulaLike = []string{
	"=SUM(F1:F2) 完成首期工程",
	"+资金缺口 2000 万元",
	"-继续推进二期工程",
	"@市发展改革委 已协调用地指标",
	`=HYPERLINK("http://evil.example/","详情")`,
}

const badBodyText = "您好：\n附件是我局2023年5月推进情况表，请查收。\n刘洋 0551-63500201\n"

func TestBadInput(t *testing.T) {
	cases := badInputCases()
	if *badInputRegen {
		writeBadInputCorpus(t, cases)
	}
	if *badInputTable != "" {
		if err := os.WriteFile(*badInputTable, []byte(badInputMarkdown(cases)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := t.TempDir()
	start := time.Now()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runBadInput(t, filepath.Join(base, fmt.Sprintf("%02d-%s", i, tc.name)), base, tc)
		})
	}
	t.Logf("%d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))
}

// badResult is what one ingest did.
type badResult struct {
	rec     store.InMessage
	answers []badAnswer
}

type badAnswer struct {
	kind MailKind
	to   []string // addresses of To
	raw  []byte
	msg  *inbound.Message
}

// answerText is the text of the (first) answer.
func (b *badResult) answerText() string {
	if len(b.answers) == 0 {
		return ""
	}
	return b.answers[0].msg.Text
}

func runBadInput(t *testing.T, root, base string, tc badCase) {
	// Temporary files of any library land in the case's own folder, where
	// a leftover is seen.
	tmp := filepath.Join(root, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	r := newBadRun(t, root)
	r.clock.Set(r.c.Schedule.RemindAt(may))
	r.remind(may, "jtj")
	if tc.setup != nil {
		tc.setup(t, r)
	}
	r.clock.Set(at(t, r.c, badReplyAt))

	var raw []byte
	if tc.large {
		raw = tc.build(r.g())
	} else {
		var err error
		if raw, err = os.ReadFile(filepath.Join(badInputDir, tc.name+".eml")); err != nil {
			t.Fatalf("%v (run with -badinput.regen to write the corpus)", err)
		}
	}

	before, outBefore, snap := r.counts(t), r.outFiles(t), snapshot(t, base)
	started := time.Now()
	rec, flush, err := r.ingest(t, raw, tc.name+".eml")
	took := time.Since(started)
	if err != nil {
		t.Fatalf("IngestMessage: %v", err)
	}
	if took > 10*time.Second {
		t.Errorf("IngestMessage took %v", took)
	}
	if flush.Failed != 0 {
		t.Errorf("%d answers failed to send", flush.Failed)
	}
	after := r.counts(t)
	got := &badResult{rec: rec, answers: r.newAnswers(t, outBefore)}

	var sizes []string
	for _, a := range got.answers {
		sizes = append(sizes, fmt.Sprintf("%s %d bytes", a.kind, len(a.raw)))
	}
	t.Logf("%d-byte message in %v: outcome %s, note %q, subject %q, answers %v", len(raw), took.Round(time.Millisecond), rec.Outcome, rec.Note, rec.Subject, sizes)

	// The decision.
	outcome := rec.Outcome
	if outcome == store.InProcessed && strings.HasPrefix(rec.Note, noteIgnored) {
		outcome = outIgnored
	}
	if outcome != tc.want.outcome {
		t.Errorf("outcome = %s (note %q), want %s", outcome, rec.Note, tc.want.outcome)
	}
	if d := after.inbox - before.inbox; d != 1 {
		t.Errorf("%d inbound messages recorded, want 1", d)
	}
	sub := subNone
	switch subs, acc := after.submissions-before.submissions, after.accepted-before.accepted; {
	case subs == 1 && acc == 1:
		sub = subAccepted
	case subs == 1 && acc == 0:
		sub = subRejected
	case subs != 0:
		sub = fmt.Sprintf("%d submissions, %d accepted", subs, acc)
	}
	if sub != tc.want.submission {
		t.Errorf("submission = %s, want %s (note %q)", sub, tc.want.submission, rec.Note)
	}

	// The answer.
	var kinds []MailKind
	for _, a := range got.answers {
		kinds = append(kinds, a.kind)
	}
	switch want := tc.want.answer; {
	case want == ansNone && len(got.answers) != 0:
		t.Errorf("answers sent %v to %v, want none", kinds, got.answers[0].to)
	case want != ansNone && (len(got.answers) != 1 || got.answers[0].kind != want):
		t.Errorf("answers sent %v, want one %s", kinds, want)
	}
	if d := after.outbox - before.outbox; d != len(got.answers) {
		t.Errorf("%d messages queued in the outbox but %d written to the outbox folder", d, len(got.answers))
	}
	for _, a := range got.answers {
		switch a.kind {
		case kindOfficeNote:
			if !slices.Contains(a.to, badOffice) {
				t.Errorf("office note addressed to %v, want %s", a.to, badOffice)
			}
		default:
			if len(a.to) != 1 || a.to[0] != rec.From || rec.From == "" {
				t.Errorf("%s addressed to %v, want the sender %q", a.kind, a.to, rec.From)
			}
		}
		if a.kind != kindOfficeNote && (len(a.msg.InReplyTo) != 1 || a.msg.InReplyTo[0] != rec.MessageID) {
			t.Errorf("the %s answers %v, want the unit's message %q", a.kind, a.msg.InReplyTo, rec.MessageID)
		}
		if a.kind == kindRejection {
			books := a.msg.Workbooks()
			if len(books) != 1 {
				t.Errorf("the rejection carries %d workbooks, want a fresh template", len(books))
			} else if meta := reader.Parse(books[0].Data, r.c.Limits).Meta; meta.Unit != rec.Unit {
				t.Errorf("the rejection carries %s's template, want the sender's unit's (%s)", meta.Unit, rec.Unit)
			}
		}
		checkRegister(t, a.msg)
		for _, phrase := range tc.want.says {
			if !strings.Contains(a.msg.Text, phrase) {
				t.Errorf("the %s does not say %q:\n%s", a.kind, phrase, a.msg.Text)
			}
		}
	}

	// Nothing lost: the raw message is archived as it came — or, for one
	// that was not read (a stranger's, one over the size limit), its first
	// bytes (limits.quarantine_bytes); the whole stays in the mailbox.
	capped := sub == subNone && len(raw) > DefaultQuarantineBytes
	if archived, err := r.c.Ledger.ReadArchived(r.ctx, rec.RawSHA256); err != nil {
		t.Errorf("raw message not archived: %v", err)
	} else if capped && (len(archived) != DefaultQuarantineBytes || !bytes.HasPrefix(raw, archived)) {
		t.Errorf("archived copy of a message not read = %d bytes, want its first %d", len(archived), DefaultQuarantineBytes)
	} else if !capped && !bytes.Equal(archived, raw) {
		t.Errorf("archived message differs from the raw one (%d bytes, want %d)", len(archived), len(raw))
	}
	if rec.Size != int64(len(raw)) {
		t.Errorf("recorded size = %d, want %d", rec.Size, len(raw))
	}
	// What is not answered is told to the office in its daily digest, with
	// the reason; the phrases are looked for there.
	if tc.want.answer == ansNone && tc.want.outcome != outIgnored {
		told := rec.Office + " | " + rec.Note
		if rec.Office == "" {
			t.Errorf("not answered and not listed for the office's digest (note %q)", rec.Note)
		}
		for _, phrase := range tc.want.says {
			if !strings.Contains(told, phrase) {
				t.Errorf("the office's digest entry %q does not say %q", told, phrase)
			}
		}
	}
	for _, sha := range r.submissionFiles(t, before.maxSubmission) {
		if _, err := r.c.Ledger.ReadArchived(r.ctx, sha); err != nil {
			t.Errorf("a recorded workbook is not archived: %v", err)
		}
	}

	// The same message again: recognised, nothing recorded, nothing sent.
	again, flush, err := r.ingest(t, raw, tc.name+".eml")
	if err != nil {
		t.Fatalf("IngestMessage again: %v", err)
	}
	if again.ID != rec.ID || again.Outcome != rec.Outcome || flush.Sent != 0 {
		t.Errorf("again: record %d %s, %d sent; want record %d %s, nothing sent", again.ID, again.Outcome, flush.Sent, rec.ID, rec.Outcome)
	}
	if c := r.counts(t); c != after {
		t.Errorf("ingesting the same message again changed the ledger: %+v, was %+v", c, after)
	}
	if n := len(r.outFiles(t)); n != len(outBefore)+len(got.answers) {
		t.Errorf("ingesting the same message again wrote %d more messages", n-len(outBefore)-len(got.answers))
	}
	if tc.check != nil {
		tc.check(t, r, got)
	}
	// Nothing written outside the data and outbox folders, by either ingest.
	for _, p := range changedSince(t, snap, snapshot(t, base)) {
		if !within(p, r.data) && !within(p, r.out) {
			t.Errorf("file written outside the data and outbox folders: %s", p)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// badRun is one case's cycle: the embedded example, a fresh data
// directory, mail written to a folder.
type badRun struct {
	ctx             context.Context
	c               *Cycle
	clock           *clock.Manual
	root, data, out string
	db              *sql.DB // a side connection to the ledger: the key, and counting rows
	gen             *badGen
}

func newBadRun(t *testing.T, root string) *badRun {
	t.Helper()
	ctx := t.Context()
	r := &badRun{ctx: ctx, clock: &clock.Manual{}, root: root, data: filepath.Join(root, "data"), out: filepath.Join(root, "out")}
	r.c, _ = exampleCycle(t, r.data, r.clock, &mail.Folder{Dir: r.out})
	var err error
	r.db, err = sql.Open("sqlite", "file:"+filepath.Join(r.data, "ledger.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.db.Close() })
	if _, err := r.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('token_secret', ?)`, badInputSecret); err != nil {
		t.Fatalf("setting the corpus' template key: %v", err)
	}
	r.gen = &badGen{t: t, r: r}
	return r
}

func (r *badRun) g() *badGen { return r.gen }

// stranger checks a message was set aside as a stranger's: kept only for
// the retention period.
func (r *badRun) stranger(t *testing.T, got *badResult) {
	t.Helper()
	if !got.rec.Stranger {
		t.Errorf("record = %+v, want it marked as a stranger's", got.rec)
	}
}

func (r *badRun) remind(p plan.Period, unit string) {
	t := r.gen.t
	t.Helper()
	if _, err := r.c.Remind(r.ctx, p, RemindOptions{Unit: unit}); err != nil {
		t.Fatalf("reminding %s for %s: %v", unit, p, err)
	}
}

// ingest runs IngestMessage, turning a panic or a hang into a test failure.
func (r *badRun) ingest(t *testing.T, raw []byte, name string) (store.InMessage, FlushResult, error) {
	t.Helper()
	type result struct {
		rec   store.InMessage
		flush FlushResult
		err   error
		panic string
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panic: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
		}()
		rec, flush, err := r.c.IngestMessage(r.ctx, raw, name)
		done <- result{rec: rec, flush: flush, err: err}
	}()
	select {
	case res := <-done:
		if res.panic != "" {
			t.Fatalf("IngestMessage panicked: %s", res.panic)
		}
		return res.rec, res.flush, res.err
	case <-time.After(60 * time.Second):
		t.Fatalf("IngestMessage hung for 60 s")
	}
	panic("unreachable")
}

// badCounts are row counts of the ledger.
type badCounts struct {
	inbox, submissions, accepted, outbox, files int
	maxSubmission                               int64
}

func (r *badRun) counts(t *testing.T) badCounts {
	t.Helper()
	var c badCounts
	err := r.db.QueryRowContext(r.ctx, `SELECT
		(SELECT COUNT(*) FROM inbox), (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM submissions WHERE accepted = 1),
		(SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM files), (SELECT COALESCE(MAX(id), 0) FROM submissions)`).
		Scan(&c.inbox, &c.submissions, &c.accepted, &c.outbox, &c.files, &c.maxSubmission)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// submissionFiles lists the files of the submissions recorded after id.
func (r *badRun) submissionFiles(t *testing.T, after int64) []string {
	t.Helper()
	rows, err := r.db.QueryContext(r.ctx, `SELECT file_sha256 FROM submissions WHERE id > ?`, after)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// recipients are the envelope recipients of every answer queued (all but
// reminders).
func (r *badRun) recipients(t *testing.T) []string {
	t.Helper()
	rows, err := r.db.QueryContext(r.ctx, `SELECT recipients FROM outbox WHERE kind <> ? ORDER BY id`, kindReminder)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		s = strings.Trim(s, "[]")
		for _, a := range strings.Split(s, ",") {
			out = append(out, strings.Trim(a, `" `))
		}
	}
	return out
}

func (r *badRun) noAccepted(t *testing.T, unit string) {
	t.Helper()
	latest, err := r.c.Ledger.Latest(r.ctx, may.String())
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := latest[unit]; ok {
		t.Errorf("%s has an accepted May report from %s", unit, s.FileName)
	}
}

// answersIntact checks that jtj's accepted answers are the ones typed for
// each task, wherever the rows and columns were.
func (r *badRun) answersIntact(t *testing.T) {
	t.Helper()
	latest, err := r.c.Ledger.Latest(r.ctx, may.String())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := latest["jtj"]
	if !ok {
		t.Fatal("jtj has no accepted May report")
	}
	for _, a := range s.Answers {
		if a.Progress != badProgress(a.TaskID) || a.NextSteps != badNextSteps(a.TaskID) || a.Status != plan.StatusOnTrack {
			t.Errorf("%s recorded as %q / %q / %q", a.TaskID, a.Progress, a.Status, a.NextSteps)
		}
	}
}

func (r *badRun) outFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(r.out, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// newAnswers parses the messages written to the outbox folder since before.
func (r *badRun) newAnswers(t *testing.T, before []string) []badAnswer {
	t.Helper()
	var out []badAnswer
	for _, f := range r.outFiles(t) {
		if slices.Contains(before, f) {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := inbound.Parse(raw, inbound.Limits{MaxMessageBytes: 200 << 20, MaxFileBytes: 100 << 20})
		if err != nil {
			t.Fatalf("parsing what was sent (%s): %v", f, err)
		}
		hm, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("reading the header of what was sent (%s): %v", f, err)
		}
		list, err := hm.Header.AddressList("To")
		if err != nil {
			t.Fatalf("To of what was sent (%s): %v", f, err)
		}
		var to []string
		for _, a := range list {
			to = append(to, a.Address)
		}
		out = append(out, badAnswer{kind: MailKind(headerValue(raw, "X-Duban-Kind")), to: to, raw: raw, msg: m})
	}
	return out
}

// headerValue returns the value of the first top-level header field name.
func headerValue(raw []byte, name string) string {
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// checkNoInjection: nothing the sender wrote makes a header line of the
// answer, and the answer goes to the sender alone.
func checkNoInjection(t *testing.T, r *badRun, got *badResult) {
	for _, a := range got.answers {
		hdr, _, _ := bytes.Cut(a.raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(hdr), "\r\n") {
			l := strings.ToLower(line)
			if strings.HasPrefix(l, "bcc:") || strings.HasPrefix(l, "x-injected:") || strings.Contains(l, "evil.example") {
				t.Errorf("injected header line in the answer: %q", line)
			}
		}
	}
	if rcpt := r.recipients(t); !slices.Equal(rcpt, []string{badLiuYang.Email}) {
		t.Errorf("the answer's envelope recipients = %v, want only %s", rcpt, badLiuYang.Email)
	}
}

// checkFormulaLikeStaysText: texts that look like formulas are accepted as
// typed and stay text in every workbook written from them: the compiled
// workbook and the next month's template (上月进展 carries them forward).
func checkFormulaLikeStaysText(t *testing.T, r *badRun, _ *badResult) {
	latest, err := r.c.Ledger.Latest(r.ctx, may.String())
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	for _, a := range latest["jtj"].Answers {
		recorded = append(recorded, a.Progress, a.Issues, a.NextSteps)
	}
	for _, v := range badFormulaLike {
		if !slices.Contains(recorded, v) {
			t.Errorf("%q was not recorded as typed; recorded %q", v, recorded)
		}
	}
	compiled, err := r.c.Compile(r.ctx, may)
	if err != nil {
		t.Fatal(err)
	}
	// Every one of them is in 明细; the issues are in 问题清单 too.
	assertTextCells(t, "compiled workbook", compiled.Data, badFormulaLike, len(badFormulaLike)+2)
	june, err := r.c.BuildTemplate(r.ctx, "jtj", may.Next())
	if err != nil {
		t.Fatal(err)
	}
	// 上月进展 carries the two progress texts forward.
	assertTextCells(t, "June template", june.Data, badFormulaLike, 2)
}

// assertTextCells finds the cells of a workbook holding one of values and
// checks each is a string cell, not a formula; at least min must be found.
func assertTextCells(t *testing.T, what string, data []byte, values []string, min int) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer f.Close()
	found := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("%s %s: %v", what, sheet, err)
		}
		for i, row := range rows {
			for j, v := range row {
				if !slices.ContainsFunc(values, func(s string) bool { return strings.Contains(v, s) }) {
					continue
				}
				found++
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				formula, _ := f.GetCellFormula(sheet, cell)
				typ, _ := f.GetCellType(sheet, cell)
				if formula != "" || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
					t.Errorf("%s %s!%s = %q: cell type %v, formula %q; want a string cell", what, sheet, cell, v, typ, formula)
				}
			}
		}
	}
	if found < min {
		t.Errorf("%s: %d cells hold the formula-like texts, want at least %d", what, found, min)
	}
}

// snapshot lists every file under root with its size and modification time.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		out[p] = fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changedSince lists the files created, changed or removed between two
// snapshots.
func changedSince(t *testing.T, before, after map[string]string) []string {
	t.Helper()
	var out []string
	for p, v := range after {
		if before[p] != v {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// The corpus.

// badGen builds the messages of the corpus against a run's cycle: its
// templates (signed with badInputSecret) and the ids of its reminders.
type badGen struct {
	t *testing.T
	r *badRun
}

func badProgress(task string) string {
	return "五月完成" + task + "阶段性工作，形成工作台账。"
}
func badNextSteps(task string) string {
	return "继续推进" + task + "，六月底前完成下一阶段任务。"
}

// template is unit's blank template for p.
func (g *badGen) template(unit string, p plan.Period) []byte {
	g.t.Helper()
	tpl, err := g.r.c.BuildTemplate(g.r.ctx, unit, p)
	if err != nil {
		g.t.Fatal(err)
	}
	return tpl.Data
}

// filled is unit's template for p filled like a careful unit would, after
// edit changed the answers.
func (g *badGen) filled(unit string, p plan.Period, edit func([]plan.Answer)) []byte {
	g.t.Helper()
	contact := "联系人"
	if u, ok := g.r.c.Plan.Unit(unit); ok && len(u.Contacts) > 0 {
		contact = u.Contacts[0].Name
	}
	return g.filledBy(unit, p, contact, "0551-63500201", edit)
}

func (g *badGen) filledBy(unit string, p plan.Period, contact, phone string, edit func([]plan.Answer)) []byte {
	g.t.Helper()
	var answers []plan.Answer
	for _, task := range g.r.c.Plan.TasksLedBy(unit) {
		answers = append(answers, plan.Answer{TaskID: task.ID, Progress: badProgress(task.ID), Status: plan.StatusOnTrack,
			Issues: "无", NextSteps: badNextSteps(task.ID)})
	}
	if edit != nil {
		edit(answers)
	}
	data, err := reader.Fill(g.template(unit, p), contact, phone, answers)
	if err != nil {
		g.t.Fatal(err)
	}
	return data
}

// edit opens a workbook, applies fn and saves it.
func (g *badGen) edit(data []byte, fn func(*excelize.File) error) []byte {
	g.t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	if err := fn(f); err != nil {
		g.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		g.t.Fatal(err)
	}
	return b.Bytes()
}

// swapRange swaps the values of the range a1:a2 of the form with the
// range of the same shape starting at b1.
func swapRange(f *excelize.File, a1, a2, b1 string) error {
	ac1, ar1, _ := excelize.CellNameToCoordinates(a1)
	ac2, ar2, _ := excelize.CellNameToCoordinates(a2)
	bc1, br1, _ := excelize.CellNameToCoordinates(b1)
	for dr := 0; dr <= ar2-ar1; dr++ {
		for dc := 0; dc <= ac2-ac1; dc++ {
			ca, _ := excelize.CoordinatesToCellName(ac1+dc, ar1+dr)
			cb, _ := excelize.CoordinatesToCellName(bc1+dc, br1+dr)
			va, err := f.GetCellValue(reports.SheetForm, ca, excelize.Options{RawCellValue: true})
			if err != nil {
				return err
			}
			vb, err := f.GetCellValue(reports.SheetForm, cb, excelize.Options{RawCellValue: true})
			if err != nil {
				return err
			}
			if err := f.SetCellStr(reports.SheetForm, ca, vb); err != nil {
				return err
			}
			if err := f.SetCellStr(reports.SheetForm, cb, va); err != nil {
				return err
			}
		}
	}
	return nil
}

// reminderID is the Message-ID of unit's May reminder in this run's ledger.
func (g *badGen) reminderID(unit string) string {
	g.t.Helper()
	out, found, err := g.r.c.Ledger.OutboxByKey(g.r.ctx, reminderKey(may, unit))
	if err != nil || !found {
		g.t.Fatalf("no May reminder for %s (%v)", unit, err)
	}
	return out.MessageID
}

// badAttachment is one attached file.
type badAttachment struct {
	name, contentType string
	data              []byte
}

func (g *badGen) attach(name, contentType string, data []byte) badAttachment {
	return badAttachment{name, contentType, data}
}

// badMsg is the header of a unit's message; empty fields get the usual
// values of a reply to jtj's May reminder.
type badMsg struct {
	from, subject, id, inReplyTo, text string
	extra                              string // more header lines, \n-separated
}

// reply is from's reply to jtj's May reminder, as Foxmail writes it.
func (g *badGen) reply(from mail.Address, id string, files ...badAttachment) []byte {
	return g.replyWith(badMsg{from: addr(from), id: id}, files...)
}

func (g *badGen) replyWith(m badMsg, files ...badAttachment) []byte {
	g.t.Helper()
	if m.subject == "" {
		m.subject = bword("UTF-8", "回复：【报送提醒】市交通运输局2023年5月推进情况")
	}
	if m.inReplyTo == "" {
		m.inReplyTo = g.reminderID("jtj")
	}
	if m.text == "" {
		m.text = badBodyText
	}
	const boundary = "----=_NextPart_6479D2A0_0B5E3C48_5A1F2D3C"
	var b strings.Builder
	if m.extra != "" {
		b.WriteString(m.extra + "\n")
	}
	fmt.Fprintf(&b, "Date: %s\nFrom: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s.20230602100000@jtj.metro.example>\n",
		badReplyDate, m.from, addr(badDuban), m.subject, m.id)
	fmt.Fprintf(&b, "In-Reply-To: <%s>\nReferences: <%s>\nX-Mailer: Foxmail 7.2.25.375[cn]\nMime-Version: 1.0\n", m.inReplyTo, m.inReplyTo)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed;\n\tboundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n\n", boundary)
	fmt.Fprintf(&b, "--%s\nContent-Type: text/plain;\n\tcharset=\"UTF-8\"\nContent-Transfer-Encoding: base64\n\n%s\n\n", boundary, b64Lines([]byte(m.text)))
	for _, f := range files {
		fmt.Fprintf(&b, "--%s\nContent-Type: %s;\n\tname=\"%s\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment;\n\tfilename=\"%s\"\n\n%s\n\n",
			boundary, f.contentType, nameWord(f.name), nameWord(f.name), b64Lines(f.data))
	}
	fmt.Fprintf(&b, "--%s--\n", boundary)
	return []byte(crlfLines(b.String()))
}

// bounce is the mail server's report that the May reminder to rcpt could
// not be delivered, with the whole reminder attached.
func (g *badGen) bounce(rcpt string) []byte {
	g.t.Helper()
	var reminder []byte
	id := g.reminderID("jtj")
	for _, f := range g.r.outFiles(g.t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			g.t.Fatal(err)
		}
		if strings.Trim(headerValue(raw, "Message-Id"), "<>") == id {
			reminder = raw
		}
	}
	if reminder == nil {
		g.t.Fatal("the May reminder to jtj is not in the outbox folder")
	}
	// Our MIME boundaries are random: fixed ones keep the corpus
	// deterministic.
	for i, m := range regexp.MustCompile(`boundary="?([0-9A-Za-z]{20,})`).FindAllSubmatch(reminder, -1) {
		reminder = bytes.ReplaceAll(reminder, m[1], fmt.Appendf(nil, "reminder-boundary-%d", i+1))
	}
	const boundary = "4QbS2x1Z3Kz9sWc.1685581207/mx.jtj.metro.example"
	return []byte(crlfLines(fmt.Sprintf(`Return-Path: <>
Received: by mx.jtj.metro.example (Postfix)
	id 4QbS2x1Z3Kz9sWc; Thu,  1 Jun 2023 09:00:07 +0800 (CST)
Date: Thu,  1 Jun 2023 09:00:07 +0800 (CST)
From: MAILER-DAEMON@mx.jtj.metro.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: duban@metro.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="%[1]s"
Message-Id: <20230601010007.4QbS2x1Z3Kz9sWc@mx.jtj.metro.example>

This is a MIME-encapsulated message.

--%[1]s
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.jtj.metro.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<%[2]s>: host mailstore.jtj.metro.example[192.0.2.25] said: 550 5.1.1
    <%[2]s>: Recipient address rejected: User unknown in local recipient table

--%[1]s
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.jtj.metro.example
Arrival-Date: Thu,  1 Jun 2023 09:00:05 +0800 (CST)

Final-Recipient: rfc822; %[2]s
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <%[2]s>: Recipient address rejected: User unknown

--%[1]s
Content-Description: Undelivered Message
Content-Type: message/rfc822

`, boundary, rcpt)) + string(reminder) + crlfLines(fmt.Sprintf("\n--%s--\n", boundary)))
}

// writeBadInputCorpus rewrites testdata/badinput from the generators,
// against a cycle set up as each case's is.
func writeBadInputCorpus(t *testing.T, cases []badCase) {
	t.Helper()
	if err := os.MkdirAll(badInputDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(badInputDir, "*.eml"))
	for _, f := range old {
		os.Remove(f)
	}
	for _, tc := range cases {
		if tc.large {
			continue
		}
		r := newBadRun(t, filepath.Join(t.TempDir(), "gen"))
		r.clock.Set(r.c.Schedule.RemindAt(may))
		r.remind(may, "jtj")
		r.remind(may, "fgw")
		raw := tc.build(r.g())
		if err := os.WriteFile(filepath.Join(badInputDir, tc.name+".eml"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// badInputMarkdown is the corpus table for the docs, written from the
// cases themselves so that it says exactly what the test asserts.
func badInputMarkdown(cases []badCase) string {
	answers := map[MailKind]string{
		kindReceipt: "receipt (回执)", kindRejection: "rejection (退回) with a fresh template",
		kindNoWorkbook: "request for the workbook (请补附件)", kindOfficeNote: "note to the office (提示); the sender gets nothing",
		ansNone: "no answer",
	}
	submissions := map[string]string{subAccepted: "workbook accepted", subRejected: "workbook refused", subNone: "no workbook recorded"}
	var b strings.Builder
	b.WriteString("Every message is a whole .eml fed through `Cycle.IngestMessage` (the path of mail from the mailbox) on the embedded " +
		"example configuration, from a registered contact of 市交通运输局 (jtj) in reply to its May 2023 reminder unless the case " +
		"says otherwise (`jobs/badinput_test.go`, corpus in `jobs/testdata/badinput/`). For every case the test also checks: no panic " +
		"and no hang; the raw message is archived byte for byte (a message not read — a stranger's, one over the size limit — its " +
		"first limits.quarantine_bytes, 1 MiB); nothing is written outside the data and outbox folders (nor left " +
		"in the temporary folder); ingesting the same message again records nothing and sends nothing; a message not answered " +
		"is listed, with its reason, for the office's daily digest.\n\n")
	b.WriteString("| case | what is sent | expected decision | what the unit is told |\n|---|---|---|---|\n")
	for _, tc := range cases {
		sub := submissions[tc.want.submission]
		if sub == "" {
			sub = tc.want.submission // "10 submissions, 0 accepted"
		}
		decision := fmt.Sprintf("%s; %s; %s", tc.want.outcome, sub, answers[tc.want.answer])
		if tc.also != "" {
			decision += "; also: " + tc.also
		}
		told := "—"
		if len(tc.want.says) > 0 {
			quoted := make([]string, len(tc.want.says))
			for i, s := range tc.want.says {
				quoted[i] = "“" + s + "”"
			}
			told = strings.Join(quoted, " ")
			if tc.want.answer == ansNone {
				told = "(the office's daily digest says) " + told
			}
		}
		name := "`" + tc.name + "`"
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, mdCell(tc.sent), mdCell(decision), mdCell(told))
	}
	return b.String()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// MIME helpers.

func addr(a mail.Address) string {
	if a.Name == "" {
		return "<" + a.Email + ">"
	}
	return "\"" + bword("UTF-8", a.Name) + "\" <" + a.Email + ">"
}

func bword(charset, s string) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// nameWord encodes a file name as Foxmail does: an encoded word when it
// is not ASCII.
func nameWord(s string) string {
	for _, r := range s {
		if r >= 0x80 {
			return bword("UTF-8", s)
		}
	}
	return s
}

func pctEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// b64Lines is base64 in lines of 76 characters, \n-separated.
func b64Lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(s) + len(s)/76 + 1)
	for len(s) > 76 {
		b.WriteString(s[:76])
		b.WriteByte('\n')
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// crlfLines turns \n line ends into the CRLF of mail.
func crlfLines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// File builders.

// oleFile is the start of an OLE compound file (header sector, then a
// directory sector naming the streams), as .xls, .et and encrypted .xlsx
// files begin.
func oleFile(streams ...string) []byte {
	b := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	b = append(b, make([]byte, 16)...)                // CLSID
	b = append(b, 0x3E, 0x00, 0x03, 0x00, 0xFE, 0xFF) // minor, major version 3, byte order
	b = append(b, 0x09, 0x00)                         // sector shift: 512
	b = append(b, make([]byte, 512-len(b))...)
	for _, s := range streams {
		entry := make([]byte, 128)
		name := utf16.Encode([]rune(s))
		for i, u := range name {
			entry[2*i], entry[2*i+1] = byte(u), byte(u>>8)
		}
		entry[64] = byte(2 * (len(name) + 1))
		entry[66] = 2 // stream
		b = append(b, entry...)
	}
	return append(b, make([]byte, 4096-len(b))...)
}

// odsFile is a small OpenDocument spreadsheet: mimetype first and stored.
func odsFile(t *testing.T) []byte {
	t.Helper()
	return testtools.ZipOf(t,
		testtools.ZipEntry{Name: "mimetype", Content: []byte("application/vnd.oasis.opendocument.spreadsheet"), Store: true},
		testtools.ZipEntry{Name: "META-INF/manifest.xml", Content: []byte(`<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`)},
		testtools.ZipEntry{Name: "content.xml", Content: []byte(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="填报表"><table:table-row><table:table-cell><text:p>任务编号</text:p></table:table-cell><table:table-cell><text:p>本月进展</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell><text:p>T04</text:p></table:table-cell><table:table-cell><text:p>五月完成T04阶段性工作</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)},
	)
}

// patchStrings replaces text in a workbook's shared strings, old/new
// pairs, as written in the XML.
func patchStrings(t *testing.T, book []byte, oldnew ...string) []byte {
	t.Helper()
	done := false
	out := testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/sharedStrings.xml" {
			return nil
		}
		s := strings.NewReplacer(oldnew...).Replace(string(b))
		done = s != string(b)
		return []byte(s)
	})
	if !done {
		t.Fatalf("none of %q in the shared strings", oldnew)
	}
	return out
}

// withMacro turns a workbook into a macro-enabled one, as Excel's "save as
// .xlsm" does: a vbaProject.bin, its relationship and the macro content type.
func withMacro(t *testing.T, book []byte) []byte {
	t.Helper()
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		switch name {
		case "[Content_Types].xml":
			s := strings.Replace(string(b), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
				"application/vnd.ms-excel.sheet.macroEnabled.main+xml", 1)
			return []byte(strings.Replace(s, "<Default ", `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default `, 1))
		case "xl/_rels/workbook.xml.rels":
			return []byte(strings.Replace(string(b), "</Relationships>",
				`<Relationship Id="rIdVBA1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>`, 1))
		}
		return nil
	}, testtools.ZipEntry{Name: "xl/vbaProject.bin", Content: oleFile("Root Entry", "VBA", "dir", "ThisWorkbook", "PROJECT"), Store: true})
}

// withPicture adds a picture of n incompressible bytes to a workbook, as a
// unit who pasted a large photo into the sheet would send.
func withPicture(t *testing.T, book []byte, n int) []byte {
	t.Helper()
	pic := make([]byte, n)
	rng := rand.New(rand.NewPCG(2023, 5))
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			pic[i+j] = byte(v >> (8 * j))
		}
	}
	copy(pic, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return testtools.RewriteZip(t, book, nil, testtools.ZipEntry{Name: "xl/media/image1.jpeg", Content: pic, Store: true})
}

// jpegPhoto is a small photo of a sheet: a grid of lines.
func jpegPhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			v := uint8(235)
			if x%32 == 0 || y%20 == 0 {
				v = 40
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
