// Package store is duban's memory: the ledger (an embedded SQLite database)
// that records every decision, and the content-addressed archive of every
// file received or sent. Several duban processes (the daemon and a one-off
// CLI command) may open the same data directory at once.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// File and directory modes. They are set with an explicit chmod, so a
// permissive umask cannot widen them.
const (
	dirMode  os.FileMode = 0o700
	fileMode os.FileMode = 0o600
)

// Layout of the data directory.
const (
	ledgerFile = "ledger.db"
)

// readConns is the size of the read pool.
const readConns = 4

// Pragmas every connection gets. They go in the DSN because db.Exec("PRAGMA
// …") reaches only one pooled connection.
const basePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// writerPragmas are the write connection's. It checkpoints the WAL into
// the database file every 8,000 pages (32 MiB) rather than SQLite's 1,000:
// a collect commits thousands of small transactions that rewrite the same
// index pages, and each checkpoint copies every page touched since the
// last one and fsyncs twice, on the path of whichever write commits.
const writerPragmas = "&_pragma=wal_autocheckpoint(8000)&_txlock=immediate"

// Ledger is the embedded database of one data directory, archive included.
// Writes go through a single connection with BEGIN IMMEDIATE transactions
// (a deferred transaction that upgrades to a write fails at once with
// SQLITE_BUSY); reads use a separate query-only pool, which WAL lets run
// beside the writer.
type Ledger struct {
	dir    string  // absolute data directory
	write  *sql.DB // one connection, BEGIN IMMEDIATE
	read   *sql.DB // several connections, query_only
	writes *stmts  // prepared statements of write
	reads  *stmts  // prepared statements of read

	watchMu sync.Mutex
	watch   *sql.Conn // a read connection kept for Version; nil until asked

	waiting atomic.Int32 // goroutines waiting to begin a write: an open Batch commits for them
	commits atomic.Int64 // write transactions committed: what Commits counts
}

// Open opens (creating when missing) the data directory, its archive and its
// ledger, and brings the schema up to date.
func Open(ctx context.Context, dataDir string) (*Ledger, error) {
	if strings.TrimSpace(dataDir) == "" {
		return nil, errors.New("open ledger: data directory is empty; set storage.data_dir")
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("open ledger: resolve %s: %w", dataDir, err)
	}
	if err := ensureDir(dir); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	dbPath := filepath.Join(dir, ledgerFile)
	if err := ensureFile(dbPath); err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}

	l := &Ledger{dir: dir}
	l.write, err = sql.Open("sqlite", dsn(dbPath, basePragmas+writerPragmas))
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", dbPath, err)
	}
	l.write.SetMaxOpenConns(1)
	l.write.SetMaxIdleConns(1)
	l.write.SetConnMaxLifetime(0)
	l.write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, l.write); err != nil {
		l.write.Close()
		return nil, fmt.Errorf("open ledger %s: %w", dbPath, explainAt(dbPath, err))
	}

	// The read pool is opened after the migrations, so the file is already in
	// WAL mode and journal_mode(WAL) is a no-op that needs no write.
	l.read, err = sql.Open("sqlite", dsn(dbPath, basePragmas+"&_pragma=query_only(1)"))
	if err != nil {
		l.write.Close()
		return nil, fmt.Errorf("open ledger %s: %w", dbPath, err)
	}
	l.read.SetMaxOpenConns(readConns)
	l.read.SetMaxIdleConns(readConns)
	if err := l.read.PingContext(ctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("open ledger %s: %w", dbPath, err)
	}
	l.writes, l.reads = newStmts(l.write), newStmts(l.read)
	return l, nil
}

// dsn builds a SQLite URI for path. The path is escaped, so names with
// spaces, '?', '#' or '%' reach SQLite intact.
func dsn(path, query string) string {
	return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + query
}

// Close closes both connection pools. The last connection to close
// checkpoints the WAL into the database file.
func (l *Ledger) Close() error {
	var errs []error
	l.watchMu.Lock()
	if l.watch != nil {
		errs = append(errs, l.watch.Close())
		l.watch = nil
	}
	l.watchMu.Unlock()
	for _, s := range []*stmts{l.reads, l.writes} {
		if s != nil {
			errs = append(errs, s.close())
		}
	}
	if l.read != nil {
		if err := l.read.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close ledger reader: %w", err))
		}
	}
	if l.write != nil {
		if err := l.write.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close ledger writer: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Sync makes every committed transaction durable against a power cut. The
// ledger commits with synchronous=NORMAL (WAL appends, no fsync per
// commit), which no process crash can undo; Sync is for the moments a
// commit must survive the machine too, such as before a message leaves the
// IMAP folder: it fsyncs the WAL, which holds every commit not yet
// checkpointed, and the database file.
func (l *Ledger) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sync ledger: %w", err)
	}
	for _, name := range []string{ledgerFile + "-wal", ledgerFile} {
		err := syncFile(filepath.Join(l.dir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sync ledger: %w", err)
		}
	}
	return nil
}

// DataDir returns the absolute path of the data directory.
func (l *Ledger) DataDir() string { return l.dir }

// inTx runs fn in one BEGIN IMMEDIATE transaction on the write connection
// and commits when fn returns nil.
func (l *Ledger) inTx(ctx context.Context, fn func(tx *writeTx) error) error {
	if b := l.batchOf(ctx); b != nil {
		return l.explain(b.run(ctx, true, fn))
	}
	l.waiting.Add(1)
	tx, err := l.write.BeginTx(ctx, nil)
	l.waiting.Add(-1)
	if err != nil {
		return l.explain(fmt.Errorf("begin: %w", err))
	}
	defer l.writes.prepareWanted(ctx)
	if err := fn(&writeTx{tx: tx, cache: l.writes}); err != nil {
		tx.Rollback()
		return l.explain(err)
	}
	if err := tx.Commit(); err != nil {
		return l.explain(fmt.Errorf("commit: %w", err))
	}
	l.commits.Add(1)
	return nil
}

// inReadTx runs fn in one read transaction on the read pool: every query
// in it sees the ledger as it was at the first, whatever commits meanwhile.
func (l *Ledger) inReadTx(ctx context.Context, fn func(tx *writeTx) error) error {
	if b := l.batchOf(ctx); b != nil {
		return l.explain(b.run(ctx, false, fn))
	}
	tx, err := l.read.BeginTx(ctx, nil)
	if err != nil {
		return l.explain(fmt.Errorf("begin read: %w", err))
	}
	defer l.reads.prepareWanted(ctx)
	defer tx.Rollback() // a read transaction has nothing to commit
	return l.explain(fn(&writeTx{tx: tx, cache: l.reads}))
}

// Queries returns how many statements the ledger has run since it was
// opened: what a benchmark counts per job.
func (l *Ledger) Queries() int64 { return l.reads.ran.Load() + l.writes.ran.Load() }

// Commits returns how many write transactions the ledger has committed
// since it was opened: what a benchmark counts per job.
func (l *Ledger) Commits() int64 { return l.commits.Load() }

// ensureDir creates dir (and missing parents) with mode 0700 when it is
// missing. An existing directory keeps the mode the operator gave it.
func ensureDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("%s exists and is not a directory", dir)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return syncDir(filepath.Dir(dir))
}

// ensureFile makes sure the ledger file exists with mode 0600 before SQLite
// opens it: SQLite would create it 0644, and gives its -wal and -shm files
// the mode of the database file.
func ensureFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a directory so that a rename or create in it survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Version changes whenever the ledger changes: a commit by this process or
// by another one on the same data directory. It is SQLite's data_version
// seen from one read connection kept for the purpose — which counts every
// commit made by any other connection, our writer included. A reader that
// caches what it computed from the ledger (the desk's overview) recomputes
// when it changes.
func (l *Ledger) Version(ctx context.Context) (int64, error) {
	l.watchMu.Lock()
	defer l.watchMu.Unlock()
	if l.watch == nil {
		c, err := l.read.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("ledger version: %w", err)
		}
		l.watch = c
	}
	var v int64
	if err := l.watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("ledger version: %w", err)
	}
	return v, nil
}
