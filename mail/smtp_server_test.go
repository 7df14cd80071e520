package mail

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/duban/duban/internal/selfsigned"
	"github.com/duban/duban/internal/testtools"
)

// An in-process go-smtp server on 127.0.0.1:0 with a backend that records
// what it receives and can be told to fail.

// received is one message the test server accepted.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
}

// testBackend records sessions and messages. Failures are one-shot: each
// queued code is used once at its stage ("MAIL", "RCPT", "DATA").
type testBackend struct {
	user, pass string // AUTH required when user != ""

	mu       sync.Mutex
	conns    []*smtp.Conn // one per connection (a Conn survives STARTTLS)
	msgs     []received
	failures map[string][]int
	reject   map[string]int // recipient → RCPT reply code
	stall    chan struct{}  // non-nil: DATA waits for it to close
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	known := false
	for _, k := range b.conns {
		known = known || k == c
	}
	if !known {
		b.conns = append(b.conns, c)
	}
	return &testSession{b: b, conn: c}, nil
}

func (b *testBackend) connections() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns)
}

func (b *testBackend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

// fail queues a one-shot reply code at stage.
func (b *testBackend) fail(stage string, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures == nil {
		b.failures = map[string][]int{}
	}
	b.failures[stage] = append(b.failures[stage], code)
}

func (b *testBackend) failure(stage string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.failures[stage]
	if len(q) == 0 {
		return nil
	}
	b.failures[stage] = q[1:]
	return replyError(q[0])
}

// closeConnections drops every connection from the server side, as a
// server does with idle clients.
func (b *testBackend) closeConnections() {
	b.mu.Lock()
	conns := append([]*smtp.Conn(nil), b.conns...)
	b.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func replyError(code int) *smtp.SMTPError {
	class := code / 100
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{class, 0, 0}, Message: "test server says no"}
}

type testSession struct {
	b      *testBackend
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.b.user || password != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	if err := s.b.failure("MAIL"); err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	code := s.b.reject[to]
	s.b.mu.Unlock()
	if code != 0 {
		return replyError(code)
	}
	if err := s.b.failure("RCPT"); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	if s.b.stall != nil {
		<-s.b.stall
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.b.failure("DATA"); err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, received{From: s.from, To: s.to, Data: data, TLS: isTLS})
	s.b.mu.Unlock()
	return nil
}

func (s *testSession) Reset() { s.from, s.to = "", nil }

func (s *testSession) Logout() error { return nil }

// serverOpts selects how the test server speaks.
type serverOpts struct {
	mode       string // "implicit", "starttls" (offered), "plain" (no TLS at all)
	user, pass string // require AUTH PLAIN
	stall      bool   // DATA blocks until the test ends
	debug      bool   // record the dialogue (not in benchmarks)
}

type testServer struct {
	host  string
	port  int
	be    *testBackend
	roots *x509.CertPool // trusts the server's certificate
	debug *syncBuffer    // the dialogue, both directions, after TLS
}

func startServer(t testing.TB, o serverOpts) *testServer {
	t.Helper()
	srvTLS, roots, err := selfsigned.New()
	if err != nil {
		t.Fatal(err)
	}
	be := &testBackend{user: o.user, pass: o.pass, reject: map[string]int{}}
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ts := &testServer{be: be, roots: roots, debug: &syncBuffer{}}
	if o.debug {
		srv.Debug = ts.debug
	}
	var ln net.Listener
	switch o.mode {
	case "implicit":
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srvTLS)
	case "starttls":
		srv.TLSConfig = srvTLS
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	case "plain":
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	default:
		t.Fatalf("unknown server mode %q", o.mode)
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if o.stall {
		be.stall = make(chan struct{})
		t.Cleanup(func() { close(be.stall) }) // runs before srv.Close
	}
	addr := ln.Addr().(*net.TCPAddr)
	ts.host, ts.port = "127.0.0.1", addr.Port
	return ts
}

// config is a client configuration for ts that trusts its certificate.
func (ts *testServer) config(mode TLSMode) SMTPConfig {
	return SMTPConfig{
		Host:      ts.host,
		Port:      ts.port,
		TLS:       mode,
		Timeout:   5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: ts.roots},
	}
}

// ehloNames lists the names the client gave in EHLO/HELO.
func (ts *testServer) ehloNames() []string {
	var names []string
	for _, line := range strings.Split(ts.debug.String(), "\r\n") {
		if f := strings.Fields(line); len(f) == 2 && (f[0] == "EHLO" || f[0] == "HELO") {
			names = append(names, f[1])
		}
	}
	return names
}

// syncBuffer is testtools.SyncBuffer.
type syncBuffer = testtools.SyncBuffer
