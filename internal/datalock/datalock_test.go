package datalock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperDirEnv tells a re-executed test binary to act as a lock holder.
const helperDirEnv = "DUBAN_DATALOCK_HELPER_DIR"

// TestHelperProcess is not a real test: run as a subprocess, it takes the lock,
// prints "locked", and holds it until stdin closes or it is killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	l, err := Acquire(dir)
	if err != nil {
		fmt.Fprintln(os.Stdout, "error:", err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stdout, "locked")
	// Hold until the parent closes stdin (or dies); a safety cap keeps a
	// forgotten helper from living forever.
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	_ = l.Release()
	os.Exit(0)
}

func TestAcquireTwiceInOneProcess(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir)
	if err != nil {
		t.Fatalf("first Acquire: %v", err)
	}
	t.Cleanup(func() { _ = first.Release() })

	second, err := Acquire(dir)
	if err == nil {
		_ = second.Release()
		t.Fatal("second Acquire in the same process succeeded, want ErrLocked")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire: got %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("data directory %s is in use by another duban (pid %d, since ", dir, os.Getpid())
	if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "); stop it first") {
		t.Fatalf("message = %q, want prefix %q", err.Error(), want)
	}
}

func TestReleaseThenReacquire(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		l, err := Acquire(dir)
		if err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
		if err := l.Release(); err != nil {
			t.Fatalf("Release #%d: %v", i+1, err)
		}
		if err := l.Release(); err != nil {
			t.Fatalf("second Release #%d (must be idempotent): %v", i+1, err)
		}
	}
	var nilLock *Lock
	if err := nilLock.Release(); err != nil {
		t.Fatalf("Release on nil Lock: %v", err)
	}
}

func TestLockFile(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()

	path := filepath.Join(dir, FileName)
	if l.Path() != path {
		t.Errorf("Path() = %q, want %q", l.Path(), path)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("lock file mode = %o, want 600", perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := parseHolder(string(data))
	if !ok {
		t.Fatalf("lock file content %q does not parse", data)
	}
	if h.pid != os.Getpid() {
		t.Errorf("recorded pid = %d, want %d", h.pid, os.Getpid())
	}
	if d := time.Since(h.since); d < -time.Second || d > time.Minute {
		t.Errorf("recorded time %v is not about now", h.since)
	}
}

func TestAcquireErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dataDir string
	}{
		{"missing directory", filepath.Join(dir, "does-not-exist")},
		{"not a directory", file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Acquire(tt.dataDir)
			if err == nil {
				_ = l.Release()
				t.Fatal("Acquire succeeded, want an error")
			}
			if errors.Is(err, ErrLocked) {
				t.Fatalf("got ErrLocked for %s: %v", tt.name, err)
			}
		})
	}
}

func TestUnreadableHolderStillLocked(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	// A holder line we cannot parse still refuses, just without details.
	if err := os.WriteFile(l.Path(), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("data directory %s is in use by another duban; stop it first", dir)
	if err.Error() != want {
		t.Fatalf("message = %q, want %q", err.Error(), want)
	}
}

func TestSubprocessHolderThenSIGKILL(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	ready := make(chan string, 1)
	go func() {
		// Skip anything the test framework may print before the helper speaks.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); line == "locked" || strings.HasPrefix(line, "error:") {
				ready <- line
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if line != "locked" {
			t.Fatalf("helper said %q, want \"locked\"", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not take the lock within 10s")
	}

	_, err = Acquire(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire while the helper holds the lock: got %v, want ErrLocked", err)
	}
	if want := fmt.Sprintf("(pid %d, since ", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q does not name the holder (%q)", err.Error(), want)
	}

	// SIGKILL gives the helper no chance to clean up: the kernel must drop the
	// lock, and the stale holder line left in the file must not matter.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}
