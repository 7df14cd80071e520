// Package app is the one place that turns a validated configuration into
// the wired monthly cycle: the ledger of the data directory, the outgoing
// mail (SMTP, or a folder of .eml files), the mailbox (IMAP, or a drop
// folder), the limits, the clock and the logger. The command line, the
// demo and the end-to-end tests all build their cycle here; unit tests of
// a job build only what that job needs.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// Options are what the caller adds to the configuration.
type Options struct {
	Now func() time.Time // nil: time.Now
	Log *slog.Logger     // nil: discard
	// Notice receives the lines that tell a person where mail goes when the
	// embedded example configuration keeps it in folders; nil: nowhere.
	Notice io.Writer
	// Transport, when set, sends instead of the configured one (a test's
	// wrapper); NoTransport leaves the cycle without one (the demo brings
	// its own mail server).
	Transport   jobs.Transport
	NoTransport bool
	// TLS, when set, is the base of the TLS configuration of both mail
	// servers (a test's own certificate roots); it is cloned.
	TLS *tls.Config
}

// ConfigError is a problem of the configuration found while wiring it: a
// mail server's settings, an unreadable templates folder.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// App is a wired cycle and what it holds open.
type App struct {
	Config  *config.Config
	Cycle   *jobs.Cycle
	DataDir string

	opts    Options
	log     *slog.Logger
	closers []func() error
}

// Open opens the ledger under dataDir and wires the cycle of cfg, which
// must be valid (config.Validate). Close it when done.
func Open(ctx context.Context, cfg *config.Config, dataDir string, opts Options) (*App, error) {
	a := &App{Config: cfg, DataDir: dataDir, opts: opts, log: opts.Log}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	sched, err := cfg.Schedule()
	if err != nil {
		return nil, &ConfigError{err}
	}
	m, err := mailSettings(cfg)
	if err != nil {
		return nil, err
	}
	ledger, err := store.Open(ctx, dataDir)
	if err != nil {
		return nil, fmt.Errorf("opening the data directory: %w", err)
	}
	a.closers = append(a.closers, ledger.Close)
	a.Cycle = &jobs.Cycle{
		Plan:       cfg.Plan(),
		Schedule:   sched,
		Limits:     cfg.WorkbookLimits(),
		Ledger:     ledger,
		Log:        a.log,
		Now:        now,
		Mail:       m,
		Inbound:    cfg.MessageLimits(),
		Intake:     IntakeLimits(cfg),
		ColorRules: cfg.ColorRules(),
		PublicURL:  cfg.HTTP.PublicURL,
	}
	if cfg.Security.TokenSecret != "" {
		a.Cycle.TokenSecret = []byte(cfg.Security.TokenSecret)
	}
	switch {
	case opts.NoTransport:
	case opts.Transport != nil:
		m.Transport = opts.Transport
	default:
		t, closeT, err := a.transport()
		if err != nil {
			a.Close()
			return nil, err
		}
		m.Transport = t
		a.closers = append(a.closers, closeT)
	}
	return a, nil
}

// Close closes what Open opened: the mail connection, then the ledger.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// offline reports whether mail must stay on disk: with the embedded example
// configuration its servers are examples, so mail goes to folders instead.
func (a *App) offline() bool { return a.Config.Embedded }

func (a *App) notice(format string, args ...any) {
	if a.opts.Notice != nil {
		fmt.Fprintf(a.opts.Notice, format+"\n", args...)
	}
}

func (a *App) tlsConfig(host string, skipVerify bool) *tls.Config {
	if a.opts.TLS == nil && !skipVerify {
		return nil // the system roots, verified
	}
	c := &tls.Config{}
	if a.opts.TLS != nil {
		c = a.opts.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	c.InsecureSkipVerify = c.InsecureSkipVerify || skipVerify
	return c
}

// OutboxDir is the folder outgoing mail is written to without an SMTP
// server.
func (a *App) OutboxDir() string {
	if a.Config.Mail.OutboxDir != "" {
		return a.Config.Mail.OutboxDir
	}
	return filepath.Join(a.DataDir, "mail-out")
}

// DropDir is the folder incoming mail is read from without an IMAP server.
func (a *App) DropDir() string {
	if a.Config.Mail.DropDir != "" {
		return a.Config.Mail.DropDir
	}
	return filepath.Join(a.DataDir, "mail-in")
}

// transport builds the outgoing side: SMTP when a server is configured,
// else a folder of .eml files.
func (a *App) transport() (jobs.Transport, func() error, error) {
	s := a.Config.Mail.SMTP
	if s.Host == "" || a.offline() {
		dir := a.OutboxDir()
		if a.offline() {
			a.notice("duban: embedded example configuration: outgoing mail is written to %s instead of being sent", dir)
		}
		f := &mail.Folder{Dir: dir}
		return f, f.Close, nil
	}
	smtp, err := mail.NewSMTP(mail.SMTPConfig{
		Host: s.Host, Port: s.Port, TLS: mail.TLSMode(s.TLS), Username: s.Username, Password: s.Password, HELO: s.HELO,
		Timeout: time.Duration(s.TimeoutSeconds) * time.Second, RatePerSecond: s.RatePerSecond,
		TLSConfig: a.tlsConfig(s.Host, s.InsecureSkipVerify),
	}, a.log)
	if err != nil {
		return nil, nil, &ConfigError{fmt.Errorf("mail.smtp: %w", err)}
	}
	return smtp, smtp.Close, nil
}

// OpenMailbox opens the incoming side: IMAP when a server is configured,
// else the drop folder. The caller closes it.
func (a *App) OpenMailbox(ctx context.Context) (jobs.Mailbox, func() error, error) {
	cfg := a.Config
	im := cfg.Mail.IMAP
	if im.Host == "" || a.offline() {
		dir := a.DropDir()
		if a.offline() {
			a.notice("duban: embedded example configuration: incoming mail is read from the folder %s", dir)
		}
		d, err := mailbox.OpenDrop(dir)
		if err != nil {
			return nil, nil, err
		}
		d.MaxMessageBytes = cfg.Limits.MessageBytes() // as for IMAP
		d.MaxHeaderBytes = cfg.Limits.MaxHeaderBytes
		return d, d.Close, nil
	}
	box, err := mailbox.DialIMAP(ctx, mailbox.IMAPConfig{
		Host: im.Host, Port: im.Port, TLS: mail.TLSMode(im.TLS), Username: im.Username, Password: im.Password, Folder: im.Folder,
		Timeout:         time.Duration(im.TimeoutSeconds) * time.Second,
		TLSConfig:       a.tlsConfig(im.Host, im.InsecureSkipVerify),
		MaxMessageBytes: cfg.Limits.MessageBytes(),
		MaxHeaderBytes:  cfg.Limits.MaxHeaderBytes,
	}, a.log)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the mailbox: %w", err)
	}
	return box, box.Close, nil
}

// mailSettings is the configured sender, office (its recipients, leader
// and contact), operator and texts of the mail.
func mailSettings(cfg *config.Config) (*jobs.Mail, error) {
	texts, err := templates.Load(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, &ConfigError{err}
	}
	m := &jobs.Mail{
		From:     cfg.Mail.From.Address(),
		Domain:   cfg.Mail.MessageIDDomain,
		Office:   cfg.Office.Name,
		OfficeTo: cfg.Office.RecipientAddresses(),
		Texts:    texts,
	}
	if l := cfg.Office.Leader; l.Email != "" {
		m.Leader = l.Address()
	}
	if ct := cfg.Office.Contact; ct.Name != "" || ct.Phone != "" {
		m.Contact = templates.OfficeContact{Name: ct.Name, Phone: ct.Phone, Email: ct.Email}
	}
	if op := cfg.Operator; op.Email != "" {
		m.Operator = op.Address()
	}
	return m, nil
}

// IntakeLimits are the bounds of what a collect reads and answers.
func IntakeLimits(cfg *config.Config) jobs.IntakeLimits {
	l := cfg.Limits
	return jobs.IntakeLimits{
		Attachments:     l.MaxAttachments,
		BatchBytes:      l.MaxBatchBytes,
		QuarantineBytes: l.QuarantineBytes,
		SenderPerHour:   l.SenderMessagesPerHour,
		RetentionDays:   cfg.Retention.QuarantineDays,
	}
}
