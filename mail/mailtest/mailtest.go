// Package mailtest reads back, for tests, the messages duban wrote to a
// folder (the folder transport, a demo mailbox), parsed as a unit's mail
// client would show them.
package mailtest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/duban/duban/mail/inbound"
)

// Sent is one message file and what it says.
type Sent struct {
	Path string
	Raw  []byte
	Msg  *inbound.Message
}

// File parses one message file within lim.
func File(t testing.TB, path string, lim inbound.Limits) Sent {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := inbound.Parse(raw, lim)
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return Sent{Path: path, Raw: raw, Msg: m}
}

// Folder parses every *.eml file directly in dir, in name order, within
// the default limits. A missing folder holds no messages.
func Folder(t testing.TB, dir string) []Sent {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	out := make([]Sent, 0, len(files))
	for _, f := range files {
		out = append(out, File(t, f, inbound.Limits{}))
	}
	return out
}
