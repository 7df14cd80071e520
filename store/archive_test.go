package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
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
		FirstSeen: at.UTC(),
	}
	if existed || f != want {
		t.Errorf("Archive() = %+v, existed %v; want %+v, existed false", f, existed, want)
	}
	if f.FirstSeen.Location() != time.UTC {
		t.Errorf("FirstSeen location = %v, want UTC", f.FirstSeen.Location())
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
	if entries, _ := os.ReadDir(l.DataDir()); len(entries) > 3 {
		t.Errorf("data directory holds %d entries, want only the ledger's (ledger.db, -wal, -shm)", len(entries))
	}
}

// Archiving known bytes again returns the first record.
func TestArchiveSameBytesAgain(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	data := []byte("same content")
	first, _, err := l.Archive(ctx, data, "a.xlsx", "cli", t0)
	if err != nil {
		t.Fatal(err)
	}
	again, existed, err := l.Archive(ctx, data, "b.xlsx", "imap:INBOX:9", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !existed || again != first {
		t.Errorf("second Archive() = %+v, existed %v; want %+v, existed true", again, existed, first)
	}
	if got, err := l.ReadArchived(ctx, first.SHA256); err != nil || !bytes.Equal(got, data) {
		t.Errorf("ReadArchived() = %q, %v; want %q", got, err, data)
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
	// Damage done behind the ledger's back, as a disk fault or a hand edit
	// of the database would.
	set := func(data []byte) func() error {
		return func() error {
			_, err := l.write.ExecContext(ctx, `UPDATE blobs SET data = ? WHERE sha256 = ?`, data, f.SHA256)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		damage func() error
		want   error
	}{
		{"flipped byte", set([]byte("0riginal bytes")), ErrCorrupt},
		{"truncated", set([]byte("ori")), ErrCorrupt},
		{"missing", func() error {
			_, err := l.write.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = ?`, f.SHA256)
			return err
		}, ErrNotArchived},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.damage(); err != nil {
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
