package inbound

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
)

// corpusFiles returns the shared corpus of other programs' mail.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	dir := testtools.Shared(t, "corpus/foreign-mail")
	files, err := filepath.Glob(filepath.Join(dir, "*.raw"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .raw files in %s", dir)
	}
	return files
}

type parseResult struct {
	msg *Message
	err error
}

// parseWithin parses raw in a goroutine and fails the test if that takes
// longer than limit.
func parseWithin(t *testing.T, name string, raw []byte, lim Limits, limit time.Duration) (*Message, error) {
	t.Helper()
	done := make(chan parseResult, 1)
	go func() {
		m, err := Parse(raw, lim)
		done <- parseResult{m, err}
	}()
	select {
	case r := <-done:
		return r.msg, r.err
	case <-time.After(limit):
		t.Fatalf("Parse(%s) did not return within %v", name, limit)
		return nil, nil
	}
}

// decision summarises a parse result in one line, as the collector would log it.
func decision(m *Message, err error) string {
	if err != nil {
		return "unreadable: " + err.Error()
	}
	var files []string
	for _, f := range m.Files {
		files = append(files, fmt.Sprintf("%s(%s,%d)", f.Name, f.Kind, f.Size))
	}
	verdict := "no workbook"
	switch {
	case m.Auto != "":
		verdict = "machine mail (" + m.Auto + ")"
	case len(m.Workbooks()) > 0:
		verdict = fmt.Sprintf("%d workbook(s)", len(m.Workbooks()))
	}
	return fmt.Sprintf("%s; from=%q subject=%q files=[%s] text=%dB notes=%q",
		verdict, m.From.Email, m.Subject, strings.Join(files, " "), len(m.Text), m.Notes)
}

// assertNoInternalError fails when a message was only read thanks to the
// panic guard: the corpus must parse without relying on it.
func assertNoInternalError(t *testing.T, name string, m *Message) {
	t.Helper()
	if m == nil {
		return
	}
	for _, n := range m.Notes {
		if strings.Contains(n, "internal error") {
			t.Errorf("Parse(%s) recovered from a panic: %s", name, n)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := parseWithin(t, name, raw, Limits{}, 5*time.Second)
			assertNoInternalError(t, name, m)
			t.Logf("%s: %s", name, decision(m, err))
			if err == nil && len(m.Text) > maxText {
				t.Errorf("Parse(%s) Text is %d bytes, over the cap", name, len(m.Text))
			}
		})
	}
}

// TestCorpusBatch runs every corpus message and then a good reply, the way
// the collector works through a mailbox: the bad ones must not stop the
// last one from giving its workbook.
func TestCorpusBatch(t *testing.T) {
	files := corpusFiles(t)
	good := readFixture(t, "foxmail.eml")
	want := readFixture(t, "reply.xlsx")
	var batch [][]byte
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, raw)
	}
	batch = append(batch, good)
	var last *Message
	for i, raw := range batch {
		m, err := parseWithin(t, fmt.Sprintf("batch[%d]", i), raw, Limits{}, 5*time.Second)
		if err != nil {
			continue
		}
		last = m
	}
	if last == nil {
		t.Fatal("batch: the good reply was not parsed")
	}
	wbs := last.Workbooks()
	if len(wbs) != 1 || !bytes.Equal(wbs[0].Data, want) {
		t.Fatalf("batch: the last message has %d workbooks, want the good reply's one", len(wbs))
	}
}
