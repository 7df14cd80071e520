package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// ErrCorrupt marks an archived file whose content no longer matches its
// hash.
var ErrCorrupt = errors.New("archived file is corrupt")

// ErrNotArchived marks a reference to a file that is not in the archive.
var ErrNotArchived = errors.New("file is not archived")

// maxNameRunes bounds a recorded original file name.
const maxNameRunes = 200

// File is one archived file as the ledger records it.
type File struct {
	SHA256    string // lowercase hex
	Size      int64
	Name      string // original name, sanitised, for the record only
	Source    string // where it came from, e.g. "cli", "imap:INBOX:1234"
	FirstSeen time.Time
}

// Archive stores data in the ledger under its sha256 and records where it
// came from, in one transaction: once Archive returns, the bytes are as
// durable as any decision recorded after them. Storing bytes that are
// already archived writes nothing and returns the first record with
// existed=true (a damaged copy is repaired). The name is only recorded.
//
// The archive lives in the ledger rather than in one file per object
// because creating a file costs about a millisecond on the disks duban was
// measured on, three files per reply; see docs/decisions.md.
func (l *Ledger) Archive(ctx context.Context, data []byte, name, source string, now time.Time) (f File, existed bool, err error) {
	if err := ctx.Err(); err != nil {
		return File{}, false, fmt.Errorf("archive: %w", err)
	}
	f = newFile(data, name, source, now)
	hash := f.SHA256
	err = l.inTx(ctx, func(tx *writeTx) (err error) {
		f, existed, err = archiveIn(ctx, tx, f, data)
		return err
	})
	if err != nil {
		return File{}, false, fmt.Errorf("archive %s: %w", hash, err)
	}
	return f, existed, nil
}

// newFile is the record of data about to be archived.
func newFile(data []byte, name, source string, now time.Time) File {
	sum := sha256.Sum256(data)
	return File{
		SHA256:    hex.EncodeToString(sum[:]),
		Size:      int64(len(data)),
		Name:      SanitiseName(name),
		Source:    strings.TrimSpace(source),
		FirstSeen: now.UTC(),
	}
}

// archiveIn is Archive inside a transaction; f comes from newFile.
func archiveIn(ctx context.Context, tx *writeTx, f File, data []byte) (File, bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO files (sha256, size, name, source, first_seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, f.SHA256, f.Size, f.Name, f.Source, toNanos(f.FirstSeen))
	if err != nil {
		return f, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO blobs (sha256, data) VALUES (?, ?)`, f.SHA256, data)
		}
		return f, false, err
	}
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT size, name, source, first_seen FROM files WHERE sha256 = ?`, f.SHA256).
		Scan(&f.Size, &f.Name, &f.Source, &first); err != nil {
		return f, true, err
	}
	f.FirstSeen = fromNanos(first)
	// Repair a missing or damaged copy; an intact one is left alone.
	var old []byte
	err = tx.QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = ?`, f.SHA256).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO blobs (sha256, data) VALUES (?, ?)`, f.SHA256, data)
	case err == nil && !bytes.Equal(old, data):
		_, err = tx.ExecContext(ctx, `UPDATE blobs SET data = ? WHERE sha256 = ?`, data, f.SHA256)
	}
	return f, true, err
}

// ReadArchived returns the archived bytes of the file with the given sha256,
// verifying them: a mismatch is an error wrapping ErrCorrupt, a file the
// archive does not hold one wrapping ErrNotArchived.
func (l *Ledger) ReadArchived(ctx context.Context, sha256sum string) ([]byte, error) {
	hash, err := normaliseHash(sha256sum)
	if err != nil {
		return nil, fmt.Errorf("read archived file: %w", err)
	}
	var data []byte
	err = l.reads.QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = ?`, hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read archived file %s: %w", hash, ErrNotArchived)
	}
	if err != nil {
		return nil, fmt.Errorf("read archived file %s: %w", hash, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != hash {
		return nil, fmt.Errorf("read archived file %s: %w: its content hashes to %s", hash, ErrCorrupt, got)
	}
	return data, nil
}

// ArchivedFile returns the ledger's record of an archived file.
func (l *Ledger) ArchivedFile(ctx context.Context, sha256sum string) (File, bool, error) {
	hash, err := normaliseHash(sha256sum)
	if err != nil {
		return File{}, false, fmt.Errorf("look up archived file: %w", err)
	}
	f := File{SHA256: hash}
	var first int64
	err = l.reads.QueryRowContext(ctx, `SELECT size, name, source, first_seen FROM files WHERE sha256 = ?`, hash).
		Scan(&f.Size, &f.Name, &f.Source, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, fmt.Errorf("look up archived file %s: %w", hash, err)
	}
	f.FirstSeen = fromNanos(first)
	return f, true, nil
}

// normaliseHash checks that s is a sha256 in hex and returns it lowercased.
// A hash given by a caller is checked before it reaches a query.
func normaliseHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if len(h) != sha256.Size*2 {
		return "", fmt.Errorf("%q is not a sha256: want 64 hex digits", s)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("%q is not a sha256: want 64 hex digits", s)
	}
	return h, nil
}

// SanitiseName makes a received file name safe to record and show: the last
// path element only, valid UTF-8, no control or invisible formatting
// characters (a right-to-left override can disguise "gpj.exe"), no quotes,
// white space collapsed to single spaces and trimmed, at most 200 characters.
func SanitiseName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	n, space := 0, false
	for _, r := range name {
		if n == maxNameRunes {
			break
		}
		switch {
		case unicode.IsSpace(r):
			space = true // runs of white space, CR/LF included, become one space
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"':
			continue
		}
		if space && n > 0 {
			b.WriteRune(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	name = strings.TrimSpace(b.String())
	if name == "." || name == ".." {
		return ""
	}
	return name
}
