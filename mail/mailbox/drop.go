package mailbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/duban/duban/internal/limit"
)

// Drop is a folder of .eml files, for sites without IMAP. Settled files are
// moved into its processed, rejected and quarantine subfolders. A message
// is known by its content (its SHA-256), never by its file name: a second
// reply saved under a name used before is a new message, and a file
// already handled that turns up again is moved out again.
type Drop struct {
	Dir string
	// MaxMessageBytes: Fetch returns larger files with TooLarge set and no
	// Raw. OpenDrop sets DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// MaxHeaderBytes bounds the header block FetchHeaders reads (default
	// DefaultMaxHeaderBytes).
	MaxHeaderBytes int

	names map[string]string // key → file name, as last listed
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

// Fetch returns the *.eml regular files directly in Dir, whole, oldest
// modification time first (then by name), at most max (max <= 0: no
// limit); files over MaxMessageBytes come with TooLarge set and no Raw.
// Names starting with "." or ending in ".tmp" are files still being
// written and are skipped. The cursor is ignored: a settled file has left
// Dir, so every file present is new or was never moved out.
func (d *Drop) Fetch(ctx context.Context, after Cursor, max int) ([]Incoming, uint32, error) {
	heads, _, err := d.FetchHeaders(ctx, after, max)
	if err != nil {
		return nil, 0, err
	}
	most := limit.Or(d.MaxMessageBytes, DefaultMaxMessageBytes)
	var msgs []Incoming
	for _, in := range heads {
		if in.ReadErr == "" {
			if in.Size > most {
				in.TooLarge = true
			} else if err := d.Load(ctx, &in, most); errors.Is(err, ErrGone) {
				continue
			} else if err != nil {
				return nil, 0, err
			} else if in.Truncated { // grew since it was listed
				in.Raw, in.TooLarge = nil, true
			}
		}
		msgs = append(msgs, in)
	}
	return msgs, 0, nil
}

// FetchHeaders lists the files Fetch would return, each with its header
// block (at most MaxHeaderBytes, HeaderCut when longer) and its key, the
// SHA-256 of its content (read through once, never held). A file that
// cannot be read comes back with ReadErr set, to be quarantined rather than
// tried again at every poll.
func (d *Drop) FetchHeaders(ctx context.Context, after Cursor, max int) ([]Incoming, uint32, error) {
	files, err := d.list(ctx)
	if err != nil {
		return nil, 0, err
	}
	if max > 0 && len(files) > max {
		files = files[:max]
	}
	maxHeader := limit.Or(d.MaxHeaderBytes, DefaultMaxHeaderBytes)
	if d.names == nil {
		d.names = map[string]string{}
	}
	var msgs []Incoming
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("read drop folder %s: %w", d.Dir, err)
		}
		in, err := readDropHeader(filepath.Join(d.Dir, f.name), maxHeader)
		if errors.Is(err, fs.ErrNotExist) {
			continue // settled or removed meanwhile
		}
		if err != nil {
			// Known by its name, size and time: it has no readable content.
			in = Incoming{ReadErr: err.Error(), Size: f.size,
				Key: fmt.Sprintf("drop:unreadable:%s:%d:%d", f.name, f.size, f.mod.UnixNano())}
		}
		in.Name, in.Received = f.name, f.mod
		d.names[in.Key] = f.name
		msgs = append(msgs, in)
	}
	return msgs, 0, nil
}

// list returns the candidate files of Dir, oldest first.
func (d *Drop) list(ctx context.Context) ([]dropFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
	}
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
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
			return nil, fmt.Errorf("list drop folder %s: %w", d.Dir, err)
		}
		files = append(files, dropFile{name: name, mod: info.ModTime(), size: info.Size()})
	}
	slices.SortFunc(files, func(a, b dropFile) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return files, nil
}

// readDropHeader reads a file's header block and hashes the whole file.
func readDropHeader(path string, maxHeader int) (Incoming, error) {
	f, err := os.Open(path)
	if err != nil {
		return Incoming{}, err
	}
	defer f.Close()
	h := sha256.New()
	head := make([]byte, maxHeader+1)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Incoming{}, err
	}
	head = head[:n]
	h.Write(head)
	rest, err := io.Copy(h, f)
	if err != nil {
		return Incoming{}, err
	}
	in := Incoming{Size: int64(n) + rest, Key: "drop:" + hex.EncodeToString(h.Sum(nil))}
	in.Header, in.HeaderCut = HeaderBlock(head, maxHeader)
	return in, nil
}

// HeaderBlock cuts the header block off the start of a message: up to and
// including the blank line that ends it, or all of head when none comes
// (cut reports that the block is longer than max: the first max+1 bytes are
// returned).
func HeaderBlock(head []byte, max int) (block []byte, cut bool) {
	if len(head) > max+1 {
		head = head[:max+1]
	}
	for i := 0; i < len(head); {
		j := bytes.IndexByte(head[i:], '\n')
		if j < 0 {
			break
		}
		line := head[i : i+j]
		i += j + 1
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return head[:i:i], false
		}
	}
	if len(head) > max {
		return head[: max+1 : max+1], true
	}
	return head, false
}

// Load reads the file of a listed message into in.Raw: whole when it is at
// most limit bytes, otherwise its first limit bytes with Truncated set. A
// file gone meanwhile gives ErrGone.
func (d *Drop) Load(ctx context.Context, in *Incoming, limit int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("load %s: %w", in.Key, err)
	}
	name := in.Name
	if name == "" {
		name = d.names[in.Key]
	}
	f, err := os.Open(filepath.Join(d.Dir, name))
	if errors.Is(err, fs.ErrNotExist) || name == "" {
		return fmt.Errorf("load %s: %w", in.Key, ErrGone)
	}
	if err != nil {
		return fmt.Errorf("load %s: %w: %w", in.Key, ErrUnreadable, err)
	}
	defer f.Close()
	raw, err := readAtMost(f, max(0, min(in.Size, limit)), limit)
	if err != nil {
		return fmt.Errorf("load %s: %w: %w", in.Key, ErrUnreadable, err)
	}
	in.Raw, in.Truncated = raw, int64(len(raw)) > limit
	if in.Truncated {
		in.Raw = raw[:limit:limit]
	}
	return nil
}

// readAtMost reads r to its end or to limit+1 bytes, whichever comes first,
// into one buffer of the expected size: a message is held once, never in
// the doubled buffers of a growing read.
func readAtMost(r io.Reader, expected, limit int64) ([]byte, error) {
	buf := make([]byte, expected, expected+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:n], nil // shorter than expected (the file shrank)
	case err != nil:
		return nil, err
	}
	// Longer than expected (it grew, or a server understated its size):
	// the rest, up to the limit and one byte more.
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-expected))
	if err != nil {
		return nil, err
	}
	return append(buf, rest...), nil
}

// Settle moves the file into the outcome's subfolder. An existing file
// there is never overwritten: the name gets a suffix ("x-1.eml"). A file
// already gone from Dir counts as settled. A quarantined file gets its
// reason (in.Note) written beside it, as <name>.reason.txt.
func (d *Drop) Settle(ctx context.Context, in Incoming, out Outcome) error {
	if err := out.valid(); err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	if !strings.HasPrefix(in.Key, "drop:") {
		return fmt.Errorf("settle %q: not a message of a drop folder", in.Key)
	}
	name := in.Name
	if name == "" {
		name = d.names[in.Key]
	}
	if name == "" {
		return nil // not in the folder (any more)
	}
	if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("settle %q: %q is not a file of the drop folder", in.Key, name)
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
			delete(d.names, in.Key)
			if out == Quarantine && in.Note != "" {
				if err := os.WriteFile(dst+".reason.txt", []byte(in.Note+"\n"), 0o600); err != nil {
					return fmt.Errorf("settle %s: write the reason beside %s: %w", in.Key, dst, err)
				}
			}
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

// SettleAll settles each message in turn; a folder has no batch move. A
// message known only by its key (recorded by an earlier run that stopped
// before moving it) is found by hashing the folder's files.
func (d *Drop) SettleAll(ctx context.Context, ins []Incoming, out Outcome) error {
	scanned := false
	for _, in := range ins {
		if in.Name == "" && d.names[in.Key] == "" && !scanned {
			if _, _, err := d.FetchHeaders(ctx, Cursor{}, 0); err != nil {
				return err
			}
			scanned = true
		}
		if err := d.Settle(ctx, in, out); err != nil {
			return err
		}
	}
	return nil
}
