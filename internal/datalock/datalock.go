// Package datalock makes sure only one duban daemon works on a data directory.
//
// It takes an exclusive flock(2) on <dataDir>/duban.lock. The kernel drops the
// lock when the holding process exits for any reason (even SIGKILL), so a
// restart after a crash is never refused by a stale file: the presence of the
// file means nothing, only the lock does.
//
// The holder writes its PID and the time it took the lock into the file, so a
// refused second daemon can say which process is in the way.
package datalock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// FileName is the lock file's name inside the data directory.
const FileName = "duban.lock"

// ErrLocked means another process (or another Lock in this process) holds the lock.
var ErrLocked = errors.New("data directory is locked by another duban")

// lockedError carries the full English message and still matches ErrLocked
// with errors.Is, without repeating ErrLocked's own text.
type lockedError struct{ msg string }

func (e *lockedError) Error() string { return e.msg }
func (e *lockedError) Unwrap() error { return ErrLocked }

// Lock is a held data directory lock. Release it on shutdown.
type Lock struct {
	path string

	mu    sync.Mutex
	flock *flock.Flock // nil once released
}

// Acquire takes an exclusive, non-blocking lock on <dataDir>/duban.lock
// (created 0600 if missing; dataDir itself must exist). If another process
// holds it, the error wraps ErrLocked and names the holder when known.
//
// Each call opens the file anew, and flock locks belong to an open file
// description, so a second Acquire in the same process fails too.
func Acquire(dataDir string) (*Lock, error) {
	info, err := os.Stat(dataDir)
	if err != nil {
		return nil, fmt.Errorf("locking data directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("locking data directory: %s is not a directory", dataDir)
	}

	path := filepath.Join(dataDir, FileName)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		return nil, &lockedError{msg: describeHolder(dataDir, path)}
	}

	if err := writeHolder(path, holder{pid: os.Getpid(), since: time.Now()}); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("recording lock holder in %s: %w", path, err)
	}
	return &Lock{path: path, flock: fl}, nil
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release drops the lock. It is safe to call more than once, and on a nil Lock.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.flock == nil {
		return nil
	}
	// Clear the holder line while still holding the lock, so nobody reads a
	// PID that no longer holds it. Best effort: the lock matters, not the text.
	_ = os.Truncate(l.path, 0)
	err := l.flock.Unlock()
	l.flock = nil
	if err != nil {
		return fmt.Errorf("unlocking %s: %w", l.path, err)
	}
	return nil
}

// holder is what the lock file records: "<pid> <RFC 3339 time>\n".
type holder struct {
	pid   int
	since time.Time
}

func (h holder) String() string {
	return strconv.Itoa(h.pid) + " " + h.since.Format(time.RFC3339) + "\n"
}

func parseHolder(s string) (holder, bool) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return holder{}, false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 {
		return holder{}, false
	}
	since, err := time.Parse(time.RFC3339, fields[1])
	if err != nil {
		return holder{}, false
	}
	return holder{pid: pid, since: since}, true
}

// writeHolder overwrites the file in place through a second descriptor. That
// does not disturb the flock on Linux and the BSDs (flock locks belong to the
// first descriptor's open file description, unlike POSIX fcntl locks).
func writeHolder(path string, h holder) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	text := h.String()
	// Write then cut, rather than truncate then write, so a reader never sees
	// an empty file between the two steps.
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Truncate(int64(len(text))); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// describeHolder builds the English message for a refused Acquire.
func describeHolder(dataDir, path string) string {
	data, err := os.ReadFile(path)
	if err == nil {
		if h, ok := parseHolder(string(data)); ok {
			return fmt.Sprintf("data directory %s is in use by another duban (pid %d, since %s); stop it first",
				dataDir, h.pid, h.since.Local().Format("2006-01-02 15:04:05"))
		}
	}
	return fmt.Sprintf("data directory %s is in use by another duban; stop it first", dataDir)
}
