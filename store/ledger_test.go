package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOpenCreatesLayout(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "duban-data")
	l := openAt(t, dir)
	if l.DataDir() != dir {
		t.Errorf("DataDir() = %q, want %q", l.DataDir(), dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("Stat(%q) = %v, %v; want a directory", dir, fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ledger.db")); err != nil {
		t.Errorf("ledger.db: %v", err)
	}
	v, err := l.SchemaVersion(ctx)
	if err != nil || v != len(migrations()) {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, len(migrations()))
	}
}

func TestOpenRelativeDirIsAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	l := openAt(t, "data")
	if !filepath.IsAbs(l.DataDir()) || filepath.Base(l.DataDir()) != "data" {
		t.Errorf("DataDir() = %q, want an absolute path ending in data", l.DataDir())
	}
}

func TestOpenRejects(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir, want string }{
		{"empty", " ", "data directory is empty"},
		{"file", file, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Open(context.Background(), tc.dir)
			if err == nil {
				l.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tc.dir)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%q) error = %v, want it to mention %q", tc.dir, err, tc.want)
			}
		})
	}
}

// A data directory whose path needs URI escaping must still be used as is,
// not cut at '?' or '#'.
func TestOpenPathNeedsEscaping(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "数据 dir?x=1#frag%20")
	l := openAt(t, dir)
	addAccepted(t, l, "2023-05", "fgw", t0)
	fi, err := os.Stat(filepath.Join(dir, "ledger.db"))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("ledger.db in %q: %v, %v; want a non-empty file", dir, fi, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("parent holds %d entries, want only the data dir (a mis-parsed DSN creates a stray file)", len(entries))
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := addAccepted(t, l, "2023-05", "fgw", t0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openAt(t, dir)
	got, ok, err := l2.SubmissionByFile(ctx, want.FileSHA256)
	if err != nil || !ok || got.ID != want.ID {
		t.Errorf("after reopening, SubmissionByFile = %v, %v, %v; want ID %d", got.ID, ok, err, want.ID)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openAt(t, dir)
	if _, err := l.write.ExecContext(ctx, `UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(ctx, dir)
	if err == nil {
		l2.Close()
		t.Fatal("Open of a ledger at schema version 99 succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "newer duban") {
		t.Errorf("Open error = %v, want it to say a newer duban is needed", err)
	}
}

func TestMigrateAppliesOnlyNewSteps(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	steps := append(migrations(), `CREATE TABLE extra (x INTEGER) STRICT`)
	for range 2 { // the second run must find nothing to do
		if err := migrateTo(ctx, l.write, steps); err != nil {
			t.Fatalf("migrateTo(%d steps): %v", len(steps), err)
		}
	}
	v, err := l.SchemaVersion(ctx)
	if err != nil || v != len(steps) {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, len(steps))
	}
	if _, err := l.write.ExecContext(ctx, `INSERT INTO extra (x) VALUES (1)`); err != nil {
		t.Errorf("table of the new step: %v", err)
	}
}

// Every pooled connection must carry the pragmas: db.Exec("PRAGMA …") would
// configure only one of them.
func TestPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	for _, tc := range []struct {
		name      string
		db        *sql.DB
		conns     int
		queryOnly int
	}{
		{"write", l.write, 1, 0},
		{"read", l.read, readConns, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Hold them all at once so the pool must open distinct ones.
			var conns []*sql.Conn
			for range tc.conns {
				c, err := tc.db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			for i, c := range conns {
				var busy, fk, qo, syncMode int
				var journal string
				for _, p := range []struct {
					pragma string
					dest   any
				}{
					{"busy_timeout", &busy}, {"foreign_keys", &fk}, {"journal_mode", &journal},
					{"query_only", &qo}, {"synchronous", &syncMode},
				} {
					if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dest); err != nil {
						t.Fatalf("conn %d: PRAGMA %s: %v", i, p.pragma, err)
					}
				}
				if busy != 10000 || fk != 1 || journal != "wal" || qo != tc.queryOnly || syncMode != 1 {
					t.Errorf("conn %d: busy_timeout=%d foreign_keys=%d journal_mode=%s query_only=%d synchronous=%d; want 10000 1 wal %d 1",
						i, busy, fk, journal, qo, syncMode, tc.queryOnly)
				}
			}
		})
	}
	if s := l.write.Stats(); s.MaxOpenConnections != 1 {
		t.Errorf("write pool MaxOpenConnections = %d, want 1", s.MaxOpenConnections)
	}
}

// Write transactions must BEGIN IMMEDIATE: a deferred one that later
// upgrades to a write fails at once with SQLITE_BUSY under contention.
// Holding an empty write transaction open must therefore keep another
// process from starting one.
func TestWriteTransactionsAreImmediate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openAt(t, dir)
	tx, err := l.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	other, err := sql.Open("sqlite", dsn(filepath.Join(dir, ledgerFile), "_pragma=busy_timeout(50)&_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx2, err := other.BeginTx(ctx, nil)
	if err == nil {
		tx2.Rollback()
		t.Fatal("a second BEGIN IMMEDIATE succeeded while the ledger's write transaction was open; want SQLITE_BUSY")
	}
	if !strings.Contains(err.Error(), "SQLITE_BUSY") && !strings.Contains(err.Error(), "locked") {
		t.Errorf("second BEGIN IMMEDIATE error = %v, want SQLITE_BUSY", err)
	}
}

// The foreign key from submissions to files is enforced, even on a plain
// insert that bypasses AddSubmission's own check.
func TestForeignKeysEnforced(t *testing.T) {
	l := openTest(t)
	_, err := l.write.ExecContext(context.Background(), `INSERT INTO submissions (period, unit, file_sha256, file_name,
		source, received_at, accepted, late, version, contact, phone, answers, problems)
		VALUES ('2023-05', 'fgw', ?, 'x.xlsx', 'test', 0, 1, 0, 1, '', '', '[]', '[]')`, strings.Repeat("ab", 32))
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("insert referencing an unarchived file: err = %v, want a FOREIGN KEY error", err)
	}
}

func TestSecret(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := l.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 32 {
		t.Fatalf("Secret() is %d bytes, want 32", len(first))
	}
	if string(first) == string(make([]byte, 32)) {
		t.Fatal("Secret() is all zeros")
	}
	again, err := l.Secret(ctx)
	if err != nil || string(again) != string(first) {
		t.Errorf("second Secret() = %x, %v; want %x", again, err, first)
	}
	l.Close()

	reopened := openAt(t, dir)
	after, err := reopened.Secret(ctx)
	if err != nil || string(after) != string(first) {
		t.Errorf("Secret() after reopening = %x, %v; want %x", after, err, first)
	}
	other, err := openTest(t).Secret(ctx)
	if err != nil || string(other) == string(first) {
		t.Errorf("Secret() of another installation = %x, %v; want a different key", other, err)
	}
}

// Two processes asking for the secret of a fresh ledger at once must agree.
func TestSecretRace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ledgers := []*Ledger{openAt(t, dir), openAt(t, dir)}
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := ledgers[i%2].Secret(ctx)
			if err != nil {
				t.Errorf("Secret(): %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if string(k) != string(keys[0]) {
			t.Errorf("key %d = %x, want %x like key 0", i, k, keys[0])
		}
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	want := addAccepted(t, l, "2023-05", "fgw", t0)
	secret, err := l.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := l.Backup(ctx, path); err != nil {
		t.Fatalf("Backup(%q): %v", path, err)
	}

	// The copy opens as a ledger of its own, with the same content.
	restored := filepath.Join(t.TempDir(), "restored")
	if err := os.Mkdir(restored, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, filepath.Join(restored, ledgerFile)); err != nil {
		t.Fatal(err)
	}
	r := openAt(t, restored)
	got, ok, err := r.SubmissionByFile(ctx, want.FileSHA256)
	if err != nil || !ok || got.ID != want.ID || len(got.Answers) != len(want.Answers) {
		t.Errorf("restored SubmissionByFile = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if s, err := r.Secret(ctx); err != nil || string(s) != string(secret) {
		t.Errorf("restored Secret() = %x, %v; want %x", s, err, secret)
	}

	// An existing file is never overwritten.
	existing := filepath.Join(t.TempDir(), "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Backup(ctx, existing); err == nil {
		t.Errorf("Backup(%q) over an existing file succeeded, want an error", existing)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing file now holds %q, want it untouched", b)
	}
}

// A backup runs while another goroutine keeps writing.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			addAccepted(t, l, "2023-05", "fgw", t0.Add(time.Duration(i)))
		}
	})
	for i := range 3 {
		if err := l.Backup(ctx, filepath.Join(t.TempDir(), "b.db")); err != nil {
			t.Errorf("Backup %d: %v", i, err)
		}
	}
	close(done)
	wg.Wait()
}

// Sync works on a fresh ledger, after writes, and reports a cancelled
// context.
func TestSync(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	if err := l.Sync(ctx); err != nil {
		t.Fatalf("Sync on a fresh ledger: %v", err)
	}
	if _, _, err := l.Archive(ctx, []byte("x"), "x", "test", t0); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(ctx); err != nil {
		t.Errorf("Sync after a write: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Sync(cancelled); err == nil {
		t.Error("Sync with a cancelled context: no error")
	}
}
