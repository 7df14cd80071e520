package mailbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func writeDropFile(t *testing.T, dir, name string, raw []byte, mod time.Time) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatalf("chtimes %s: %v", name, err)
	}
}

func TestOpenDrop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "drop", "incoming")
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatalf("OpenDrop(%q) error = %v", dir, err)
	}
	for _, sub := range []string{"", "processed", "rejected", "quarantine"} {
		info, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !info.IsDir() || info.Mode().Perm() != 0o700 {
			t.Errorf("OpenDrop(%q) folder %q = %v, %v; want a 0700 directory", dir, sub, info, err)
		}
	}
	if got, want := d.Name(), "drop:"+dir; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if _, err := OpenDrop(dir); err != nil {
		t.Errorf("OpenDrop(%q) again error = %v", dir, err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close() error = %v", err)
	}
	if _, err := OpenDrop(""); err == nil {
		t.Errorf(`OpenDrop("") error = nil`)
	}
}

func TestDropFetch(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2023, 6, 5, 9, 0, 0, 0, time.Local)
	files := []struct {
		name string
		mod  time.Time
	}{
		{"c-latest.eml", base.Add(3 * time.Minute)},
		{"b-same-time.eml", base.Add(time.Minute)},
		{"a-same-time.eml", base.Add(time.Minute)},
		{"z-oldest.EML", base},
		{".hidden.eml", base},                       // being written by some tools
		{"partial.eml.tmp", base},                   // being written
		{"upload.tmp", base},                        // being written
		{"notes.txt", base},                         // not a message
		{"processed-looking.eml.bak", base},         // not a message
		{"unit-reply-报送.eml", base.Add(-time.Hour)}, // a Chinese name
	}
	for i, f := range files {
		writeDropFile(t, dir, f.name, numbered(i), f.mod)
	}
	writeDropFile(t, filepath.Join(dir, "processed"), "old.eml", numbered(99), base) // a subfolder
	if err := os.Mkdir(filepath.Join(dir, "folder.eml"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "c-latest.eml"), filepath.Join(dir, "link.eml")); err != nil {
		t.Fatal(err)
	}

	want := []string{"drop:unit-reply-报送.eml", "drop:z-oldest.EML", "drop:a-same-time.eml", "drop:b-same-time.eml", "drop:c-latest.eml"}
	tests := []struct {
		name string
		max  int
		want []string
	}{
		{"all", 0, want},
		{"max 2", 2, want[:2]},
		{"max above count", 50, want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, validity, err := d.Fetch(context.Background(), Cursor{UIDValidity: 7, UID: 9}, tt.max)
			if err != nil {
				t.Fatalf("Fetch() error = %v", err)
			}
			if !slices.Equal(keys(msgs), tt.want) || validity != 0 {
				t.Errorf("Fetch(max %d) = %v, %d; want %v, 0", tt.max, keys(msgs), validity, tt.want)
			}
			for _, msg := range msgs {
				name := msg.Key[len("drop:"):]
				raw, _ := os.ReadFile(filepath.Join(dir, name))
				info, _ := os.Stat(filepath.Join(dir, name))
				if !bytes.Equal(msg.Raw, raw) || msg.Size != int64(len(raw)) || !msg.Received.Equal(info.ModTime()) || msg.UID != 0 || msg.UIDValidity != 0 {
					t.Errorf("Fetch() %s = %d bytes, size %d, received %v; want the file's %d bytes and mod time %v", msg.Key, len(msg.Raw), msg.Size, msg.Received, len(raw), info.ModTime())
				}
			}
		})
	}
}

func TestDropTooLarge(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.MaxMessageBytes = 100
	writeDropFile(t, dir, "big.eml", bytes.Repeat([]byte("x"), 101), time.Now().Add(-time.Minute))
	writeDropFile(t, dir, "small.eml", bytes.Repeat([]byte("y"), 100), time.Now())
	msgs, _, err := d.Fetch(context.Background(), Cursor{}, 0)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch() = %v, %v", keys(msgs), err)
	}
	if !msgs[0].TooLarge || msgs[0].Raw != nil || msgs[0].Size != 101 {
		t.Errorf("Fetch() big = TooLarge %v, %d bytes, size %d; want true, nil, 101", msgs[0].TooLarge, len(msgs[0].Raw), msgs[0].Size)
	}
	if msgs[1].TooLarge || len(msgs[1].Raw) != 100 {
		t.Errorf("Fetch() small = TooLarge %v, %d bytes; want false, 100", msgs[1].TooLarge, len(msgs[1].Raw))
	}
}

func TestDropSettle(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	writeDropFile(t, dir, "reply.eml", []byte("new"), now)
	writeDropFile(t, filepath.Join(dir, "rejected"), "reply.eml", []byte("earlier"), now)
	writeDropFile(t, filepath.Join(dir, "rejected"), "reply-1.eml", []byte("earlier still"), now)
	writeDropFile(t, dir, "other.eml", []byte("other"), now.Add(time.Second))

	msgs, _, err := d.Fetch(context.Background(), Cursor{}, 0)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch() = %v, %v", keys(msgs), err)
	}
	ctx := context.Background()
	for range 2 { // the second finds the file gone: not an error
		if err := d.Settle(ctx, msgs[0], Rejected); err != nil {
			t.Fatalf("Settle(%s, rejected) error = %v", msgs[0].Key, err)
		}
	}
	if err := d.Settle(ctx, msgs[1], Processed); err != nil {
		t.Fatalf("Settle(%s, processed) error = %v", msgs[1].Key, err)
	}

	wantFiles := map[string]string{
		"rejected/reply.eml":   "earlier",
		"rejected/reply-1.eml": "earlier still",
		"rejected/reply-2.eml": "new",
		"processed/other.eml":  "other",
	}
	for name, want := range wantFiles {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("file %s = %q, %v; want %q", name, got, err, want)
		}
	}
	if left, _, _ := d.Fetch(ctx, Cursor{}, 0); len(left) != 0 {
		t.Errorf("Fetch() after Settle = %v, want nothing", keys(left))
	}

	bad := []struct {
		name string
		in   Incoming
		out  Outcome
	}{
		{"unknown outcome", Incoming{Key: "drop:x.eml"}, Outcome("archive")},
		{"imap key", Incoming{Key: "imap:1:2", UIDValidity: 1, UID: 2}, Processed},
		{"path escape", Incoming{Key: "drop:../x.eml"}, Processed},
		{"empty name", Incoming{Key: "drop:"}, Processed},
	}
	for _, tt := range bad {
		if err := d.Settle(ctx, tt.in, tt.out); err == nil {
			t.Errorf("Settle(%s: %q, %s) error = nil, want an error", tt.name, tt.in.Key, tt.out)
		}
	}
}

// TestDropSettleAfterCrash: a crash between linking into the outcome folder
// and removing the original leaves two names for one file; the retry only
// removes the original instead of making a second copy.
func TestDropSettleAfterCrash(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeDropFile(t, dir, "reply.eml", []byte("reply"), time.Now())
	if err := os.Link(filepath.Join(dir, "reply.eml"), filepath.Join(dir, "processed", "reply.eml")); err != nil {
		t.Skipf("hard links not supported here: %v", err)
	}
	if err := d.Settle(context.Background(), Incoming{Key: "drop:reply.eml"}, Processed); err != nil {
		t.Fatalf("Settle() error = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "processed"))
	if len(entries) != 1 {
		t.Errorf("processed holds %d files, want 1", len(entries))
	}
	if _, err := os.Stat(filepath.Join(dir, "reply.eml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("original still present: %v", err)
	}
}

func TestDropCancelled(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeDropFile(t, dir, "reply.eml", []byte("reply"), time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := d.Fetch(ctx, Cursor{}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) error = %v, want context.Canceled", err)
	}
	if err := d.Settle(ctx, Incoming{Key: "drop:reply.eml"}, Processed); !errors.Is(err, context.Canceled) {
		t.Errorf("Settle(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "reply.eml")); err != nil {
		t.Errorf("file moved despite cancellation: %v", err)
	}
}
