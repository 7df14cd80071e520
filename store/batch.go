package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Batch groups many ledger calls into few write transactions: every call
// made with the context Ledger.Batch returns, writes and reads alike, runs
// in the batch's open transaction, so it sees what the calls before it
// wrote, exactly as if each had committed. Each write call is a savepoint:
// one that fails leaves nothing, as its own transaction would have, and
// the calls before it stand. Commit ends the batch.
//
// The point is the commits saved: a collect records a message in three or
// four calls, and a commit costs SQLite more than the statements of one
// call. The batch never holds the writer against anyone: before each call
// it commits when another writer of this process waits (the sender marking
// a message sent), and Yield commits at once; the next call begins anew.
// Commits happen only between calls, so every state a crash can leave is
// one that separate transactions could have left too.
//
// A batch belongs to one goroutine, and its calls must not wait for
// another goroutine's ledger writes (call Yield before waiting).
type Batch struct {
	l     *Ledger
	ctx   context.Context // begins, commits and runs the statements: not cancelled with the caller's
	tx    *sql.Tx         // nil between transactions
	depth int             // calls under way (a call may make another)
	done  bool
	err   error // the transaction broke: every later call fails
}

type batchKey struct{}

// Batch starts a batch and returns the context its calls are made with.
// Nothing is begun until the first call.
func (l *Ledger) Batch(ctx context.Context) (context.Context, *Batch) {
	b := &Batch{l: l, ctx: context.WithoutCancel(ctx)}
	return context.WithValue(ctx, batchKey{}, b), b
}

// batchOf returns the open batch of l that ctx carries, if any.
func (l *Ledger) batchOf(ctx context.Context) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	if b == nil || b.l != l || b.done {
		return nil
	}
	return b
}

// batchFor returns the open batch that a call of the statements s with ctx
// joins: the read pool's statements of the batch's ledger.
func batchFor(ctx context.Context, s *stmts) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	if b == nil || b.done || b.l.reads != s {
		return nil
	}
	return b
}

// run runs fn in the batch's transaction; a write runs under a savepoint.
func (b *Batch) run(ctx context.Context, write bool, fn func(tx *writeTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.err != nil {
		return b.err
	}
	if b.depth == 0 {
		if b.tx != nil && b.l.waiting.Load() > 0 {
			if err := b.commit(); err != nil {
				return err
			}
		}
		if b.tx == nil {
			tx, err := b.l.write.BeginTx(b.ctx, nil)
			if err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			b.tx = tx
		}
	}
	b.depth++
	defer func() { b.depth-- }()
	tx := &writeTx{tx: b.tx, cache: b.l.writes, ctx: b.ctx}
	if !write {
		return fn(tx)
	}
	// One name for every savepoint: ROLLBACK TO and RELEASE act on the
	// innermost of that name, which is this call's, and the statements
	// stay prepared.
	if _, err := b.exec(tx, "SAVEPOINT call"); err != nil {
		return b.broken(err)
	}
	if err := fn(tx); err != nil {
		if _, rerr := b.exec(tx, "ROLLBACK TO call"); rerr != nil {
			return errors.Join(err, b.broken(rerr))
		}
		if _, rerr := b.exec(tx, "RELEASE call"); rerr != nil {
			return errors.Join(err, b.broken(rerr))
		}
		return err
	}
	if _, err := b.exec(tx, "RELEASE call"); err != nil {
		return b.broken(err)
	}
	return nil
}

// exec runs one of the batch's own statements, prepared once like the
// ledger's; Queries does not count them.
func (b *Batch) exec(tx *writeTx, query string) (sql.Result, error) {
	st, ok := tx.cache.lookup(query)
	if !ok {
		return tx.tx.ExecContext(b.ctx, query)
	}
	return tx.tx.StmtContext(b.ctx, st).ExecContext(b.ctx)
}

// broken rolls back what the batch holds uncommitted after a statement of
// its own bookkeeping failed, and fails every later call.
func (b *Batch) broken(err error) error {
	b.err = fmt.Errorf("ledger batch: %w", err)
	if b.tx != nil {
		b.tx.Rollback()
		b.tx = nil
	}
	return b.err
}

// commit commits the open transaction, if any.
func (b *Batch) commit() error {
	if b.tx == nil {
		return nil
	}
	err := b.tx.Commit()
	b.tx = nil
	if err == nil {
		b.l.commits.Add(1)
	}
	b.l.writes.prepareWanted(b.ctx)
	if err != nil {
		return b.broken(b.l.explain(fmt.Errorf("commit: %w", err)))
	}
	return nil
}

// Yield commits what the batch holds, so that another goroutine's write
// can go through; the next call begins a new transaction. A goroutine
// that owns a batch calls it before it waits for anything.
func (b *Batch) Yield() error {
	if b.done || b.depth > 0 {
		return b.err
	}
	if b.err != nil {
		return b.err
	}
	return b.commit()
}

// Commit commits what the batch holds and ends it: later calls with its
// context run on their own again. It returns the error that broke the
// batch, if one did (what it held then was rolled back).
func (b *Batch) Commit() error {
	if b.done {
		return b.err
	}
	err := b.Yield()
	b.done = true
	return err
}

// Rollback drops what the batch holds uncommitted and ends it. After
// Commit it does nothing.
func (b *Batch) Rollback() {
	if b.done {
		return
	}
	b.done = true
	if b.tx != nil {
		b.tx.Rollback()
		b.tx = nil
	}
}
