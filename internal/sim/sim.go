// Package sim is a small world of mail for the demo and the tests that play
// months of a reporting cycle: an in-process SMTP server delivering into an
// in-process IMAP server (internal/mailserver), a mailbox for everyone who
// takes part, and people who send mail there and read their inbox as a mail
// client would. It knows nothing of duban's jobs.
package sim

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/duban/duban/internal/mailserver"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
)

// World is the mail servers and their mailboxes.
type World struct {
	Server *mailserver.Server
	limits inbound.Limits
	log    *slog.Logger
	now    func() time.Time

	passwords map[string]string // address (lowercase) → password

	mu      sync.Mutex
	cursors map[string]mailbox.Cursor // what each reader has seen
}

// Start starts the servers with a mailbox for each address (duplicates and
// case do not matter). now is the servers' clock (the arrival time of
// mail); lim bounds what readers parse.
func Start(ctx context.Context, addrs []string, now func() time.Time, lim inbound.Limits, log *slog.Logger) (*World, error) {
	w := &World{limits: lim, log: log, now: now, passwords: map[string]string{}, cursors: map[string]mailbox.Cursor{}}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	for _, a := range addrs {
		if a = strings.ToLower(a); a != "" && w.passwords[a] == "" {
			w.passwords[a] = rand.Text()
		}
	}
	srv, err := mailserver.Start(ctx, mailserver.Options{
		Users: w.passwords, RequireAuth: true, Clock: now, Log: w.log.With("component", "mailserver"),
	})
	if err != nil {
		return nil, fmt.Errorf("starting the mail servers: %w", err)
	}
	w.Server = srv
	return w, nil
}

// Close stops the servers.
func (w *World) Close() error { return w.Server.Close() }

// Has reports whether addr has a mailbox.
func (w *World) Has(addr string) bool { return w.passwords[strings.ToLower(addr)] != "" }

// Addresses lists the mailboxes, sorted.
func (w *World) Addresses() []string {
	out := make([]string, 0, len(w.passwords))
	for a := range w.passwords {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// SMTPAs is an SMTP client of the servers logged in as addr.
func (w *World) SMTPAs(addr string) (*mail.SMTP, error) {
	addr = strings.ToLower(addr)
	s, err := mail.NewSMTP(mail.SMTPConfig{
		Host: "127.0.0.1", Port: port(w.Server.SMTPAddr()), TLS: mail.TLSImplicit,
		Username: addr, Password: w.passwords[addr], Timeout: 30 * time.Second,
		TLSConfig: &tls.Config{RootCAs: w.Server.RootCAs()},
	}, w.log)
	if err != nil {
		return nil, fmt.Errorf("setting up SMTP for %s: %w", addr, err)
	}
	return s, nil
}

// IMAPConfig is how addr's mailbox is reached.
func (w *World) IMAPConfig(addr string) mailbox.IMAPConfig {
	addr = strings.ToLower(addr)
	return mailbox.IMAPConfig{
		Host: "127.0.0.1", Port: port(w.Server.IMAPAddr()), TLS: mail.TLSImplicit,
		Username: addr, Password: w.passwords[addr], Timeout: 30 * time.Second,
		TLSConfig:       &tls.Config{RootCAs: w.Server.RootCAs()},
		MaxMessageBytes: w.limits.MaxMessageBytes,
	}
}

// Read is someone opening their mail client: the messages that arrived in
// their inbox since they last looked, parsed.
func (w *World) Read(ctx context.Context, addr string) ([]*inbound.Message, error) {
	addr = strings.ToLower(addr)
	box, err := mailbox.DialIMAP(ctx, w.IMAPConfig(addr), w.log)
	if err != nil {
		return nil, fmt.Errorf("opening the mailbox of %s: %w", addr, err)
	}
	defer box.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	got, validity, err := box.Fetch(ctx, w.cursors[addr], 0)
	if err != nil {
		return nil, fmt.Errorf("reading the mailbox of %s: %w", addr, err)
	}
	var out []*inbound.Message
	for _, in := range got {
		w.cursors[addr] = mailbox.Cursor{UIDValidity: validity, UID: in.UID}
		msg, err := inbound.Parse(in.Raw, w.limits)
		if err != nil {
			return nil, fmt.Errorf("reading %s in the mailbox of %s: %w", in.Key, addr, err)
		}
		out = append(out, msg)
	}
	return out, nil
}

// Find reads addr's new mail and returns the message with the given
// Message-ID, or the one answering it when answering is true.
func (w *World) Find(ctx context.Context, addr, id string, answering bool) (*inbound.Message, error) {
	msgs, err := w.Read(ctx, addr)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if !answering && m.MessageID == id {
			return m, nil
		}
		if answering && slices.Contains(m.InReplyTo, id) {
			return m, nil
		}
	}
	what := "message " + id
	if answering {
		what = "answer to " + id
	}
	return nil, fmt.Errorf("the %s never reached %s", what, addr)
}

// Send is someone sending msg through the SMTP server, logged in as
// themselves. Date and From are filled in.
func (w *World) Send(ctx context.Context, from mail.Address, msg mail.Message) error {
	msg.From, msg.Date = from, w.now()
	data, err := mail.Compose(msg)
	if err != nil {
		return err
	}
	s, err := w.SMTPAs(from.Email)
	if err != nil {
		return err
	}
	defer s.Close()
	var to []string
	for _, a := range append(append([]mail.Address{}, msg.To...), msg.Cc...) {
		to = append(to, a.Email)
	}
	if err := s.Send(ctx, from.Email, to, data); err != nil {
		return fmt.Errorf("sending %q from %s: %w", msg.Subject, from.Email, err)
	}
	return nil
}

// WriteMailboxes writes every message each mailbox received, oldest
// first, to dir/<address>/NNN-<subject>.eml, and returns how many.
func (w *World) WriteMailboxes(dir string) (int, error) {
	total := 0
	for _, a := range w.Addresses() {
		sub := filepath.Join(dir, a)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return total, fmt.Errorf("creating %s: %w", sub, err)
		}
		msgs, err := w.Server.Messages(a)
		if err != nil {
			return total, err
		}
		for i, raw := range msgs {
			subject := ""
			if m, err := inbound.Parse(raw, w.limits); err == nil {
				subject = m.Subject
			}
			path := filepath.Join(sub, fmt.Sprintf("%03d-%s.eml", i+1, shortName(subject)))
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				return total, fmt.Errorf("writing %s: %w", path, err)
			}
			total++
		}
	}
	return total, nil
}

// shortName makes a file name from a subject: letters and digits kept,
// anything else a dash, at most 48 characters.
func shortName(subject string) string {
	var b strings.Builder
	n, dash := 0, false
	for _, r := range subject {
		if n == 48 {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '【' || r == '】' {
			b.WriteRune(r)
			n, dash = n+1, false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			n, dash = n+1, true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		return "message"
	}
	return s
}
