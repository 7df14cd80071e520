package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Drop is a folder of .eml files, for sites without IMAP. Settled files are
// renamed into its processed, rejected and quarantine subfolders.
type Drop struct {
	Dir string
	// MaxMessageBytes: larger files are returned with TooLarge set and no
	// Raw. OpenDrop sets DefaultMaxMessageBytes.
	MaxMessageBytes int64
}

// OpenDrop creates dir and its outcome subfolders (0700) when missing.
func OpenDrop(dir string) (*Drop, error) {
	if dir == "" {
		return nil, errors.New("open drop folder: no directory given")
	}
	for _, sub := range append([]string{""}, outcomeDirs()...) {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("open drop folder %s: %w", dir, err)
		}
	}
	return &Drop{Dir: dir, MaxMessageBytes: DefaultMaxMessageBytes}, nil
}

func outcomeDirs() []string {
	var dirs []string
	for _, out := range Outcomes() {
		dirs = append(dirs, string(out))
	}
	return dirs
}

// Name identifies the drop folder, e.g. "drop:/var/lib/duban/drop".
func (d *Drop) Name() string { return "drop:" + d.Dir }

// Close does nothing; it exists so that both mailboxes look alike.
func (d *Drop) Close() error { return nil }

type dropFile struct {
	name string
	mod  time.Time
	size int64
}

// Fetch returns the *.eml regular files directly in Dir, oldest
// modification time first (then by name), at most max (max <= 0: no
// limit). Names starting with "." or ending in ".tmp" are files still being
// written and are skipped. The cursor is ignored: a settled file has left
// Dir, so every file present is new.
func (d *Drop) Fetch(ctx context.Context, after Cursor, max int) ([]Incoming, uint32, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
	}
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, 0, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
	}
	var files []dropFile
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(strings.ToLower(name), ".tmp") ||
			!strings.EqualFold(filepath.Ext(name), ".eml") {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // settled or removed meanwhile
		}
		if err != nil {
			return nil, 0, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
		}
		files = append(files, dropFile{name: name, mod: info.ModTime(), size: info.Size()})
	}
	slices.SortFunc(files, func(a, b dropFile) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	if max > 0 && len(files) > max {
		files = files[:max]
	}

	limit := d.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	var msgs []Incoming
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("read drop folder %s: %w", d.Dir, err)
		}
		in, err := readDropFile(filepath.Join(d.Dir, f.name), limit)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		in.Key = "drop:" + f.name
		in.Received = f.mod
		msgs = append(msgs, in)
	}
	return msgs, 0, nil
}

func readDropFile(path string, limit int64) (Incoming, error) {
	f, err := os.Open(path)
	if err != nil {
		return Incoming{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Incoming{}, fmt.Errorf("read %s: %w", path, err)
	}
	in := Incoming{Size: info.Size()}
	if info.Size() > limit {
		in.TooLarge = true
		return in, nil
	}
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return Incoming{}, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(raw)) > limit { // grew since Stat
		in.Size, in.TooLarge = int64(len(raw)), true
		return in, nil
	}
	in.Size, in.Raw = int64(len(raw)), raw
	return in, nil
}

// Settle moves the file into the outcome's subfolder. An existing file
// there is never overwritten: the name gets a suffix ("x-1.eml"). A file
// already gone from Dir counts as settled.
func (d *Drop) Settle(ctx context.Context, in Incoming, out Outcome) error {
	if err := out.valid(); err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	name, ok := strings.CutPrefix(in.Key, "drop:")
	if !ok || name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("settle %q: not a message of a drop folder", in.Key)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	src := filepath.Join(d.Dir, name)
	srcInfo, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	dir := filepath.Join(d.Dir, string(out))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	base, ext := strings.TrimSuffix(name, filepath.Ext(name)), filepath.Ext(name)
	for i := 0; ; i++ {
		dst := filepath.Join(dir, name)
		if i > 0 {
			dst = filepath.Join(dir, base+"-"+strconv.Itoa(i)+ext)
		}
		placed, err := placeNoClobber(src, dst, srcInfo)
		if err != nil {
			return fmt.Errorf("settle %s: move to %s: %w", in.Key, dst, err)
		}
		if placed {
			return nil
		}
	}
}

// placeNoClobber moves src to dst unless dst exists. It links then removes
// src, since rename would silently replace dst; where hard links are not
// supported it checks and renames. A dst that already is src (a crash
// between link and remove) just loses the second name.
func placeNoClobber(src, dst string, srcInfo fs.FileInfo) (bool, error) {
	err := os.Link(src, dst)
	if err == nil {
		return true, os.Remove(src)
	}
	if errors.Is(err, fs.ErrExist) {
		if dstInfo, err := os.Lstat(dst); err == nil && os.SameFile(srcInfo, dstInfo) {
			return true, os.Remove(src)
		}
		return false, nil
	}
	if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
		return true, nil // settled meanwhile
	}
	if _, statErr := os.Lstat(dst); statErr == nil {
		return false, nil
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return false, statErr
	}
	return true, os.Rename(src, dst)
}

// SettleAll settles each message in turn; a folder has no batch move.
func (d *Drop) SettleAll(ctx context.Context, ins []Incoming, out Outcome) error {
	for _, in := range ins {
		if err := d.Settle(ctx, in, out); err != nil {
			return err
		}
	}
	return nil
}
