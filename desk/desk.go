// Package desk is the office's web desk and the units' upload page, served
// by `duban run` beside /healthz and /metrics: server-rendered Chinese
// pages (html/template, embedded CSS, no JavaScript) that read the ledger
// through package jobs and decide through the same job code as the command
// line (duban extend, duban close).
//
// Nothing but the login pages and a unit's own upload page is served
// without a session. Sessions come from one-time links mailed to the
// office's addresses; state-changing requests are POST only, behind
// http.CrossOriginProtection and a per-session form token.
package desk

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/duban/duban/jobs"
)

//go:embed pages/*.html
var pageFS embed.FS

// The stylesheet is inlined in every page, so that a page loads in one
// round trip; the policy allows exactly it, by its hash.
//
//go:embed static/desk.css
var stylesheet string

var styleHash = func() string {
	sum := sha256.Sum256([]byte(stylesheet))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// Lifetimes of the desk's secrets.
const (
	LoginValid  = 15 * time.Minute // a mailed login link
	SessionIdle = 8 * time.Hour    // a session not used for this long ends
	cookieName  = "desk_session"
)

// Options configure a Server.
type Options struct {
	Cycle *jobs.Cycle
	// PublicURL is the address the desk is reached at (http.public_url),
	// used in every link that is mailed; with it empty, links are made
	// from the request's own host.
	PublicURL string
	Log       *slog.Logger
}

// Server serves the desk.
type Server struct {
	c      *jobs.Cycle
	public *url.URL // nil when not configured
	secure bool     // cookies only over https
	log    *slog.Logger
	pages  map[string]*template.Template

	limits *limiter
	cache  overviewCache
}

// New parses the pages and returns the desk of o.Cycle.
func New(o Options) (*Server, error) {
	s := &Server{c: o.Cycle, log: o.Log, limits: newLimiter()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if o.PublicURL != "" {
		u, err := url.Parse(strings.TrimRight(o.PublicURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("http.public_url %q: want an http or https address such as https://desk.example.gov.cn", o.PublicURL)
		}
		s.public, s.secure = u, u.Scheme == "https"
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(pageFS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(pageFS, "pages/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", n, err)
		}
		out[strings.TrimSuffix(strings.TrimPrefix(n, "pages/"), ".html")] = t
	}
	return out, nil
}

// Handler serves the desk's routes; requests it does not know fall through
// to next (the /healthz and /metrics handler), when given.
func (s *Server) Handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	// Without a session.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.requestLink)
	mux.HandleFunc("GET /login/{token}", s.confirmPage)
	mux.HandleFunc("POST /login/confirm", s.confirmLogin)
	mux.HandleFunc("GET /u/{unit}/{period}/{token}", s.uploadPage)
	mux.HandleFunc("POST /u/{unit}/{period}/{token}", s.upload)
	// With one.
	mux.HandleFunc("GET /{$}", s.session(s.overview))
	mux.HandleFunc("GET /units/{unit}", s.session(s.unitPage))
	mux.HandleFunc("GET /versions", s.session(s.versionsPage))
	mux.HandleFunc("GET /todo", s.session(s.todoPage))
	mux.HandleFunc("POST /todo/extend", s.session(s.formToken(s.extend)))
	mux.HandleFunc("POST /todo/close", s.session(s.formToken(s.closeTask)))
	mux.HandleFunc("POST /todo/reopen", s.session(s.formToken(s.reopenTask)))
	mux.HandleFunc("GET /log", s.session(s.logPage))
	mux.HandleFunc("GET /files/{sha}", s.session(s.download))
	mux.HandleFunc("POST /logout", s.session(s.formToken(s.logout)))
	if next != nil {
		mux.Handle("/metrics", next)
		mux.Handle("/healthz", next)
	}
	cop := http.NewCrossOriginProtection()
	return securityHeaders(cop.Handler(mux))
}

// securityHeaders sets what every answer carries: no framing, no referrer
// (links carry secrets), a policy without inline script or styles, and no
// caching of pages that show the ledger.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+"; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// user is the signed-in office address of a request.
type user struct {
	email, formToken, sessionID string
}

type userKey struct{}

func userOf(r *http.Request) user {
	u, _ := r.Context().Value(userKey{}).(user)
	return u
}

// session lets a request through only with a live session; others are sent
// to the login page.
func (s *Server) session(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookieName)
		if err == nil {
			sess, live, err := s.c.Ledger.SessionOf(r.Context(), ck.Value, s.c.Clock(), SessionIdle)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if live {
				ctx := context.WithValue(r.Context(), userKey{}, user{email: sess.Email, formToken: sess.FormToken, sessionID: ck.Value})
				h(w, r.WithContext(ctx))
				return
			}
		}
		if r.Method != http.MethodGet {
			http.Error(w, "请先登录。", http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}

// formToken refuses a form posted without the session's token.
func (s *Server) formToken(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("form_token") != userOf(r).formToken {
			http.Error(w, "表单已失效，请返回上一页刷新后重试。", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

// render writes page name with data; a template error is logged and
// answered with a short Chinese page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page %q", name))
		return
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		s.fail(w, r, fmt.Errorf("rendering %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("desk", "path", r.URL.Path, "err", err)
	http.Error(w, "服务器内部错误，请稍后重试；如持续出现，请联系技术支持人员。", http.StatusInternalServerError)
}

// audit records what was done at the desk, and by whom.
func (s *Server) audit(r *http.Request, who, action, detail string) {
	err := s.c.Ledger.Audit(r.Context(), auditEntry(s.c.Clock(), who, action, detail, clientOf(r)))
	if err != nil {
		s.log.Error("desk audit", "action", action, "err", err)
	}
}

// clientOf is the client's address, for rate limits and the record.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomToken is a secret of 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// baseURL is where mailed links point: http.public_url, or the request's
// own scheme and host.
func (s *Server) baseURL(r *http.Request) string {
	if s.public != nil {
		return s.public.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// limiter bounds login requests per address and per client.
type limiter struct {
	mu        sync.Mutex
	perEmail  map[string]*rate.Limiter
	perClient map[string]*rate.Limiter
}

func newLimiter() *limiter {
	return &limiter{perEmail: map[string]*rate.Limiter{}, perClient: map[string]*rate.Limiter{}}
}

// maxTracked bounds the limiter's memory: past it the maps start afresh
// (which frees a flood's entries; real users are few).
const maxTracked = 10000

// allow takes one login request of email from client at now: at most 3
// links an address in 15 minutes, 10 requests a client.
func (l *limiter) allow(email, client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	get := func(m map[string]*rate.Limiter, key string, every time.Duration, burst int) *rate.Limiter {
		if len(m) > maxTracked {
			clear(m)
		}
		lim, ok := m[key]
		if !ok {
			lim = rate.NewLimiter(rate.Every(every), burst)
			m[key] = lim
		}
		return lim
	}
	c := get(l.perClient, client, 90*time.Second, 10)
	e := get(l.perEmail, email, 5*time.Minute, 3)
	if !c.AllowN(now, 1) {
		return false
	}
	return e.AllowN(now, 1)
}

var errNotOffice = errors.New("not an office address")
