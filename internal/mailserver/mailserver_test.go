package mailserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/mailbox"
)

var shanghai = time.FixedZone("CST", 8*3600)

var testUsers = map[string]string{
	"duban@metro.example":         "pw-duban",
	"Liu.Yang@jtj.metro.example":  "pw-liu",
	"cao.liang@jtj.metro.example": "pw-cao",
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Users == nil {
		opts.Users = testUsers
	}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("split %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("port of %q: %v", addr, err)
	}
	return n
}

// sender is duban's own SMTP client, logged in as user when password is set.
func sender(t *testing.T, s *Server, user, password string) *mail.SMTP {
	t.Helper()
	c, err := mail.NewSMTP(mail.SMTPConfig{
		Host: "127.0.0.1", Port: port(t, s.SMTPAddr()), TLS: "implicit",
		Username: user, Password: password, Timeout: 10 * time.Second,
		TLSConfig: &tls.Config{RootCAs: s.RootCAs()},
	}, nil)
	if err != nil {
		t.Fatalf("NewSMTP() error = %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reader is duban's own IMAP client, logged in as user.
func reader(t *testing.T, s *Server, user, password string) *mailbox.IMAP {
	t.Helper()
	m, err := mailbox.DialIMAP(context.Background(), imapConfig(t, s, user, password), nil)
	if err != nil {
		t.Fatalf("DialIMAP(%s) error = %v", user, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func imapConfig(t *testing.T, s *Server, user, password string) mailbox.IMAPConfig {
	return mailbox.IMAPConfig{
		Host: "127.0.0.1", Port: port(t, s.IMAPAddr()), TLS: mail.TLSImplicit,
		Username: user, Password: password, Timeout: 10 * time.Second,
		TLSConfig: &tls.Config{RootCAs: s.RootCAs()},
	}
}

func compose(t *testing.T, id, from string, to ...string) []byte {
	t.Helper()
	m := mail.Message{
		MessageID: id + "@metro.example",
		Date:      time.Date(2023, 6, 1, 9, 0, 0, 0, shanghai),
		From:      mail.Address{Name: "都市圈办公室", Email: from},
		Subject:   "【报送提醒】" + id,
		Text:      "请报送。",
	}
	for _, a := range to {
		m.To = append(m.To, mail.Address{Email: a})
	}
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatalf("Compose(%s) error = %v", id, err)
	}
	return raw
}

func TestDeliveryToEveryRecipientStampedByTheClock(t *testing.T) {
	clk := clock.At(time.Date(2023, 6, 1, 9, 0, 0, 0, shanghai))
	s := start(t, Options{Clock: clk.Now, RequireAuth: true})
	out := sender(t, s, "duban@metro.example", "pw-duban")
	ctx := context.Background()

	first := compose(t, "first", "duban@metro.example", "liu.yang@jtj.metro.example", "cao.liang@jtj.metro.example")
	firstAt := clk.Now()
	if err := out.Send(ctx, "duban@metro.example", []string{"LIU.YANG@jtj.metro.example", "cao.liang@jtj.metro.example"}, first); err != nil {
		t.Fatalf("Send(first) error = %v", err)
	}
	secondAt := time.Date(2023, 6, 2, 10, 7, 0, 0, shanghai)
	clk.Set(secondAt)
	second := compose(t, "second", "duban@metro.example", "liu.yang@jtj.metro.example")
	if err := out.Send(ctx, "duban@metro.example", []string{"liu.yang@jtj.metro.example", "liu.yang@jtj.metro.example"}, second); err != nil {
		t.Fatalf("Send(second) error = %v", err)
	}

	type want struct {
		body []byte
		at   time.Time
	}
	tests := []struct {
		name, user, password string
		want                 []want
	}{
		{"two messages, oldest first", "liu.yang@jtj.metro.example", "pw-liu", []want{{first, firstAt}, {second, secondAt}}},
		{"one message", "cao.liang@jtj.metro.example", "pw-cao", []want{{first, firstAt}}},
		{"nothing", "duban@metro.example", "pw-duban", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := reader(t, s, tt.user, tt.password)
			got, _, err := box.Fetch(ctx, mailbox.Cursor{}, 0)
			if err != nil {
				t.Fatalf("Fetch(%s) error = %v", tt.user, err)
			}
			stored, err := s.Messages(tt.user)
			if err != nil {
				t.Fatalf("Messages(%s) error = %v", tt.user, err)
			}
			if len(got) != len(tt.want) || len(stored) != len(tt.want) {
				t.Fatalf("%s: IMAP has %d messages, Messages() %d, want %d", tt.user, len(got), len(stored), len(tt.want))
			}
			for i, w := range tt.want {
				// SMTP DATA ends the message with a line break.
				body := w.body
				if !bytes.HasSuffix(body, []byte("\r\n")) {
					body = append(body[:len(body):len(body)], "\r\n"...)
				}
				if !bytes.HasSuffix(got[i].Raw, body) {
					t.Errorf("%s message %d over IMAP does not end with what was sent:\n%s", tt.user, i, got[i].Raw)
				}
				if !bytes.Equal(stored[i], got[i].Raw) {
					t.Errorf("%s message %d: Messages() differs from what IMAP serves", tt.user, i)
				}
				if !got[i].Received.Equal(w.at) {
					t.Errorf("%s message %d INTERNALDATE = %v, want the clock's %v", tt.user, i, got[i].Received, w.at)
				}
				if !bytes.HasPrefix(got[i].Raw, []byte("Return-Path: <duban@metro.example>\r\nReceived: ")) {
					t.Errorf("%s message %d lacks the delivery headers:\n%.200s", tt.user, i, got[i].Raw)
				}
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name        string
		requireAuth bool
		user, pass  string
		to          []string
		wantCode    int
	}{
		{"unknown recipient", false, "", "", []string{"nobody@jtj.metro.example"}, 550},
		{"unknown among known recipients", false, "", "", []string{"liu.yang@jtj.metro.example", "nobody@metro.example"}, 550},
		{"no AUTH when required", true, "", "", []string{"liu.yang@jtj.metro.example"}, 502},
		{"wrong password", true, "duban@metro.example", "pw-liu", []string{"liu.yang@jtj.metro.example"}, 535},
		{"unknown user", true, "eve@metro.example", "pw-duban", []string{"liu.yang@jtj.metro.example"}, 535},
		{"known user and recipient", true, "duban@metro.example", "pw-duban", []string{"liu.yang@jtj.metro.example"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{RequireAuth: tt.requireAuth})
			err := sender(t, s, tt.user, tt.pass).Send(context.Background(), "duban@metro.example", tt.to,
				compose(t, "refusal", "duban@metro.example", tt.to...))
			var se *mail.SendError
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Fatalf("Send() error = %v, want delivery", err)
			case tt.wantCode != 0 && (!errors.As(err, &se) || se.Code != tt.wantCode):
				t.Fatalf("Send() error = %v, want SMTP code %d", err, tt.wantCode)
			}
			msgs, err := s.Messages("liu.yang@jtj.metro.example")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.wantCode == 0]; len(msgs) != want {
				t.Errorf("liu.yang received %d messages, want %d", len(msgs), want)
			}
		})
	}
}

func TestIMAPLogin(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		name, user, password string
		wantErr              bool
	}{
		{"right password", "duban@metro.example", "pw-duban", false},
		{"address in other case", "DUBAN@metro.example", "pw-duban", true}, // IMAP user names are exact
		{"wrong password", "duban@metro.example", "pw-liu", true},
		{"unknown user", "eve@metro.example", "pw-duban", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailbox.DialIMAP(context.Background(), imapConfig(t, s, tt.user, tt.password), nil)
			if err == nil {
				m.Close()
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("DialIMAP(%s) error = %v, want error %v", tt.user, err, tt.wantErr)
			}
		})
	}
}

func TestCloseWithOpenConnectionsFreesThePorts(t *testing.T) {
	s := start(t, Options{})
	// Connections left open: duban's SMTP client keeps its session, the
	// IMAP client stays logged in.
	out := sender(t, s, "", "")
	if err := out.Send(context.Background(), "duban@metro.example", []string{"liu.yang@jtj.metro.example"},
		compose(t, "open", "duban@metro.example", "liu.yang@jtj.metro.example")); err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	reader(t, s, "liu.yang@jtj.metro.example", "pw-liu")

	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close() error = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close() did not return within 10 s with connections open")
	}
	for _, addr := range []string{s.SMTPAddr(), s.IMAPAddr()} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("dial %s after Close() succeeded, want refused", addr)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen on %s after Close() error = %v, want the port free", addr, err)
			continue
		}
		ln.Close()
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() error = %v", err)
	}
}

func TestCancelledContextCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{Users: testUsers})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	// Close waits for the close the cancellation started.
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("server not closed 10 s after its context was cancelled")
	}
	if c, err := net.DialTimeout("tcp", s.SMTPAddr(), time.Second); err == nil {
		c.Close()
		t.Errorf("dial %s after cancel succeeded, want refused", s.SMTPAddr())
	}
	if _, err := Start(ctx, Options{Users: testUsers}); err == nil {
		t.Error("Start() with a cancelled context succeeded, want an error")
	}
}

func TestStartRefusesBadUsers(t *testing.T) {
	tests := []struct {
		name  string
		users map[string]string
		want  string
	}{
		{"not an address", map[string]string{"duban": "pw"}, `user "duban": not an address`},
		{"space in address", map[string]string{"du ban@metro.example": "pw"}, "not an address"},
		{"empty password", map[string]string{"duban@metro.example": ""}, "empty password"},
		{"same address twice", map[string]string{"duban@metro.example": "a", "Duban@metro.example": "b"}, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(context.Background(), Options{Users: tt.users})
			if err == nil {
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start(%v) error = %v, want one containing %q", tt.users, err, tt.want)
			}
		})
	}
	s := start(t, Options{})
	if _, err := s.Messages("eve@metro.example"); err == nil {
		t.Error(`Messages("eve@metro.example") error = nil, want no such user`)
	}
}

func TestMailDelay(t *testing.T) {
	const delay = 200 * time.Millisecond
	s := start(t, Options{MailDelay: delay})
	out := sender(t, s, "", "")
	to := []string{"liu.yang@jtj.metro.example"}
	begin := time.Now()
	for _, id := range []string{"slow-1", "slow-2"} {
		if err := out.Send(context.Background(), "duban@metro.example", to, compose(t, id, "duban@metro.example", to...)); err != nil {
			t.Fatalf("Send(%s) error = %v", id, err)
		}
	}
	if took := time.Since(begin); took < 2*delay {
		t.Errorf("two messages with MailDelay %v took %v, want at least %v", delay, took, 2*delay)
	}
	if msgs, _ := s.Messages(to[0]); len(msgs) != 2 {
		t.Errorf("liu.yang received %d messages, want 2", len(msgs))
	}

	// Close does not wait for a delay under way, and nothing is delivered.
	slow := start(t, Options{MailDelay: time.Hour})
	client, never := sender(t, slow, "", ""), compose(t, "never", "duban@metro.example", to...)
	sent := make(chan error, 1)
	go func() { sent <- client.Send(context.Background(), "duban@metro.example", to, never) }()
	time.Sleep(100 * time.Millisecond)
	closed := make(chan struct{})
	go func() { slow.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close() did not return within 10 s while a MAIL FROM was delayed")
	}
	if err := <-sent; err == nil {
		t.Error("Send() during a delay cut short by Close succeeded, want an error")
	}
	if msgs, _ := slow.Messages(to[0]); len(msgs) != 0 {
		t.Errorf("liu.yang received %d messages from the closed server, want none", len(msgs))
	}
}

func TestDeliveredHookRunsBeforeTheAnswer(t *testing.T) {
	to := []string{"liu.yang@jtj.metro.example", "cao.liang@jtj.metro.example"}
	release := make(chan struct{})
	type call struct {
		from   string
		to     []string
		stored int // messages liu.yang had when the hook ran
	}
	calls := make(chan call, 1)
	var s *Server
	s = start(t, Options{Delivered: func(from string, rcpts []string) {
		stored, _ := s.Messages(to[0])
		calls <- call{from, rcpts, len(stored)}
		<-release
	}})
	sent := make(chan error, 1)
	client, msg := sender(t, s, "", ""), compose(t, "hooked", "duban@metro.example", to...)
	go func() { sent <- client.Send(context.Background(), "duban@metro.example", to, msg) }()

	c := <-calls
	if c.from != "duban@metro.example" || strings.Join(c.to, ",") != strings.Join(to, ",") || c.stored != 1 {
		t.Errorf("Delivered(%q, %q) with %d messages stored, want (duban@metro.example, %q) with 1", c.from, c.to, c.stored, to)
	}
	select {
	case err := <-sent:
		t.Fatalf("Send() returned (%v) while the hook held the answer back", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-sent; err != nil {
		t.Errorf("Send() error = %v", err)
	}
}
