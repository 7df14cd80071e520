package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpConn is one authenticated SMTP session over TLS.
type smtpConn struct {
	raw     net.Conn  // the TCP connection, closed to abort anything
	tls     *tls.Conn // the TLS layer over raw, handshake complete
	client  *smtp.Client
	timeout time.Duration
	helo    string
	sent    int // transactions started on this connection
	// clean: the last transaction ended with the server's 250 to DATA, so
	// the session is ready for the next MAIL without an RSET (RFC 5321
	// 4.1.1.4: a completed transaction clears the state). One round trip
	// less a message.
	clean   bool
	maxSize int // the server's SIZE limit, 0 if none
	// loopback: a plain connection to a relay on this machine (TLSPlain),
	// where AUTH may go without TLS.
	loopback bool
}

// dial connects, secures, greets and authenticates. from is the first
// message's sender; its domain is the EHLO name unless cfg.HELO is set.
func dial(ctx context.Context, cfg SMTPConfig, addr, from string, log *slog.Logger) (*smtpConn, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, classify("smtp connect to "+addr, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	c, err := setUp(ctx, cfg, addr, from, raw)
	if !stop() {
		raw.Close()
		return nil, &SendError{Temporary: true, Err: fmt.Errorf("smtp connect to %s: %w", addr, ctx.Err())}
	}
	if err != nil {
		raw.Close()
		var se *SendError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, classify("smtp connect to "+addr, err)
	}
	version := "none (loopback)"
	if c.tls != nil {
		version = tls.VersionName(c.tls.ConnectionState().Version)
	}
	log.Debug("smtp connected", "tls", cfg.TLS, "helo", c.helo, "auth", cfg.Username != "", "tls_version", version)
	return c, nil
}

// setUp does everything between the TCP connect and the first MAIL.
func setUp(ctx context.Context, cfg SMTPConfig, addr, from string, raw net.Conn) (*smtpConn, error) {
	helo := heloName(cfg, from, raw)
	raw.SetDeadline(time.Now().Add(cfg.Timeout))
	var conn net.Conn
	var tc *tls.Conn
	switch cfg.TLS {
	case TLSImplicit:
		tc = tls.Client(raw, cfg.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, classify("smtp TLS handshake with "+addr, err)
		}
		conn = tc
	case TLSPlain:
		// A relay on this machine's loopback (NewSMTP allows no other
		// host): nothing crosses a network.
		conn = raw
	default:
		var err error
		if tc, err = startTLS(ctx, raw, addr, helo, cfg.TLSConfig); err != nil {
			return nil, err
		}
		// go-smtp's client reads a greeting first; the real one was read
		// before STARTTLS, so it gets a copy.
		conn = &greetedConn{Conn: tc, pending: []byte("220 " + cfg.Host + " ESMTP (after STARTTLS)\r\n")}
	}
	raw.SetDeadline(time.Time{})

	client := smtp.NewClient(conn)
	client.CommandTimeout = cfg.Timeout
	client.SubmissionTimeout = cfg.Timeout
	c := &smtpConn{raw: raw, tls: tc, client: client, timeout: cfg.Timeout, helo: helo, loopback: cfg.TLS == TLSPlain}
	if err := client.Hello(helo); err != nil {
		return nil, classify("smtp EHLO "+helo, err)
	}
	if size, ok := client.MaxMessageSize(); ok {
		c.maxSize = size
	}
	if cfg.Username != "" {
		if err := c.auth(cfg.Username, cfg.Password); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// auth logs in with AUTH PLAIN, only over a completed TLS handshake.
func (c *smtpConn) auth(user, password string) error {
	if !c.loopback && (c.tls == nil || !c.tls.ConnectionState().HandshakeComplete) {
		return &SendError{Err: &configError{msg: "smtp AUTH: refusing to send the password over a connection without TLS"}}
	}
	if !c.client.SupportsAuth("PLAIN") {
		return &SendError{Err: &configError{msg: "smtp AUTH: the server does not offer AUTH PLAIN over TLS; check mail.smtp.port and mail.smtp.username"}}
	}
	if err := c.client.Auth(sasl.NewPlainClient("", user, password)); err != nil {
		// The error is the server's reply; the password is not in it.
		return classify(fmt.Sprintf("smtp AUTH PLAIN as %q (check mail.smtp.username and mail.smtp.password)", user), err)
	}
	return nil
}

// startTLS does the plain-text part of a STARTTLS session itself — greeting,
// EHLO with our name, STARTTLS — and returns the TLS connection after the
// handshake. (go-smtp v0.25.1 has no public StartTLS; its
// NewClientStartTLS says "EHLO localhost".) A server that does not offer
// STARTTLS gets QUIT: nothing is sent in plain text.
func startTLS(ctx context.Context, raw net.Conn, addr, helo string, cfg *tls.Config) (*tls.Conn, error) {
	tp := textproto.NewConn(raw)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, classify("smtp greeting from "+addr, smtpError(err))
	}
	_, msg, err := command(tp, 250, "EHLO %s", helo)
	if err != nil {
		var se *smtp.SMTPError
		if !errors.As(err, &se) || (se.Code != 500 && se.Code != 502) {
			return nil, classify("smtp EHLO "+helo, err)
		}
		msg = "" // HELO-only server: no extensions, so no STARTTLS
	}
	if !hasExtension(msg, "STARTTLS") {
		_, _, _ = command(tp, 221, "QUIT") // best effort: the refusal below is the news
		return nil, &SendError{Err: &configError{msg: fmt.Sprintf(
			"smtp %s does not offer STARTTLS; refusing to send in plain text: use port 465 with mail.smtp.tls: implicit, or enable STARTTLS on the server", addr)}}
	}
	if _, _, err := command(tp, 220, "STARTTLS"); err != nil {
		return nil, classify("smtp STARTTLS", err)
	}
	if tp.R.Buffered() > 0 {
		// Bytes sent after the 220 in plain text would be taken as if
		// they came over TLS (CVE-2011-0411): refuse.
		return nil, &SendError{Err: &configError{msg: "smtp STARTTLS: the server sent data before the TLS handshake"}}
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, classify("smtp TLS handshake with "+addr, err)
	}
	return tc, nil
}

// command sends one command and reads its reply, as *smtp.SMTPError on a
// reply other than want.
func command(tp *textproto.Conn, want int, format string, args ...any) (int, string, error) {
	id, err := tp.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	code, msg, err := tp.ReadResponse(want)
	return code, msg, smtpError(err)
}

// smtpError turns textproto's reply error into go-smtp's.
func smtpError(err error) error {
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return &smtp.SMTPError{Code: pe.Code, Message: pe.Msg}
	}
	return err
}

// hasExtension reports whether an EHLO reply (lines after the first are
// extensions) lists ext.
func hasExtension(ehlo, ext string) bool {
	lines := strings.Split(ehlo, "\n")
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], ext) {
			return true
		}
	}
	return false
}

// heloName is the EHLO name: cfg.HELO, else the sender's domain, else our
// address literal — never "localhost".
func heloName(cfg SMTPConfig, from string, raw net.Conn) string {
	if cfg.HELO != "" {
		return cfg.HELO
	}
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		if d := strings.ToLower(from[i+1:]); validHELO(d) {
			return d
		}
	}
	if a, ok := raw.LocalAddr().(*net.TCPAddr); ok {
		if a.IP.To4() != nil {
			return "[" + a.IP.String() + "]"
		}
		return "[IPv6:" + a.IP.String() + "]"
	}
	return "[127.0.0.1]"
}

// transaction sends one message: RSET when the connection was used before
// and its last transaction did not end cleanly, MAIL, RCPT for each
// recipient, DATA. *st follows the progress.
func (c *smtpConn) transaction(from string, to []string, data []byte, reused bool, st *stage) error {
	if reused && !c.clean {
		*st = stageReset
		if err := c.client.Reset(); err != nil {
			return err
		}
	}
	c.clean = false
	c.sent++
	*st = stageMail
	if c.maxSize > 0 && len(data) > c.maxSize {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("message of %d bytes exceeds the server's limit of %d", len(data), c.maxSize)}
	}
	if err := c.client.Mail(from, &smtp.MailOptions{Size: int64(len(data))}); err != nil {
		return err
	}
	*st = stageRcpt
	for _, r := range to {
		if err := c.client.Rcpt(r, nil); err != nil {
			return fmt.Errorf("recipient <%s>: %w", r, err)
		}
	}
	*st = stageData
	w, err := c.client.Data()
	if err != nil {
		return err
	}
	for off := 0; off < len(data); off += writeChunk {
		end := min(off+writeChunk, len(data))
		c.raw.SetWriteDeadline(time.Now().Add(c.timeout))
		if _, err := w.Write(data[off:end]); err != nil {
			return err
		}
	}
	c.raw.SetDeadline(time.Now().Add(c.timeout))
	if err := w.Close(); err != nil {
		return err
	}
	c.clean = true
	return nil
}

// close ends the session: QUIT (briefly) when polite, then the socket.
func (c *smtpConn) close(polite bool) {
	if polite {
		c.client.CommandTimeout = min(c.timeout, 5*time.Second)
		if c.client.Quit() == nil {
			return
		}
	}
	c.client.Close()
	c.raw.Close()
}

// greetedConn replays a greeting before what the connection reads.
type greetedConn struct {
	net.Conn
	pending []byte
}

func (g *greetedConn) Read(p []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	return g.Conn.Read(p)
}
