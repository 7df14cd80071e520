package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/mail"
)

// prompt is how long a cancelled or timed-out call may take to return.
const prompt = 3 * time.Second

// promptly runs f and fails the test when it does not return within prompt.
func promptly(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(prompt):
		t.Fatalf("%s did not return within %v", what, prompt)
		return nil
	}
}

func TestIMAPConnectionDroppedMidFetch(t *testing.T) {
	tests := []struct {
		name  string
		after int // bytes of the answer let through before the cut
	}{
		{"before the answer", 0},
		{"inside the message literal", 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, serverOptions{})
			a := dialAdmin(t, s.addr, testUser, testPassword)
			big := append(readFixture(t, "utf8-plain.eml"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 10000)...)
			a.append("INBOX", big, time.Now())
			a.append("INBOX", numbered(2), time.Now())
			p := startProxy(t, s.addr, "BODY.PEEK[]", tt.after, false)
			m, err := DialIMAP(context.Background(), testConfig(t, p.addr), nil)
			if err != nil {
				t.Fatalf("DialIMAP(through proxy) error = %v", err)
			}

			msgs, _, err := m.Fetch(context.Background(), Cursor{}, 10)
			if err == nil {
				t.Fatalf("Fetch() on a cut connection = %v, nil; want an error", keys(msgs))
			}
			t.Logf("Fetch() on a cut connection: %v", err)
			if err := promptly(t, "Fetch() again on the broken connection", func() error {
				_, _, err := m.Fetch(context.Background(), Cursor{}, 10)
				return err
			}); err == nil {
				t.Errorf("Fetch() again on the broken connection error = nil, want an error")
			}
			if err := m.Settle(context.Background(), Incoming{Key: "imap:1:1", UIDValidity: 1, UID: 1}, Processed); err == nil {
				t.Errorf("Settle() on the broken connection error = nil")
			}
			if err := m.Close(); err != nil {
				t.Errorf("Close() of a broken connection error = %v, want nil", err)
			}

			m2 := dial(t, testConfig(t, s.addr), nil)
			msgs, _, err = m2.Fetch(context.Background(), Cursor{}, 10)
			if err != nil || len(msgs) != 2 || !bytes.Equal(msgs[0].Raw, big) {
				t.Errorf("Fetch() after dialing again = %v, %v; want both messages", keys(msgs), err)
			}
		})
	}
}

func TestIMAPCancelAndTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool // cancel once the body fetch is sent
		want    error
	}{
		{"cancelled", 10 * time.Second, true, context.Canceled},
		{"timed out", 300 * time.Millisecond, false, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, serverOptions{})
			a := dialAdmin(t, s.addr, testUser, testPassword)
			a.append("INBOX", numbered(1), time.Now())
			p := startProxy(t, s.addr, "BODY.PEEK[]", 0, true) // silence once bodies are asked for
			cfg := testConfig(t, p.addr)
			cfg.Timeout = tt.timeout
			m, err := DialIMAP(context.Background(), cfg, nil)
			if err != nil {
				t.Fatalf("DialIMAP() error = %v", err)
			}
			defer m.Close()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					<-p.seen
					cancel()
				}()
			}
			err = promptly(t, "Fetch() on a silent server", func() error {
				_, _, err := m.Fetch(ctx, Cursor{}, 10)
				return err
			})
			t.Logf("Fetch(): %v", err)
			if !errors.Is(err, tt.want) {
				t.Errorf("Fetch() on a silent server error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestIMAPCloseAbortsCall: Close from another goroutine (daemon shutdown)
// does not wait for a stuck call; the call fails.
func TestIMAPCloseAbortsCall(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	a.append("INBOX", numbered(1), time.Now())
	p := startProxy(t, s.addr, "BODY.PEEK[]", 0, true)
	m, err := DialIMAP(context.Background(), testConfig(t, p.addr), nil)
	if err != nil {
		t.Fatalf("DialIMAP() error = %v", err)
	}
	fetched := make(chan error, 1)
	go func() {
		_, _, err := m.Fetch(context.Background(), Cursor{}, 10)
		fetched <- err
	}()
	<-p.seen
	if err := promptly(t, "Close() during Fetch", m.Close); err != nil {
		t.Errorf("Close() during Fetch error = %v", err)
	}
	if err := promptly(t, "Fetch() aborted by Close", func() error { return <-fetched }); err == nil {
		t.Errorf("Fetch() aborted by Close error = nil, want an error")
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close() again error = %v", err)
	}
}

func TestIMAPCancelledContextBeforeCall(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	a.append("INBOX", numbered(1), time.Now())
	m := dial(t, testConfig(t, s.addr), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := m.Fetch(ctx, Cursor{}, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) error = %v, want context.Canceled", err)
	}
	if err := m.Settle(ctx, Incoming{Key: "imap:1:1", UIDValidity: 1, UID: 1}, Processed); !errors.Is(err, context.Canceled) {
		t.Errorf("Settle(cancelled) error = %v, want context.Canceled", err)
	}
	if got := a.list("INBOX"); len(got) != 1 {
		t.Errorf("INBOX holds %d messages, want 1", len(got))
	}
}

// silentServer accepts connections and never says a word. accepted gets a
// value for each connection.
func silentServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	ln := listen(t)
	signal := make(chan struct{}, 16)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case signal <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), signal
}

// TestIMAPDialSilentServer dials a server that accepts and never greets.
func TestIMAPDialSilentServer(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool // cancel once the connection is accepted
		want    error
	}{
		{"cancelled", 10 * time.Second, true, context.Canceled},
		{"timed out", 300 * time.Millisecond, false, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := silentServer(t)
			cfg := testConfig(t, addr)
			cfg.Timeout = tt.timeout
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					<-accepted
					cancel()
				}()
			}
			err := promptly(t, "DialIMAP(silent server)", func() error {
				_, err := DialIMAP(ctx, cfg, nil)
				return err
			})
			t.Logf("DialIMAP(): %v", err)
			if !errors.Is(err, tt.want) {
				t.Errorf("DialIMAP(silent server) error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestIMAPImplicitTLS(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	s := startServer(t, serverOptions{implicitTLS: serverTLS})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	raw := readFixture(t, "gbk-encoded-subject.eml")
	a.append("INBOX", raw, time.Now())

	cfg := testConfig(t, s.tlsAddr)
	cfg.TLS = mail.TLSImplicit
	cfg.TLSConfig = &tls.Config{RootCAs: roots}
	m := dial(t, cfg, nil)
	msgs, _, err := m.Fetch(context.Background(), Cursor{}, 10)
	if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0].Raw, raw) {
		t.Errorf("Fetch() over implicit TLS = %v, %v; want the message", keys(msgs), err)
	}

	tests := []struct {
		name   string
		change func(*IMAPConfig)
		check  func(error) bool
	}{
		{"system roots do not trust a self-signed certificate", func(c *IMAPConfig) { c.TLSConfig = nil }, func(err error) bool {
			var verr *tls.CertificateVerificationError
			return errors.As(err, &verr)
		}},
		{"wrong server name", func(c *IMAPConfig) { c.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "imap.metro.example"} }, func(err error) bool {
			var verr *tls.CertificateVerificationError
			return errors.As(err, &verr)
		}},
		{"implicit TLS to a plain port", func(c *IMAPConfig) { _, c.Port = splitAddr(t, s.addr) }, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := cfg
			tt.change(&bad)
			m, err := DialIMAP(context.Background(), bad, nil)
			if m != nil {
				m.Close()
			}
			t.Logf("DialIMAP(): %v", err)
			if !tt.check(err) {
				t.Errorf("DialIMAP() error = %v, want a TLS failure", err)
			}
		})
	}
}

func TestIMAPStartTLS(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	s := startServer(t, serverOptions{startTLS: serverTLS})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	a.append("INBOX", numbered(1), time.Now())
	cfg := testConfig(t, s.addr)
	cfg.TLS = mail.TLSStartTLS
	cfg.TLSConfig = &tls.Config{RootCAs: roots}
	m := dial(t, cfg, nil)
	if msgs, _, err := m.Fetch(context.Background(), Cursor{}, 10); err != nil || len(msgs) != 1 {
		t.Errorf("Fetch() over STARTTLS = %v, %v; want the message", keys(msgs), err)
	}

	// A server that does not offer STARTTLS: no fallback to plain text, so
	// the credentials never go out.
	plain := startServer(t, serverOptions{})
	cfg = testConfig(t, plain.addr)
	cfg.TLS = mail.TLSStartTLS
	cfg.TLSConfig = &tls.Config{RootCAs: roots}
	if m, err := DialIMAP(context.Background(), cfg, nil); err == nil {
		m.Close()
		t.Errorf("DialIMAP(starttls to a server without it) error = nil, want an error")
	}
	if tr := plain.transcript.String(); strings.Contains(tr, "LOGIN") || strings.Contains(tr, testPassword) {
		t.Errorf("server without STARTTLS saw a login: %q", tr)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"[::1]", true},
		{"localhost", true},
		{"LocalHost", true},
		{"localhost.metro.example", false},
		{"10.0.0.1", false},
		{"imap.metro.example", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := mail.IsLoopback(tt.host); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
