package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/internal/selfsigned"
)

const (
	testFrom = "duban@metro.example"
	testTo   = "zhangsan@jtj.metro.example"
)

// testMessage is a composed reminder with its attachment.
func testMessage(t testing.TB) []byte {
	t.Helper()
	data, err := Compose(reminder())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newTestSMTP(t testing.TB, cfg SMTPConfig, log *slog.Logger) *SMTP {
	t.Helper()
	s, err := NewSMTP(cfg, log)
	if err != nil {
		t.Fatalf("NewSMTP(%v) error = %v", cfg, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func bufferLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestSMTPSend(t *testing.T) {
	for _, mode := range []TLSMode{TLSImplicit, TLSStartTLS} {
		t.Run(string(mode), func(t *testing.T) {
			ts := startServer(t, serverOpts{mode: string(mode), debug: true})
			s := newTestSMTP(t, ts.config(mode), nil)
			data := testMessage(t)
			if err := s.Send(context.Background(), testFrom, []string{testTo, "lisi@jtj.metro.example"}, data); err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			msgs := ts.be.messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.From != testFrom || strings.Join(m.To, ",") != testTo+",lisi@jtj.metro.example" {
				t.Errorf("envelope = %s → %v, want %s → [%s lisi@jtj.metro.example]", m.From, m.To, testFrom, testTo)
			}
			if !bytes.Equal(m.Data, data) {
				t.Errorf("server received %d bytes that differ from the %d sent", len(m.Data), len(data))
			}
			if !m.TLS {
				t.Errorf("message arrived without TLS")
			}
			names := ts.ehloNames()
			if len(names) == 0 {
				t.Fatalf("no EHLO in the dialogue:\n%s", ts.debug.String())
			}
			for _, n := range names {
				if n != "metro.example" {
					t.Errorf("EHLO name = %q, want the sender's domain metro.example", n)
				}
			}
			if got := strings.Contains(ts.debug.String(), "STARTTLS\r\n"); got != (mode == "starttls") {
				t.Errorf("dialogue has STARTTLS = %v, want %v", got, mode == "starttls")
			}
		})
	}
}

// TestSMTPTLSFaults: configuration faults are permanent, say what to fix,
// and nothing is sent.
func TestSMTPTLSFaults(t *testing.T) {
	_, otherRoots, err := selfsigned.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		server     string
		client     TLSMode
		roots      bool // trust the server's own certificate
		host       string
		wantSub    string
		noMailFrom bool
	}{
		{"no STARTTLS offered", "plain", "starttls", true, "", "does not offer STARTTLS", true},
		{"implicit TLS against a plain server", "plain", "implicit", true, "", "did not answer with TLS", true},
		{"wrong CA, implicit", "implicit", "implicit", false, "", "certificate could not be verified", true},
		{"wrong CA, STARTTLS", "starttls", "starttls", false, "", "certificate could not be verified", true},
		{"wrong host name", "implicit", "implicit", true, "localhost.example", "certificate could not be verified", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{mode: tc.server, debug: true})
			cfg := ts.config(tc.client)
			if !tc.roots {
				cfg.TLSConfig = &tls.Config{RootCAs: otherRoots}
			}
			if tc.host != "" {
				cfg.TLSConfig.ServerName = tc.host
			}
			s := newTestSMTP(t, cfg, nil)
			err := s.Send(context.Background(), testFrom, []string{testTo}, testMessage(t))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send() error = %v, want a *SendError", err)
			}
			if se.Temporary || IsTemporary(err) {
				t.Errorf("Send() error = %v is temporary, want permanent", err)
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("Send() error = %v, want one containing %q", err, tc.wantSub)
			}
			if n := len(ts.be.messages()); n != 0 {
				t.Errorf("server received %d messages, want 0", n)
			}
			if strings.Contains(ts.debug.String(), "MAIL FROM") {
				t.Errorf("MAIL FROM was sent:\n%s", ts.debug.String())
			}
		})
	}
}

func TestSMTPAuth(t *testing.T) {
	const user, password = "duban", "Zh3ng-wu!密码"
	tests := []struct {
		name     string
		password string
		wantCode int // 0: success
	}{
		{"right password", password, 0},
		{"wrong password", "not-" + password, 535},
		{"no login", "", 502},
	}
	for _, mode := range []string{"implicit", "starttls"} {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				ts := startServer(t, serverOpts{mode: mode, user: user, pass: password})
				log, logs := bufferLogger()
				cfg := ts.config(TLSMode(mode))
				if tc.password != "" {
					cfg.Username, cfg.Password = user, tc.password
				}
				s := newTestSMTP(t, cfg, log)
				log.Info("configured", "smtp", cfg) // as a careless caller might
				err := s.Send(context.Background(), testFrom, []string{testTo}, testMessage(t))
				s.Close()
				var se *SendError
				switch {
				case tc.wantCode == 0 && err != nil:
					t.Fatalf("Send() error = %v, want success", err)
				case tc.wantCode != 0 && (!errors.As(err, &se) || se.Code != tc.wantCode || se.Temporary):
					t.Fatalf("Send() error = %#v, want permanent SendError code %d", err, tc.wantCode)
				case tc.wantCode == 535 && !IsConnectionFailure(err):
					t.Errorf("a refused login is not a connection failure: %#v (the outbox would mark every message failed)", err)
				}
				if want := map[bool]int{true: 1, false: 0}[tc.wantCode == 0]; len(ts.be.messages()) != want {
					t.Errorf("server received %d messages, want %d", len(ts.be.messages()), want)
				}
				for _, secret := range []string{password, tc.password} {
					if secret == "" {
						continue
					}
					if err != nil && strings.Contains(err.Error(), secret) {
						t.Errorf("error %q contains the password", err)
					}
					if strings.Contains(logs.String(), secret) {
						t.Errorf("log contains the password:\n%s", logs.String())
					}
					if s := fmt.Sprintf("%v %+v %s", cfg, cfg, cfg); strings.Contains(s, secret) {
						t.Errorf("formatted config contains the password: %s", s)
					}
				}
			})
		}
	}
}

// TestSMTPReplies: each failure has the right class, and the next message
// on the same transport goes through.
func TestSMTPReplies(t *testing.T) {
	tests := []struct {
		stage         string
		code          int
		wantTemporary bool
		wantConns     int // after the follow-up message
	}{
		{"MAIL", 421, true, 2}, // the server is closing: redial
		{"MAIL", 451, true, 1},
		{"MAIL", 554, false, 1},
		{"RCPT", 450, true, 1},
		{"RCPT", 550, false, 1},
		{"RCPT", 553, false, 1},
		{"DATA", 451, true, 1},
		{"DATA", 552, false, 1},
		{"DATA", 554, false, 1},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %d", tc.stage, tc.code), func(t *testing.T) {
			ts := startServer(t, serverOpts{mode: "implicit"})
			s := newTestSMTP(t, ts.config("implicit"), nil)
			data := testMessage(t)
			ts.be.fail(tc.stage, tc.code)
			err := s.Send(context.Background(), testFrom, []string{testTo}, data)
			var se *SendError
			if !errors.As(err, &se) || se.Code != tc.code || se.Temporary != tc.wantTemporary || IsTemporary(err) != tc.wantTemporary {
				t.Fatalf("Send() error = %#v, want SendError code %d temporary %v", err, tc.code, tc.wantTemporary)
			}
			if len(ts.be.messages()) != 0 {
				t.Fatalf("a refused message was recorded")
			}
			if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
				t.Fatalf("next Send() error = %v, want success", err)
			}
			if n := len(ts.be.messages()); n != 1 {
				t.Errorf("server received %d messages, want 1", n)
			}
			if n := ts.be.connections(); n != tc.wantConns {
				t.Errorf("connections = %d, want %d", n, tc.wantConns)
			}
		})
	}
}

// TestSMTPRejectedRecipient: one refused recipient fails the message (for
// everyone: all or nothing), names the address, and leaves the connection
// usable.
func TestSMTPRejectedRecipient(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit", debug: true})
	ts.be.reject["gone@jtj.metro.example"] = 550
	s := newTestSMTP(t, ts.config("implicit"), nil)
	data := testMessage(t)
	err := s.Send(context.Background(), testFrom, []string{testTo, "gone@jtj.metro.example"}, data)
	var se *SendError
	if !errors.As(err, &se) || se.Code != 550 || se.Temporary {
		t.Fatalf("Send() error = %#v, want permanent 550", err)
	}
	if !strings.Contains(err.Error(), "gone@jtj.metro.example") {
		t.Errorf("Send() error = %v, want it to name the refused recipient", err)
	}
	if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
		t.Fatalf("next Send() error = %v", err)
	}
	msgs := ts.be.messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != testTo {
		t.Errorf("server received %v, want one message to %s", msgs, testTo)
	}
	// The refused transaction is reset; the connection stays.
	ts.wantSession(t, 1, 1)
}

func TestSMTPReusesConnection(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit", debug: true})
	s := newTestSMTP(t, ts.config("implicit"), nil)
	data := testMessage(t)
	const n = 20
	for i := range n {
		if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
			t.Fatalf("Send() #%d error = %v", i+1, err)
		}
	}
	if got := len(ts.be.messages()); got != n {
		t.Errorf("server received %d messages, want %d", got, n)
	}
	// A transaction the server accepted leaves the session ready for the
	// next MAIL: no RSET between clean messages (one round trip less each).
	ts.wantSession(t, 1, 0)
}

// wantSession checks how many connections the client opened and how many
// RSET commands it sent (the server must have been started with debug).
func (ts *testServer) wantSession(t *testing.T, connections, resets int) {
	t.Helper()
	if got := ts.be.connections(); got != connections {
		t.Errorf("connections = %d, want %d", got, connections)
	}
	if got := strings.Count(ts.debug.String(), "RSET\r\n"); got != resets {
		t.Errorf("RSET sent %d times, want %d", got, resets)
	}
}

func TestSMTPConcurrentSends(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit"})
	s := newTestSMTP(t, ts.config("implicit"), nil)
	data := testMessage(t)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() { errs <- s.Send(context.Background(), testFrom, []string{testTo}, data) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Send() error = %v", err)
		}
	}
	if got := len(ts.be.messages()); got != 10 {
		t.Errorf("server received %d messages, want 10", got)
	}
	if got := ts.be.connections(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
}

func TestSMTPRedialsAfterServerClose(t *testing.T) {
	for _, mode := range []string{"implicit", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			ts := startServer(t, serverOpts{mode: mode})
			log, logs := bufferLogger()
			s := newTestSMTP(t, ts.config(TLSMode(mode)), log)
			data := testMessage(t)
			if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
				t.Fatalf("first Send() error = %v", err)
			}
			ts.be.closeConnections()
			if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
				t.Fatalf("Send() after the server closed the connection: error = %v, want a redial and success", err)
			}
			if got := len(ts.be.messages()); got != 2 {
				t.Errorf("server received %d messages, want 2", got)
			}
			if got := ts.be.connections(); got != 2 {
				t.Errorf("connections = %d, want 2", got)
			}
			if !strings.Contains(logs.String(), "reconnecting") {
				t.Errorf("log does not mention the reconnection:\n%s", logs.String())
			}
		})
	}
}

func TestSMTPContext(t *testing.T) {
	t.Run("cancelled during DATA", func(t *testing.T) {
		ts := startServer(t, serverOpts{mode: "implicit", stall: true})
		s := newTestSMTP(t, ts.config("implicit"), nil)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, testFrom, []string{testTo}, testMessage(t))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send() returned after %v, want promptly after the 200ms deadline", d)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !IsTemporary(err) {
			t.Errorf("Send() error = %v, want a temporary error wrapping context.DeadlineExceeded", err)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ts := startServer(t, serverOpts{mode: "implicit"})
		s := newTestSMTP(t, ts.config("implicit"), nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Send(ctx, testFrom, []string{testTo}, testMessage(t))
		if !errors.Is(err, context.Canceled) || !IsTemporary(err) {
			t.Errorf("Send() error = %v, want a temporary error wrapping context.Canceled", err)
		}
		if n := ts.be.connections(); n != 0 {
			t.Errorf("connections = %d, want 0", n)
		}
	})
	t.Run("command timeout", func(t *testing.T) {
		ts := startServer(t, serverOpts{mode: "implicit", stall: true})
		cfg := ts.config("implicit")
		cfg.Timeout = 300 * time.Millisecond
		s := newTestSMTP(t, cfg, nil)
		start := time.Now()
		err := s.Send(context.Background(), testFrom, []string{testTo}, testMessage(t))
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send() returned after %v, want about the 300ms timeout", d)
		}
		if err == nil || !IsTemporary(err) {
			t.Errorf("Send() error = %v, want a temporary timeout", err)
		}
	})
}

func TestSMTPRateLimit(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit"})
	cfg := ts.config("implicit")
	cfg.RatePerSecond = 50
	s := newTestSMTP(t, cfg, nil)
	data := testMessage(t)
	start := time.Now()
	for i := range 10 {
		if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
			t.Fatalf("Send() #%d error = %v", i+1, err)
		}
	}
	// The first goes at once, the next nine 20 ms apart.
	if d := time.Since(start); d < 170*time.Millisecond {
		t.Errorf("10 messages at 50/s took %v, want at least ~180ms", d)
	}
}

func TestSMTPHELO(t *testing.T) {
	tests := []struct {
		name, helo, from, want string
	}{
		{"sender's domain", "", "duban@Metro.Example", "metro.example"},
		{"configured", "mx1.metro.example", testFrom, "mx1.metro.example"},
		{"never localhost", "", "duban@localhost", "[127.0.0.1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{mode: "starttls", debug: true})
			cfg := ts.config("starttls")
			cfg.HELO = tc.helo
			s := newTestSMTP(t, cfg, nil)
			if err := s.Send(context.Background(), tc.from, []string{testTo}, testMessage(t)); err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			for _, n := range ts.ehloNames() {
				if n != tc.want {
					t.Errorf("EHLO %q, want %q", n, tc.want)
				}
			}
		})
	}
}

func TestSMTPSendChecks(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit"})
	s := newTestSMTP(t, ts.config("implicit"), nil)
	data := testMessage(t)
	tests := []struct {
		name string
		from string
		to   []string
		data []byte
	}{
		{"no sender", "", []string{testTo}, data},
		{"sender with CRLF", testFrom + "\r\nRCPT TO:<x@evil.example>", []string{testTo}, data},
		{"no recipient", testFrom, nil, data},
		{"recipient with brackets", testFrom, []string{"<" + testTo + ">"}, data},
		{"empty message", testFrom, []string{testTo}, nil},
		{"non-ASCII recipient", testFrom, []string{"张三@jtj.metro.example"}, data},
		{"recipient without domain", testFrom, []string{"zhangsan"}, data},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Send(context.Background(), tc.from, tc.to, tc.data)
			if err == nil || IsTemporary(err) {
				t.Errorf("Send(%q, %q) error = %v, want a permanent error", tc.from, tc.to, err)
			}
		})
	}
	if ts.be.connections() != 0 {
		t.Errorf("invalid envelopes opened a connection")
	}
	s.Close()
	if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err == nil {
		t.Errorf("Send() after Close() = nil, want an error")
	}
}

func TestNewSMTP(t *testing.T) {
	tests := []struct {
		name     string
		cfg      SMTPConfig
		wantErr  string // "" for success
		wantTLS  TLSMode
		wantPort int
	}{
		{"implicit default port", SMTPConfig{Host: "smtp.metro.example", TLS: "implicit"}, "", "implicit", 465},
		{"starttls default port", SMTPConfig{Host: "smtp.metro.example", TLS: "starttls"}, "", "starttls", 587},
		{"tls from port 465", SMTPConfig{Host: "smtp.metro.example", Port: 465}, "", "implicit", 465},
		{"tls from port 25", SMTPConfig{Host: "smtp.metro.example", Port: 25}, "", "starttls", 25},
		{"unknown mode refused", SMTPConfig{Host: "smtp.metro.example", TLS: "none"}, `tls "none" is unknown`, "", 0},
		{"plain to a remote host refused", SMTPConfig{Host: "smtp.metro.example", TLS: "insecure-plain"}, "only allowed for a server on this machine", "", 0},
		{"plain to a name that resolves anywhere refused", SMTPConfig{Host: "localhost.metro.example", TLS: "insecure-plain"}, "only allowed", "", 0},
		{"plain to a local relay", SMTPConfig{Host: "127.0.0.1", TLS: "insecure-plain"}, "", "insecure-plain", 25},
		{"plain to localhost", SMTPConfig{Host: "localhost", TLS: "insecure-plain", Port: 2525}, "", "insecure-plain", 2525},
		{"no host", SMTPConfig{TLS: "implicit"}, "mail.smtp.host", "", 0},
		{"bad port", SMTPConfig{Host: "h.example", Port: 70000}, "out of range", "", 0},
		{"localhost HELO", SMTPConfig{Host: "h.example", HELO: "localhost"}, "not localhost", "", 0},
		{"password without user", SMTPConfig{Host: "h.example", Password: "x"}, "without mail.smtp.username", "", 0},
		{"negative rate", SMTPConfig{Host: "h.example", RatePerSecond: -1}, "negative", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSMTP(tc.cfg, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("NewSMTP(%v) error = %v, want one containing %q", tc.cfg, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTP(%v) error = %v", tc.cfg, err)
			}
			if s.cfg.TLS != tc.wantTLS || s.cfg.Port != tc.wantPort {
				t.Errorf("NewSMTP(%v) tls, port = %s, %d; want %s, %d", tc.cfg, s.cfg.TLS, s.cfg.Port, tc.wantTLS, tc.wantPort)
			}
			if s.cfg.TLSConfig == nil || s.cfg.TLSConfig.InsecureSkipVerify || s.cfg.TLSConfig.ServerName != tc.cfg.Host {
				t.Errorf("NewSMTP(%v) TLS config = %+v, want verification on for %s", tc.cfg, s.cfg.TLSConfig, tc.cfg.Host)
			}
		})
	}
}

func TestSMTPInsecureSkipVerify(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit"})
	log, logs := bufferLogger()
	cfg := ts.config("implicit")
	cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true} // no roots: only works unverified
	s := newTestSMTP(t, cfg, log)
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "VERIFICATION IS DISABLED") {
		t.Errorf("NewSMTP with InsecureSkipVerify logged %q, want a loud warning", logs.String())
	}
	if err := s.Send(context.Background(), testFrom, []string{testTo}, testMessage(t)); err != nil {
		t.Errorf("Send() error = %v", err)
	}
}

// TestSMTPIdleConnection: a connection idle for longer than maxIdle is not
// reused (servers and NAT boxes drop idle clients, sometimes silently).
func TestSMTPIdleConnection(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "implicit"})
	s := newTestSMTP(t, ts.config("implicit"), nil)
	data := testMessage(t)
	if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.lastUsed = time.Now().Add(-maxIdle - time.Second)
	s.mu.Unlock()
	if err := s.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
		t.Fatal(err)
	}
	if got := ts.be.connections(); got != 2 {
		t.Errorf("connections = %d, want 2 (the idle one replaced)", got)
	}
}

// TestSMTPPlainToALoopbackRelay: insecure-plain reaches a relay on this
// machine without TLS (a local Postfix on 127.0.0.1:25), logging in when
// asked; the same server is refused with starttls, which it does not offer.
func TestSMTPPlainToALoopbackRelay(t *testing.T) {
	ts := startServer(t, serverOpts{mode: "plain"})
	s := newTestSMTP(t, ts.config(TLSPlain), nil)
	if err := s.Send(context.Background(), testFrom, []string{testTo}, testMessage(t)); err != nil {
		t.Fatalf("Send() over plain to loopback: %v", err)
	}
	if n := len(ts.be.messages()); n != 1 {
		t.Errorf("the relay got %d messages, want 1", n)
	}
	refused := newTestSMTP(t, ts.config(TLSStartTLS), nil)
	if err := refused.Send(context.Background(), testFrom, []string{testTo}, testMessage(t)); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send() with starttls to a server without it = %v, want a refusal naming STARTTLS", err)
	}
}
