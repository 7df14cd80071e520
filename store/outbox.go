package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// States of an outgoing message.
const (
	OutQueued = "queued" // waiting to be sent, or to be retried
	OutSent   = "sent"
	OutFailed = "failed" // refused for good; reported, never retried
)

// OutMessage is one email in the outbox. The composed bytes are archived
// (FileSHA256) before the message is queued, so what was sent can always be
// shown, and a restart sends exactly the bytes that were queued.
type OutMessage struct {
	ID          int64
	Key         string // what it is for, e.g. "reminder/2023-05/jtj": one message per key, ever
	MessageID   string // without <>
	Kind        string // reminder, receipt, rejection, …
	Period      string
	Unit        string
	From        string
	To          []string // every envelope recipient
	FileSHA256  string
	State       string
	Attempts    int
	LastError   string
	NextAttempt time.Time
	CreatedAt   time.Time
	SentAt      time.Time
}

const outColumns = `id, key, message_id, kind, period, unit, sender, recipients, file_sha256,
	state, attempts, last_error, next_attempt, created_at, sent_at`

// Enqueue records a message to send. A message with the same Key already
// in the outbox (queued, sent or failed) is returned with existed=true and
// nothing is written: that is what makes a resumed fan-out send nobody a
// second message.
func (l *Ledger) Enqueue(ctx context.Context, m OutMessage) (saved OutMessage, existed bool, err error) {
	return l.enqueue(ctx, m, nil, "")
}

// EnqueueComposed archives a composed message and records it in the outbox
// in one transaction (m.FileSHA256 is set from data). A key already in the
// outbox is returned as it was, and data is not archived.
func (l *Ledger) EnqueueComposed(ctx context.Context, m OutMessage, data []byte, name string) (saved OutMessage, existed bool, err error) {
	if data == nil {
		return OutMessage{}, false, fmt.Errorf("enqueue %s: no message", m.Key)
	}
	return l.enqueue(ctx, m, data, name)
}

func (l *Ledger) enqueue(ctx context.Context, m OutMessage, data []byte, name string) (saved OutMessage, existed bool, err error) {
	m, file, err := prepareOut(m, data, name)
	if err != nil {
		return OutMessage{}, false, fmt.Errorf("enqueue %s: %w", m.Key, err)
	}
	err = l.inTx(ctx, func(tx *writeTx) (err error) {
		saved, existed, err = enqueueIn(ctx, tx, m, file, data)
		return err
	})
	if err != nil {
		return OutMessage{}, false, fmt.Errorf("enqueue %s: %w", m.Key, err)
	}
	return saved, existed, nil
}

// prepareOut checks a message to queue and, when its composed bytes are
// given, makes their archive record.
func prepareOut(m OutMessage, data []byte, name string) (OutMessage, File, error) {
	var file File
	if data != nil {
		file = newFile(data, name, "outbox", m.CreatedAt)
		m.FileSHA256 = file.SHA256
	}
	if m.Key == "" || m.MessageID == "" || m.Kind == "" || m.From == "" || len(m.To) == 0 {
		return m, file, fmt.Errorf("key, message id, kind, sender and recipients are required")
	}
	var err error
	if m.FileSHA256, err = normaliseHash(m.FileSHA256); err != nil {
		return m, file, err
	}
	if m.CreatedAt.IsZero() {
		return m, file, fmt.Errorf("creation time is missing")
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = m.CreatedAt
	}
	return m, file, nil
}

// enqueueIn is enqueue inside a transaction, for a message from prepareOut.
func enqueueIn(ctx context.Context, tx *writeTx, m OutMessage, file File, data []byte) (OutMessage, bool, error) {
	prev, found, err := scanOut(tx.QueryRowContext(ctx, `SELECT `+outColumns+` FROM outbox WHERE key = ?`, m.Key))
	if err != nil || found {
		return prev, found, err
	}
	to, err := json.Marshal(m.To)
	if err != nil {
		return OutMessage{}, false, err
	}
	if data != nil {
		if _, _, err := archiveIn(ctx, tx, file, data); err != nil {
			return OutMessage{}, false, err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (key, message_id, kind, period, unit, sender, recipients,
		file_sha256, state, attempts, last_error, next_attempt, created_at, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, '', ?, ?, 0)`,
		m.Key, m.MessageID, m.Kind, m.Period, m.Unit, m.From, string(to), m.FileSHA256,
		toNanos(m.NextAttempt), toNanos(m.CreatedAt))
	if err != nil {
		return OutMessage{}, false, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return OutMessage{}, false, err
	}
	saved, _, err := scanOut(tx.QueryRowContext(ctx, `SELECT `+outColumns+` FROM outbox WHERE id = ?`, id))
	return saved, false, err
}

// OutboxByKey returns the message recorded for key.
func (l *Ledger) OutboxByKey(ctx context.Context, key string) (OutMessage, bool, error) {
	m, ok, err := scanOut(l.reads.QueryRowContext(ctx, `SELECT `+outColumns+` FROM outbox WHERE key = ?`, key))
	if err != nil {
		return OutMessage{}, false, fmt.Errorf("outbox message %s: %w", key, err)
	}
	return m, ok, nil
}

// OutboxByMessageID returns the message we sent with that Message-ID: how a
// reply's In-Reply-To is traced back to a unit and period.
func (l *Ledger) OutboxByMessageID(ctx context.Context, id string) (OutMessage, bool, error) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	m, ok, err := scanOut(l.reads.QueryRowContext(ctx, `SELECT `+outColumns+` FROM outbox WHERE message_id = ?`, id))
	if err != nil {
		return OutMessage{}, false, fmt.Errorf("outbox message <%s>: %w", id, err)
	}
	return m, ok, nil
}

// DueOutbox returns queued messages whose next attempt is due at now,
// oldest first, at most limit.
func (l *Ledger) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutMessage, error) {
	return queryOut(ctx, l.reads, `WHERE state = 'queued' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`, toNanos(now), limit)
}

// OutboxOf returns the messages of a period (and kind, when not ""), oldest first.
func (l *Ledger) OutboxOf(ctx context.Context, period, kind string) ([]OutMessage, error) {
	if kind == "" {
		return queryOut(ctx, l.reads, `WHERE period = ? ORDER BY id`, period)
	}
	return queryOut(ctx, l.reads, `WHERE period = ? AND kind = ? ORDER BY id`, period, kind)
}

func queryOut(ctx context.Context, q querier, where string, args ...any) ([]OutMessage, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+outColumns+` FROM outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutMessage
	for rows.Next() {
		m, _, err := scanOut(rows)
		if err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// MarkSent records that the server accepted the message. A message
// another process already recorded as sent is left as it is: the record
// says it left, which is all MarkSent is to make true.
func (l *Ledger) MarkSent(ctx context.Context, id int64, at time.Time) error {
	err := l.updateOut(ctx, id, `UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = '', sent_at = ? WHERE id = ? AND state = 'queued'`, toNanos(at), id)
	if errors.Is(err, errNotQueued) {
		var state string
		if qerr := l.reads.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = ?`, id).Scan(&state); qerr == nil && state == "sent" {
			return nil
		}
	}
	return err
}

// errNotQueued: the outbox message to update is no longer queued.
var errNotQueued = errors.New("no queued outbox message")

// MarkRetry records a transient failure and when to try again.
func (l *Ledger) MarkRetry(ctx context.Context, id int64, failure string, next time.Time) error {
	return l.updateOut(ctx, id, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ? AND state = 'queued'`, failure, toNanos(next), id)
}

// MarkFailed records a permanent failure: the message is never retried.
func (l *Ledger) MarkFailed(ctx context.Context, id int64, failure string) error {
	return l.updateOut(ctx, id, `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'queued'`, failure, id)
}

func (l *Ledger) updateOut(ctx context.Context, id int64, query string, args ...any) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("%w with id %d", errNotQueued, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update outbox message %d: %w", id, err)
	}
	return nil
}

func scanOut(r interface{ Scan(...any) error }) (OutMessage, bool, error) {
	var m OutMessage
	var to string
	var next, created, sent int64
	err := r.Scan(&m.ID, &m.Key, &m.MessageID, &m.Kind, &m.Period, &m.Unit, &m.From, &to, &m.FileSHA256,
		&m.State, &m.Attempts, &m.LastError, &next, &created, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return OutMessage{}, false, nil
	}
	if err != nil {
		return OutMessage{}, false, err
	}
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return OutMessage{}, false, fmt.Errorf("decode recipients of %s: %w", m.Key, err)
	}
	m.NextAttempt, m.CreatedAt = fromNanos(next), fromNanos(created)
	if sent != 0 {
		m.SentAt = fromNanos(sent)
	}
	return m, true, nil
}
