package desk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/duban/duban/store"
)

// Login without passwords: the office enters its address; an office
// address is mailed a one-time link, any other gets the same answer and no
// mail, so the page does not tell who the office is.

type loginData struct {
	Office  string
	Email   string
	Sent    bool   // the "check your mail" answer
	Problem string // what to correct, in Chinese
	Token   string // the confirm page's hidden field
}

func (s *Server) officeName() string {
	if s.c.Mail != nil && s.c.Mail.Office != "" {
		return s.c.Mail.Office
	}
	return "办公室"
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", loginData{Office: s.officeName()})
}

func (s *Server) requestLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	data := loginData{Office: s.officeName(), Email: email}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		data.Problem = "请输入完整的电子邮箱地址，例如 office@example.gov.cn。"
		s.render(w, r, http.StatusBadRequest, "login", data)
		return
	}
	now := s.c.Clock()
	if !s.limits.allow(email, clientOf(r), now) {
		data.Problem = "登录请求过于频繁，请15分钟后再试。"
		s.render(w, r, http.StatusTooManyRequests, "login", data)
		return
	}
	if err := s.sendLink(r, email, now); err != nil && !errors.Is(err, errNotOffice) {
		s.log.Error("desk login link", "email", email, "err", err)
	}
	s.audit(r, "", "login-link", "申请登录链接："+email)
	data.Sent = true
	s.render(w, r, http.StatusOK, "login", data)
}

// sendLink records and mails a login link when email is an office address.
func (s *Server) sendLink(r *http.Request, email string, now time.Time) error {
	if !slices.Contains(s.c.OfficeAddresses(), email) {
		return errNotOffice
	}
	token := randomToken()
	if err := s.c.Ledger.AddLogin(r.Context(), token, email, now, now.Add(LoginValid)); err != nil {
		return err
	}
	return s.c.SendLoginLink(r.Context(), email, s.baseURL(r)+"/login/"+token, LoginValid)
}

// confirmPage is where a mailed link lands: a button that spends it. A GET
// spends nothing, so a mail scanner that fetches links does not log in.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "confirm", loginData{Office: s.officeName(), Token: r.PathValue("token")})
}

func (s *Server) confirmLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	now := s.c.Clock()
	email, err := s.c.Ledger.UseLogin(r.Context(), r.PostFormValue("token"), now)
	if errors.Is(err, store.ErrLoginInvalid) {
		s.render(w, r, http.StatusForbidden, "login", loginData{Office: s.officeName(),
			Problem: "登录链接无效、已使用或已过期（有效期15分钟，只能使用一次），请重新申请。"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := randomToken()
	if err := s.c.Ledger.AddSession(r.Context(), id, store.Session{Email: email, FormToken: randomToken(), CreatedAt: now, SeenAt: now}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, email, "login", "登录")
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(SessionIdle / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if err := s.c.Ledger.EndSession(r.Context(), u.sessionID, s.c.Clock()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u.email, "logout", "退出")
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func auditEntry(at time.Time, who, action, detail, client string) store.AuditEntry {
	return store.AuditEntry{At: at, Who: who, Action: action, Detail: detail, Client: client}
}

// LoginLink records a one-time login link for an office address and
// returns it without mailing it: for the demo, which prints it, and for an
// operator at the console. The link is made from base (the desk's address).
func (s *Server) LoginLink(ctx context.Context, base, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !slices.Contains(s.c.OfficeAddresses(), email) {
		return "", fmt.Errorf("%s is not an office address (office.recipients, office.leader)", email)
	}
	token := randomToken()
	now := s.c.Clock()
	if err := s.c.Ledger.AddLogin(ctx, token, email, now, now.Add(LoginValid)); err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/login/" + token, nil
}
