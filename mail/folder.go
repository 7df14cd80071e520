package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
)

// Folder is a transport that writes each message as an .eml file into Dir
// instead of sending it: for dry runs, the demo, and offices that hand mail
// to another system. The envelope is not recorded; the file is the message.
type Folder struct{ Dir string }

// Send writes data to Dir/<message id>.eml (the Message-ID sanitised, or
// the SHA-256 of data when there is none), atomically: a temporary file,
// synced, then linked into place. A file of that name already there is
// kept as it is — sending the same message twice writes it once.
func (f *Folder) Send(ctx context.Context, from string, to []string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("folder: %w", err)}
	}
	if err := checkEnvelope(from, to, data); err != nil {
		return &SendError{Err: err}
	}
	if err := f.write(data); err != nil {
		// A full disk may clear; a folder we may not write to will not.
		return &SendError{Temporary: !errors.Is(err, fs.ErrPermission), Err: err}
	}
	return nil
}

// Close does nothing; Folder holds no resources.
func (f *Folder) Close() error { return nil }

func (f *Folder) write(data []byte) error {
	if f.Dir == "" {
		return errors.New("folder: no directory configured")
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("folder: create %s: %w", f.Dir, err)
	}
	name := filepath.Join(f.Dir, emlName(data))
	if _, err := os.Lstat(name); err == nil {
		return nil // already written
	}
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return fmt.Errorf("folder: create temporary file in %s: %w", f.Dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("folder: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("folder: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("folder: close %s: %w", tmp.Name(), err)
	}
	// A hard link never replaces an existing file: of two concurrent
	// writers of one message, one wins and the other keeps its copy.
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// File systems without hard links: rename (which would replace a
		// file created since the check above; acceptable there).
		if err := os.Rename(tmp.Name(), name); err != nil {
			return fmt.Errorf("folder: move the message into %s: %w", name, err)
		}
	}
	return syncDir(f.Dir)
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("folder: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("folder: sync %s: %w", dir, err)
	}
	return nil
}

// emlName names a message's file: its Message-ID reduced to
// [A-Za-z0-9._@-] (other characters become "_"), or its SHA-256.
func emlName(data []byte) string {
	head := data[:min(len(data), 64<<10)]
	// A malformed header still yields the fields read before the fault.
	hdr, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
	id := strings.Trim(strings.TrimSpace(hdr.Get("Message-Id")), "<>")
	var b strings.Builder
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" || len(name) > 200 {
		sum := sha256.Sum256(data)
		name = hex.EncodeToString(sum[:])
	}
	return name + ".eml"
}
