package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the ledger to path with VACUUM INTO.
// Readers carry on meanwhile; it runs on the write connection (query_only
// forbids VACUUM INTO), so this process's writes wait until it is done.
// The copy is a complete database file (no WAL), mode 0600; path must not
// exist yet. The archive is in the ledger, so the copy holds it too.
func (l *Ledger) Backup(ctx context.Context, path string) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("back up ledger to %s: %w", path, err)
	}
	// Created here, empty, so it gets our mode (SQLite would make it 0644)
	// and so an existing file is never overwritten.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return fmt.Errorf("back up ledger: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(abs)
		}
	}()
	if err := os.Chmod(abs, fileMode); err != nil {
		return fmt.Errorf("back up ledger: %w", err)
	}
	if _, err := l.write.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("back up ledger to %s: %w", abs, err)
	}
	// VACUUM INTO does not sync its output.
	if err := syncFile(abs); err != nil {
		return fmt.Errorf("back up ledger: %w", err)
	}
	return syncDir(filepath.Dir(abs))
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
