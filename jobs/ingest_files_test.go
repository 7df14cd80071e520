package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/duban/duban/reports/reader"
)

// namedBook is a file for an IngestFiles test; a nil data cannot be read.
type namedBook struct {
	name string
	data []byte
}

var errUnreadable = errors.New("unreadable")

func (b namedBook) file() IngestFile {
	return IngestFile{Name: b.name, Read: func() ([]byte, error) {
		if b.data == nil {
			return nil, errUnreadable
		}
		return b.data, nil
	}}
}

// outcome is what a person sees of a decision (what `duban ingest`
// prints), or the read error.
func outcome(r IngestResult) string {
	if r.Err != nil {
		return fmt.Sprintf("unreadable: %v", r.Err)
	}
	d := r.Decision
	var kinds []string
	for _, p := range d.Problems {
		kinds = append(kinds, p.Kind)
	}
	return fmt.Sprintf("%s unit=%s period=%s accepted=%v dup=%v late=%v v%d problems=%v warnings=%d",
		d.FileName, d.Unit.ID, d.Period, d.Accepted, d.Duplicate, d.Late, d.Version, kinds, len(d.Warnings))
}

// testBooks is n units' returned workbooks.
func testBooks(t *testing.T, n int) ([]namedBook, scaleBooks) {
	sb := scaleWorkbooks(t, n)
	books := make([]namedBook, len(sb.paths))
	for i, p := range sb.paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		books[i] = namedBook{name: filepath.Base(p), data: data}
	}
	return books, sb
}

// ingestAll runs IngestFiles and checks the results come once each, in
// order.
func ingestAll(t *testing.T, ctx context.Context, c *Cycle, books []namedBook, emit func(i int)) ([]string, error) {
	var got []string
	err := c.IngestFiles(ctx, bookFiles(books), "cli", func(i int, r IngestResult) error {
		if i != len(got) {
			t.Fatalf("result %d came as the %dth", i, len(got))
		}
		got = append(got, outcome(r))
		if emit != nil {
			emit(i)
		}
		return nil
	})
	return got, err
}

func bookFiles(books []namedBook) []IngestFile {
	files := make([]IngestFile, len(books))
	for i, b := range books {
		files[i] = b.file()
	}
	return files
}

// TestIngestFiles: a batch decides every file as Ingest one at a time
// would, in the order given.
func TestIngestFiles(t *testing.T) {
	books, sb := testBooks(t, ingestBatch+8) // more than a batch
	// A unit's second report (another contact), and the same bytes under
	// another name.
	second, err := reader.Fill(books[1].data, "李娜", "0551-63001234", nil)
	if err != nil {
		t.Fatal(err)
	}
	again := namedBook{name: "second-" + books[1].name, data: second}
	copyOf0 := namedBook{name: "copy-" + books[0].name, data: books[0].data}
	garbage := namedBook{name: "garbage.xlsx", data: []byte("not a workbook")}
	unreadable := namedBook{name: "gone.xlsx"}
	tests := []struct {
		name  string
		books []namedBook
		// budget, when set, is the intake's batch budget in files' worth:
		// batches are cut by bytes before they reach ingestBatch files.
		budget int
	}{
		{"every unit once, over a batch", books, 0},
		{"batches cut by the byte budget", books[:10], 3},
		{"the same file twice", []namedBook{books[0], books[1], copyOf0, books[2]}, 0},
		{"a unit's second report", []namedBook{books[1], books[2], again, books[3]}, 0},
		{"a bad file and an unreadable one among good ones", []namedBook{books[0], garbage, unreadable, books[1]}, 0},
		{"nothing readable", []namedBook{unreadable, unreadable}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ingestBench(t, sb)
			if tc.budget > 0 {
				var budget int64
				for _, b := range tc.books[:tc.budget] {
					budget += int64(len(b.data))
				}
				c.Intake.BatchBytes = budget
				probe := ingestBench(t, sb)
				probe.Intake.BatchBytes = budget
				if ch := probe.readChunk(t.Context(), bookFiles(tc.books), "cli"); len(ch.books) != tc.budget {
					t.Fatalf("a batch with a budget of %d files' bytes took %d files", tc.budget, len(ch.books))
				}
			}
			got, err := ingestAll(t, t.Context(), c, tc.books, nil)
			if err != nil {
				t.Fatal(err)
			}
			// One at a time, as before.
			one := ingestBench(t, sb)
			var want []string
			for _, b := range tc.books {
				if b.data == nil {
					want = append(want, outcome(IngestResult{Err: errUnreadable}))
					continue
				}
				d, err := one.Ingest(t.Context(), b.data, b.name, "cli")
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, outcome(IngestResult{Decision: d}))
			}
			if !slices.Equal(got, want) {
				t.Errorf("IngestFiles decided\n%q\none at a time\n%q", got, want)
			}
		})
	}
}

// TestIngestFilesCancelled: cancelled half-way, every decision made is
// recorded whole with its file archived, the rest records nothing, and a
// second run finishes the work.
func TestIngestFilesCancelled(t *testing.T) {
	books, sb := testBooks(t, ingestBatch+8)
	c := ingestBench(t, sb)
	ctx, cancel := context.WithCancel(t.Context())
	got, err := ingestAll(t, ctx, c, books, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("IngestFiles cancelled = %v, want context.Canceled", err)
	}
	subs, err := c.Ledger.Submissions(t.Context(), benchPeriod.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != len(got) || len(got) != ingestBatch {
		t.Fatalf("%d decisions told, %d recorded; want the first batch's %d", len(got), len(subs), ingestBatch)
	}
	for _, s := range subs {
		if _, ok, err := c.Ledger.ArchivedFile(t.Context(), s.FileSHA256); err != nil || !ok {
			t.Errorf("%s recorded and not archived (%v)", s.FileName, err)
		}
	}
	again, err := ingestAll(t, t.Context(), c, books, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range again {
		dup := i < ingestBatch
		if want := fmt.Sprintf("dup=%v", dup); !containsWord(o, want) || !containsWord(o, "accepted=true") {
			t.Errorf("second run, file %d: %s; want %s", i, o, want)
		}
	}
}

func containsWord(s, w string) bool { return slices.Contains(strings.Fields(s), w) }
