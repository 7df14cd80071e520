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

// ErrVersionTaken marks a version of a compiled workbook that another
// process recorded first.
var ErrVersionTaken = errors.New("version already recorded")

// Compilation is one version of a period's consolidated workbook: a
// workbook the office was sent. Drafts are never recorded.
type Compilation struct {
	Period     string
	Version    int
	FileSHA256 string
	// BulletinSHA256 is the bulletin draft mailed with the workbook; empty
	// for versions recorded before the bulletin was archived with them.
	BulletinSHA256 string
	// OutboxKey is the message that carries the version to the office.
	OutboxKey string
	CreatedAt time.Time
	// Note is the fingerprint of the accepted reports the version was built
	// from: the same set makes no new version.
	Note string
}

// Attachment is a file to archive under a name.
type Attachment struct {
	Name string
	Data []byte
}

// Issue is one version of a period's consolidated workbook on its way to
// the office: the workbook, the bulletin and the message carrying both.
type Issue struct {
	Compilation        Compilation // Version is the number it must get: the last one + 1
	Workbook, Bulletin Attachment
	Mail               OutMessage // Key, MessageID, …; FileSHA256 is set from MailData
	MailData           []byte
}

// IssueCompilation records a new version of a period's workbook and queues
// the message that carries it to the office, in one transaction: either the
// office will be sent the version (a restart finds it in the outbox), or it
// does not exist and the next run makes it again. So a version number is
// only ever given to a workbook the office is sent, and it is sent once.
// A version another process recorded first is an error wrapping
// ErrVersionTaken.
func (l *Ledger) IssueCompilation(ctx context.Context, is Issue) (Compilation, OutMessage, error) {
	c := is.Compilation
	if _, err := plan.ParsePeriod(c.Period); err != nil {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation: %w", err)
	}
	if c.Version < 1 {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation of %s: version %d: want 1 or more", c.Period, c.Version)
	}
	if c.CreatedAt.IsZero() {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation of %s: creation time is missing", c.Period)
	}
	if is.Workbook.Data == nil || is.MailData == nil {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation of %s v%d: the workbook and the message are required", c.Period, c.Version)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.Note = strings.TrimSpace(c.Note)
	book := newFile(is.Workbook.Data, is.Workbook.Name, "compile", c.CreatedAt)
	c.FileSHA256, c.BulletinSHA256, c.OutboxKey = book.SHA256, "", is.Mail.Key
	var bulletin File
	if is.Bulletin.Data != nil {
		bulletin = newFile(is.Bulletin.Data, is.Bulletin.Name, "compile", c.CreatedAt)
		c.BulletinSHA256 = bulletin.SHA256
	}
	m, mailFile, err := prepareOut(is.Mail, is.MailData, is.Mail.MessageID+".eml")
	if err != nil {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation of %s v%d: %w", c.Period, c.Version, err)
	}
	var saved OutMessage
	err = l.inTx(ctx, func(tx *writeTx) error {
		last, _, err := latestCompilation(ctx, tx, c.Period)
		if err != nil {
			return err
		}
		if last.Version >= c.Version {
			return fmt.Errorf("%w: version %d is the latest", ErrVersionTaken, last.Version)
		}
		if c.Version != last.Version+1 {
			return fmt.Errorf("version %d would skip %d", c.Version, last.Version+1)
		}
		if _, _, err := archiveIn(ctx, tx, book, is.Workbook.Data); err != nil {
			return err
		}
		if is.Bulletin.Data != nil {
			if _, _, err := archiveIn(ctx, tx, bulletin, is.Bulletin.Data); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO compilations (period, version, file_sha256, created_at, note, bulletin_sha256, outbox_key)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Period, c.Version, c.FileSHA256, toNanos(c.CreatedAt), c.Note, c.BulletinSHA256, c.OutboxKey); err != nil {
			return err
		}
		var existed bool
		saved, existed, err = enqueueIn(ctx, tx, m, mailFile, is.MailData)
		if err == nil && existed {
			err = fmt.Errorf("%w: the outbox already holds %s", ErrVersionTaken, m.Key)
		}
		return err
	})
	if err != nil {
		return Compilation{}, OutMessage{}, fmt.Errorf("issue compilation of %s v%d: %w", c.Period, c.Version, err)
	}
	return c, saved, nil
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

// Compilations returns every version of the period's workbook, oldest first.
func (l *Ledger) Compilations(ctx context.Context, period string) ([]Compilation, error) {
	if _, err := plan.ParsePeriod(period); err != nil {
		return nil, fmt.Errorf("compilations: %w", err)
	}
	rows, err := l.reads.QueryContext(ctx, `SELECT `+compilationColumns+` FROM compilations
		WHERE period = ? ORDER BY version`, period)
	if err != nil {
		return nil, fmt.Errorf("compilations of %s: %w", period, err)
	}
	defer rows.Close()
	var out []Compilation
	for rows.Next() {
		c, err := scanCompilation(rows, period)
		if err != nil {
			return nil, fmt.Errorf("compilations of %s: %w", period, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compilations of %s: %w", period, err)
	}
	return out, nil
}

const compilationColumns = `version, file_sha256, bulletin_sha256, outbox_key, created_at, note`

func scanCompilation(r interface{ Scan(...any) error }, period string) (Compilation, error) {
	c := Compilation{Period: period}
	var created int64
	if err := r.Scan(&c.Version, &c.FileSHA256, &c.BulletinSHA256, &c.OutboxKey, &created, &c.Note); err != nil {
		return Compilation{}, err
	}
	c.CreatedAt = fromNanos(created)
	return c, nil
}

// rowQuerier is what both *sql.DB and *sql.Tx offer.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func latestCompilation(ctx context.Context, q rowQuerier, period string) (Compilation, bool, error) {
	c, err := scanCompilation(q.QueryRowContext(ctx, `SELECT `+compilationColumns+` FROM compilations
		WHERE period = ? ORDER BY version DESC LIMIT 1`, period), period)
	if errors.Is(err, sql.ErrNoRows) {
		return Compilation{}, false, nil
	}
	if err != nil {
		return Compilation{}, false, err
	}
	return c, true, nil
}
