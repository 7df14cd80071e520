package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// SMTPConfig configures an SMTP transport.
type SMTPConfig struct {
	Host string
	Port int // default 465 for implicit TLS, 587 for STARTTLS

	// TLS is implicit (TLS from the first byte, port 465) or starttls
	// (required: a server that does not offer it is an error; mail never
	// falls back to plain text). Empty: implicit on port 465, starttls
	// otherwise. insecure-plain (port 25) is only for a relay on this
	// machine's loopback, such as a local Postfix.
	TLS TLSMode

	// Username and Password: AUTH PLAIN when Username is set, only ever over
	// TLS (or to a relay on loopback). The password is never logged nor put
	// in an error.
	Username, Password string

	// HELO is the name given in EHLO; default the domain of the sender's
	// address (never "localhost").
	HELO string

	Timeout       time.Duration // per dial and command; default 30 s
	RatePerSecond float64       // messages per second; 0 = unlimited

	// TLSConfig nil means the system roots, with verification. Tests set
	// RootCAs. Verification is off only with an explicit
	// InsecureSkipVerify, and NewSMTP then logs a warning.
	TLSConfig *tls.Config
}

// String describes the configuration without the password.
func (c SMTPConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=[redacted]"
	}
	return fmt.Sprintf("smtp %s:%d tls=%s user=%q%s", c.Host, c.Port, c.TLS, c.Username, pw)
}

// LogValue keeps the password out of logs.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("tls", string(c.TLS)),
		slog.String("username", c.Username), slog.Bool("password_set", c.Password != ""),
	)
}

// Defaults.
const (
	defaultTimeout = 30 * time.Second
	// maxIdle: a connection idle for longer is not reused (servers drop
	// idle clients after a few minutes, NAT boxes sometimes silently).
	maxIdle = time.Minute
	// writeChunk: the message body is written in pieces, each under a
	// fresh deadline, so a large attachment on a slow link is not cut off
	// while a stalled one still is.
	writeChunk = 32 << 10
)

// SMTP sends messages over one SMTP connection, kept open across Send
// calls (a fan-out of reminders is one login) and re-dialled when it
// breaks. It is safe for concurrent use; sends are serialised.
type SMTP struct {
	cfg     SMTPConfig
	addr    string
	log     *slog.Logger
	limiter *rate.Limiter

	mu       sync.Mutex
	conn     *smtpConn // nil: not connected
	closed   bool
	lastUsed time.Time
}

// NewSMTP checks cfg and returns a transport; it does not connect yet.
func NewSMTP(cfg SMTPConfig, log *slog.Logger) (*SMTP, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.TLS = TLSMode(strings.ToLower(strings.TrimSpace(string(cfg.TLS))))
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
		if cfg.Port == 465 {
			cfg.TLS = TLSImplicit
		}
	}
	var errs []error
	switch cfg.TLS {
	case TLSImplicit:
		if cfg.Port == 0 {
			cfg.Port = 465
		}
	case TLSStartTLS:
		if cfg.Port == 0 {
			cfg.Port = 587
		}
	case TLSPlain:
		if cfg.Port == 0 {
			cfg.Port = 25
		}
	}
	if err := cfg.TLS.Check(cfg.Host); err != nil {
		errs = append(errs, fmt.Errorf("mail.smtp.%w", err))
	}
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " \t\r\n/") {
		errs = append(errs, fmt.Errorf("mail.smtp.host %q: set the SMTP server's host name", cfg.Host))
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("mail.smtp.port %d: out of range", cfg.Port))
	}
	if cfg.HELO != "" && !validHELO(cfg.HELO) {
		errs = append(errs, fmt.Errorf("mail.smtp.helo %q: give this machine's fully qualified domain name (not localhost)", cfg.HELO))
	}
	if cfg.Username == "" && cfg.Password != "" {
		errs = append(errs, errors.New("mail.smtp.password is set without mail.smtp.username"))
	}
	if strings.ContainsAny(cfg.Username, "\x00\r\n") || strings.ContainsAny(cfg.Password, "\x00\r\n") {
		errs = append(errs, errors.New("mail.smtp.username or password contains a NUL or line break"))
	}
	if cfg.RatePerSecond < 0 {
		errs = append(errs, fmt.Errorf("mail.smtp rate %v: must not be negative", cfg.RatePerSecond))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("mail.smtp timeout %v: must not be negative", cfg.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("smtp configuration: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion < tls.VersionTLS12 {
		tc.MinVersion = tls.VersionTLS12
	}
	cfg.TLSConfig = tc
	if tc.InsecureSkipVerify {
		log.Warn("SMTP TLS CERTIFICATE VERIFICATION IS DISABLED: anyone on the network path can read the mail and the password; remove InsecureSkipVerify",
			"host", cfg.Host, "port", cfg.Port)
	}
	s := &SMTP{
		cfg:  cfg,
		addr: netJoin(cfg.Host, cfg.Port),
		log:  log.With("smtp_server", netJoin(cfg.Host, cfg.Port)),
	}
	if cfg.RatePerSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.RatePerSecond), 1)
	}
	return s, nil
}

func netJoin(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// Send delivers data (a composed message) from the envelope sender from to
// the envelope recipients to. The message goes to all of them or to none:
// a recipient the server rejects fails the whole message (permanently, for
// a 5xx), and the connection stays usable for the next one. Errors are
// *SendError.
func (s *SMTP) Send(ctx context.Context, from string, to []string, data []byte) error {
	if err := checkEnvelope(from, to, data); err != nil {
		return &SendError{Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &SendError{Err: errors.New("smtp: send on a closed transport")}
	}
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return &SendError{Temporary: true, Err: fmt.Errorf("smtp: wait for the send rate limit: %w", err)}
		}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("smtp: %w", err)}
	}
	if s.conn != nil && time.Since(s.lastUsed) > maxIdle {
		s.log.Debug("smtp connection idle too long, reconnecting")
		s.drop(false) // no QUIT: the peer may be long gone
	}
	reused := s.conn != nil
	st, err := s.send(ctx, from, to, data)
	if err != nil && reused && st <= stageMail && s.conn == nil && ctx.Err() == nil {
		// The server closed the connection between two messages (found at
		// RSET, or at MAIL when no RSET was needed): nothing of this one
		// was sent, so dial again once.
		s.log.Info("smtp connection was closed by the server, reconnecting", "err", err)
		st, err = s.send(ctx, from, to, data)
	}
	if err == nil {
		return nil
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = classify("smtp", err)
	}
	se.Connection = st == stageConnect
	return se
}

// stage is how far one message got.
type stage int

const (
	stageConnect stage = iota
	stageReset
	stageMail
	stageRcpt
	stageData
)

// send runs one transaction on the current connection, dialling first if
// there is none. An error that broke the connection drops it.
func (s *SMTP) send(ctx context.Context, from string, to []string, data []byte) (stage, error) {
	st := stageConnect
	if s.conn == nil {
		c, err := dial(ctx, s.cfg, s.addr, from, s.log)
		if err != nil {
			return st, err
		}
		s.conn = c
	} else {
		st = stageReset
	}
	c := s.conn
	defer func() { s.lastUsed = time.Now() }()
	// Cancelling ctx closes the socket: whatever is blocked returns now.
	stop := context.AfterFunc(ctx, func() { c.raw.Close() })
	err := c.transaction(from, to, data, st == stageReset, &st)
	if !stop() {
		// ctx ended during the transaction; the socket is closed.
		s.drop(false)
		if err == nil {
			// It ended after the server accepted the message.
			return st, nil
		}
		return st, &SendError{Temporary: true, Err: fmt.Errorf("smtp %s: %w (%v)", stageName(st), ctx.Err(), err)}
	}
	if err != nil {
		wrapped := classify(fmt.Sprintf("smtp %s", stageName(st)), err)
		if brokenConnection(err) {
			s.log.Debug("smtp connection broken", "stage", stageName(st), "err", err)
			s.drop(false)
		}
		return st, wrapped
	}
	return st, nil
}

func stageName(st stage) string {
	switch st {
	case stageConnect:
		return "connect"
	case stageReset:
		return "RSET"
	case stageMail:
		return "MAIL FROM"
	case stageRcpt:
		return "RCPT TO"
	default:
		return "DATA"
	}
}

// drop forgets the connection, saying QUIT first when polite.
func (s *SMTP) drop(polite bool) {
	if s.conn == nil {
		return
	}
	s.conn.close(polite)
	s.conn = nil
}

// Close says QUIT and closes the connection. Send fails afterwards.
func (s *SMTP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.drop(true)
	return nil
}

// checkEnvelope validates the SMTP envelope before anything is sent.
func checkEnvelope(from string, to []string, data []byte) error {
	if !bareAddress(from) {
		return fmt.Errorf("smtp: envelope sender %q is not a bare ASCII address", from)
	}
	if len(to) == 0 {
		return errors.New("smtp: no envelope recipient")
	}
	for _, r := range to {
		if !bareAddress(r) {
			return fmt.Errorf("smtp: envelope recipient %q is not a bare ASCII address", r)
		}
	}
	if len(data) == 0 {
		return errors.New("smtp: empty message")
	}
	return nil
}

// bareAddress accepts local@domain in printable ASCII without <>, spaces or
// line breaks (internationalised addresses, which need SMTPUTF8, are not
// supported).
func bareAddress(a string) bool {
	if a == "" || !strings.Contains(a, "@") {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// validHELO accepts a domain name with at least one dot that is not
// localhost, or an address literal.
func validHELO(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		return len(h) > 2 && !strings.ContainsAny(h, " \t\r\n")
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") || !strings.Contains(h, ".") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
