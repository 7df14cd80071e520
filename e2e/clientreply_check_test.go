package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/duban/duban/internal/testtools"
)

// clientFixtures are the real clients' replies the e2e test imitates.
var clientFixtures = []string{"foxmail", "outlook", "qqmail", "applemail", "netease163", "coremail", "forwarded"}

// readFixture returns a client fixture, or nil (logged) when another
// engineer has not written it yet.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(clientsDir, name+".eml"))
	if err != nil {
		t.Logf("client fixture %s missing, skipped: %v", name, err)
		return nil
	}
	return raw
}

// TestRewriteReply runs without servers: every fixture, rewritten, reads
// back (go-message) with the new sender, recipient, threading and workbook
// and the old subject; and rewriting it back with the fixture's own values
// gives the fixture byte for byte, so nothing else was touched.
func TestRewriteReply(t *testing.T) {
	book := testtools.ZipOf(t, testtools.ZipEntry{Name: "[Content_Types].xml", Content: []byte("a workbook of 市交通运输局 with enough text to wrap " + string(bytes.Repeat([]byte("推进"), 200)))})
	edit := replyEdit{
		From:      person{Name: "刘洋", Email: "liu.yang@jtj.metro.example"},
		To:        person{Name: "都市圈办公室", Email: dubanAddr},
		InReplyTo: "reminder.2023-05.jtj@metro.example",
		MessageID: "e2e.jtj.1@jtj.metro.example",
		Workbook:  book,
	}
	for _, name := range clientFixtures {
		t.Run(name, func(t *testing.T) {
			raw := readFixture(t, name)
			if raw == nil {
				t.Skip("fixture missing")
			}
			orig := mustParse(t, raw)
			if len(orig.Files) != 1 {
				t.Fatalf("fixture %s has %d files, want 1", name, len(orig.Files))
			}
			out, err := rewriteReply(raw, edit)
			if err != nil {
				t.Fatalf("rewriteReply(%s) error = %v", name, err)
			}
			got := mustParse(t, out)
			if got.From != edit.From || !slices.Equal(got.To, []string{dubanAddr}) || got.MessageID != edit.MessageID {
				t.Errorf("rewriteReply(%s) From, To, Message-ID = %+v, %v, %q; want %+v, [%s], %q", name, got.From, got.To, got.MessageID, edit.From, dubanAddr, edit.MessageID)
			}
			wantThread := []string(nil)
			if len(orig.InReplyTo) > 0 {
				wantThread = []string{edit.InReplyTo}
			}
			if !slices.Equal(got.InReplyTo, wantThread) {
				t.Errorf("rewriteReply(%s) In-Reply-To = %v, want %v", name, got.InReplyTo, wantThread)
			}
			if got.Subject != orig.Subject {
				t.Errorf("rewriteReply(%s) Subject = %q, want the fixture's %q", name, got.Subject, orig.Subject)
			}
			if len(got.Files) != 1 || !bytes.Equal(got.Files[0].Data, book) || got.Files[0].Name != orig.Files[0].Name {
				t.Errorf("rewriteReply(%s) files = %d, want the new workbook under the fixture's name %q", name, len(got.Files), orig.Files[0].Name)
			}

			back := replyEdit{From: orig.From, To: person{Name: "都市圈办公室", Email: dubanAddr}, MessageID: orig.MessageID, Workbook: orig.Files[0].Data}
			if len(orig.InReplyTo) > 0 {
				back.InReplyTo = orig.InReplyTo[0]
			}
			again, err := rewriteReply(out, back)
			if err != nil {
				t.Fatalf("rewriteReply back error = %v", err)
			}
			if !bytes.Equal(again, raw) {
				t.Errorf("rewriting %s back with its own values changed it:\n%s", name, firstDiff(raw, again))
			}
		})
	}
}

// firstDiff shows where two messages start to differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return "want …" + string(a[from:min(len(a), i+120)]) + "…\ngot  …" + string(b[from:min(len(b), i+120)]) + "…"
}
