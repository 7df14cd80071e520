package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestFolderSend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	f := &Folder{Dir: dir}
	data := testMessage(t)
	if err := f.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	name := filepath.Join(dir, "remind.2023-05.jtj@metro.example.eml")
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("reading the written message: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s holds %d bytes that differ from the %d sent", name, len(got), len(data))
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, name: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %o, want %o", path, got, want)
		}
	}

	// The same message again: same name, the first file is kept.
	other := bytes.Replace(data, []byte("X-Duban-Kind: reminder"), []byte("X-Duban-Kind: changed!"), 1)
	if err := f.Send(context.Background(), testFrom, []string{testTo}, other); err != nil {
		t.Fatalf("second Send() error = %v", err)
	}
	if got, _ := os.ReadFile(name); !bytes.Equal(got, data) {
		t.Errorf("second Send() of the same Message-ID replaced the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%s holds %d entries, want 1 (no temporary files left)", dir, len(entries))
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestFolderNames(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // "" for the SHA-256 of data
	}{
		{"message id", "Message-ID: <a.b@metro.example>\r\n\r\nbody", "a.b@metro.example.eml"},
		{"hostile id", "Message-ID: <../../etc/x@y>\r\n\r\nbody", "_.._etc_x@y.eml"},
		{"no id", "Subject: x\r\n\r\nbody", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = sum([]byte(tc.data)) + ".eml"
			}
			if got := emlName([]byte(tc.data)); got != want {
				t.Errorf("emlName(%q) = %q, want %q", tc.data, got, want)
			}
		})
	}
}

func TestFolderConcurrentSameMessage(t *testing.T) {
	dir := t.TempDir()
	f := &Folder{Dir: dir}
	data := testMessage(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := f.Send(context.Background(), testFrom, []string{testTo}, data); err != nil {
				t.Errorf("Send() error = %v", err)
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files after 8 concurrent sends of one message, want 1", len(entries))
	}
}

func TestFolderErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &Folder{Dir: t.TempDir()}
	if err := f.Send(ctx, testFrom, []string{testTo}, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(cancelled) error = %v, want context.Canceled", err)
	}
	if err := f.Send(context.Background(), testFrom, nil, []byte("x")); err == nil || IsTemporary(err) {
		t.Errorf("Send(no recipient) error = %v, want a permanent error", err)
	}
	if err := (&Folder{}).Send(context.Background(), testFrom, []string{testTo}, []byte("x")); err == nil {
		t.Errorf("Send() with no Dir = nil, want an error")
	}
}
