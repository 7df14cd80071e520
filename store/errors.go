package store

import (
	"errors"
	"fmt"
	"path/filepath"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that an operator can act on.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
	sqliteIOErr  = 10
	sqliteFull   = 13
)

// explain turns a SQLite error an operator can do something about (the
// ledger locked by another process, the disk full or failing) into one that
// says so and what to do; other errors come back as they are. Every such
// failure leaves the ledger as it was before the transaction.
func (l *Ledger) explain(err error) error {
	return explainAt(filepath.Join(l.dir, ledgerFile), err)
}

func explainAt(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	dir := filepath.Dir(path)
	switch se.Code() & 0xff {
	case sqliteBusy, sqliteLocked:
		return fmt.Errorf("the ledger %s is locked by another process (waited 10 s): another duban or a tool such as sqlite3 holds a write transaction; "+
			"nothing was changed: find it with \"fuser %s\", let it finish or stop it, then run again: %w", path, path, err)
	case sqliteFull:
		return fmt.Errorf("writing the ledger %s failed: the disk is full; free space on %s (df -h %s) and run again; "+
			"nothing was lost: what was not recorded stays in the mailbox: %w", path, dir, dir, err)
	case sqliteIOErr:
		return fmt.Errorf("writing the ledger %s failed (disk I/O error): the disk may be full or failing; check df -h %s and dmesg, then run again; "+
			"nothing was lost: what was not recorded stays in the mailbox: %w", path, dir, err)
	}
	return err
}
