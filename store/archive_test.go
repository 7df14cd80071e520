package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestArchive(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	data := []byte("PK\x03\x04 a workbook")
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	at := time.Date(2023, 6, 2, 10, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

	f, existed, err := l.Archive(ctx, data, "../..\\报送/2023年5月 进展.xlsx", " imap:INBOX:7 ", at)
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	want := File{
		SHA256: hash, Size: int64(len(data)), Name: "2023年5月 进展.xlsx", Source: "imap:INBOX:7",
		FirstSeen: at.UTC(), Path: filepath.Join(l.DataDir(), "archive", hash[:2], hash),
	}
	if existed || f != want {
		t.Errorf("Archive() = %+v, existed %v; want %+v, existed false", f, existed, want)
	}
	if f.FirstSeen.Location() != time.UTC {
		t.Errorf("FirstSeen location = %v, want UTC", f.FirstSeen.Location())
	}
	if got, err := os.ReadFile(want.Path); err != nil || !bytes.Equal(got, data) {
		t.Errorf("archived copy = %q, %v; want %q", got, err, data)
	}
	if got, ok, err := l.ArchivedFile(ctx, strings.ToUpper(hash)); err != nil || !ok || got != want {
		t.Errorf("ArchivedFile() = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if got, err := l.ReadArchived(ctx, hash); err != nil || !bytes.Equal(got, data) {
		t.Errorf("ReadArchived() = %q, %v; want %q", got, err, data)
	}
	if _, ok, err := l.ArchivedFile(ctx, strings.Repeat("0", 64)); ok || err != nil {
		t.Errorf("ArchivedFile(unknown) = %v, %v; want not found", ok, err)
	}
	tmps, _ := os.ReadDir(filepath.Join(l.DataDir(), "archive", "tmp"))
	if len(tmps) != 0 {
		t.Errorf("archive/tmp holds %d files after Archive, want none", len(tmps))
	}
}

// Archiving known bytes again returns the first record and leaves the file
// alone.
func TestArchiveSameBytesAgain(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	data := []byte("same content")
	first, _, err := l.Archive(ctx, data, "a.xlsx", "cli", t0)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(first.Path, old, old); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(first.Path)

	again, existed, err := l.Archive(ctx, data, "b.xlsx", "imap:INBOX:9", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !existed || again != first {
		t.Errorf("second Archive() = %+v, existed %v; want %+v, existed true", again, existed, first)
	}
	after, _ := os.Stat(first.Path)
	if !os.SameFile(before, after) || !after.ModTime().Equal(old) {
		t.Errorf("archived file was rewritten (same inode %v, mtime %v, want %v)", os.SameFile(before, after), after.ModTime(), old)
	}
}

// Concurrent archiving of the same bytes records them once.
func TestArchiveConcurrentSameBytes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ledgers := []*Ledger{openAt(t, dir), openAt(t, dir)}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
	)
	for i := range 8 {
		wg.Go(func() {
			_, existed, err := ledgers[i%2].Archive(ctx, []byte("racing bytes"), "r.xlsx", "test", t0)
			if err != nil {
				t.Errorf("Archive: %v", err)
				return
			}
			if !existed {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fresh != 1 {
		t.Errorf("%d of 8 concurrent Archive calls reported new content, want 1", fresh)
	}
}

func TestReadArchivedDetectsDamage(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	f, _, err := l.Archive(ctx, []byte("original bytes"), "x.xlsx", "test", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		damage func(path string) error
		want   error
	}{
		{"flipped byte", func(p string) error { return os.WriteFile(p, []byte("0riginal bytes"), 0o600) }, ErrCorrupt},
		{"truncated", func(p string) error { return os.Truncate(p, 3) }, ErrCorrupt},
		{"missing", os.Remove, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.damage(f.Path); err != nil {
				t.Fatal(err)
			}
			if _, err := l.ReadArchived(ctx, f.SHA256); !errors.Is(err, tc.want) {
				t.Errorf("ReadArchived() error = %v, want %v", err, tc.want)
			}
			// Archiving the true bytes again repairs the copy.
			if _, existed, err := l.Archive(ctx, []byte("original bytes"), "x.xlsx", "test", t0); err != nil || !existed {
				t.Fatalf("Archive() to repair = existed %v, %v", existed, err)
			}
			if got, err := l.ReadArchived(ctx, f.SHA256); err != nil || string(got) != "original bytes" {
				t.Errorf("ReadArchived() after repair = %q, %v", got, err)
			}
		})
	}
}

// A hash is never taken as a path.
func TestReadArchivedRejectsBadHash(t *testing.T) {
	l := openTest(t)
	for _, h := range []string{"", "../../ledger.db", strings.Repeat("g", 64), strings.Repeat("a", 63), "../" + strings.Repeat("a", 61)} {
		if _, err := l.ReadArchived(context.Background(), h); err == nil || !strings.Contains(err.Error(), "not a sha256") {
			t.Errorf("ReadArchived(%q) error = %v, want 'not a sha256'", h, err)
		}
	}
}

// A crash between writing and renaming leaves only a temporary file: the
// final name never shows partial content, and Open sweeps old leftovers
// while sparing those another process may be writing right now.
func TestCrashLeftoversInTmp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a workbook that was being written")
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	tmp := filepath.Join(dir, "archive", "tmp")
	oldPartial := filepath.Join(tmp, hash+".123")
	youngPartial := filepath.Join(tmp, hash+".456")
	for _, p := range []string{oldPartial, youngPartial} {
		if err := os.WriteFile(p, data[:5], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(oldPartial, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ReadArchived(ctx, hash); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadArchived() with only a partial temp file: err = %v, want not exist", err)
	}
	l.Close()

	openAt(t, dir)
	if _, err := os.Stat(oldPartial); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old leftover %s still there after Open (err %v)", oldPartial, err)
	}
	if _, err := os.Stat(youngPartial); err != nil {
		t.Errorf("young temp file %s removed by Open: %v", youngPartial, err)
	}
}

func TestSanitiseName(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "进展.xlsx", "进展.xlsx"},
		{"unix path", "/etc/passwd", "passwd"},
		{"windows path", `C:\Users\张三\桌面\报表.xlsx`, "报表.xlsx"},
		{"traversal", "../../x.xlsx", "x.xlsx"},
		{"dots only", "..", ""},
		{"header injection", "a\r\nBcc: x@y.z.xlsx", "a Bcc: x@y.z.xlsx"},
		{"quotes and tabs", "\"a\"\t\t b.xlsx", "a b.xlsx"},
		{"nul", "a\x00b.xlsx", "ab.xlsx"},
		{"rtl override", "report\u202Excod.exe", "reportxcod.exe"},
		{"invalid utf8", "a\xffb.xlsx", "a\uFFFDb.xlsx"},
		{"trimmed", "  x.xlsx  ", "x.xlsx"},
		{"long", strings.Repeat("长", 300), strings.Repeat("长", 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SanitiseName(tc.in); got != tc.want {
				t.Errorf("SanitiseName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
