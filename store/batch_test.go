package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBatchReadsItsOwnWritesAndCommitsOnce(t *testing.T) {
	l := openTest(t)
	ctx := t.Context()
	bctx, b := l.Batch(ctx)
	defer b.Rollback()
	at := time.Date(2023, 5, 3, 9, 0, 0, 0, time.UTC)
	f, _, err := l.Archive(bctx, []byte("one"), "one.txt", "test", at)
	if err != nil {
		t.Fatal(err)
	}
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
	g, _, err := l.Archive(bctx, []byte("two"), "two.txt", "test", at)
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := l.ArchivedFile(ctx, g.SHA256); !found {
		t.Error("a call with the context of a committed batch was not committed")
	}
}

func TestBatchFailedCallLeavesNothingAndTheOthersStand(t *testing.T) {
	l := openTest(t)
	ctx := t.Context()
	bctx, b := l.Batch(ctx)
	defer b.Rollback()
	at := time.Date(2023, 5, 3, 9, 0, 0, 0, time.UTC)
	first, _, err := l.Archive(bctx, []byte("kept"), "kept.txt", "test", at)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = l.inTx(bctx, func(tx *writeTx) error {
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
	l := openTest(t)
	ctx := t.Context()
	bctx, b := l.Batch(ctx)
	defer b.Rollback()
	at := time.Date(2023, 5, 3, 9, 0, 0, 0, time.UTC)
	if _, _, err := l.Archive(bctx, []byte("first"), "a.txt", "test", at); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := l.Archive(context.Background(), []byte("other"), "b.txt", "test", at)
		done <- err
	}()
	for l.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, _, err := l.Archive(bctx, []byte("second"), "c.txt", "test", at); err != nil {
		t.Fatal(err)
	}
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
