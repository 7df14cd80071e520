package e2e

import (
	"context"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	wiring "github.com/duban/duban/internal/app"

	clockpkg "github.com/duban/duban/internal/clock"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
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

// openApp wires cfg as duban does (internal/app) on dataDir, with the
// test's clock and logger, trusting Debian's snakeoil certificate (the
// loopback Postfix's) and verifying its name; transport, when not nil,
// sends instead of the configured SMTP.
func openApp(t testing.TB, cfg *config.Config, dataDir string, transport jobs.Transport, clk *clock, log *slog.Logger) *wiring.App {
	t.Helper()
	opts := wiring.Options{Now: clk.Now, Log: log, Transport: transport}
	if transport == nil {
		roots, name := snakeoil(t)
		opts.TLS = &tls.Config{RootCAs: roots, ServerName: name}
	}
	w, err := wiring.Open(context.Background(), cfg, dataDir, opts)
	if err != nil {
		t.Fatalf("wiring the cycle: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// newCycle is openApp's cycle.
func newCycle(t testing.TB, cfg *config.Config, dataDir string, transport jobs.Transport, clk *clock, log *slog.Logger) *jobs.Cycle {
	return openApp(t, cfg, dataDir, transport, clk, log).Cycle
}

// dialMailbox opens the configured mailbox as duban does.
func dialMailbox(t testing.TB, cfg *config.Config, log *slog.Logger) jobs.Mailbox {
	t.Helper()
	w := openApp(t, cfg, filepath.Join(t.TempDir(), "data"), &mail.Folder{Dir: t.TempDir()}, &clock{}, log)
	box, closeBox, err := w.OpenMailbox(context.Background())
	if err != nil {
		t.Fatalf("opening the mailbox: %v", err)
	}
	t.Cleanup(func() { closeBox() })
	return box
}
