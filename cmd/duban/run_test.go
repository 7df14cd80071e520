package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
)

// syncBuffer is testtools.SyncBuffer.
type syncBuffer = testtools.SyncBuffer

// duban run on the embedded example: the catch-up at start reminds every
// lead unit (mail into folders under the data directory), a second daemon
// on the same data directory is refused, and cancelling the context (what
// SIGINT/SIGTERM do in main) stops it cleanly with exit 0.
func TestRunCatchesUpThenStops(t *testing.T) {
	dir := inTempDir(t)
	t.Setenv(clockEnv, "2023-06-01T09:30:00+08:00")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run"}, &stdout, &stderr) }()

	outbox := filepath.Join(dir, "data", "mail-out")
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(outbox, "reminder.2023-05.*.eml"))
		if len(files) == 13 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders in %s after 30 s, want 13; log:\n%s", len(files), outbox, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	var out2, err2 bytes.Buffer
	if code := run(context.Background(), []string{"run"}, &out2, &err2); code != exitUsage || !strings.Contains(err2.String(), "in use by another duban") {
		t.Errorf("a second daemon on the same data directory: exit %d, %q; want %d and 'in use by another duban'", code, err2.String(), exitUsage)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("duban run after cancel: exit %d, want 0; log:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("duban run did not stop within 10 s of cancel; log:\n%s", stderr.String())
	}
	for _, want := range []string{"daemon started", "job done", "daemon stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr.String())
		}
	}
	// Stopped, the lock is free again.
	if _, err := os.Stat(filepath.Join(dir, "data", "duban.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

// Configuration errors stop duban run before it starts, all at once.
func TestRunRefusesBadConfig(t *testing.T) {
	dir := inTempDir(t)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("plan:\n  title: x\n  year: 1999\nunits: []\ndaemon: {collect: sometimes}\nhttp: {listen: \"0.0.0.0:80\"}\n"), 0o644)
	code, _, errOut := cli(t, time.Now(), "run", "--config", bad)
	if code != exitUsage {
		t.Errorf("run with a bad config: exit %d, want %d", code, exitUsage)
	}
	for _, key := range []string{"plan.year", "daemon.collect", "http.listen"} {
		if !strings.Contains(errOut, key) {
			t.Errorf("the error does not name %s:\n%s", key, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Error("a refused run created the data directory")
	}
}

// security.token_secret signs the templates when set: a template built
// with one key is refused by a ledger checking with another, and accepted
// again with the right key.
func TestTokenSecretFromConfig(t *testing.T) {
	dir := inTempDir(t)
	t.Setenv("DUBAN_SECURITY_TOKEN_SECRET", "first key, long enough to sign")
	if code, _, errOut := cli(t, june2, "template", "--unit", "jtj", "--period", "2023-05", "-o", dir); code != exitOK {
		t.Fatalf("template: exit %d, %s", code, errOut)
	}
	path := filepath.Join(dir, "市交通运输局-2023年5月推进情况.xlsx")
	t.Setenv("DUBAN_SECURITY_TOKEN_SECRET", "another key, long enough to sign")
	const tampered = "隐藏的校验工作表被修改过"
	if _, out, _ := cli(t, june2, "ingest", path); !strings.Contains(out, tampered) {
		t.Errorf("a template signed with another key was not refused for its token:\n%s", out)
	}
	t.Setenv("DUBAN_SECURITY_TOKEN_SECRET", "first key, long enough to sign")
	os.RemoveAll(filepath.Join(dir, "data")) // the same file again would be recognised, not read
	if _, out, _ := cli(t, june2, "ingest", path); strings.Contains(out, tampered) {
		t.Errorf("with the key that signed it, the template's token is refused:\n%s", out)
	}
}
