package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// openBatch opens a test ledger and a batch on it, rolled back at the end
// unless committed: the ledger, the plain context and the batch's.
func openBatch(t *testing.T) (*Ledger, context.Context, context.Context, *Batch) {
	t.Helper()
	l := openTest(t)
	ctx := t.Context()
	bctx, b := l.Batch(ctx)
	t.Cleanup(func() { b.Rollback() })
	return l, ctx, bctx, b
}

func TestBatchReadsItsOwnWritesAndCommitsOnce(t *testing.T) {
	l, ctx, bctx, b := openBatch(t)
	f := archiveTextIn(t, l, bctx, "one")
	// The batch sees its write; the pool does not until the commit.
	if _, found, err := l.ArchivedFile(bctx, f.SHA256); err != nil || !found {
		t.Fatalf("ArchivedFile in the batch = %v, %v; want found", found, err)
	}
	if _, found, err := l.ArchivedFile(ctx, f.SHA256); err != nil || found {
		t.Fatalf("ArchivedFile outside the batch before the commit = %v, %v; want not found", found, err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, found, err := l.ArchivedFile(ctx, f.SHA256); err != nil || !found {
		t.Fatalf("ArchivedFile after the commit = %v, %v; want found", found, err)
	}
	// After Commit the context's calls run on their own again.
	g := archiveTextIn(t, l, bctx, "two")
	if _, found, _ := l.ArchivedFile(ctx, g.SHA256); !found {
		t.Error("a call with the context of a committed batch was not committed")
	}
}

func TestBatchFailedCallLeavesNothingAndTheOthersStand(t *testing.T) {
	l, ctx, bctx, b := openBatch(t)
	first := archiveTextIn(t, l, bctx, "kept")
	boom := errors.New("boom")
	err := l.inTx(bctx, func(tx *writeTx) error {
		if _, err := tx.ExecContext(bctx, `INSERT INTO settings (key, value) VALUES ('batch-test', x'00')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing call = %v, want boom", err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := l.ArchivedFile(ctx, first.SHA256); !found {
		t.Error("the call before the failed one was lost")
	}
	var n int
	if err := l.reads.QueryRowContext(ctx, `SELECT count(*) FROM settings WHERE key = 'batch-test'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the failed call's write: %d rows, %v; want none", n, err)
	}
}

// Another goroutine's write waits at most until the batch's next call: the
// batch commits for it.
func TestBatchYieldsToAWaitingWriter(t *testing.T) {
	l, ctx, bctx, b := openBatch(t)
	archiveTextIn(t, l, bctx, "first")
	done := make(chan error, 1)
	go func() {
		_, _, err := l.Archive(ctx, []byte("other"), "b.txt", "test", t0)
		done <- err
	}()
	for l.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	archiveTextIn(t, l, bctx, "second")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other writer still waits after the batch's next call")
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}
