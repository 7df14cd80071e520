// Package e2e runs duban's mail cycle against real mail servers on loopback:
// Postfix (SMTP with STARTTLS, delivering into maildirs), Dovecot (IMAP on
// the same maildirs) and smtp-sink, as started by .ci/mailservers.sh. The
// tests and benchmarks run only when DUBAN_E2E=1; .ci/run sets it.
package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The servers .ci/mailservers.sh starts, and what it configures in them.
const (
	postfixAddr  = "127.0.0.1:25"
	sinkAddr     = "127.0.0.1:2525"
	dovecotAddr  = "127.0.0.1:10143"
	userPassword = "secret" // every Dovecot user's
	snakeoilPath = "/etc/ssl/certs/ssl-cert-snakeoil.pem"

	dubanAddr    = "duban@metro.example"
	strangerAddr = "stranger@outside.example" // a Dovecot user, no unit's contact
	benchAddr    = "bench@metro.example"      // the benchmarks' mailbox
)

// needServers skips unless DUBAN_E2E=1, and then fails if a server does not
// answer: with the variable set, a missing server is a broken set-up, not a
// reason to skip.
func needServers(tb testing.TB, addrs ...string) {
	tb.Helper()
	if os.Getenv("DUBAN_E2E") != "1" {
		tb.Skip("DUBAN_E2E is not 1: start the servers with `bash .ci/mailservers.sh start DIR` and set DUBAN_E2E=1")
	}
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, 5*time.Second)
		if err != nil {
			tb.Fatalf("DUBAN_E2E=1 but %s does not answer (%v): run `bash .ci/mailservers.sh start DIR` as root first", a, err)
		}
		c.Close()
	}
}

// snakeoil returns a pool trusting Debian's snakeoil certificate, which
// Postfix presents for STARTTLS, and the name to verify it against (its
// common name, which is also its subjectAltName).
func snakeoil(tb testing.TB) (*x509.CertPool, string) {
	tb.Helper()
	data, err := os.ReadFile(snakeoilPath)
	if err != nil {
		tb.Fatalf("reading the snakeoil certificate: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		tb.Fatalf("%s holds no PEM block", snakeoilPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatalf("parsing %s: %v", snakeoilPath, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, cert.Subject.CommonName
}

// inject hands a raw message to Postfix as another mail client would, over
// STARTTLS with the certificate verified.
func inject(tb testing.TB, from string, to []string, raw []byte) {
	tb.Helper()
	if err := injectErr(tb, from, to, raw); err != nil {
		tb.Fatalf("injecting a message from %s to %v: %v", from, to, err)
	}
}

func injectErr(tb testing.TB, from string, to []string, raw []byte) error {
	roots, name := snakeoil(tb)
	c, err := smtp.Dial(postfixAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.outside.example"); err != nil {
		return err
	}
	if err := c.StartTLS(&tls.Config{RootCAs: roots, ServerName: name}); err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// imapUser is one Dovecot user, seen through its own mail client.
type imapUser struct {
	tb   testing.TB
	addr string
	c    *imapclient.Client
}

func login(tb testing.TB, addr string) *imapUser {
	tb.Helper()
	c, err := imapclient.DialInsecure(dovecotAddr, nil)
	if err != nil {
		tb.Fatalf("dialling Dovecot as %s: %v", addr, err)
	}
	if err := c.Login(addr, userPassword).Wait(); err != nil {
		c.Close()
		tb.Fatalf("logging in to Dovecot as %s: %v", addr, err)
	}
	u := &imapUser{tb: tb, addr: addr, c: c}
	tb.Cleanup(u.close)
	return u
}

func (u *imapUser) close() {
	if u.c != nil {
		u.c.Logout().Wait()
		u.c.Close()
		u.c = nil
	}
}

// delimiter is the server's hierarchy separator (Dovecot's maildir: ".").
func (u *imapUser) delimiter() string {
	u.tb.Helper()
	boxes, err := u.c.List("", "", nil).Collect()
	if err != nil || len(boxes) != 1 {
		u.tb.Fatalf("LIST \"\" \"\" as %s = %v, %v", u.addr, boxes, err)
	}
	return string(boxes[0].Delim)
}

// folders lists every folder of the user, "/"-separated.
func (u *imapUser) folders() []string {
	u.tb.Helper()
	boxes, err := u.c.List("", "*", nil).Collect()
	if err != nil {
		u.tb.Fatalf("LIST as %s: %v", u.addr, err)
	}
	var out []string
	for _, b := range boxes {
		name := b.Mailbox
		if b.Delim != 0 && b.Delim != '/' {
			name = strings.ReplaceAll(name, string(b.Delim), "/")
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// serverName turns a "/"-separated folder name into the server's.
func (u *imapUser) serverName(folder string) string {
	return strings.ReplaceAll(folder, "/", u.delimiter())
}

// count is the number of messages in folder (0 if it does not exist).
func (u *imapUser) count(folder string) int {
	u.tb.Helper()
	data, err := u.c.Status(u.serverName(folder), &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent {
			return 0
		}
		u.tb.Fatalf("STATUS %s as %s: %v", folder, u.addr, err)
	}
	return int(*data.NumMessages)
}

// messages returns the raw messages of folder in UID order, read with PEEK.
func (u *imapUser) messages(folder string) [][]byte {
	u.tb.Helper()
	sel, err := u.c.Select(u.serverName(folder), &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		u.tb.Fatalf("SELECT %s as %s: %v", folder, u.addr, err)
	}
	if sel.NumMessages == 0 {
		if err := u.c.Unselect().Wait(); err != nil {
			u.tb.Fatalf("UNSELECT %s as %s: %v", folder, u.addr, err)
		}
		return nil
	}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	bufs, err := u.c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		u.tb.Fatalf("FETCH %s as %s: %v", folder, u.addr, err)
	}
	// Unselect, or a later STATUS of this folder would report what this
	// session last saw, not what other sessions did since.
	if err := u.c.Unselect().Wait(); err != nil {
		u.tb.Fatalf("UNSELECT %s as %s: %v", folder, u.addr, err)
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
	out := make([][]byte, 0, len(bufs))
	for _, b := range bufs {
		out = append(out, b.FindBodySection(&imap.FetchItemBodySection{}))
	}
	return out
}

// wait polls folder until it holds at least n messages, and returns them.
// Delivery through Postfix is asynchronous; the poll never sleeps long.
func (u *imapUser) wait(folder string, n int, timeout time.Duration) [][]byte {
	u.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := u.count(folder)
		if got >= n {
			return u.messages(folder)
		}
		if time.Now().After(deadline) {
			u.tb.Fatalf("%s's %s holds %d message(s) after %v, want %d; see /var/log/duban-postfix.log", u.addr, folder, got, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reset empties the mailbox: every folder but INBOX is deleted and INBOX is
// expunged, so that a test starts from nothing whatever ran before.
func (u *imapUser) reset() {
	u.tb.Helper()
	delim := u.delimiter()
	folders := u.folders()
	// Children before parents.
	slices.SortFunc(folders, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, f := range folders {
		if strings.EqualFold(f, "INBOX") {
			continue
		}
		// A parent that only exists through its children (maildir++'s
		// "duban") is gone once they are.
		var ie *imap.Error
		if err := u.c.Delete(strings.ReplaceAll(f, "/", delim)).Wait(); err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent) {
			u.tb.Fatalf("DELETE %s as %s: %v", f, u.addr, err)
		}
	}
	sel, err := u.c.Select("INBOX", nil).Wait()
	if err != nil {
		u.tb.Fatalf("SELECT INBOX as %s: %v", u.addr, err)
	}
	if sel.NumMessages > 0 {
		all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
		if err := u.c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			u.tb.Fatalf("STORE \\Deleted as %s: %v", u.addr, err)
		}
		if err := u.c.Expunge().Close(); err != nil {
			u.tb.Fatalf("EXPUNGE as %s: %v", u.addr, err)
		}
	}
	if err := u.c.Unselect().Wait(); err != nil {
		u.tb.Fatalf("UNSELECT as %s: %v", u.addr, err)
	}
}

// appendRaw stores raw in folder as another client would (not through SMTP).
func (u *imapUser) appendRaw(folder string, raw []byte, when time.Time) {
	u.tb.Helper()
	cmd := u.c.Append(u.serverName(folder), int64(len(raw)), &imap.AppendOptions{Time: when})
	if _, err := cmd.Write(raw); err != nil {
		u.tb.Fatalf("APPEND as %s: %v", u.addr, err)
	}
	if err := cmd.Close(); err != nil {
		u.tb.Fatalf("APPEND as %s: %v", u.addr, err)
	}
	if _, err := cmd.Wait(); err != nil {
		u.tb.Fatalf("APPEND as %s: %v", u.addr, err)
	}
}
