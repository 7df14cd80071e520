package inbound

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusSeedDir finds the shared corpus without skipping: the fuzz target
// falls back to the fixtures alone when it is absent.
func corpusSeedDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "corpus", "foreign-mail")
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

func FuzzParse(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "clients", "*.eml"))
	seeds := fixtures
	if dir := corpusSeedDir(); dir != "" {
		raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
		sort.Strings(raws)
		for i, r := range raws {
			if i%4 == 0 { // a handful, spread over the three folders
				seeds = append(seeds, r)
			}
		}
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d\r\n\r\n--x--"))
	lim := Limits{MaxParts: 50, MaxDepth: 6, MaxFileBytes: 1 << 20, MaxHeaderBytes: 16 << 10}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if err != nil {
			return
		}
		for _, n := range m.Notes {
			if strings.Contains(n, "internal error") {
				t.Fatalf("Parse recovered from a panic: %s", n)
			}
		}
		if len(m.Notes) > maxNotes+1 {
			t.Fatalf("Parse made %d notes", len(m.Notes))
		}
		if len(m.Text) > maxText || !utf8.ValidString(m.Text) {
			t.Fatalf("Text is %d bytes, valid UTF-8 %v", len(m.Text), utf8.ValidString(m.Text))
		}
		for _, f := range m.Files {
			if f.Name == "" || utf8.RuneCountInString(f.Name) > maxNameRunes || strings.ContainsAny(f.Name, "/\\\x00") || strings.Contains(f.Name, "..") {
				t.Fatalf("bad file name %q", f.Name)
			}
			if f.TooLarge && f.Data != nil || !f.TooLarge && int64(len(f.Data)) != f.Size {
				t.Fatalf("file %q: TooLarge %v, Size %d, %d bytes of data", f.Name, f.TooLarge, f.Size, len(f.Data))
			}
			if int64(len(f.Data)) > lim.MaxFileBytes {
				t.Fatalf("file %q keeps %d bytes over the limit", f.Name, len(f.Data))
			}
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.From.Name) {
			t.Fatalf("Subject %q or From name %q not valid UTF-8", m.Subject, m.From.Name)
		}
	})
}
