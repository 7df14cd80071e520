package mailbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	want := []string{"unit-reply-报送.eml", "z-oldest.EML", "a-same-time.eml", "b-same-time.eml", "c-latest.eml"}
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
			if !slices.Equal(names(msgs), tt.want) || validity != 0 {
				t.Errorf("Fetch(max %d) = %v, %d; want %v, 0", tt.max, names(msgs), validity, tt.want)
			}
			for _, msg := range msgs {
				name := msg.Name
				if sum := sha256.Sum256(msg.Raw); msg.Key != "drop:"+hex.EncodeToString(sum[:]) {
					t.Errorf("Fetch() %s key = %s, want drop: and the SHA-256 of its content", name, msg.Key)
				}
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
		{"unknown outcome", Incoming{Key: "drop:x", Name: "x.eml"}, Outcome("archive")},
		{"imap key", Incoming{Key: "imap:1:2", UIDValidity: 1, UID: 2}, Processed},
		{"path escape", Incoming{Key: "drop:x", Name: "../x.eml"}, Processed},
		{"hidden name", Incoming{Key: "drop:x", Name: ".x.eml"}, Processed},
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
	if err := d.Settle(context.Background(), Incoming{Key: "drop:k", Name: "reply.eml"}, Processed); err != nil {
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
	if err := d.Settle(ctx, Incoming{Key: "drop:k", Name: "reply.eml"}, Processed); !errors.Is(err, context.Canceled) {
		t.Errorf("Settle(cancelled) error = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "reply.eml")); err != nil {
		t.Errorf("file moved despite cancellation: %v", err)
	}
}

func names(msgs []Incoming) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Name)
	}
	return out
}

// TestDropKeyedByContent: a message is known by its content. A reply saved
// under a name used before is a new message; the same bytes under another
// name are the same message.
func TestDropKeyedByContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	writeDropFile(t, dir, "reply.eml", []byte("Subject: first\n\nbody"), now)
	first, _, err := d.FetchHeaders(ctx, Cursor{}, 0)
	if err != nil || len(first) != 1 {
		t.Fatalf("FetchHeaders = %v, %v", keys(first), err)
	}
	if err := d.Settle(ctx, first[0], Processed); err != nil {
		t.Fatal(err)
	}
	writeDropFile(t, dir, "reply.eml", []byte("Subject: second\n\nbody"), now) // the name again
	writeDropFile(t, dir, "copy.eml", []byte("Subject: first\n\nbody"), now.Add(time.Second))
	again, _, err := d.FetchHeaders(ctx, Cursor{}, 0)
	if err != nil || len(again) != 2 {
		t.Fatalf("FetchHeaders = %v, %v", keys(again), err)
	}
	if again[0].Key == first[0].Key {
		t.Errorf("a new reply under a used name has the old key %s", again[0].Key)
	}
	if again[1].Key != first[0].Key {
		t.Errorf("the same bytes under another name = %s, want the first key %s", again[1].Key, first[0].Key)
	}
	if string(again[0].Header) != "Subject: second\n\n" || again[0].HeaderCut || again[0].Raw != nil {
		t.Errorf("FetchHeaders header = %q (cut %v, raw %d bytes); want the header block only", again[0].Header, again[0].HeaderCut, len(again[0].Raw))
	}
	// Settling by key only (what a restart knows) finds the file by content.
	if err := d.SettleAll(ctx, []Incoming{{Key: again[1].Key}}, Processed); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy.eml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("copy.eml not moved out by its key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "processed", "reply-1.eml")); err == nil {
		t.Error("processed/reply-1.eml exists before the second reply was settled")
	}
	if err := d.Settle(ctx, again[0], Processed); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"processed/reply.eml": "first", "processed/reply-1.eml": "second", "processed/copy.eml": "first"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s = %q, %v; want the %s reply", name, b, err, want)
		}
	}
}

func TestDropHeaderAndLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.MaxHeaderBytes = 64
	now := time.Now()
	long := "X-Long: " + string(bytes.Repeat([]byte("y"), 100)) + "\r\n\r\nbody"
	writeDropFile(t, dir, "a.eml", []byte("From: a@b.example\r\nSubject: x\r\n\r\nbody text"), now)
	writeDropFile(t, dir, "b.eml", []byte(long), now.Add(time.Second))
	writeDropFile(t, dir, "c.eml", []byte("From: a@b.example"), now.Add(2*time.Second)) // no body at all
	msgs, _, err := d.FetchHeaders(ctx, Cursor{}, 0)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("FetchHeaders = %v, %v", names(msgs), err)
	}
	if string(msgs[0].Header) != "From: a@b.example\r\nSubject: x\r\n\r\n" || msgs[0].HeaderCut {
		t.Errorf("header of a = %q, cut %v", msgs[0].Header, msgs[0].HeaderCut)
	}
	if len(msgs[1].Header) != 65 || !msgs[1].HeaderCut {
		t.Errorf("header of b = %d bytes, cut %v; want 65 bytes, cut", len(msgs[1].Header), msgs[1].HeaderCut)
	}
	if string(msgs[2].Header) != "From: a@b.example" || msgs[2].HeaderCut {
		t.Errorf("header of c = %q, cut %v", msgs[2].Header, msgs[2].HeaderCut)
	}
	in := msgs[0]
	if err := d.Load(ctx, &in, 10); err != nil || string(in.Raw) != "From: a@b." || !in.Truncated {
		t.Errorf("Load(10) = %q, truncated %v, %v; want the first 10 bytes, truncated", in.Raw, in.Truncated, err)
	}
	in = msgs[0]
	if err := d.Load(ctx, &in, 1000); err != nil || int64(len(in.Raw)) != in.Size || in.Truncated {
		t.Errorf("Load(1000) = %d bytes of %d, truncated %v, %v", len(in.Raw), in.Size, in.Truncated, err)
	}
	os.Remove(filepath.Join(dir, "c.eml"))
	in = msgs[2]
	if err := d.Load(ctx, &in, 1000); !errors.Is(err, ErrGone) {
		t.Errorf("Load of a removed file = %v, want ErrGone", err)
	}
}

// TestDropUnreadable: a file that cannot be read is listed with its
// reason, never an error that stops every poll, and a quarantined file gets
// its reason written beside it.
func TestDropUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	ctx := context.Background()
	dir := t.TempDir()
	d, err := OpenDrop(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeDropFile(t, dir, "locked.eml", []byte("Subject: x\n\n"), time.Now())
	if err := os.Chmod(filepath.Join(dir, "locked.eml"), 0); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := d.FetchHeaders(ctx, Cursor{}, 0)
	if err != nil || len(msgs) != 1 || msgs[0].ReadErr == "" {
		t.Fatalf("FetchHeaders = %+v, %v; want one message with ReadErr", msgs, err)
	}
	in := msgs[0]
	in.Note = "unreadable: " + in.ReadErr
	if err := d.Settle(ctx, in, Quarantine); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "quarantine", "locked.eml.reason.txt")); err != nil || !bytes.Contains(b, []byte("permission denied")) {
		t.Errorf("reason file = %q, %v", b, err)
	}
}
