package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// staleTemp is how old a leftover temporary archive file must be before Open
// removes it; younger ones may belong to another process writing right now.
const staleTemp = time.Hour

// File is one archived file as the ledger records it.
type File struct {
	SHA256    string // lowercase hex
	Size      int64
	Name      string // original name, sanitised, for the record only
	Source    string // where it came from, e.g. "cli", "imap:INBOX:1234"
	FirstSeen time.Time
	Path      string // absolute path of the archived copy
}

// Archive stores data under archive/ab/abcdef… (its sha256) and records it in
// the ledger. The file is written to archive/tmp, fsynced, renamed into place
// and its directory fsynced, so no partial file ever carries a final name.
// Storing bytes that are already archived writes nothing and returns the
// first record with existed=true. The name is only recorded; it never
// becomes part of a path.
func (l *Ledger) Archive(ctx context.Context, data []byte, name, source string, now time.Time) (f File, existed bool, err error) {
	if err := ctx.Err(); err != nil {
		return File{}, false, fmt.Errorf("archive: %w", err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	path := l.archivePath(hash)

	if err := l.writeArchived(path, hash, data); err != nil {
		return File{}, false, fmt.Errorf("archive %s: %w", hash, err)
	}

	f = File{
		SHA256:    hash,
		Size:      int64(len(data)),
		Name:      SanitiseName(name),
		Source:    strings.TrimSpace(source),
		FirstSeen: now.UTC(),
		Path:      path,
	}
	err = l.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO files (sha256, size, name, source, first_seen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, f.SHA256, f.Size, f.Name, f.Source, toNanos(f.FirstSeen))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		existed = true
		var first int64
		if err := tx.QueryRowContext(ctx, `SELECT size, name, source, first_seen FROM files WHERE sha256 = ?`, hash).
			Scan(&f.Size, &f.Name, &f.Source, &first); err != nil {
			return err
		}
		f.FirstSeen = fromNanos(first)
		return nil
	})
	if err != nil {
		return File{}, false, fmt.Errorf("record archived file %s: %w", hash, err)
	}
	return f, existed, nil
}

// writeArchived puts data under path unless an intact copy is already
// there. A damaged copy (left by a disk fault, say) is replaced.
func (l *Ledger) writeArchived(path, hash string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil {
		if bytes.Equal(old, data) {
			return nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read existing copy: %w", err)
	}

	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(l.dir, archiveDir, tmpDir), hash+".*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op once renamed
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("chmod %s: %w", tmpName, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return syncDir(dir)
}

// ReadArchived returns the archived bytes of the file with the given sha256,
// verifying them: a mismatch is an error wrapping ErrCorrupt, a missing file
// one wrapping fs.ErrNotExist.
func (l *Ledger) ReadArchived(ctx context.Context, sha256sum string) ([]byte, error) {
	hash, err := normaliseHash(sha256sum)
	if err != nil {
		return nil, fmt.Errorf("read archived file: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read archived file %s: %w", hash, err)
	}
	data, err := os.ReadFile(l.archivePath(hash))
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
	f := File{SHA256: hash, Path: l.archivePath(hash)}
	var first int64
	err = l.read.QueryRowContext(ctx, `SELECT size, name, source, first_seen FROM files WHERE sha256 = ?`, hash).
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

// archivePath is where the file with this (normalised) hash lives.
func (l *Ledger) archivePath(hash string) string {
	return filepath.Join(l.dir, archiveDir, hash[:2], hash)
}

// normaliseHash checks that s is a sha256 in hex and returns it lowercased.
// It is what keeps a hash from ever naming a path outside the archive.
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

// removeStaleTemps deletes temporary archive files a crash left behind.
// Failures are ignored: they only cost disk space.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || time.Since(info.ModTime()) < staleTemp {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
