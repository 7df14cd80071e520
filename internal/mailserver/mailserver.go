// Package mailserver runs a small mail system in process: an SMTP server
// that delivers every accepted message into the INBOX of an IMAP server,
// both on loopback with implicit TLS and a throw-away certificate. It is
// what `duban demo` and tests use to exercise duban's real SMTP and IMAP
// clients without installing a mail server. It is not meant for the
// network: it listens on 127.0.0.1 only and keeps mail in memory.
package mailserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/duban/duban/internal/selfsigned"
)

// Options configures a Server.
type Options struct {
	// Users are the mailboxes, address → password. The address is also
	// the IMAP and SMTP AUTH user name; addresses are compared ignoring
	// case.
	Users map[string]string
	// RequireAuth makes SMTP refuse MAIL before AUTH PLAIN.
	RequireAuth bool
	// Clock stamps the INTERNALDATE (and the Received header) of each
	// delivered message; nil means time.Now.
	Clock func() time.Time
	// Log receives deliveries (info) and protocol errors (debug); nil
	// discards them.
	Log *slog.Logger
	// MailDelay makes SMTP wait this long before answering each MAIL
	// FROM, so that a fan-out lasts long enough for a test to kill the
	// sender in the middle of it. The wait comes before the client sends
	// the message: a client that dies meanwhile has delivered nothing.
	MailDelay time.Duration
	// Delivered, when set, is called after a message is in its
	// recipients' INBOXes and before SMTP tells the client so. A test
	// counts deliveries with it, or blocks in it to stop the client
	// between the delivery and the acknowledgement.
	Delivered func(from string, to []string)
}

// Limits of the SMTP side.
const (
	maxMessageBytes = 64 << 20
	maxRecipients   = 100
	ioTimeout       = 2 * time.Minute
)

// Server is a running SMTP and IMAP server pair.
type Server struct {
	smtpAddr, imapAddr string
	roots              *x509.CertPool
	users              map[string]*user // by lowercased address
	requireAuth        bool
	mailDelay          time.Duration
	delivered          func(from string, to []string)
	clock              func() time.Time
	log                *slog.Logger

	smtp      *smtp.Server
	imap      *imapserver.Server
	conns     *tracker
	listeners []net.Listener
	serving   sync.WaitGroup

	closing      chan struct{} // closed by Close: ends a MailDelay early
	mu           sync.Mutex
	stopOnCancel func() bool // guarded by mu
	closeOnce    sync.Once
	closeErr     error
}

// user is one mailbox: its IMAP store and what was delivered to it.
type user struct {
	address, password string
	mem               *imapmemserver.User

	mu        sync.Mutex
	delivered [][]byte
}

// Start listens on two free loopback ports — SMTP and IMAP, both with
// implicit TLS — and serves until Close is called or ctx is done.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("starting the mail server: %w", err)
	}
	s := &Server{
		users:       make(map[string]*user, len(opts.Users)),
		requireAuth: opts.RequireAuth,
		mailDelay:   opts.MailDelay,
		delivered:   opts.Delivered,
		clock:       opts.Clock,
		closing:     make(chan struct{}),
		log:         opts.Log,
		conns:       newTracker(),
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	mem := imapmemserver.New()
	if err := s.addUsers(mem, opts.Users); err != nil {
		return nil, err
	}
	serverTLS, roots, err := selfsigned.New("127.0.0.1", "localhost")
	if err != nil {
		return nil, fmt.Errorf("making the server certificate: %w", err)
	}
	s.roots = roots

	smtpLn, err := s.listen(serverTLS)
	if err != nil {
		return nil, err
	}
	imapLn, err := s.listen(serverTLS)
	if err != nil {
		smtpLn.Close()
		return nil, err
	}
	s.smtpAddr, s.imapAddr = smtpLn.Addr().String(), imapLn.Addr().String()
	s.listeners = []net.Listener{smtpLn, imapLn}

	s.smtp = smtp.NewServer(&backend{s: s})
	s.smtp.Domain = "localhost"
	s.smtp.MaxMessageBytes = maxMessageBytes
	s.smtp.MaxRecipients = maxRecipients
	s.smtp.ReadTimeout, s.smtp.WriteTimeout = ioTimeout, ioTimeout
	s.smtp.ErrorLog = printfLogger{log: s.log, server: "smtp"}

	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		Logger: printfLogger{log: s.log, server: "imap"},
		// No TLSConfig: no STARTTLS, the listener is TLS from the first byte.
	})

	s.serving.Go(func() { s.served("smtp", s.smtp.Serve(smtpLn)) })
	s.serving.Go(func() { s.served("imap", s.imap.Serve(imapLn)) })
	s.mu.Lock()
	s.stopOnCancel = context.AfterFunc(ctx, func() { s.Close() })
	s.mu.Unlock()
	s.log.Debug("mail server started", "smtp", s.smtpAddr, "imap", s.imapAddr, "users", len(s.users))
	return s, nil
}

func (s *Server) addUsers(mem *imapmemserver.Server, users map[string]string) error {
	var problems []error
	for addr, password := range users {
		key := strings.ToLower(addr)
		switch {
		case !plausibleAddress(addr):
			problems = append(problems, fmt.Errorf("user %q: not an address like name@example.org", addr))
			continue
		case password == "":
			problems = append(problems, fmt.Errorf("user %q: empty password", addr))
			continue
		case s.users[key] != nil:
			problems = append(problems, fmt.Errorf("user %q: given twice (addresses ignore case)", addr))
			continue
		}
		u := &user{address: key, password: password, mem: imapmemserver.NewUser(key, password)}
		if err := u.mem.Create("INBOX", nil); err != nil {
			return fmt.Errorf("creating the INBOX of %s: %w", key, err)
		}
		mem.AddUser(u.mem)
		s.users[key] = u
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
		return fmt.Errorf("mail server users: %w", errors.Join(problems...))
	}
	return nil
}

// plausibleAddress accepts local@domain in printable ASCII.
func plausibleAddress(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' {
			return false
		}
	}
	return true
}

// listen opens a loopback port whose connections are tracked, behind TLS.
func (s *Server) listen(cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback: %w", err)
	}
	return tls.NewListener(&trackedListener{Listener: ln, t: s.conns}, cfg), nil
}

// served logs why a Serve loop ended, unless it was Close.
func (s *Server) served(name string, err error) {
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, smtp.ErrServerClosed) {
		s.log.Debug("mail server stopped serving", "server", name, "err", err)
	}
}

// SMTPAddr is the SMTP server's address, "127.0.0.1:port" (implicit TLS).
func (s *Server) SMTPAddr() string { return s.smtpAddr }

// IMAPAddr is the IMAP server's address, "127.0.0.1:port" (implicit TLS).
func (s *Server) IMAPAddr() string { return s.imapAddr }

// RootCAs trusts the servers' certificate, valid for 127.0.0.1 and
// localhost, and nothing else.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns every message delivered to the user's INBOX, oldest
// first, exactly as stored (with the Return-Path and Received headers the
// delivery added) — including those a client has since moved to another
// folder, so that it shows all a mailbox ever received.
func (s *Server) Messages(address string) ([][]byte, error) {
	u := s.users[strings.ToLower(address)]
	if u == nil {
		return nil, fmt.Errorf("reading the messages of %s: no such user", address)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([][]byte, len(u.delivered))
	for i, m := range u.delivered {
		out[i] = append([]byte(nil), m...)
	}
	return out, nil
}

// Close stops both servers, closes every connection and waits until they
// are closed and the ports are free. Calling it again returns the first
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		stop := s.stopOnCancel
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
		close(s.closing)
		var errs []error
		if err := s.smtp.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("closing the smtp server: %w", err))
		}
		if err := s.imap.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("closing the imap server: %w", err))
		}
		// A Serve loop that had not started yet when its server was closed
		// would still accept: closing the listeners ends it in any case.
		for _, ln := range s.listeners {
			ln.Close()
		}
		s.serving.Wait()
		s.conns.closeAll()
		s.conns.wait()
		s.closeErr = errors.Join(errs...)
		s.log.Debug("mail server stopped", "smtp", s.smtpAddr, "imap", s.imapAddr)
	})
	return s.closeErr
}

// printfLogger passes the servers' own error logs to slog, at debug level:
// clients hanging up are routine.
type printfLogger struct {
	log    *slog.Logger
	server string
}

func (l printfLogger) Printf(format string, args ...any) {
	l.log.Debug(strings.TrimSpace(fmt.Sprintf(format, args...)), "server", l.server)
}

func (l printfLogger) Println(args ...any) {
	l.log.Debug(strings.TrimSpace(fmt.Sprintln(args...)), "server", l.server)
}
