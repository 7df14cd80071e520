package mailbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// doneFlag marks a message settled by COPY on servers without MOVE: it stays
// in the polled folder and Fetch skips it.
const doneFlag imap.Flag = "$DubanDone"

// logoutTimeout bounds the LOGOUT sent by Close.
const logoutTimeout = 5 * time.Second

// IMAP is a connection to the incoming IMAP folder. Its methods may be
// called from several goroutines but run one at a time; Close does not wait
// and aborts a call in progress. After a transport error (or a cancelled
// context) the connection is closed and every later call fails: Close it
// and dial again.
type IMAP struct {
	cfg    IMAPConfig // Password cleared after login
	name   string
	log    *slog.Logger
	conn   net.Conn // the TCP connection, closed to abort a command
	client *imapclient.Client

	hasMove    bool
	keywordsOK bool // PERMANENTFLAGS allow $DubanDone
	folder     string
	folders    map[Outcome]string // server-side names

	closed atomic.Bool

	mu       sync.Mutex // held by each call
	selected bool
	validity uint32
	broken   error
}

// Name identifies the mailbox without its password, e.g.
// "imap://duban@imap.example:993/INBOX".
func (m *IMAP) Name() string { return m.name }

// imapName escapes the user name (which often holds an "@") as a URL does,
// but leaves the folder readable.
func imapName(cfg IMAPConfig) string {
	return "imap://" + url.User(cfg.Username).String() + "@" + net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)) + "/" + cfg.Folder
}

// do runs one command under the configured timeout. When ctx is done (or the
// timeout passes) before f returns, the connection is closed so that f
// returns promptly, and the context's error is returned. A transport error
// marks the connection broken; a NO or BAD from the server does not.
func (m *IMAP) do(ctx context.Context, timeout time.Duration, what string, f func() error) error {
	if m.closed.Load() {
		return fmt.Errorf("%s: connection to %s is closed", what, m.name)
	}
	return m.run(ctx, timeout, what, f)
}

// run is do without the check for Close, which uses it to log out.
func (m *IMAP) run(ctx context.Context, timeout time.Duration, what string, f func() error) error {
	if m.broken != nil {
		return fmt.Errorf("%s: connection to %s is unusable, dial again: %w", what, m.name, m.broken)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(cctx, func() { m.conn.Close() })
	err := f()
	if !stop() {
		cause := cctx.Err()
		if ctx.Err() == nil {
			cause = fmt.Errorf("no answer within %s: %w", timeout, cause)
		}
		m.broken = cause
		return fmt.Errorf("%s: %w", what, cause)
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) {
		m.broken = err
		m.conn.Close()
	}
	return fmt.Errorf("%s: %w", what, err)
}

// selectFolder (re)selects the polled folder and records its UIDVALIDITY.
// Reselecting at every poll notices a folder deleted and recreated.
func (m *IMAP) selectFolder(ctx context.Context) error {
	var data *imap.SelectData
	err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("select folder %q", m.cfg.Folder), func() error {
		var err error
		data, err = m.client.Select(m.folder, nil).Wait()
		return err
	})
	if err != nil {
		m.selected = false
		return err
	}
	if data.UIDValidity == 0 {
		m.log.Warn("imap server reported no UIDVALIDITY", "folder", m.cfg.Folder)
	}
	if m.selected && data.UIDValidity != m.validity {
		m.log.Warn("imap folder UIDVALIDITY changed", "folder", m.cfg.Folder, "old", m.validity, "new", data.UIDValidity)
	}
	m.selected = true
	m.validity = data.UIDValidity
	m.keywordsOK = permits(data.PermanentFlags, doneFlag)
	return nil
}

// permits reports whether PERMANENTFLAGS allow storing flag. A server that
// sends no PERMANENTFLAGS allows every flag (RFC 3501 7.1).
func permits(permanent []imap.Flag, flag imap.Flag) bool {
	if permanent == nil {
		return true
	}
	return hasKeyword(permanent, imap.FlagWildcard) || hasKeyword(permanent, flag)
}

// Close logs out and closes the connection. When a call is in progress it
// closes the connection at once instead, and that call fails. Calling Close
// twice is harmless.
func (m *IMAP) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return nil
	}
	if !m.mu.TryLock() {
		m.conn.Close()
		return nil
	}
	defer m.mu.Unlock()
	if m.broken == nil {
		timeout := min(m.cfg.Timeout, logoutTimeout)
		if err := m.run(context.Background(), timeout, "log out", func() error {
			return m.client.Logout().Wait()
		}); err != nil {
			m.log.Debug("imap logout failed", "err", err)
		}
	}
	if err := m.client.Close(); err != nil && !errors.Is(err, net.ErrClosed) && m.broken == nil {
		return fmt.Errorf("close %s: %w", m.name, err)
	}
	return nil
}
