package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"github.com/duban/duban/mail"
)

// DialIMAP connects (dial, TLS, login), makes sure the outcome folders exist
// and selects the polled folder, failing with its name when it is missing.
// A nil log discards messages.
func DialIMAP(ctx context.Context, cfg IMAPConfig, log *slog.Logger) (*IMAP, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := imapName(cfg)
	log = log.With("mailbox", name)

	conn, client, err := connect(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	cfg.Password = ""
	m := &IMAP{
		cfg:    cfg,
		name:   name,
		log:    log,
		conn:   conn,
		client: client,
	}
	if err := m.setUp(ctx); err != nil {
		m.conn.Close()
		m.client.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	log.Debug("imap connected", "move", m.hasMove, "keywords", m.keywordsOK, "uidvalidity", m.validity)
	return m, nil
}

// connect dials, secures the connection, reads the greeting and logs in,
// all within cfg.Timeout and ctx. It returns the TCP connection (closing it
// aborts any command) and the client.
func connect(ctx context.Context, cfg IMAPConfig) (net.Conn, *imapclient.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	client, err := handshake(ctx, raw, cfg)
	if !stop() {
		if client != nil {
			client.Close()
		}
		raw.Close()
		return nil, nil, ctx.Err()
	}
	if err != nil {
		raw.Close()
		return nil, nil, err
	}
	return raw, client, nil
}

func handshake(ctx context.Context, raw net.Conn, cfg IMAPConfig) (*imapclient.Client, error) {
	tlsConfig := &tls.Config{}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = strings.Trim(cfg.Host, "[]")
	}
	if tlsConfig.MinVersion == 0 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	options := &imapclient.Options{
		TLSConfig: tlsConfig,
		// Not used for bodies (fetched raw), but any decoded envelope or
		// mailbox text must survive GBK/GB18030 encoded words.
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
	}

	var client *imapclient.Client
	switch cfg.TLS {
	case mail.TLSImplicit:
		if tlsConfig.NextProtos == nil {
			tlsConfig.NextProtos = []string{"imap"}
		}
		tc := tls.Client(raw, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		client = imapclient.New(tc, options)
	case mail.TLSStartTLS:
		// NewStartTLS fails when the server refuses STARTTLS: no fallback.
		c, err := imapclient.NewStartTLS(raw, options)
		if err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
		client = c
	case mail.TLSPlain:
		client = imapclient.New(raw, options)
	default:
		return nil, fmt.Errorf("unknown tls mode %q", cfg.TLS)
	}
	if err := client.WaitGreeting(); err != nil {
		return client, fmt.Errorf("read greeting: %w", err)
	}
	if client.State() == imap.ConnStateAuthenticated {
		return client, nil // PREAUTH
	}
	if err := client.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		return client, fmt.Errorf("log in as %q: %w", cfg.Username, err)
	}
	return client, nil
}

// setUp reads the capabilities, maps folder names to the server's hierarchy
// separator, creates missing outcome folders and selects the polled folder.
func (m *IMAP) setUp(ctx context.Context) error {
	var caps imap.CapSet
	if err := m.do(ctx, m.cfg.Timeout, "read capabilities", func() error {
		caps = m.client.Caps()
		if caps == nil {
			return errors.New("server sent no capabilities")
		}
		return nil
	}); err != nil {
		return err
	}
	m.hasMove = caps.Has(imap.CapMove)

	delim, err := m.delimiter(ctx)
	if err != nil {
		return err
	}
	m.folder = serverFolder(m.cfg.Folder, delim)
	m.folders = make(map[Outcome]string, len(m.cfg.Folders))
	for _, out := range Outcomes() {
		m.folders[out] = serverFolder(m.cfg.Folders[out], delim)
		if err := m.ensureFolder(ctx, m.cfg.Folders[out], m.folders[out]); err != nil {
			return err
		}
	}
	if err := m.selectFolder(ctx); err != nil {
		return err
	}
	if !m.hasMove && !m.keywordsOK {
		m.log.Warn("imap server has neither MOVE nor custom keywords: messages cannot be settled", "folder", m.cfg.Folder)
	}
	return nil
}

// delimiter asks for the hierarchy separator (LIST "" ""); 0 means a flat
// namespace or no answer.
func (m *IMAP) delimiter(ctx context.Context) (rune, error) {
	var delim rune
	err := m.do(ctx, m.cfg.Timeout, "read hierarchy separator", func() error {
		list, err := m.client.List("", "", nil).Collect()
		if err != nil {
			return err
		}
		for _, l := range list {
			if l.Delim != 0 {
				delim = l.Delim
			}
		}
		return nil
	})
	return delim, err
}

// serverFolder writes a configured name ("/" separates levels) with the
// server's separator.
func serverFolder(name string, delim rune) string {
	if delim == 0 || delim == '/' {
		return name
	}
	return strings.ReplaceAll(name, "/", string(delim))
}

// ensureFolder creates the folder when LIST does not show it, and
// subscribes to it so that mail clients show it.
func (m *IMAP) ensureFolder(ctx context.Context, configured, name string) error {
	var exists bool
	if err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("look for folder %q", configured), func() error {
		list, err := m.client.List("", name, nil).Collect()
		for _, l := range list {
			if sameFolder(l.Mailbox, name) {
				exists = true
			}
		}
		return err
	}); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if err := m.createFolder(ctx, configured, name); err != nil {
		return err
	}
	m.log.Info("imap folder created", "folder", name)
	return nil
}

func (m *IMAP) createFolder(ctx context.Context, configured, name string) error {
	err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("create folder %q", configured), func() error {
		return m.client.Create(name, nil).Wait()
	})
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists {
		err = nil
	}
	if err != nil {
		return err
	}
	if err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("subscribe to folder %q", configured), func() error {
		return m.client.Subscribe(name).Wait()
	}); err != nil {
		m.log.Debug("imap subscribe failed", "folder", name, "err", err)
	}
	return nil
}
