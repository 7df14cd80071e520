package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

const (
	secretKey  = "token_secret"
	secretSize = 32
)

// Secret returns the per-installation key that signs template tokens: 32
// random bytes made on the first call and kept in the ledger, so every later
// call, and every process sharing the data directory, gets the same key.
func (l *Ledger) Secret(ctx context.Context) ([]byte, error) {
	var key []byte
	err := l.reads.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, secretKey).Scan(&key)
	if err == nil {
		return checkSecret(key)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read secret: %w", err)
	}

	fresh := make([]byte, secretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("generate secret: %w", err)
	}
	// Another process may have stored one since the read above: keep the
	// first one written and return that.
	err = l.inTx(ctx, func(tx *writeTx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, secretKey, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, secretKey).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("store secret: %w", err)
	}
	return checkSecret(key)
}

func checkSecret(key []byte) ([]byte, error) {
	if len(key) != secretSize {
		return nil, fmt.Errorf("read secret: the ledger holds %d bytes, want %d; the ledger is damaged", len(key), secretSize)
	}
	return key, nil
}
