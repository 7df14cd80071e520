package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// stmts prepares each query once per connection pool and keeps it: the
// ledger runs the same few dozen queries thousands of times in a collect,
// and preparing one costs SQLite more than running it.
type stmts struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // seen inside a transaction, to prepare after it
	ran    atomic.Int64    // statements run, in transactions too: what Ledger.Queries counts
}

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns query's statement if it is prepared already; otherwise it
// notes the query for prepareWanted. A transaction on the single-connection
// writer cannot prepare on the pool itself: the pool's one connection is
// the transaction's.
func (s *stmts) lookup(query string) (*sql.Stmt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[query]
	if !ok {
		s.wanted[query] = true
	}
	return st, ok
}

// prepareWanted prepares the queries lookup missed. It runs when the
// writer's connection is free again, and holds no lock while it waits for
// that connection: a transaction that holds it may be looking up a query.
// A query that does not prepare is left to fail where it runs.
func (s *stmts) prepareWanted(ctx context.Context) {
	s.mu.Lock()
	var queries []string
	for q := range s.wanted {
		queries = append(queries, q)
		delete(s.wanted, q)
	}
	s.mu.Unlock()
	for _, q := range queries {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		s.mu.Lock()
		if _, dup := s.m[q]; dup {
			st.Close()
		} else {
			s.m[q] = st
		}
		s.mu.Unlock()
	}
}

// get returns the prepared statement for query, preparing it on the pool
// (without holding the lock: preparing waits for a free connection). A
// *sql.Stmt of a pool is prepared again on each connection it runs on, once.
func (s *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, dup := s.m[query]; dup {
		st.Close()
		return old, nil
	}
	s.m[query] = st
	return st, nil
}

func (s *stmts) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for q, st := range s.m {
		errs = append(errs, st.Close())
		delete(s.m, q)
	}
	return errors.Join(errs...)
}

// The methods below have the signatures of *sql.DB's and *sql.Tx's, so
// code written against those needs no change. When a query cannot be
// prepared it is run unprepared, which reports the same error in the usual
// place.

func (s *stmts) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	if b := batchFor(ctx, s); b != nil {
		err = b.run(ctx, false, func(tx *writeTx) error {
			res, err = tx.ExecContext(ctx, query, args...)
			return err
		})
		return res, err
	}
	s.ran.Add(1)
	st, err := s.get(ctx, query)
	if err != nil {
		return s.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (s *stmts) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, err error) {
	if b := batchFor(ctx, s); b != nil {
		err = b.run(ctx, false, func(tx *writeTx) error {
			rows, err = tx.QueryContext(ctx, query, args...)
			return err
		})
		return rows, err
	}
	s.ran.Add(1)
	st, err := s.get(ctx, query)
	if err != nil {
		return s.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (s *stmts) QueryRowContext(ctx context.Context, query string, args ...any) (row *sql.Row) {
	if b := batchFor(ctx, s); b != nil {
		err := b.run(ctx, false, func(tx *writeTx) error {
			row = tx.QueryRowContext(ctx, query, args...)
			return nil
		})
		if err == nil {
			return row
		}
		// A *sql.Row cannot be made to carry an error: the query runs
		// on the pool instead, where a cancelled ctx gives it the error
		// (and a broken batch fails at its next write).
	}
	s.ran.Add(1)
	st, err := s.get(ctx, query)
	if err != nil {
		return s.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// writeTx is a transaction that runs the cached statements: on the write
// connection (database/sql reuses a statement already prepared on the
// transaction's connection, and the writer has only one), or on one of the
// read pool's (inReadTx). Inside it a statement is never prepared on the
// pool: every pooled connection may be held by a transaction waiting for it.
type writeTx struct {
	tx    *sql.Tx
	cache *stmts
	ctx   context.Context // when set, runs the statements instead of the caller's (a Batch's)
}

// context is the context the statements run with.
func (w *writeTx) context(ctx context.Context) context.Context {
	if w.ctx != nil {
		return w.ctx
	}
	return ctx
}

func (w *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = w.context(ctx)
	w.cache.ran.Add(1)
	st, ok := w.cache.lookup(query)
	if !ok {
		return w.tx.ExecContext(ctx, query, args...)
	}
	return w.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (w *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = w.context(ctx)
	w.cache.ran.Add(1)
	st, ok := w.cache.lookup(query)
	if !ok {
		return w.tx.QueryContext(ctx, query, args...)
	}
	return w.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (w *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = w.context(ctx)
	w.cache.ran.Add(1)
	st, ok := w.cache.lookup(query)
	if !ok {
		return w.tx.QueryRowContext(ctx, query, args...)
	}
	return w.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
