//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Modes are set explicitly, whatever the umask. Not parallel: the umask
// belongs to the process.
func TestPermissions(t *testing.T) {
	ctx := context.Background()
	for _, mask := range []int{0, 0o022, 0o077} {
		t.Run(os.FileMode(mask).String(), func(t *testing.T) {
			old := syscall.Umask(mask)
			defer syscall.Umask(old)

			dir := filepath.Join(t.TempDir(), "data")
			l := openAt(t, dir)
			if _, _, err := l.Archive(ctx, []byte("perm test"), "p.xlsx", "test", t0); err != nil {
				t.Fatal(err)
			}
			addAccepted(t, l, "2023-05", "fgw", t0) // so the WAL exists
			backup := filepath.Join(t.TempDir(), "backup.db")
			if err := l.Backup(ctx, backup); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				path string
				want os.FileMode
			}{
				{dir, 0o700 | os.ModeDir},
				{filepath.Join(dir, "ledger.db"), 0o600},
				{filepath.Join(dir, "ledger.db-wal"), 0o600},
				{filepath.Join(dir, "ledger.db-shm"), 0o600},
				{backup, 0o600},
			} {
				fi, err := os.Stat(tc.path)
				if err != nil {
					t.Errorf("Stat(%q): %v", tc.path, err)
					continue
				}
				if fi.Mode() != tc.want {
					t.Errorf("mode of %s = %v, want %v", tc.path, fi.Mode(), tc.want)
				}
			}
		})
	}
}

// An existing ledger file with loose permissions is tightened: it holds the
// token secret.
func TestOpenTightensLedgerFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	openAt(t, dir)
	if fi, err := os.Stat(path); err != nil || fi.Mode() != 0o600 {
		t.Errorf("ledger.db mode = %v, %v; want 0600", fi.Mode(), err)
	}
}
