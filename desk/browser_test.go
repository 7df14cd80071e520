package desk_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// The desk in a real browser: Debian's chromium, headless, driven through
// the DevTools protocol. The office logs in through the mailed link, reads
// 本期概览, grants an extension at 待办, looks at a unit, 汇总 and 操作记录;
// a unit hands in its workbook through its upload link. With -update the
// pages are photographed into docs/desk/ (shown in the README).

// chromium finds the browser, or skips; DUBAN_REQUIRE_TOOLS (set by
// .ci/run, which installs it) turns the skip into a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DUBAN_REQUIRE_TOOLS") != "" {
		t.Fatal("chromium is required (DUBAN_REQUIRE_TOOLS is set) but not installed; .ci/run installs Debian's chromium")
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH; install Debian's chromium package to run the desk in a browser")
	return ""
}

// browser is one headless chromium tab on the rig's desk.
type browser struct {
	t   *testing.T
	r   *rig
	ctx context.Context
}

const deskWidth, deskHeight = 1280, 900

func newBrowser(t *testing.T, r *rig, bin string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(deskWidth, deskHeight), chromedp.Flag("lang", "zh-CN"))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{t: t, r: r, ctx: bctx}
	b.do(chromedp.EmulateViewport(deskWidth, deskHeight))
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open loads the desk's path and checks the answer's status.
func (b *browser) open(path string, status int64) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.r.srv.URL+path))
	if err != nil {
		b.t.Fatalf("browser: opening %s: %v", path, err)
	}
	if resp.Status != status {
		b.t.Fatalf("browser: %s = %d, want %d", path, resp.Status, status)
	}
	b.styled()
}

// click clicks what sel finds and waits for the page it leads to.
func (b *browser) click(sel string, status int64) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: clicking %s: %v", sel, err)
	}
	if resp.Status != status {
		b.t.Fatalf("browser: clicking %s led to %s = %d, want %d", sel, resp.URL, resp.Status, status)
	}
	b.styled()
}

// styled checks that the stylesheet reached the page (a policy that blocks
// it leaves the header white).
func (b *browser) styled() {
	b.t.Helper()
	bg := eval[string](b, `getComputedStyle(document.querySelector("header")).backgroundColor`)
	if bg != "rgb(139, 26, 26)" {
		b.t.Errorf("%s: the header's background is %q; the desk's stylesheet was not applied", b.location(), bg)
	}
}

func (b *browser) location() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	return strings.TrimPrefix(loc, b.r.srv.URL)
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// text is what the page shows in sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s := eval[*string](b, `document.querySelector(`+"`"+sel+"`"+`)?.innerText`)
	if s == nil {
		b.t.Errorf("%s shows no %s", b.location(), sel)
		return ""
	}
	return *s
}

// rows reads a table's body as the browser shows it, cell by cell.
func (b *browser) rows(table string) [][]string {
	b.t.Helper()
	return eval[[][]string](b, `Array.from(document.querySelectorAll(`+"`"+table+` tbody tr`+"`"+`),
		tr => Array.from(tr.cells, td => td.innerText.trim()))`)
}

// fitsWidth checks that the page is no wider than the screen.
func (b *browser) fitsWidth() {
	b.t.Helper()
	// A phone shrinks a page that is too wide until it fits (innerWidth
	// grows with it); clientWidth stays the screen's.
	w := eval[[]int](b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if w[0] > w[1] {
		b.t.Errorf("%s is %dpx wide on a %dpx wide screen: the phone shows it shrunk, or scrolls sideways", b.location(), w[0], w[1])
	}
}

// shot photographs the whole page; with -update it is written to
// docs/desk/name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(buf)); err != nil {
		b.t.Fatalf("screenshot %s is no PNG: %v", name, err)
	}
	if !testtools.Update() {
		return
	}
	path := filepath.Join("..", "docs", "desk", name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("wrote %s (%d KB)", path, len(buf)>>10)
}

// mayAnswers is unit's report for May: every task 序时推进, its indicators
// counted.
func mayAnswers(r *rig, unit string) []plan.Answer {
	var out []plan.Answer
	for i, task := range r.c.Plan.TasksLedBy(unit) {
		a := plan.Answer{TaskID: task.ID, Status: plan.StatusOnTrack,
			Progress:  []string{"已完成年度目标的45%，重点项目按计划推进。", "召开专题推进会1次，协调解决问题3项。"}[i%2],
			NextSteps: "按月度计划继续推进，6月底前完成阶段性评估。", Counts: map[string]int{}}
		for j, ind := range r.c.Plan.IndicatorsOf(task.ID) {
			a.Counts[ind.Name] = j % 2
		}
		out = append(out, a)
	}
	return out
}

// A month of the example's cycle as the desk meets it: May 2023's
// reminders, on-time, late and returned reports, a pending request for
// more time, the chases, the first consolidated version. It leaves the
// clock on 8 June 2023, the day after the deadline, in office hours.
func browserMonth(t *testing.T, r *rig) {
	t.Helper()
	ctx := context.Background()
	at := func(s string) {
		var err error
		if r.now, err = time.ParseInLocation("2006-01-02 15:04", s, r.now.Location()); err != nil {
			t.Fatal(err)
		}
	}
	report := func(unit string, edit func([]plan.Answer), accepted bool) {
		t.Helper()
		answers := mayAnswers(r, unit)
		if edit != nil {
			edit(answers)
		}
		i := slices.IndexFunc(r.c.Plan.Units, func(u plan.Unit) bool { return u.ID == unit })
		tpl, err := r.c.BuildTemplate(ctx, unit, r.may)
		if err != nil {
			t.Fatal(err)
		}
		data, err := reader.Fill(tpl.Data, r.c.Plan.Units[i].Contacts[0].Name, fmt.Sprintf("0551-635%03d01", i+1), answers)
		if err != nil {
			t.Fatal(err)
		}
		d, err := r.c.Ingest(ctx, data, tpl.FileName, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d.Accepted != accepted {
			t.Fatalf("%s's workbook: accepted %v, want %v; problems %+v", unit, d.Accepted, accepted, d.Problems)
		}
	}
	r.c.PublicURL = r.srv.URL
	at("2023-06-01 09:00")
	if _, err := r.c.Remind(ctx, r.may, jobs.RemindOptions{}); err != nil {
		t.Fatal(err)
	}
	at("2023-06-02 14:20")
	report("fgw", func(a []plan.Answer) {
		a[0].Status, a[0].Progress = plan.StatusDone, "规划编制工作已全部完成，已印发实施。"
	}, true)
	report("jtj", nil, true)
	at("2023-06-05 09:30")
	if _, err := r.c.ChaseDue(ctx); err != nil {
		t.Fatal(err)
	}
	at("2023-06-05 15:10")
	report("jxj", func(a []plan.Answer) {
		a[0].Status, a[0].Progress = plan.StatusBehind, "受原材料价格影响，两个技改项目开工推迟。"
	}, true)
	report("nyncj", func(a []plan.Answer) { a[0].Progress = "" }, false)
	tpl, err := r.c.BuildTemplate(ctx, "kjj", r.may)
	if err != nil {
		t.Fatal(err)
	}
	req, err := reader.FillExtensionRequest(tpl.Data, "陈静", "0551-63500301", "2023-06-14", "部分项目数据需待统计部门核定后报送。")
	if err != nil {
		t.Fatal(err)
	}
	if d, err := r.c.Ingest(ctx, req, tpl.FileName, "test"); err != nil || !d.Submission.RequestOnly() {
		t.Fatalf("kjj's request for more time: %v %+v", err, d)
	}
	at("2023-06-07 16:40")
	report("swj", nil, true)
	report("sthjj", func(a []plan.Answer) { a[len(a)-1].Status = plan.StatusNotStarted }, true)
	at("2023-06-08 09:05")
	if _, err := r.c.ChaseDue(ctx); err != nil {
		t.Fatal(err)
	}
	at("2023-06-08 09:40")
	report("jyj", nil, true)
	at("2023-06-08 10:00")
	if res, err := r.c.CompileDue(ctx); err != nil || len(res.Delivered) != 1 {
		t.Fatalf("CompileDue = %+v, %v; want the first version", res, err)
	}
	at("2023-06-08 10:30")
}

func TestBrowser(t *testing.T) {
	start := time.Now()
	bin := chromium(t)
	r := newRig(t)
	b := newBrowser(t, r, bin)
	browserMonth(t, r)
	ctx := context.Background()

	// Log in: the address, then the link from the mail.
	b.open("/login", 200)
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name=email]`), r.admin))
	b.shot("login")
	b.click(`button[type=submit]`, 200)
	if got := b.text(".notice"); !strings.Contains(got, "登录链接已发送") {
		t.Errorf("after asking for a link the page says %q", got)
	}
	var links []string
	for _, m := range r.mailTo(r.admin) {
		for _, l := range linkRE.FindAllStringSubmatch(m.Text, -1) {
			links = append(links, l[1])
		}
	}
	if len(links) != 1 {
		t.Fatalf("%d login links mailed to %s, want 1", len(links), r.admin)
	}
	b.open("/login/"+links[0], 200)
	b.click(`#confirm`, 200)
	if loc := b.location(); loc != "/" {
		t.Fatalf("logging in led to %s, want /", loc)
	}

	// 本期概览.
	if h := b.text("h1"); h != "2023年5月报送情况" {
		t.Errorf("本期概览's heading = %q", h)
	}
	want := map[string]string{
		"市发展改革委": "按时报送", "市交通运输局": "按时报送", "市经济和信息化局": "按时报送", "市商务局": "按时报送",
		"市生态环境局": "按时报送", "市教育局": "逾期报送", "市农业农村局": "退回待改", "市科技局": "未报送",
	}
	rows := b.rows("#units")
	if len(rows) != 13 {
		t.Errorf("本期概览 lists %d units, want 13", len(rows))
	}
	states := map[string]int{}
	for _, row := range rows {
		if len(row) != 8 {
			t.Fatalf("a row of #units has %d cells, want 8: %q", len(row), row)
		}
		states[row[1]]++
		if w, ok := want[row[0]]; ok && row[1] != w {
			t.Errorf("%s is shown %s, want %s", row[0], row[1], w)
		}
		if row[1] == "未报送" && row[2] == "" {
			t.Errorf("%s has not reported after the deadline but shows no warning colour: %q", row[0], row)
		}
		if row[1] == "按时报送" && (row[3] == "" || row[5] != "1") {
			t.Errorf("%s reported once on time, the row says %q", row[0], row)
		}
		if row[0] == "市发展改革委" && (row[3] != "2023年6月2日 14:20" || !strings.Contains(row[7], "张伟")) {
			t.Errorf("fgw's row reads %q; want its report of 2 June 14:20 (Beijing time) by 张伟", row)
		}
	}
	if states["按时报送"] != 5 || states["逾期报送"] != 1 || states["退回待改"] != 1 || states["未报送"] != 6 {
		t.Errorf("states shown = %v; want 5 on time, 1 late, 1 returned, 6 missing", states)
	}
	if c := b.rows(".counts"); len(c) != 2 || !slices.Equal(c[1][:5], []string{"13", "6", "5", "1", "7"}) {
		t.Errorf("the counts read %q; want 应报 13, 已报 6, 按时 5, 逾期 1, 未报 7", c)
	}
	if n := eval[int](b, `document.querySelectorAll("#tasks .c.red, #tasks .c.yellow").length`); n == 0 {
		t.Error("no task shows a red or yellow warning though jxj reported one 滞后 and sthjj one 未启动")
	}
	b.shot("overview")

	// The same on a phone: readable without sideways scrolling.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch), chromedp.Reload())
	b.fitsWidth()
	b.shot("overview-phone")
	b.do(chromedp.EmulateViewport(deskWidth, deskHeight), chromedp.Reload())

	// 待办: grant kjj's extension.
	b.click(`nav a[href^="/todo"]`, 200)
	if got := b.text("form.decision p"); !strings.Contains(got, "市科技局") || !strings.Contains(got, "2023年6月14日") {
		t.Errorf("the request for more time reads %q", got)
	}
	if got := b.text("#done"); !strings.Contains(got, "市发展改革委") {
		t.Errorf("fgw's task reported 已完成 is not waiting for 销号: %q", got)
	}
	b.do(chromedp.SetValue(chromedp.CSS(`form.decision input[name=until]`), "2023-06-14"),
		chromedp.SendKeys(chromedp.CSS(`form.decision input[name=note]`), "同意，请于6月14日前报送。"))
	b.shot("todo")
	b.click(`form.decision button[type=submit]`, 200)
	if got := b.text(".notice"); !strings.Contains(got, "同意市科技局2023年5月推进情况延期至2023年6月14日报送") {
		t.Errorf("after granting, 待办 says %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll("form.decision").length`); n != 0 {
		t.Errorf("the granted request is still waiting at 待办 (%d forms)", n)
	}
	kjj, _ := r.c.Plan.Unit("kjj")
	if !slices.ContainsFunc(r.mailTo(kjj.Contacts[0].Email), func(m *inbound.Message) bool { return strings.HasPrefix(m.Subject, "【延期】同意") }) {
		t.Error("kjj was not mailed the decision (【延期】同意…)")
	}

	// kjj hands in its workbook through its link, within the extension.
	tpl, err := r.c.BuildTemplate(ctx, "kjj", r.may)
	if err != nil {
		t.Fatal(err)
	}
	filled, err := reader.Fill(tpl.Data, "陈静", "0551-63500301", mayAnswers(r, "kjj"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), tpl.FileName)
	if err := os.WriteFile(file, filled, 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := r.c.UploadPath(ctx, "kjj", r.may)
	if err != nil {
		t.Fatal(err)
	}
	receipts := func() int {
		return len(slices.DeleteFunc(r.mailTo(kjj.Contacts[0].Email), func(m *inbound.Message) bool { return !strings.HasPrefix(m.Subject, "【回执】") }))
	}
	before := receipts()
	b.open(path, 200)
	if h := b.text("h1"); h != "市科技局 2023年5月推进情况报送" {
		t.Errorf("the upload page's heading = %q", h)
	}
	b.fitsWidth() // at the desk's width here; the phone check is below
	b.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name=workbook]`), []string{file}))
	b.click(`form button[type=submit]`, 200)
	if got := b.text("#result"); !strings.Contains(got, "校验通过，已登记为本期第1次报送") || strings.Contains(got, "逾期") {
		t.Errorf("after the upload the page says %q; want accepted, on time within the extension", got)
	}
	b.shot("upload")
	if receipts() != before+1 {
		t.Error("no 【回执】 mailed to kjj after the upload")
	}
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch), chromedp.Navigate(r.srv.URL+path))
	b.fitsWidth()
	b.do(chromedp.EmulateViewport(deskWidth, deskHeight))

	// 单位: kjj's page shows the request and the report.
	b.open("/", 200)
	b.click(`#units a[href^="/units/kjj"]`, 200)
	sub := b.rows("#submissions")
	if len(sub) != 2 || !strings.Contains(sub[0][2]+sub[1][2], "延期申请") || !strings.Contains(sub[0][2]+sub[1][2], "已采用（第1次报送）") {
		t.Errorf("kjj's page lists its workbooks as %q; want the request and the accepted report", sub)
	}
	b.shot("unit")

	// 汇总: the report counts in the next version.
	if res, err := r.c.CompileDue(ctx); err != nil || len(res.Delivered) != 1 {
		t.Fatalf("CompileDue after kjj's report = %+v, %v", res, err)
	}
	b.click(`nav a[href^="/versions"]`, 200)
	if v := b.rows("#versions"); len(v) != 2 || v[0][0] != "第1版" || v[1][0] != "第2版" || !strings.Contains(v[1][5], "市科技局") {
		t.Errorf("汇总 lists %q; want 第1版 and 第2版 with kjj's report", v)
	} else if v[0][1] != "2023年6月8日 10:00" || v[0][2] != "2023年6月8日 10:00" || v[1][1] != "2023年6月8日 10:30" {
		// Compiled and mailed at 10:00 and 10:30 Beijing time, the
		// schedule's zone, like every other time the desk shows.
		t.Errorf("汇总 dates its versions %q, %q and %q; want 2023年6月8日 10:00, 10:00 and 10:30 (Asia/Shanghai)", v[0][1], v[0][2], v[1][1])
	}
	b.shot("versions")

	// 操作记录: who did what.
	b.click(`nav a[href="/log"]`, 200)
	log := b.text("#log")
	for _, s := range []string{r.admin, "延期至2023年6月14日", "市科技局通过上传链接提交"} {
		if !strings.Contains(log, s) {
			t.Errorf("操作记录 lacks %q:\n%s", s, log)
		}
	}
	b.shot("log")
	t.Logf("the browser test took %v", time.Since(start).Round(time.Millisecond))
}
