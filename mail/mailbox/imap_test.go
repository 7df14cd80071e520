package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/duban/duban/mail"
)

var cst = time.FixedZone("CST", 8*3600)

// forbiddenCommands finds client commands that expunge (CLOSE does too) or
// move in a server transcript.
var forbiddenCommands = regexp.MustCompile(`(?im)^T\d+ (UID )?(EXPUNGE|MOVE|CLOSE)\b`)

type fixture struct {
	name string
	raw  []byte
	when time.Time
	uid  uint32
}

// appendFixtures appends the testdata messages (two with GBK subjects) in
// order, a minute apart.
func appendFixtures(t *testing.T, a *admin, folder string) []fixture {
	t.Helper()
	names := []string{"gbk-encoded-subject.eml", "gbk-raw-subject.eml", "utf8-plain.eml"}
	var fs []fixture
	for i, name := range names {
		f := fixture{name: name, raw: readFixture(t, name), when: time.Date(2023, 6, 5, 9, 12+i, 0, 0, cst)}
		f.uid = a.append(folder, f.raw, f.when)
		fs = append(fs, f)
	}
	return fs
}

// numbered makes a distinct small message.
func numbered(i int) []byte {
	return fmt.Appendf(nil, "From: unit%d@metro.example\r\nTo: duban@metro.example\r\nSubject: reply %d\r\nMessage-ID: <n%d@metro.example>\r\n\r\nbody %d\r\n", i, i, i, i)
}

func TestIMAPFetchOldestFirstExactBytes(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	fixtures := appendFixtures(t, a, "INBOX")
	m := dial(t, testConfig(t, s.addr), nil)

	msgs, validity, err := m.Fetch(context.Background(), Cursor{}, 10)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if validity == 0 {
		t.Errorf("Fetch() validity = 0, want the folder's UIDVALIDITY")
	}
	if len(msgs) != len(fixtures) {
		t.Fatalf("Fetch() returned %d messages, want %d", len(msgs), len(fixtures))
	}
	for i, f := range fixtures {
		got := msgs[i]
		if !bytes.Equal(got.Raw, f.raw) {
			t.Errorf("Fetch()[%d] Raw differs from %s (%d bytes, want %d)", i, f.name, len(got.Raw), len(f.raw))
		}
		if got.UID != f.uid || got.UIDValidity != validity {
			t.Errorf("Fetch()[%d] UID, UIDValidity = %d, %d; want %d, %d", i, got.UID, got.UIDValidity, f.uid, validity)
		}
		if want := fmt.Sprintf("imap:%d:%d", validity, f.uid); got.Key != want {
			t.Errorf("Fetch()[%d] Key = %q, want %q", i, got.Key, want)
		}
		if !got.Received.Equal(f.when) {
			t.Errorf("Fetch()[%d] Received = %v, want %v", i, got.Received, f.when)
		}
		if got.Size != int64(len(f.raw)) || got.TooLarge {
			t.Errorf("Fetch()[%d] Size, TooLarge = %d, %v; want %d, false", i, got.Size, got.TooLarge, len(f.raw))
		}
	}
	for _, msg := range a.list("INBOX") {
		if hasFlag(msg.flags, imap.FlagSeen) {
			t.Errorf("message %d flags = %v after Fetch, want no \\Seen", msg.uid, msg.flags)
		}
	}
}

// TestIMAPFetchAfterCursor guards against "UID n:*" returning the highest
// UID even when n is larger.
func TestIMAPFetchAfterCursor(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	appendFixtures(t, a, "INBOX")
	m := dial(t, testConfig(t, s.addr), nil)
	ctx := context.Background()

	first, validity, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil || len(first) != 3 {
		t.Fatalf("Fetch(zero) = %d messages, %v; want 3, nil", len(first), err)
	}
	last := Cursor{UIDValidity: validity, UID: first[len(first)-1].UID}

	for _, after := range []Cursor{last, {validity, last.UID + 50}} {
		msgs, _, err := m.Fetch(ctx, after, 10)
		if err != nil || len(msgs) != 0 {
			t.Errorf("Fetch(%v) = %v, %v; want nothing new", after, keys(msgs), err)
		}
	}

	raw := numbered(4)
	uid := a.append("INBOX", raw, time.Now())
	msgs, _, err := m.Fetch(ctx, last, 10)
	if err != nil {
		t.Fatalf("Fetch(%v) error = %v", last, err)
	}
	if len(msgs) != 1 || msgs[0].UID != uid || !bytes.Equal(msgs[0].Raw, raw) {
		t.Errorf("Fetch(%v) = %v, want exactly the new message uid %d", last, keys(msgs), uid)
	}
}

func keys(msgs []Incoming) []string {
	var ks []string
	for _, m := range msgs {
		ks = append(ks, m.Key)
	}
	return ks
}

func TestIMAPFetchMax(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		batches []int
	}{
		{"one at a time", 1, []int{1, 1, 1, 1, 1}},
		{"two", 2, []int{2, 2, 1}},
		{"exactly all", 5, []int{5}},
		{"more than all", 50, []int{5}},
		{"no limit", 0, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, serverOptions{})
			a := dialAdmin(t, s.addr, testUser, testPassword)
			var want []uint32
			for i := range 5 {
				want = append(want, a.append("INBOX", numbered(i), time.Now()))
			}
			m := dial(t, testConfig(t, s.addr), nil)

			var (
				cursor  Cursor
				batches []int
				got     []uint32
			)
			for range 10 {
				msgs, validity, err := m.Fetch(context.Background(), cursor, tt.max)
				if err != nil {
					t.Fatalf("Fetch(%v, %d) error = %v", cursor, tt.max, err)
				}
				if len(msgs) == 0 {
					break
				}
				batches = append(batches, len(msgs))
				for _, msg := range msgs {
					got = append(got, msg.UID)
				}
				cursor = Cursor{UIDValidity: validity, UID: msgs[len(msgs)-1].UID}
			}
			if fmt.Sprint(batches) != fmt.Sprint(tt.batches) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Fetch(max %d) batches = %v uids %v, want %v uids %v", tt.max, batches, got, tt.batches, want)
			}
		})
	}
}

func TestIMAPTooLarge(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	small := readFixture(t, "utf8-plain.eml")
	big := append(bytes.Clone(small), bytes.Repeat([]byte("x"), 5000)...)
	a.append("INBOX", big, time.Now())
	a.append("INBOX", small, time.Now())
	cfg := testConfig(t, s.addr)
	cfg.MaxMessageBytes = 1000
	m := dial(t, cfg, nil)

	msgs, _, err := m.Fetch(context.Background(), Cursor{}, 10)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch() = %v, %v; want 2 messages", keys(msgs), err)
	}
	if !msgs[0].TooLarge || msgs[0].Raw != nil || msgs[0].Size != int64(len(big)) {
		t.Errorf("Fetch()[0] TooLarge, Raw, Size = %v, %d bytes, %d; want true, nil, %d", msgs[0].TooLarge, len(msgs[0].Raw), msgs[0].Size, len(big))
	}
	if msgs[1].TooLarge || !bytes.Equal(msgs[1].Raw, small) {
		t.Errorf("Fetch()[1] TooLarge = %v, Raw %d bytes; want false and the message", msgs[1].TooLarge, len(msgs[1].Raw))
	}
}

func TestIMAPSettleMove(t *testing.T) {
	for _, out := range Outcomes() {
		t.Run(string(out), func(t *testing.T) {
			s := startServer(t, serverOptions{})
			a := dialAdmin(t, s.addr, testUser, testPassword)
			fixtures := appendFixtures(t, a, "INBOX")
			m := dial(t, testConfig(t, s.addr), nil)
			ctx := context.Background()

			msgs, _, err := m.Fetch(ctx, Cursor{}, 1)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("Fetch() = %v, %v", keys(msgs), err)
			}
			for range 2 { // the second Settle finds it gone: not an error
				if err := m.Settle(ctx, msgs[0], out); err != nil {
					t.Fatalf("Settle(%s, %s) error = %v", msgs[0].Key, out, err)
				}
			}

			target := "duban/" + string(out)
			moved := a.list(target)
			if len(moved) != 1 || !bytes.Equal(moved[0].raw, fixtures[0].raw) {
				t.Errorf("folder %s holds %d messages after Settle, want exactly %s", target, len(moved), fixtures[0].name)
			}
			var left []uint32
			for _, msg := range a.list("INBOX") {
				left = append(left, msg.uid)
			}
			if want := []uint32{fixtures[1].uid, fixtures[2].uid}; fmt.Sprint(left) != fmt.Sprint(want) {
				t.Errorf("INBOX uids after Settle = %v, want %v", left, want)
			}
			// The same pattern that proves the fallback sends no MOVE.
			if cmds := forbiddenCommands.FindAllString(s.transcript.String(), -1); len(cmds) != 1 || !strings.HasSuffix(cmds[0], " UID MOVE") {
				t.Errorf("client commands = %q, want one UID MOVE", cmds)
			}
		})
	}
}

// TestIMAPSettleCopyFallback runs against a server with IMAP4rev1 only (no
// MOVE, no UIDPLUS): Settle must copy and mark, never EXPUNGE, which would
// also remove the message someone else flagged \Deleted.
func TestIMAPSettleCopyFallback(t *testing.T) {
	s := startServer(t, serverOptions{caps: imap.CapSet{imap.CapIMAP4rev1: {}}})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	fixtures := appendFixtures(t, a, "INBOX")
	deleted := fixtures[1]
	a.addFlags("INBOX", deleted.uid, imap.FlagDeleted)
	m := dial(t, testConfig(t, s.addr), nil)
	ctx := context.Background()

	msgs, validity, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Fetch() = %v, %v; want 3 messages", keys(msgs), err)
	}
	for range 2 { // the second Settle sees $DubanDone: nothing to do
		if err := m.Settle(ctx, msgs[0], Rejected); err != nil {
			t.Fatalf("Settle(%s) error = %v", msgs[0].Key, err)
		}
	}

	copied := a.list("duban/rejected")
	if len(copied) != 1 || !bytes.Equal(copied[0].raw, fixtures[0].raw) {
		t.Errorf("duban/rejected holds %d messages, want exactly one copy of %s", len(copied), fixtures[0].name)
	}
	inbox := a.list("INBOX")
	if len(inbox) != 3 {
		t.Fatalf("INBOX holds %d messages after Settle, want all 3 (nothing expunged)", len(inbox))
	}
	if f := inbox[0].flags; !hasFlag(f, doneFlag) || !hasFlag(f, imap.FlagSeen) {
		t.Errorf("settled message flags = %v, want $DubanDone and \\Seen", f)
	}
	if f := inbox[1].flags; inbox[1].uid != deleted.uid || !hasFlag(f, imap.FlagDeleted) {
		t.Errorf("message flagged \\Deleted by someone else = uid %d %v, want uid %d still there", inbox[1].uid, f, deleted.uid)
	}
	if cmds := forbiddenCommands.FindAllString(s.transcript.String(), -1); len(cmds) > 0 {
		t.Errorf("client sent %q to a server without MOVE", cmds)
	}

	again, _, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil {
		t.Fatalf("Fetch() after Settle error = %v", err)
	}
	want := []string{fmt.Sprintf("imap:%d:%d", validity, fixtures[1].uid), fmt.Sprintf("imap:%d:%d", validity, fixtures[2].uid)}
	if fmt.Sprint(keys(again)) != fmt.Sprint(want) {
		t.Errorf("Fetch() after Settle = %v, want %v (the settled one skipped)", keys(again), want)
	}
}

// TestIMAPSettleWithoutMoveOrKeywords: with neither MOVE nor custom
// keywords there is no safe way to settle; nothing is copied.
func TestIMAPSettleWithoutMoveOrKeywords(t *testing.T) {
	s := startServer(t, serverOptions{
		caps: imap.CapSet{imap.CapIMAP4rev1: {}},
		wrap: func(s imapserver.Session) imapserver.Session { return noKeywords{s} },
	})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	appendFixtures(t, a, "INBOX")
	m := dial(t, testConfig(t, s.addr), nil)
	msgs, _, err := m.Fetch(context.Background(), Cursor{}, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Fetch() = %v, %v", keys(msgs), err)
	}
	err = m.Settle(context.Background(), msgs[0], Processed)
	if err == nil || !strings.Contains(err.Error(), "cannot settle") {
		t.Errorf("Settle() error = %v, want one saying it cannot settle", err)
	}
	if got := a.list("duban/processed"); len(got) != 0 {
		t.Errorf("duban/processed holds %d messages, want none", len(got))
	}
	if got := a.list("INBOX"); len(got) != 3 || len(got[0].flags) != 0 {
		t.Errorf("INBOX after a refused Settle = %d messages, first flags %v; want 3, untouched", len(got), got[0].flags)
	}
}

func TestIMAPUIDValidityChange(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	appendFixtures(t, a, "INBOX")
	m := dial(t, testConfig(t, s.addr), nil)
	ctx := context.Background()

	old, oldValidity, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil || len(old) != 3 {
		t.Fatalf("Fetch() = %v, %v", keys(old), err)
	}
	cursor := Cursor{UIDValidity: oldValidity, UID: old[2].UID}

	a.recreate("INBOX")
	raw := numbered(9)
	uid := a.append("INBOX", raw, time.Now())

	msgs, validity, err := m.Fetch(ctx, cursor, 10)
	if err != nil {
		t.Fatalf("Fetch(%v) error = %v", cursor, err)
	}
	if validity == oldValidity {
		t.Errorf("Fetch() validity = %d, want a new one", validity)
	}
	if len(msgs) != 1 || msgs[0].UID != uid || msgs[0].UID > cursor.UID || !bytes.Equal(msgs[0].Raw, raw) {
		t.Errorf("Fetch(%v) = %v, want the new folder's message uid %d from the start", cursor, keys(msgs), uid)
	}

	if err := m.Settle(ctx, old[0], Processed); !errors.Is(err, ErrUIDValidityChanged) {
		t.Errorf("Settle(%s) of the old folder error = %v, want ErrUIDValidityChanged", old[0].Key, err)
	}
	if got := a.list("INBOX"); len(got) != 1 {
		t.Errorf("INBOX holds %d messages after a refused Settle, want 1", len(got))
	}
}

func TestIMAPFolders(t *testing.T) {
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	cfg := testConfig(t, s.addr)
	cfg.Folders = map[Outcome]string{Quarantine: "督办/隔离"}
	m := dial(t, cfg, nil)
	if err := m.Close(); err != nil {
		t.Errorf("Close() error = %v", err)
	}
	m = dial(t, cfg, nil) // existing folders are fine

	list, err := a.c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("admin list: %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	for _, want := range []string{"INBOX", "duban/processed", "duban/rejected", "督办/隔离"} {
		if !strings.Contains(strings.Join(names, "|"), want) {
			t.Errorf("folders = %v, want %q among them", names, want)
		}
	}

	raw := numbered(1)
	a.append("INBOX", raw, time.Now())
	if err := a.c.Delete("duban/processed").Wait(); err != nil {
		t.Fatalf("admin delete: %v", err)
	}
	msgs, _, err := m.Fetch(context.Background(), Cursor{}, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Fetch() = %v, %v", keys(msgs), err)
	}
	if err := m.Settle(context.Background(), msgs[0], Processed); err != nil {
		t.Fatalf("Settle() into a folder deleted meanwhile error = %v, want it recreated", err)
	}
	if got := a.list("duban/processed"); len(got) != 1 {
		t.Errorf("duban/processed holds %d messages, want 1", len(got))
	}
	if err := m.Settle(context.Background(), msgs[0], Outcome("archive")); err == nil {
		t.Errorf("Settle(outcome archive) error = nil, want an error")
	}
}

func TestIMAPMissingFolder(t *testing.T) {
	s := startServer(t, serverOptions{})
	cfg := testConfig(t, s.addr)
	cfg.Folder = "报送/来信"
	_, err := DialIMAP(context.Background(), cfg, nil)
	t.Logf("DialIMAP(): %v", err)
	if err == nil || !strings.Contains(err.Error(), `"报送/来信"`) {
		t.Errorf("DialIMAP(folder %q) error = %v, want one naming the folder", cfg.Folder, err)
	}
}

func TestIMAPConfigValidation(t *testing.T) {
	valid := IMAPConfig{Host: "imap.metro.example", Port: 993, TLS: mail.TLSImplicit, Username: "duban", Password: testPassword}
	tests := []struct {
		name   string
		change func(*IMAPConfig)
		want   string // "" for a valid configuration
	}{
		{"valid", func(*IMAPConfig) {}, ""},
		{"plain on loopback", func(c *IMAPConfig) { c.Host, c.TLS = "127.0.0.1", mail.TLSPlain }, ""},
		{"plain on localhost", func(c *IMAPConfig) { c.Host, c.TLS = "localhost", mail.TLSPlain }, ""},
		{"plain on ipv6 loopback", func(c *IMAPConfig) { c.Host, c.TLS = "::1", mail.TLSPlain }, ""},
		{"plain on a real host", func(c *IMAPConfig) { c.TLS = mail.TLSPlain }, "only allowed for a server on this machine"},
		{"plain on a name resolving anywhere", func(c *IMAPConfig) { c.Host, c.TLS = "localhost.metro.example", mail.TLSPlain }, "only allowed for a server on this machine"},
		{"no tls mode", func(c *IMAPConfig) { c.TLS = "" }, "tls is empty"},
		{"unknown tls mode", func(c *IMAPConfig) { c.TLS = "ssl" }, `tls "ssl" is unknown`},
		{"no host", func(c *IMAPConfig) { c.Host = "" }, "host is empty"},
		{"bad port", func(c *IMAPConfig) { c.Port = 70000 }, "port 70000"},
		{"no username", func(c *IMAPConfig) { c.Username = "" }, "username is empty"},
		{"outcome into the polled folder", func(c *IMAPConfig) { c.Folders = map[Outcome]string{Rejected: "inbox"} }, "polled folder"},
		{"two outcomes one folder", func(c *IMAPConfig) { c.Folders = map[Outcome]string{Rejected: "duban/processed"} }, "are both"},
		{"unknown outcome", func(c *IMAPConfig) { c.Folders = map[Outcome]string{"archive": "x"} }, `unknown outcome "archive"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			got, err := cfg.withDefaults()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("withDefaults(%v) error = %v, want nil", cfg, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("withDefaults(%v) error = %v, want one containing %q", cfg, err, tt.want)
			case tt.want == "" && (got.Folder != "INBOX" || got.Timeout != DefaultIMAPTimeout || got.MaxMessageBytes != DefaultMaxMessageBytes || got.Folders[Quarantine] != "duban/quarantine"):
				t.Errorf("withDefaults(%v) = %v, want the defaults filled in", cfg, got)
			}
			if err != nil && strings.Contains(err.Error(), testPassword) {
				t.Errorf("withDefaults() error %q contains the password", err)
			}
		})
	}
}

func TestIMAPName(t *testing.T) {
	tests := []struct {
		cfg  IMAPConfig
		want string
	}{
		{IMAPConfig{Host: "imap.metro.example", Port: 993, Username: "duban@metro.example", Password: testPassword, Folder: "INBOX"},
			"imap://duban%40metro.example@imap.metro.example:993/INBOX"},
		{IMAPConfig{Host: "::1", Port: 143, Username: "duban", Password: testPassword, Folder: "报送/来信"},
			"imap://duban@[::1]:143/报送/来信"},
	}
	for _, tt := range tests {
		if got := imapName(tt.cfg); got != tt.want {
			t.Errorf("imapName(%v) = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

// TestIMAPPasswordNeverShown runs a whole session, and a failed login, with
// debug logging on, and looks for the password everywhere.
func TestIMAPPasswordNeverShown(t *testing.T) {
	s := startServer(t, serverOptions{caps: imap.CapSet{imap.CapIMAP4rev1: {}}})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	appendFixtures(t, a, "INBOX")
	logs := &syncBuffer{}
	logger := testLogger(logs)
	cfg := testConfig(t, s.addr)
	ctx := context.Background()

	m := dial(t, cfg, logger)
	msgs, _, err := m.Fetch(ctx, Cursor{}, 10)
	if err != nil {
		t.Fatalf("Fetch() error = %v", err)
	}
	if err := m.Settle(ctx, msgs[0], Quarantine); err != nil {
		t.Fatalf("Settle() error = %v", err)
	}
	logger.Info("configuration", "imap", cfg)
	shown := []string{m.Name(), logs.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, &cfg)}

	wrong := cfg
	wrong.Password = "Wrong-" + testPassword
	if _, err := DialIMAP(ctx, wrong, logger); err == nil {
		t.Errorf("DialIMAP(wrong password) error = nil")
	} else {
		shown = append(shown, err.Error())
	}
	cfg.Host = "imap.metro.example" // plain text refused before dialing
	if _, err := DialIMAP(ctx, cfg, logger); err == nil {
		t.Errorf("DialIMAP(insecure-plain to a remote host) error = nil")
	} else {
		shown = append(shown, err.Error())
	}
	shown = append(shown, logs.String())

	for _, text := range shown {
		if strings.Contains(text, testPassword) {
			t.Errorf("password shown in %q", text)
		}
	}
	if !strings.Contains(logs.String(), "imap message settled") {
		t.Errorf("logs = %q, want the session logged at debug level (else this test proves nothing)", logs.String())
	}
}

// TestIMAPSettleAll settles a batch in one command, with MOVE and with the
// copy-and-mark fallback, and twice: the retry after a crash repeats nothing.
func TestIMAPSettleAll(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
	}{
		{"move", nil},
		{"copy fallback", imap.CapSet{imap.CapIMAP4rev1: {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, serverOptions{caps: tc.caps})
			a := dialAdmin(t, s.addr, testUser, testPassword)
			appendFixtures(t, a, "INBOX")
			m := dial(t, testConfig(t, s.addr), nil)
			ctx := context.Background()
			msgs, _, err := m.Fetch(ctx, Cursor{}, 10)
			if err != nil || len(msgs) != 3 {
				t.Fatalf("Fetch() = %v, %v; want 3 messages", keys(msgs), err)
			}
			for range 2 {
				if err := m.SettleAll(ctx, msgs[:2], Processed); err != nil {
					t.Fatalf("SettleAll() error = %v\n%s", err, s.transcript.String())
				}
			}
			if got := a.list("duban/processed"); len(got) != 2 {
				t.Errorf("duban/processed holds %d messages, want exactly 2", len(got))
			}
			left, _, err := m.Fetch(ctx, Cursor{}, 10)
			if err != nil || len(left) != 1 || left[0].Key != msgs[2].Key {
				t.Errorf("Fetch() after SettleAll = %v, %v; want only %s", keys(left), err, msgs[2].Key)
			}
			if tc.caps != nil {
				if cmds := forbiddenCommands.FindAllString(s.transcript.String(), -1); len(cmds) > 0 {
					t.Errorf("client sent %q to a server without MOVE", cmds)
				}
			} else if n := strings.Count(s.transcript.String(), "OK UID MOVE completed"); n != 1 {
				t.Errorf("client sent %d UID MOVE commands, want 1: one for the batch, none for the retry", n)
			}
		})
	}
}

// TestIMAPFetchHeadersThenLoad: the header block comes first, bounded; the
// body only on request, and a partial FETCH reads no more than the limit.
func TestIMAPFetchHeadersThenLoad(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	small := readFixture(t, "utf8-plain.eml")
	big := append(bytes.Clone(small), bytes.Repeat([]byte("x"), 5000)...)
	longHeader := append([]byte("X-Pad: "+strings.Repeat("p", 3000)+"\r\n"), small...)
	a.append("INBOX", small, time.Now())
	a.append("INBOX", big, time.Now())
	a.append("INBOX", longHeader, time.Now())
	cfg := testConfig(t, s.addr)
	cfg.MaxHeaderBytes = 2048
	m := dial(t, cfg, nil)

	msgs, validity, err := m.FetchHeaders(ctx, Cursor{}, 10)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("FetchHeaders() = %v, %v; want 3 messages", keys(msgs), err)
	}
	head, _, _ := bytes.Cut(small, []byte("\r\n\r\n"))
	if want := string(head) + "\r\n\r\n"; string(msgs[0].Header) != want || msgs[0].HeaderCut || msgs[0].Raw != nil {
		t.Errorf("FetchHeaders()[0] header = %q (cut %v, raw %d bytes); want %q and no body", msgs[0].Header, msgs[0].HeaderCut, len(msgs[0].Raw), want)
	}
	if len(msgs[2].Header) != 2049 || !msgs[2].HeaderCut {
		t.Errorf("FetchHeaders()[2] header = %d bytes, cut %v; want 2049, cut", len(msgs[2].Header), msgs[2].HeaderCut)
	}
	if msgs[1].Size != int64(len(big)) || msgs[1].UIDValidity != validity {
		t.Errorf("FetchHeaders()[1] size %d, validity %d; want %d, %d", msgs[1].Size, msgs[1].UIDValidity, len(big), validity)
	}
	in := msgs[1]
	if err := m.Load(ctx, &in, 1000); err != nil || !bytes.Equal(in.Raw, big[:1000]) || !in.Truncated {
		t.Errorf("Load(big, 1000) = %d bytes, truncated %v, %v; want its first 1000 bytes, truncated", len(in.Raw), in.Truncated, err)
	}
	in = msgs[0]
	if err := m.Load(ctx, &in, 1000); err != nil || !bytes.Equal(in.Raw, small) || in.Truncated {
		t.Errorf("Load(small, 1000) = %d bytes, truncated %v, %v; want it whole", len(in.Raw), in.Truncated, err)
	}
	gone := msgs[0]
	gone.UID += 100
	if err := m.Load(ctx, &gone, 1000); !errors.Is(err, ErrGone) {
		t.Errorf("Load(no such UID) = %v, want ErrGone", err)
	}
	// None of it set \Seen.
	for _, msg := range a.list("INBOX") {
		if hasFlag(msg.flags, imap.FlagSeen) {
			t.Errorf("message %d is \\Seen after FetchHeaders and Load", msg.uid)
		}
	}
}

// TestIMAPLoadAll: the messages within the limit in one FETCH, a larger
// one cut as Load cuts it, one expunged meanwhile gone, and nothing \Seen.
func TestIMAPLoadAll(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, serverOptions{})
	a := dialAdmin(t, s.addr, testUser, testPassword)
	small := readFixture(t, "utf8-plain.eml")
	other := append(bytes.Clone(small), []byte("\r\nmore\r\n")...)
	big := append(bytes.Clone(small), bytes.Repeat([]byte("x"), 5000)...)
	for _, raw := range [][]byte{small, big, other} {
		a.append("INBOX", raw, time.Now())
	}
	m := dial(t, testConfig(t, s.addr), nil)
	msgs, _, err := m.FetchHeaders(ctx, Cursor{}, 10)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("FetchHeaders() = %v, %v; want 3 messages", keys(msgs), err)
	}
	gone := msgs[0]
	gone.UID += 100
	ins := []*Incoming{&msgs[0], &msgs[1], &msgs[2], &gone}
	errs, err := m.LoadAll(ctx, ins, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{small, big[:1000], other} {
		if errs[i] != nil || !bytes.Equal(ins[i].Raw, want) || ins[i].Truncated != (i == 1) {
			t.Errorf("LoadAll: message %d = %d bytes, truncated %v, %v; want %d bytes, truncated %v", i, len(ins[i].Raw), ins[i].Truncated, errs[i], len(want), i == 1)
		}
	}
	if !errors.Is(errs[3], ErrGone) {
		t.Errorf("LoadAll: no such UID = %v, want ErrGone", errs[3])
	}
	for _, msg := range a.list("INBOX") {
		if hasFlag(msg.flags, imap.FlagSeen) {
			t.Errorf("message %d is \\Seen after LoadAll", msg.uid)
		}
	}
}
