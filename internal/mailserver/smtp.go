package mailserver

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// backend makes one session per SMTP connection.
type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session is one SMTP connection: AUTH PLAIN, then transactions.
type session struct {
	s      *Server
	conn   *smtp.Conn
	authed string // the user logged in, "" before AUTH
	from   string
	to     []*user
}

var (
	errUnknownUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	errNoRecipient = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "RCPT first"}
	errClosing     = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Shutting down"}
)

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		u := se.s.users[strings.ToLower(username)]
		if u == nil || (identity != "" && !strings.EqualFold(identity, username)) ||
			subtle.ConstantTimeCompare([]byte(password), []byte(u.password)) != 1 {
			return smtp.ErrAuthFailed
		}
		se.authed = u.address
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.requireAuth && se.authed == "" {
		return smtp.ErrAuthRequired
	}
	if d := se.s.mailDelay; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-se.s.closing:
			return errClosing
		}
	}
	se.from, se.to = from, nil
	return nil
}

// Rcpt accepts only known users: mail for anyone else is refused here,
// at RCPT, with 550.
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.requireAuth && se.authed == "" {
		return smtp.ErrAuthRequired
	}
	u := se.s.users[strings.ToLower(to)]
	if u == nil {
		return errUnknownUser
	}
	if !slices.Contains(se.to, u) {
		se.to = append(se.to, u)
	}
	return nil
}

// Data delivers the message to the INBOX of every recipient, stamped with
// the server's clock.
func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(se.to) == 0 {
		return errNoRecipient
	}
	now := se.s.clock()
	var recipients []string
	for _, u := range se.to {
		raw := se.envelope(u, now, data)
		if _, err := u.mem.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: now}); err != nil {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Delivery failed, try again later"}
		}
		u.mu.Lock()
		u.delivered = append(u.delivered, raw)
		u.mu.Unlock()
		recipients = append(recipients, u.address)
	}
	se.s.log.Info("delivered", "from", se.from, "to", recipients, "bytes", len(data), "internal_date", now)
	if se.s.delivered != nil {
		se.s.delivered(se.from, recipients)
	}
	return nil
}

// envelope prepends what a delivering server adds: Return-Path and a
// Received line dated by the clock.
func (se *session) envelope(u *user, now time.Time, data []byte) []byte {
	helo := "unknown"
	if se.conn != nil && se.conn.Hostname() != "" {
		helo = se.conn.Hostname()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", se.from)
	fmt.Fprintf(&b, "Received: from %s by localhost (duban mailserver) with ESMTPS\r\n\tfor <%s>; %s\r\n",
		sanitize(helo), u.address, now.Format(time.RFC1123Z))
	b.Write(data)
	return b.Bytes()
}

// sanitize keeps a client-supplied name on one header line.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, s)
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
