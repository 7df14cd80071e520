package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The office's web desk: one-time login links, sessions and the audit log.
// A link's token and a session's id are secrets the browser holds; the
// ledger keeps only their SHA-256, so a copy of the ledger logs nobody in.

// ErrLoginInvalid is a login link that is unknown, used or expired.
var ErrLoginInvalid = errors.New("login link unknown, used or expired")

// HashSecret is how the ledger stores a secret the browser holds.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AddLogin records a one-time login link for email, valid until expires.
func (l *Ledger) AddLogin(ctx context.Context, token, email string, now, expires time.Time) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO desk_logins (token_hash, email, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			HashSecret(token), strings.ToLower(email), toNanos(now), toNanos(expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("add login link: %w", err)
	}
	return nil
}

// UseLogin spends a login link: it returns the address it was sent to,
// once; a link used before, expired or unknown is ErrLoginInvalid.
func (l *Ledger) UseLogin(ctx context.Context, token string, now time.Time) (email string, err error) {
	err = l.inTx(ctx, func(tx *writeTx) error {
		var expires, used int64
		err := tx.QueryRowContext(ctx, `SELECT email, expires_at, used_at FROM desk_logins WHERE token_hash = ?`, HashSecret(token)).
			Scan(&email, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (used != 0 || !now.Before(fromNanos(expires)))) {
			return ErrLoginInvalid
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE desk_logins SET used_at = ? WHERE token_hash = ?`, toNanos(now), HashSecret(token))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("use login link: %w", err)
	}
	return email, nil
}

// Session is a signed-in browser of the office.
type Session struct {
	Email     string
	FormToken string // every form of the session carries it
	CreatedAt time.Time
	SeenAt    time.Time
}

// AddSession records a session whose id the browser holds in its cookie.
func (l *Ledger) AddSession(ctx context.Context, id string, s Session) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO desk_sessions (id_hash, email, form_token, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
			HashSecret(id), s.Email, s.FormToken, toNanos(s.CreatedAt), toNanos(s.SeenAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// SessionOf returns the live session of a cookie's id: not ended, and seen
// within idle. Its last-seen time is moved to now (at most once a minute,
// so reading pages does not write on every request).
func (l *Ledger) SessionOf(ctx context.Context, id string, now time.Time, idle time.Duration) (Session, bool, error) {
	var s Session
	var created, seen, ended int64
	err := l.reads.QueryRowContext(ctx, `SELECT email, form_token, created_at, seen_at, ended_at FROM desk_sessions WHERE id_hash = ?`, HashSecret(id)).
		Scan(&s.Email, &s.FormToken, &created, &seen, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.SeenAt = fromNanos(created), fromNanos(seen)
	if ended != 0 || now.Sub(s.SeenAt) > idle {
		return Session{}, false, nil
	}
	if now.Sub(s.SeenAt) > time.Minute {
		if err := l.inTx(ctx, func(tx *writeTx) error {
			_, err := tx.ExecContext(ctx, `UPDATE desk_sessions SET seen_at = ? WHERE id_hash = ?`, toNanos(now), HashSecret(id))
			return err
		}); err != nil {
			return Session{}, false, fmt.Errorf("touch session: %w", err)
		}
		s.SeenAt = now
	}
	return s, true, nil
}

// EndSession ends a session (退出).
func (l *Ledger) EndSession(ctx context.Context, id string, now time.Time) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `UPDATE desk_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at = 0`, toNanos(now), HashSecret(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// AuditEntry is one thing done at the desk: a login, a decision.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Who    string // the office address signed in, or "" before login
	Action string // e.g. login, logout, extend, close, reopen, upload
	Detail string // in Chinese, for the office
	Client string // the client's address
}

// Audit records one thing done at the desk.
func (l *Ledger) Audit(ctx context.Context, e AuditEntry) error {
	err := l.inTx(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO desk_audit (at, who, action, detail, client) VALUES (?, ?, ?, ?, ?)`,
			toNanos(e.At), e.Who, e.Action, e.Detail, e.Client)
		return err
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog returns the latest entries, newest first, at most limit.
func (l *Ledger) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := l.reads.QueryContext(ctx, `SELECT id, at, who, action, detail, client FROM desk_audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Who, &e.Action, &e.Detail, &e.Client); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// InboundOf returns the messages recorded from a unit for a period, oldest
// first.
func (l *Ledger) InboundOf(ctx context.Context, unit, period string) ([]InMessage, error) {
	return l.queryIn(ctx, `WHERE unit = ? AND period = ? ORDER BY id`, unit, period)
}

// OutboxTo returns the messages queued to a unit for a period, oldest first.
func (l *Ledger) OutboxTo(ctx context.Context, unit, period string) ([]OutMessage, error) {
	return queryOut(ctx, l.reads, `WHERE unit = ? AND period = ? ORDER BY id`, unit, period)
}
