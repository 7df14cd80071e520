package store

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Work that only one process (and one goroutine) at a time may do on a data
// directory: the daemon and one-off commands share it.
const (
	// LockIntake covers deciding on received messages (collect, ingest):
	// two processes never judge the same message at once.
	LockIntake = "intake"
	// LockSend covers a pass over the outbox: a queued message is sent by
	// one process only.
	LockSend = "send"
)

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 50 * time.Millisecond

// Lock takes the named lock of the data directory, waiting for it until ctx
// is done, and returns the function that releases it. It is an flock(2) on
// <data dir>/<name>.lock, which the kernel drops when its holder dies (even
// by SIGKILL), so a crash never leaves it held. Each call opens the file
// anew, so two goroutines of one process exclude each other too; waiting
// says so once in the log through onWait, when given.
func (l *Ledger) Lock(ctx context.Context, name string, onWait func()) (unlock func(), err error) {
	path := filepath.Join(l.dir, name+".lock")
	fl := flock.New(path, flock.SetPermissions(fileMode))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		if onWait != nil {
			onWait()
		}
		if ok, err = fl.TryLockContext(ctx, lockPoll); err != nil || !ok {
			if err == nil {
				err = ctx.Err()
			}
			return nil, fmt.Errorf("waiting for %s: %w", path, err)
		}
	}
	return func() { _ = fl.Unlock() }, nil
}
