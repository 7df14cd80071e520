package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Outcomes of a received message: which folder it ends in.
const (
	InProcessed  = "processed"
	InRejected   = "rejected"
	InQuarantine = "quarantine"
)

// InMessage is one received email and what became of it. The raw message
// is archived (RawSHA256) before it is recorded; Settled turns true once it
// was moved out of the mailbox's folder.
type InMessage struct {
	ID          int64
	Mailbox     string
	Key         string // unique within the mailbox: "imap:<uidvalidity>:<uid>" or "drop:<name>"
	UIDValidity uint32
	UID         uint32
	RawSHA256   string
	ReceivedAt  time.Time
	From        string
	MessageID   string
	Subject     string
	Outcome     string
	Unit        string
	Period      string
	Note        string
	Settled     bool

	// Size is the message's size as received; the archived copy of a
	// stranger's message is cut at limits.quarantine_bytes.
	Size int64
	// Stranger marks a message quarantined unread because its sender is
	// no unit's contact: retention deletes its archived copy after
	// retention.quarantine_days. Units' messages are kept forever.
	Stranger bool
	// Office says, in Chinese, why the office's daily digest lists the
	// message ("" when it does not); Digest is the outbox key of the
	// digest that listed it, once one did.
	Office string
	Digest string
	// PurgedAt is when retention deleted the archived copy; zero while kept.
	PurgedAt time.Time
}

const inColumns = `id, mailbox, key, uid_validity, uid, raw_sha256, received_at, sender, message_id,
	subject, outcome, unit, period, note, settled, size, stranger, office, digest, purged_at`

// RecordInbound records what became of a received message and advances the
// mailbox's cursor past its UID, in one transaction. A message already
// recorded (same mailbox and key) comes back with existed=true.
func (l *Ledger) RecordInbound(ctx context.Context, m InMessage) (saved InMessage, existed bool, err error) {
	if m.Mailbox == "" || m.Key == "" {
		return InMessage{}, false, fmt.Errorf("record inbound: mailbox and key are required")
	}
	if m.RawSHA256, err = normaliseHash(m.RawSHA256); err != nil {
		return InMessage{}, false, fmt.Errorf("record inbound %s: %w", m.Key, err)
	}
	switch m.Outcome {
	case InProcessed, InRejected, InQuarantine:
	default:
		return InMessage{}, false, fmt.Errorf("record inbound %s: unknown outcome %q", m.Key, m.Outcome)
	}
	err = l.inTx(ctx, func(tx *writeTx) error {
		prev, found, err := scanIn(tx.QueryRowContext(ctx, `SELECT `+inColumns+` FROM inbox WHERE mailbox = ? AND key = ?`, m.Mailbox, m.Key))
		if err != nil {
			return err
		}
		if found {
			saved, existed = prev, true
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO inbox (mailbox, key, uid_validity, uid, raw_sha256, received_at,
			sender, message_id, subject, outcome, unit, period, note, settled, size, stranger, office, digest, purged_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, '', 0)`,
			m.Mailbox, m.Key, m.UIDValidity, m.UID, m.RawSHA256, toNanos(m.ReceivedAt),
			m.From, m.MessageID, m.Subject, m.Outcome, m.Unit, m.Period, m.Note, m.Size, boolInt(m.Stranger), m.Office)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM intake_attempts WHERE mailbox = ? AND key = ?`, m.Mailbox, m.Key); err != nil {
			return err
		}
		if m.UID != 0 {
			// The cursor only moves forward within one UIDVALIDITY; a new
			// UIDVALIDITY starts it again.
			_, err = tx.ExecContext(ctx, `INSERT INTO cursors (mailbox, uid_validity, uid) VALUES (?, ?, ?)
				ON CONFLICT (mailbox) DO UPDATE SET
					uid = CASE WHEN cursors.uid_validity = excluded.uid_validity THEN max(cursors.uid, excluded.uid) ELSE excluded.uid END,
					uid_validity = excluded.uid_validity`, m.Mailbox, m.UIDValidity, m.UID)
			if err != nil {
				return err
			}
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		saved, _, err = scanIn(tx.QueryRowContext(ctx, `SELECT `+inColumns+` FROM inbox WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return InMessage{}, false, fmt.Errorf("record inbound %s: %w", m.Key, err)
	}
	return saved, existed, nil
}

// MarkSettled records that the messages were moved out of the mailbox
// folder, in one transaction.
func (l *Ledger) MarkSettled(ctx context.Context, ids ...int64) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE inbox SET settled = 1 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d inbound messages settled: %w", len(ids), err)
	}
	return nil
}

// Unsettled returns the mailbox's recorded messages that still wait to be
// moved: what a crash between the ledger commit and the move left behind.
func (l *Ledger) Unsettled(ctx context.Context, mailbox string) ([]InMessage, error) {
	return l.queryIn(ctx, `WHERE mailbox = ? AND settled = 0 ORDER BY id`, mailbox)
}

// Inbound returns every recorded message of the mailbox, oldest first.
func (l *Ledger) Inbound(ctx context.Context, mailbox string) ([]InMessage, error) {
	return l.queryIn(ctx, `WHERE mailbox = ? ORDER BY id`, mailbox)
}

// InboundByKey returns the recorded message with that key.
func (l *Ledger) InboundByKey(ctx context.Context, mailbox, key string) (InMessage, bool, error) {
	m, ok, err := scanIn(l.reads.QueryRowContext(ctx, `SELECT `+inColumns+` FROM inbox WHERE mailbox = ? AND key = ?`, mailbox, key))
	if err != nil {
		return InMessage{}, false, fmt.Errorf("inbound message %s: %w", key, err)
	}
	return m, ok, nil
}

// Cursor returns the UIDVALIDITY and the highest UID recorded for mailbox
// (zeros when none).
func (l *Ledger) Cursor(ctx context.Context, mailbox string) (uidValidity, uid uint32, err error) {
	err = l.reads.QueryRowContext(ctx, `SELECT uid_validity, uid FROM cursors WHERE mailbox = ?`, mailbox).Scan(&uidValidity, &uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read cursor of %s: %w", mailbox, err)
	}
	return uidValidity, uid, nil
}

func (l *Ledger) queryIn(ctx context.Context, where string, args ...any) ([]InMessage, error) {
	rows, err := l.reads.QueryContext(ctx, `SELECT `+inColumns+` FROM inbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read inbox: %w", err)
	}
	defer rows.Close()
	var out []InMessage
	for rows.Next() {
		m, _, err := scanIn(rows)
		if err != nil {
			return nil, fmt.Errorf("read inbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read inbox: %w", err)
	}
	return out, nil
}

func scanIn(r interface{ Scan(...any) error }) (InMessage, bool, error) {
	var m InMessage
	var received, purged int64
	var settled, stranger int
	err := r.Scan(&m.ID, &m.Mailbox, &m.Key, &m.UIDValidity, &m.UID, &m.RawSHA256, &received, &m.From,
		&m.MessageID, &m.Subject, &m.Outcome, &m.Unit, &m.Period, &m.Note, &settled,
		&m.Size, &stranger, &m.Office, &m.Digest, &purged)
	if errors.Is(err, sql.ErrNoRows) {
		return InMessage{}, false, nil
	}
	if err != nil {
		return InMessage{}, false, err
	}
	m.ReceivedAt, m.Settled, m.Stranger = fromNanos(received), settled == 1, stranger == 1
	if purged != 0 {
		m.PurgedAt = fromNanos(purged)
	}
	return m, true, nil
}
