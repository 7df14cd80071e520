package e2e

import (
	"context"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	clockpkg "github.com/duban/duban/internal/clock"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// clock is the cycle's fake clock.
type clock = clockpkg.Manual

var (
	smtpSection = regexp.MustCompile(`(?m)^  smtp:\n(?:    .*\n)+`)
	imapSection = regexp.MustCompile(`(?m)^  imap:\n(?:    .*\n)+`)
	dataDirLine = regexp.MustCompile(`(?m)^  data_dir: .*$`)
)

// loopbackConfig loads the embedded example configuration with its mail
// servers pointed at the loopback Postfix and Dovecot, as an operator would
// write it, from a file.
func loopbackConfig(t testing.TB, dataDir string) *config.Config {
	t.Helper()
	y := config.Example()
	for _, re := range []*regexp.Regexp{smtpSection, imapSection, dataDirLine} {
		if len(re.FindAll(y, -1)) != 1 {
			t.Fatalf("the example configuration no longer has exactly one match of %s; update loopbackConfig", re)
		}
	}
	y = smtpSection.ReplaceAll(y, []byte("  smtp:\n    host: 127.0.0.1\n    port: 25\n    tls: starttls\n"))
	y = imapSection.ReplaceAll(y, []byte("  imap:\n    host: 127.0.0.1\n    port: 10143\n    tls: insecure-plain\n    username: "+dubanAddr+"\n    password: "+userPassword+"\n    folder: INBOX\n"))
	y = dataDirLine.ReplaceAll(y, []byte("  data_dir: "+dataDir))
	path := filepath.Join(t.TempDir(), "duban.yaml")
	if err := os.WriteFile(path, y, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load(%s) error = %v", path, err)
	}
	// insecure-plain is valid for a loopback IMAP server (this Dovecot has ssl = no).
	for _, p := range cfg.Validate() {
		t.Errorf("config.Validate: %s", p)
	}
	if t.Failed() {
		t.FailNow()
	}
	return cfg
}

// logger writes the cycle's log into the test's output.
func logger(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// smtpFor is the SMTP transport cmd/duban builds from the configuration,
// with Debian's snakeoil certificate trusted and its name verified.
func smtpFor(t testing.TB, cfg *config.Config, log *slog.Logger) *mail.SMTP {
	t.Helper()
	roots, name := snakeoil(t)
	s := cfg.Mail.SMTP
	smtp, err := mail.NewSMTP(mail.SMTPConfig{
		Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password, HELO: s.HELO,
		Timeout: time.Duration(s.TimeoutSeconds) * time.Second, RatePerSecond: s.RatePerSecond,
		TLSConfig: &tls.Config{RootCAs: roots, ServerName: name},
	}, log)
	if err != nil {
		t.Fatalf("mail.NewSMTP: %v", err)
	}
	t.Cleanup(func() { smtp.Close() })
	return smtp
}

// newCycle builds the cycle the way cmd/duban does (cycleFor, mailFor),
// with transport as the outgoing side and the data directory dataDir.
func newCycle(t testing.TB, cfg *config.Config, dataDir string, transport jobs.Transport, clk *clock, log *slog.Logger) *jobs.Cycle {
	t.Helper()
	sched, err := cfg.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := store.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", dataDir, err)
	}
	t.Cleanup(func() { ledger.Close() })
	texts, err := templates.Load(cfg.Mail.TemplatesDir)
	if err != nil {
		t.Fatal(err)
	}
	m := &jobs.Mail{
		Transport: transport,
		From:      mail.Address{Name: cfg.Mail.From.Name, Email: cfg.Mail.From.Email},
		Domain:    cfg.Mail.MessageIDDomain,
		Office:    cfg.Office.Name,
		Texts:     texts,
	}
	for _, r := range cfg.Office.Recipients {
		m.OfficeTo = append(m.OfficeTo, mail.Address{Name: r.Name, Email: r.Email})
	}
	return &jobs.Cycle{
		Plan:     cfg.Plan(),
		Schedule: sched,
		Limits: reports.Limits{
			MaxFileBytes:  cfg.Limits.MaxAttachmentBytes,
			MaxUnzipBytes: cfg.Limits.MaxUnzipBytes,
			MaxTextChars:  cfg.Limits.MaxTextChars,
		},
		Ledger:  ledger,
		Log:     log,
		Now:     clk.Now,
		Mail:    m,
		Inbound: inbound.Limits{MaxMessageBytes: cfg.Limits.MessageBytes(), MaxFileBytes: cfg.Limits.MaxAttachmentBytes},
	}
}

// dialMailbox opens the IMAP mailbox as cmd/duban's openMailbox does.
func dialMailbox(t testing.TB, cfg *config.Config, log *slog.Logger) *mailbox.IMAP {
	t.Helper()
	im := cfg.Mail.IMAP
	box, err := mailbox.DialIMAP(context.Background(), mailbox.IMAPConfig{
		Host: im.Host, Port: im.Port, TLS: im.TLS, Username: im.Username, Password: im.Password, Folder: im.Folder,
		Timeout: time.Duration(im.TimeoutSeconds) * time.Second, MaxMessageBytes: cfg.Limits.MessageBytes(),
	}, log)
	if err != nil {
		t.Fatalf("mailbox.DialIMAP: %v", err)
	}
	t.Cleanup(func() { box.Close() })
	return box
}
