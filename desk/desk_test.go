package desk_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/config"
	"github.com/duban/duban/desk"
	wiring "github.com/duban/duban/internal/app"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// rig is the desk of the embedded example's cycle (13 units), its mail
// written to a folder, its clock set by the test.
type rig struct {
	t     *testing.T
	c     *jobs.Cycle
	srv   *httptest.Server
	out   string // the outgoing mail folder
	now   time.Time
	may   plan.Period
	admin string // an office address
}

func newRig(t *testing.T) *rig {
	t.Helper()
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	r := &rig{t: t, out: t.TempDir(), now: time.Date(2023, 6, 2, 10, 0, 0, 0, cst), may: plan.Period{Year: 2023, Month: time.May}}
	w, err := wiring.Open(context.Background(), cfg, t.TempDir(), wiring.Options{
		Now: func() time.Time { return r.now }, Transport: &mail.Folder{Dir: r.out},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	r.c = w.Cycle
	r.admin = r.c.OfficeAddresses()[0]
	d, err := desk.New(desk.Options{Cycle: r.c})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(d.Handler(nil))
	t.Cleanup(r.srv.Close)
	return r
}

// client is a browser without a session: it keeps cookies, does not
// follow redirects.
func (r *rig) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (r *rig) do(cl *http.Client, method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, r.srv.URL+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// mailTo returns the messages written to the folder for addr.
func (r *rig) mailTo(addr string) []*inbound.Message {
	r.t.Helper()
	files, _ := filepath.Glob(filepath.Join(r.out, "*.eml"))
	var out []*inbound.Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			r.t.Fatal(err)
		}
		if !bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(addr))) {
			continue
		}
		m, err := inbound.Parse(raw, inbound.Limits{})
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var linkRE = regexp.MustCompile(`/login/([A-Za-z0-9_-]{20,})`)

// login signs the office in through the mailed link and returns the
// browser and the link's token.
func (r *rig) login() (*http.Client, string) {
	r.t.Helper()
	cl := r.client()
	before := len(r.mailTo(r.admin))
	resp, body := r.do(cl, "POST", "/login", url.Values{"email": {r.admin}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "登录链接已发送") {
		r.t.Fatalf("POST /login = %d\n%s", resp.StatusCode, body)
	}
	msgs := r.mailTo(r.admin)
	if len(msgs) != before+1 {
		r.t.Fatalf("the office received %d login mails, want 1", len(msgs)-before)
	}
	m := linkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil {
		r.t.Fatalf("no login link in the mail:\n%s", msgs[len(msgs)-1].Text)
	}
	if resp, body := r.do(cl, "GET", "/login/"+m[1], nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "确认登录") {
		r.t.Fatalf("GET the link = %d\n%s", resp.StatusCode, body)
	}
	resp, body = r.do(cl, "POST", "/login/confirm", url.Values{"token": {m[1]}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		r.t.Fatalf("POST /login/confirm = %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	ck := resp.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		r.t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Strict", ck)
	}
	return cl, m[1]
}

var formTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

func TestAnonymousSeesOnlyTheLoginPage(t *testing.T) {
	r := newRig(t)
	cl := r.client()
	for _, path := range []string{"/", "/units/jtj", "/versions", "/todo", "/log", "/files/" + strings.Repeat("a", 64)} {
		resp, _ := r.do(cl, "GET", path, nil, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("anonymous GET %s = %d %s; want a redirect to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, path := range []string{"/todo/extend", "/todo/close", "/todo/reopen", "/logout"} {
		resp, body := r.do(cl, "POST", path, url.Values{"task": {"T04"}}, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("anonymous POST %s = %d; want 403\n%s", path, resp.StatusCode, body)
		}
	}
	resp, body := r.do(cl, "GET", "/login", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "一次性登录链接") {
		t.Errorf("GET /login = %d\n%s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

func TestLoginLink(t *testing.T) {
	r := newRig(t)
	// A stranger gets the same page and no mail.
	cl := r.client()
	resp, body := r.do(cl, "POST", "/login", url.Values{"email": {"someone@else.example"}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "登录链接已发送") || len(r.mailTo("someone@else.example")) != 0 {
		t.Errorf("a stranger's login: %d, %d mails\n%s", resp.StatusCode, len(r.mailTo("someone@else.example")), body)
	}
	office, token := r.login()
	if resp, body := r.do(office, "GET", "/", nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "2023年5月报送情况") {
		t.Errorf("GET / after login = %d\n%s", resp.StatusCode, body)
	}
	// The link is spent.
	if resp, body := r.do(r.client(), "POST", "/login/confirm", url.Values{"token": {token}}, nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "已使用或已过期") {
		t.Errorf("a replayed login link = %d\n%s", resp.StatusCode, body)
	}
	// An expired one too.
	other := r.client()
	r.do(other, "POST", "/login", url.Values{"email": {r.admin}}, nil)
	msgs := r.mailTo(r.admin)
	late := linkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)[1]
	r.now = r.now.Add(desk.LoginValid)
	if resp, _ := r.do(other, "POST", "/login/confirm", url.Values{"token": {late}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a login link used after %v = %d; want 403", desk.LoginValid, resp.StatusCode)
	}
	// The session ends when idle, and on 退出.
	_, body = r.do(office, "GET", "/log", nil, nil)
	ft := formTokenRE.FindStringSubmatch(body)
	if !strings.Contains(body, "登录") || ft == nil {
		t.Fatalf("操作记录 lacks the login or a form token:\n%s", body)
	}
	if resp, _ := r.do(office, "POST", "/logout", url.Values{"form_token": {ft[1]}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("退出 = %d", resp.StatusCode)
	}
	if resp, _ := r.do(office, "GET", "/", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / after 退出 = %d; want a redirect to the login page", resp.StatusCode)
	}
}

func TestLoginRateLimited(t *testing.T) {
	r := newRig(t)
	cl := r.client()
	codes := ""
	for range 5 {
		resp, _ := r.do(cl, "POST", "/login", url.Values{"email": {r.admin}}, nil)
		codes += http.StatusText(resp.StatusCode) + ";"
	}
	if n := len(r.mailTo(r.admin)); n != 3 {
		t.Errorf("5 login requests in a row mailed %d links (%s); want 3", n, codes)
	}
}

func TestDecisionsNeedTheirOriginAndToken(t *testing.T) {
	r := newRig(t)
	office, _ := r.login()
	_, body := r.do(office, "GET", "/todo", nil, nil)
	ft := formTokenRE.FindStringSubmatch(body)[1]
	form := url.Values{"task": {"T04"}, "form_token": {ft}}
	if resp, _ := r.do(office, "POST", "/todo/close", url.Values{"task": {"T04"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form without its token = %d; want 403", resp.StatusCode)
	}
	if resp, _ := r.do(office, "POST", "/todo/close", form, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-origin post = %d; want 403", resp.StatusCode)
	}
	// The same decision as `duban close`: refused, T04 has no report.
	resp, body := r.do(office, "POST", "/todo/close", form, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "无从确认任务 T04 已完成") {
		t.Errorf("closing T04 without a report = %d\n%s", resp.StatusCode, body)
	}
}

func TestExtensionGrantedAtTheDesk(t *testing.T) {
	r := newRig(t)
	office, _ := r.login()
	_, body := r.do(office, "GET", "/todo?period=2023-05", nil, nil)
	ft := formTokenRE.FindStringSubmatch(body)[1]
	resp, body := r.do(office, "POST", "/todo/extend", url.Values{"form_token": {ft}, "unit": {"kjj"}, "period": {"2023-05"},
		"decision": {"grant"}, "until": {"2023-06-12"}, "note": {"同意"}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "同意市科技局2023年5月推进情况延期至2023年6月12日报送") {
		t.Fatalf("granting at the desk = %d\n%s", resp.StatusCode, body)
	}
	u, _ := r.c.Plan.Unit("kjj")
	if msgs := r.mailTo(u.Contacts[0].Email); len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Subject, "【延期】同意") {
		t.Errorf("the unit was not told of the decision: %d mails", len(msgs))
	}
	_, body = r.do(office, "GET", "/log", nil, nil)
	if !strings.Contains(body, r.admin) || !strings.Contains(body, "延期至2023年6月12日") {
		t.Errorf("操作记录 does not say who granted the extension:\n%s", body)
	}
}

func TestUploadLink(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	// With http.public_url set, the reminder carries the unit's link.
	r.c.PublicURL = r.srv.URL
	r.now = r.c.Schedule.RemindAt(r.may)
	if _, err := r.c.Remind(ctx, r.may, jobs.RemindOptions{Unit: "jtj"}); err != nil {
		t.Fatal(err)
	}
	u, _ := r.c.Plan.Unit("jtj")
	reminders := r.mailTo(u.Contacts[0].Email)
	if len(reminders) != 1 {
		t.Fatalf("%d reminders to jtj, want 1", len(reminders))
	}
	link := regexp.MustCompile(regexp.QuoteMeta(r.srv.URL) + `(/u/jtj/2023-05/[A-Z2-7]+)`).FindStringSubmatch(reminders[0].Text)
	if link == nil {
		t.Fatalf("the reminder carries no upload link:\n%s", reminders[0].Text)
	}
	path := link[1]
	r.now = r.now.Add(24 * time.Hour)
	cl := r.client()
	if resp, body := r.do(cl, "GET", path, nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "市交通运输局 2023年5月推进情况报送") || strings.Contains(body, "市科技局") {
		t.Errorf("GET the upload page = %d\n%s", resp.StatusCode, body)
	}
	// Another unit's link made from this one, a tampered token, a closed period.
	other := strings.Replace(path, "/jtj/", "/kjj/", 1)
	tampered := path[:len(path)-1] + "A"
	if strings.HasSuffix(path, "A") {
		tampered = path[:len(path)-1] + "B"
	}
	for _, p := range []string{other, tampered} {
		if resp, body := r.do(cl, "GET", p, nil, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "链接无效") || strings.Contains(body, "任务") {
			t.Errorf("GET %s = %d\n%s", p, resp.StatusCode, body)
		}
	}
	// A workbook through the link: the same intake, a receipt by mail.
	tpl, err := r.c.BuildTemplate(ctx, "jtj", r.may)
	if err != nil {
		t.Fatal(err)
	}
	var answers []plan.Answer
	for _, task := range r.c.Plan.TasksLedBy("jtj") {
		answers = append(answers, plan.Answer{TaskID: task.ID, Progress: "五月进展", Status: plan.StatusOnTrack, NextSteps: "继续推进"})
	}
	filled, err := reader.Fill(tpl.Data, "李娜", "0551-63001234", answers)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("workbook", tpl.FileName)
	fw.Write(filled)
	mw.Close()
	req, _ := http.NewRequest("POST", r.srv.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "校验通过，已登记为本期第1次报送") {
		t.Fatalf("upload = %d\n%s", resp.StatusCode, body)
	}
	if msgs := r.mailTo(u.Contacts[0].Email); len(msgs) != 2 || !slices.ContainsFunc(msgs, func(m *inbound.Message) bool { return strings.HasPrefix(m.Subject, "【回执】") }) {
		t.Errorf("no receipt mailed to the unit after the upload")
	}
	// Once the period has closed, the link shows the short page.
	r.now = r.c.Schedule.RemindAt(r.may.Next())
	if resp, _ := r.do(cl, "GET", path, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the upload link after the period closed = %d; want 404", resp.StatusCode)
	}
}
