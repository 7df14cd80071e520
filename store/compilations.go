package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/plan"
)

// Compilation is one version of a period's consolidated workbook.
type Compilation struct {
	Period     string
	Version    int
	FileSHA256 string
	CreatedAt  time.Time
	Note       string
}

// AddCompilation records a compiled workbook of c.Period as version last+1
// (c.Version is ignored). When the file is the same as the latest version's,
// nothing is written and that version is returned as it was recorded: a
// caller that wants to know whether a new version was made compares the
// returned Version with LatestCompilation's from before. The file must have
// been archived first.
func (l *Ledger) AddCompilation(ctx context.Context, c Compilation) (saved Compilation, err error) {
	if _, err := plan.ParsePeriod(c.Period); err != nil {
		return Compilation{}, fmt.Errorf("add compilation: %w", err)
	}
	if c.FileSHA256, err = normaliseHash(c.FileSHA256); err != nil {
		return Compilation{}, fmt.Errorf("add compilation of %s: file: %w", c.Period, err)
	}
	if c.CreatedAt.IsZero() {
		return Compilation{}, fmt.Errorf("add compilation of %s: creation time is missing", c.Period)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.Note = strings.TrimSpace(c.Note)

	err = l.inTx(ctx, func(tx *writeTx) error {
		last, found, err := latestCompilation(ctx, tx, c.Period)
		if err != nil {
			return err
		}
		if found && last.FileSHA256 == c.FileSHA256 {
			saved = last
			return nil
		}
		var archived bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)`, c.FileSHA256).Scan(&archived); err != nil {
			return err
		}
		if !archived {
			return fmt.Errorf("%w: %s (archive it before recording the compilation)", ErrNotArchived, c.FileSHA256)
		}
		c.Version = last.Version + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO compilations (period, version, file_sha256, created_at, note)
			VALUES (?, ?, ?, ?, ?)`, c.Period, c.Version, c.FileSHA256, toNanos(c.CreatedAt), c.Note); err != nil {
			return err
		}
		saved = c
		return nil
	})
	if err != nil {
		return Compilation{}, fmt.Errorf("add compilation of %s: %w", c.Period, err)
	}
	return saved, nil
}

// LatestCompilation returns the newest compiled workbook of the period.
func (l *Ledger) LatestCompilation(ctx context.Context, period string) (Compilation, bool, error) {
	if _, err := plan.ParsePeriod(period); err != nil {
		return Compilation{}, false, fmt.Errorf("latest compilation: %w", err)
	}
	c, ok, err := latestCompilation(ctx, l.reads, period)
	if err != nil {
		return Compilation{}, false, fmt.Errorf("latest compilation of %s: %w", period, err)
	}
	return c, ok, nil
}

// rowQuerier is what both *sql.DB and *sql.Tx offer.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func latestCompilation(ctx context.Context, q rowQuerier, period string) (Compilation, bool, error) {
	c := Compilation{Period: period}
	var created int64
	err := q.QueryRowContext(ctx, `SELECT version, file_sha256, created_at, note FROM compilations
		WHERE period = ? ORDER BY version DESC LIMIT 1`, period).Scan(&c.Version, &c.FileSHA256, &created, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return Compilation{}, false, nil
	}
	if err != nil {
		return Compilation{}, false, err
	}
	c.CreatedAt = fromNanos(created)
	return c, true, nil
}
