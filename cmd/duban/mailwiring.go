package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"time"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/templates"
)

// offline reports whether mail must stay on disk: with the embedded example
// configuration its servers are examples, so mail goes to folders instead.
func offline(cfg *config.Config) bool { return cfg.Embedded }

func outboxDir(cfg *config.Config, dataDir string) string {
	if cfg.Mail.OutboxDir != "" {
		return cfg.Mail.OutboxDir
	}
	return filepath.Join(dataDir, "mail-out")
}

func dropDir(cfg *config.Config, dataDir string) string {
	if cfg.Mail.DropDir != "" {
		return cfg.Mail.DropDir
	}
	return filepath.Join(dataDir, "mail-in")
}

// mailSettings is the configured sender, office and texts of the mail.
func mailSettings(cfg *config.Config) (*jobs.Mail, error) {
	texts, err := templates.Load(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	m := &jobs.Mail{
		From:   mail.Address{Name: cfg.Mail.From.Name, Email: cfg.Mail.From.Email},
		Domain: cfg.Mail.MessageIDDomain,
		Office: cfg.Office.Name,
		Texts:  texts,
	}
	for _, r := range cfg.Office.Recipients {
		m.OfficeTo = append(m.OfficeTo, mail.Address{Name: r.Name, Email: r.Email})
	}
	if l := cfg.Office.Leader; l.Email != "" {
		m.Leader = mail.Address{Name: l.Name, Email: l.Email}
	}
	return m, nil
}

// transportFor builds the outgoing side: SMTP when a server is configured,
// else a folder of .eml files. The caller closes it.
func (a *app) transportFor(cfg *config.Config, dataDir string) (jobs.Transport, func() error, error) {
	s := cfg.Mail.SMTP
	if s.Host == "" || offline(cfg) {
		dir := outboxDir(cfg, dataDir)
		if offline(cfg) {
			fmt.Fprintf(a.stderr, "duban: embedded example configuration: outgoing mail is written to %s instead of being sent\n", dir)
		}
		f := &mail.Folder{Dir: dir}
		return f, f.Close, nil
	}
	var tlsConfig *tls.Config
	if s.InsecureSkipVerify {
		tlsConfig = &tls.Config{ServerName: s.Host, InsecureSkipVerify: true}
	}
	smtp, err := mail.NewSMTP(mail.SMTPConfig{
		Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password, HELO: s.HELO,
		Timeout: time.Duration(s.TimeoutSeconds) * time.Second, RatePerSecond: s.RatePerSecond, TLSConfig: tlsConfig,
	}, a.logger())
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("mail.smtp: %w", err)}
	}
	return smtp, smtp.Close, nil
}

// openMailbox opens the incoming side: IMAP when a server is configured,
// else the drop folder. The caller closes it.
func (a *app) openMailbox(ctx context.Context, cfg *config.Config, dataDir string) (jobs.Mailbox, func() error, error) {
	im := cfg.Mail.IMAP
	if im.Host == "" || offline(cfg) {
		dir := dropDir(cfg, dataDir)
		if offline(cfg) {
			fmt.Fprintf(a.stderr, "duban: embedded example configuration: incoming mail is read from the folder %s\n", dir)
		}
		d, err := mailbox.OpenDrop(dir)
		if err != nil {
			return nil, nil, err
		}
		d.MaxMessageBytes = cfg.Limits.MessageBytes() // as for IMAP
		d.MaxHeaderBytes = cfg.Limits.MaxHeaderBytes
		return d, d.Close, nil
	}
	var tlsConfig *tls.Config
	if im.InsecureSkipVerify {
		tlsConfig = &tls.Config{ServerName: im.Host, InsecureSkipVerify: true}
	}
	box, err := mailbox.DialIMAP(ctx, mailbox.IMAPConfig{
		Host: im.Host, Port: im.Port, TLS: im.TLS, Username: im.Username, Password: im.Password, Folder: im.Folder,
		Timeout: time.Duration(im.TimeoutSeconds) * time.Second, TLSConfig: tlsConfig,
		MaxMessageBytes: cfg.Limits.MessageBytes(),
		MaxHeaderBytes:  cfg.Limits.MaxHeaderBytes,
	}, a.logger())
	if err != nil {
		return nil, nil, fmt.Errorf("opening the mailbox: %w", err)
	}
	return box, box.Close, nil
}

func inboundLimits(cfg *config.Config) inbound.Limits {
	l := cfg.Limits
	return inbound.Limits{
		MaxMessageBytes: l.MessageBytes(),
		MaxHeaderBytes:  l.MaxHeaderBytes,
		MaxParts:        l.MaxMIMEParts,
		MaxDepth:        l.MaxMIMEDepth,
		MaxFileBytes:    l.MaxAttachmentBytes,
		AuthServID:      cfg.Security.AuthServID,
	}
}
