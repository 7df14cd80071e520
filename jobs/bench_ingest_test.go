package jobs

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// benchSecret signs the generated templates, so any fresh ledger accepts
// them (security.token_secret).
var benchSecret = []byte("scale-benchmark-token-secret-0123456789")

// benchPeriod is the period the generated workbooks answer.
var benchPeriod = plan.Period{Year: 2023, Month: time.May}

// scaleBooks is a generated set of returned workbooks: the plan they
// answer and their files on disk, made once per benchmark process.
type scaleBooks struct {
	plan  *plan.Plan
	dir   string
	paths []string
}

var (
	scaleBooksMu sync.Mutex
	scaleBooksBy = map[int]scaleBooks{}
)

// scaleWorkbooks returns units × 15 returned workbooks for benchPeriod,
// each unit's template (built as the reminder builds it) filled with
// ~200-character answers, written under a directory that lives as long
// as the test process.
func scaleWorkbooks(tb testing.TB, units int) scaleBooks {
	tb.Helper()
	scaleBooksMu.Lock()
	defer scaleBooksMu.Unlock()
	if sb, ok := scaleBooksBy[units]; ok {
		return sb
	}
	dir, err := os.MkdirTemp("", "duban-scale-books-")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if _, ok := scaleBooksBy[units]; !ok {
			os.RemoveAll(dir) // failed half-way
		}
	}()
	c, _ := newCycle(tb, scalePlan(units, scale.DefaultTasksPerUnit))
	c.TokenSecret = benchSecret
	ctx := context.Background()
	s, err := c.readPeriod(ctx, benchPeriod, c.templateWants())
	if err != nil {
		tb.Fatal(err)
	}
	build := func(u plan.Unit) (string, []byte, error) {
		tpl, err := c.templateFrom(s, u.ID, benchSecret)
		return tpl.FileName, tpl.Data, err
	}
	paths, err := scale.WriteWorkbooks(dir, c.Plan, build, reader.Fill)
	if err != nil {
		tb.Fatal(err)
	}
	sb := scaleBooks{plan: c.Plan, dir: dir, paths: paths}
	scaleBooksBy[units] = sb
	return sb
}

// TestMain removes the generated workbooks when the process ends.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, sb := range scaleBooksBy {
		os.RemoveAll(sb.dir)
	}
	os.Exit(code)
}

// rawRead is the floor an ingest is measured against: what any reader of
// the files must do, on one core: read each file, open it as a zip and
// run an XML tokenizer over every XML part.
func rawRead(paths []string) error {
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".xml") && !strings.HasSuffix(f.Name, ".rels") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return err
			}
			d := xml.NewDecoder(rc)
			for {
				if _, err = d.Token(); err != nil {
					break
				}
			}
			rc.Close()
			if !errors.Is(err, io.EOF) {
				return err
			}
		}
	}
	return nil
}

// BenchmarkRawRead2000x15 is the raw read of the generated workbooks.
func BenchmarkRawRead2000x15(b *testing.B) {
	sb := scaleWorkbooks(b, scale.Units(b))
	b.ReportAllocs()
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			if err := rawRead(sb.paths); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// ingestBench is a fresh cycle over sb's plan, on an empty ledger, as
// `duban ingest` finds it; the clock stands before the deadline.
func ingestBench(b testing.TB, sb scaleBooks) *Cycle {
	c, clock := newCycle(b, sb.plan)
	c.TokenSecret = benchSecret
	clock.Set(c.Schedule.RemindAt(benchPeriod).Add(24 * time.Hour))
	return c
}

// BenchmarkIngest2000x15 ingests every generated workbook into a fresh
// ledger per iteration, as `duban ingest DIR/*.xlsx` does (IngestFiles),
// and reports the time against a raw read of the same files in the same
// run (x-raw; issue 16: ≤ 3, aim 2).
func BenchmarkIngest2000x15(b *testing.B) { benchmarkIngest(b, ingestFiles) }

// BenchmarkIngestOneByOne2000x15 is the same through Ingest, a file at a
// time: what `duban ingest` did before IngestFiles.
func BenchmarkIngestOneByOne2000x15(b *testing.B) { benchmarkIngest(b, ingestOneByOne) }

func benchmarkIngest(b *testing.B, ingest func(*testing.B, *Cycle, []string) int) {
	sb := scaleWorkbooks(b, scale.Units(b))
	var took, raw, tookCPU, rawCPU time.Duration
	b.ReportAllocs()
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			b.StopTimer()
			c := ingestBench(b, sb)
			start, cpu := time.Now(), testtools.CPUTime()
			b.StartTimer()
			accepted := ingest(b, c, sb.paths)
			b.StopTimer()
			took, tookCPU = took+time.Since(start), tookCPU+testtools.CPUTime()-cpu
			if accepted != len(sb.paths) {
				b.Fatalf("%d of %d workbooks accepted", accepted, len(sb.paths))
			}
			c.Ledger.Close()
			start, cpu = time.Now(), testtools.CPUTime()
			if err := rawRead(sb.paths); err != nil {
				b.Fatal(err)
			}
			raw, rawCPU = raw+time.Since(start), rawCPU+testtools.CPUTime()-cpu
			b.StartTimer()
		}
	})
	b.ReportMetric(float64(took)/float64(raw), "x-raw")
	// CPU time, steadier than the wall clock on a shared machine: of the
	// ingest per op, and as a ratio to the raw read's.
	b.ReportMetric(tookCPU.Seconds()/float64(b.N), "cpu-s/op")
	if rawCPU > 0 {
		b.ReportMetric(float64(tookCPU)/float64(rawCPU), "cpu-x-raw")
	}
}

// ingestOneByOne ingests the files through Ingest and counts the accepted.
func ingestOneByOne(b *testing.B, c *Cycle, paths []string) int {
	accepted := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		d, err := c.Ingest(b.Context(), data, filepath.Base(path), "cli")
		if err != nil {
			b.Fatal(err)
		}
		accepted += countAccepted(b, d)
	}
	return accepted
}

// ingestFiles ingests the files through IngestFiles and counts the accepted.
func ingestFiles(b *testing.B, c *Cycle, paths []string) int {
	accepted := 0
	err := c.IngestFiles(b.Context(), filesOf(paths), "cli", func(_ int, r IngestResult) error {
		if r.Err != nil {
			return r.Err
		}
		accepted += countAccepted(b, r.Decision)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return accepted
}

// filesOf is paths for IngestFiles, read from disk.
func filesOf(paths []string) []IngestFile {
	files := make([]IngestFile, len(paths))
	for i, p := range paths {
		files[i] = IngestFile{Name: filepath.Base(p), Read: func() ([]byte, error) { return os.ReadFile(p) }}
	}
	return files
}

func countAccepted(b *testing.B, d Decision) int {
	if !d.Accepted {
		b.Fatalf("%s refused: %v", d.FileName, d.Problems)
	}
	return 1
}
