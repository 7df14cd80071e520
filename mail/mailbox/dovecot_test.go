package mailbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/duban/duban/mail"
)

// dovecotConfig reads DUBAN_TEST_DOVECOT="host:port:user:password" (a
// loopback Dovecot without TLS, started by the CI script) or skips.
func dovecotConfig(t *testing.T) IMAPConfig {
	t.Helper()
	env := os.Getenv("DUBAN_TEST_DOVECOT")
	if env == "" {
		t.Skip("DUBAN_TEST_DOVECOT not set (host:port:user:password of a loopback Dovecot)")
	}
	parts := strings.SplitN(env, ":", 4)
	if len(parts) != 4 {
		t.Fatalf("DUBAN_TEST_DOVECOT = %q, want host:port:user:password", env)
	}
	port, err := strconv.Atoi(parts[1])
	if err != nil {
		t.Fatalf("DUBAN_TEST_DOVECOT port %q: %v", parts[1], err)
	}
	return IMAPConfig{Host: parts[0], Port: port, TLS: mail.TLSPlain, Username: parts[2], Password: parts[3], Timeout: 20 * time.Second}
}

// TestDovecot runs the main paths against a real Dovecot, which has MOVE
// and UIDPLUS, in folders of its own that it deletes afterwards.
func TestDovecot(t *testing.T) {
	cfg := dovecotConfig(t)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	a := dialAdmin(t, addr, cfg.Username, cfg.Password)
	prefix := fmt.Sprintf("dubantest%d", time.Now().UnixNano())
	cfg.Folder = prefix
	cfg.Folders = map[Outcome]string{
		Processed:  prefix + "/processed",
		Rejected:   prefix + "/rejected",
		Quarantine: prefix + "/quarantine",
	}
	if err := a.c.Create(prefix, nil).Wait(); err != nil {
		t.Fatalf("admin create %q: %v", prefix, err)
	}
	t.Cleanup(func() { deleteTree(t, a, prefix) })
	fixtures := appendFixtures(t, a, prefix)

	logs := &syncBuffer{}
	m := dial(t, cfg, testLogger(logs))
	ctx := context.Background()

	msgs, validity, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil || len(msgs) != len(fixtures) {
		t.Fatalf("Fetch() = %v, %v; want %d messages", keys(msgs), err, len(fixtures))
	}
	for i, f := range fixtures {
		if !bytes.Equal(msgs[i].Raw, f.raw) || msgs[i].UID != f.uid || !msgs[i].Received.Equal(f.when) {
			t.Errorf("Fetch()[%d] = uid %d, %d bytes, %v; want uid %d, the bytes of %s, %v", i, msgs[i].UID, len(msgs[i].Raw), msgs[i].Received, f.uid, f.name, f.when)
		}
	}
	// The header block alone, then a partial body: what a stranger's
	// message costs.
	heads, _, err := m.FetchHeaders(ctx, Cursor{}, 10)
	if err != nil || len(heads) != len(fixtures) {
		t.Fatalf("FetchHeaders() = %v, %v", keys(heads), err)
	}
	for i, f := range fixtures {
		if want, _ := HeaderBlock(f.raw, DefaultMaxHeaderBytes); !bytes.Equal(heads[i].Header, want) || heads[i].Raw != nil {
			t.Errorf("FetchHeaders()[%d] header = %d bytes, want the %d of %s's header block", i, len(heads[i].Header), len(want), f.name)
		}
	}
	part := heads[0]
	if err := m.Load(ctx, &part, 100); err != nil || !bytes.Equal(part.Raw, fixtures[0].raw[:100]) || !part.Truncated {
		t.Errorf("Load(100) = %d bytes, truncated %v, %v; want the first 100 bytes", len(part.Raw), part.Truncated, err)
	}
	for _, msg := range a.list(prefix) {
		if hasFlag(msg.flags, imap.FlagSeen) {
			t.Errorf("message %d flags = %v after Fetch, want no \\Seen", msg.uid, msg.flags)
		}
	}

	last := Cursor{UIDValidity: validity, UID: msgs[len(msgs)-1].UID}
	if again, _, err := m.Fetch(ctx, last, 10); err != nil || len(again) != 0 {
		t.Errorf("Fetch(%v) = %v, %v; want nothing new", last, keys(again), err)
	}
	uid := a.append(prefix, numbered(4), time.Now())
	if again, _, err := m.Fetch(ctx, last, 10); err != nil || len(again) != 1 || again[0].UID != uid {
		t.Errorf("Fetch(%v) = %v, %v; want exactly uid %d", last, keys(again), err, uid)
	}

	for range 2 {
		if err := m.Settle(ctx, msgs[0], Processed); err != nil {
			t.Fatalf("Settle(%s) error = %v", msgs[0].Key, err)
		}
	}
	if err := m.Settle(ctx, msgs[1], Quarantine); err != nil {
		t.Fatalf("Settle(%s) error = %v", msgs[1].Key, err)
	}
	delim := m.delimForTest(t)
	t.Logf("Dovecot hierarchy separator %q", delim)
	processed := serverFolder(cfg.Folders[Processed], delim)
	if got := a.list(processed); len(got) != 1 || !bytes.Equal(got[0].raw, fixtures[0].raw) {
		t.Errorf("%s holds %d messages, want exactly %s", processed, len(got), fixtures[0].name)
	}
	if got := a.list(prefix); len(got) != 2 {
		t.Errorf("%s holds %d messages after two moves, want 2", prefix, len(got))
	}

	a.recreate(prefix)
	uid = a.append(prefix, numbered(5), time.Now())
	fresh, newValidity, err := m.Fetch(ctx, last, 10)
	if err != nil || newValidity == validity || len(fresh) != 1 || fresh[0].UID != uid {
		t.Errorf("Fetch(%v) after recreating the folder = %v, validity %d, %v; want uid %d under a new validity", last, keys(fresh), newValidity, err, uid)
	}

	if strings.Contains(logs.String(), cfg.Password) {
		t.Errorf("password in logs")
	}
}

// delimForTest asks the server for its hierarchy separator.
func (m *IMAP) delimForTest(t *testing.T) rune {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.delimiter(context.Background())
	if err != nil {
		t.Fatalf("delimiter: %v", err)
	}
	return d
}

// deleteTree deletes prefix and every folder below it, deepest first.
func deleteTree(t *testing.T, a *admin, prefix string) {
	a.c.Unselect().Wait() // fails when nothing is selected: fine
	list, err := a.c.List("", prefix+"*", nil).Collect()
	if err != nil {
		t.Errorf("admin list %q: %v", prefix, err)
		return
	}
	for i := len(list) - 1; i >= 0; i-- {
		if err := a.c.Delete(list[i].Mailbox).Wait(); err != nil {
			t.Errorf("admin delete %q: %v", list[i].Mailbox, err)
		}
		a.c.Unsubscribe(list[i].Mailbox).Wait()
	}
}
