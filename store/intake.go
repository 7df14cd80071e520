package store

import (
	"context"
	"fmt"
	"time"
)

// ArchiveReceived archives the bytes of a received message (as Archive) and
// counts, in the same transaction, one more attempt at the message: the
// count returned includes this one. RecordInbound forgets the count. A
// count above one means an earlier run took the message up and never
// recorded a decision on it.
func (l *Ledger) ArchiveReceived(ctx context.Context, data []byte, source string, now time.Time, mailbox, key string) (f File, attempts int, err error) {
	if err := ctx.Err(); err != nil {
		return File{}, 0, fmt.Errorf("archive: %w", err)
	}
	f = newFile(data, "message.eml", source, now)
	err = l.inTx(ctx, func(tx *writeTx) (err error) {
		if f, _, err = archiveIn(ctx, tx, f, data); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO intake_attempts (mailbox, key, attempts) VALUES (?, ?, 1)
			ON CONFLICT (mailbox, key) DO UPDATE SET attempts = attempts + 1 RETURNING attempts`, mailbox, key).Scan(&attempts)
	})
	if err != nil {
		return File{}, 0, fmt.Errorf("archive message %s: %w", key, err)
	}
	return f, attempts, nil
}

// SenderMessages counts the messages recorded from sender (any mailbox)
// received after from and up to until: what the per-sender limit counts.
func (l *Ledger) SenderMessages(ctx context.Context, sender string, from, until time.Time) (int, error) {
	var n int
	err := l.reads.QueryRowContext(ctx, `SELECT count(*) FROM inbox WHERE sender = ? AND received_at > ? AND received_at <= ?`,
		sender, toNanos(from), toNanos(until)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count messages from %s: %w", sender, err)
	}
	return n, nil
}

// ClaimDigest assigns to the digest key every message recorded so far that
// the office is to be told of (Office set) and no digest listed yet, in one
// transaction, and returns every message the key holds, oldest first.
// Claiming before composing is what makes a digest exactly once: after a
// crash between the two, the next call returns the same messages (and any
// recorded since), and the outbox key keeps the mail single. Arrival times
// are not compared with the clock: a mail server's may run ahead.
func (l *Ledger) ClaimDigest(ctx context.Context, key string) ([]InMessage, error) {
	var out []InMessage
	err := l.inTx(ctx, func(tx *writeTx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE inbox SET digest = ? WHERE office <> '' AND digest = ''`, key); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+inColumns+` FROM inbox WHERE digest = ? ORDER BY received_at, id`, key)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, _, err := scanIn(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim messages for digest %s: %w", key, err)
	}
	return out, nil
}

// PendingDigest returns the messages the office is still to be told of.
func (l *Ledger) PendingDigest(ctx context.Context) ([]InMessage, error) {
	return l.queryIn(ctx, `WHERE office <> '' AND digest = '' ORDER BY received_at, id`)
}

// PurgeStrangers deletes the archived copies of strangers' messages
// received before cutoff, and records when. A copy that anything else
// refers to (a unit's message with the same bytes, a submission, a sent
// mail) is kept. It returns how many messages were purged.
func (l *Ledger) PurgeStrangers(ctx context.Context, cutoff, now time.Time) (int, error) {
	var n int
	err := l.inTx(ctx, func(tx *writeTx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, raw_sha256 FROM inbox
			WHERE stranger = 1 AND purged_at = 0 AND received_at < ?`, toNanos(cutoff))
		if err != nil {
			return err
		}
		type victim struct {
			id  int64
			sha string
		}
		var victims []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.sha); err != nil {
				rows.Close()
				return err
			}
			victims = append(victims, v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, v := range victims {
			if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = ?
				AND NOT EXISTS (SELECT 1 FROM inbox WHERE raw_sha256 = ? AND NOT (stranger = 1 AND received_at < ?))
				AND NOT EXISTS (SELECT 1 FROM submissions WHERE file_sha256 = ?)
				AND NOT EXISTS (SELECT 1 FROM outbox WHERE file_sha256 = ?)
				AND NOT EXISTS (SELECT 1 FROM compilations WHERE file_sha256 = ?)`,
				v.sha, v.sha, toNanos(cutoff), v.sha, v.sha, v.sha); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE inbox SET purged_at = ? WHERE id = ?`, toNanos(now), v.id); err != nil {
				return err
			}
		}
		n = len(victims)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge strangers' messages received before %s: %w", cutoff.Format(time.DateOnly), err)
	}
	return n, nil
}
