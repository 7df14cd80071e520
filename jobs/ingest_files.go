package jobs

import (
	"context"
	"fmt"

	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// IngestFile is one file for IngestFiles.
type IngestFile struct {
	Name string                 // the name recorded with it (a base name)
	Read func() ([]byte, error) // its bytes; an error is this file's, the others go on
}

// IngestResult is what became of one file of IngestFiles: its decision,
// or the error reading it (then nothing of it was kept).
type IngestResult struct {
	Decision Decision
	Err      error
}

// ingestBatch is how many files IngestFiles reads, archives and parses
// together and then judges and records in one transaction; a batch also
// ends once its files reach the intake's batch budget (limits.
// max_batch_bytes, as for a collect), so at most that plus one file's
// bytes are held at once, whatever their sizes. Only the batch being read
// holds bytes; the two others held (one waiting, one judged) hold parsed
// workbooks, bounded by the reader's limits.
const ingestBatch = 32

// IngestFiles is Ingest for many files, with the same guarantees and
// results, in far less time: files are read and archived a batch at a
// time (one transaction), then parsed on every core, while the batch
// before is judged and its decisions recorded in one transaction. The
// bytes of a file are archived before they are parsed. emit gets each
// file's result in the order of files, once its decision is recorded;
// an error from emit stops the run. On an error (or a cancelled ctx)
// the batch being judged records nothing; the files archived stay
// archived, and IngestFiles returns the error.
func (c *Cycle) IngestFiles(ctx context.Context, files []IngestFile, source string, emit func(i int, r IngestResult) error) error {
	ctx, cancel := context.WithCancel(ctx)
	chunks := make(chan ingestChunk, 1)
	go func() {
		defer close(chunks)
		for start := 0; start < len(files); {
			ch := c.readChunk(ctx, files[start:min(start+ingestBatch, len(files))], source)
			ch.start = start
			start += len(ch.books)
			select {
			case chunks <- ch:
			case <-ctx.Done():
				return
			}
			if ch.err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range chunks { // the reader stops; wait for it to let go of the ledger
		}
	}()
	for ch := range chunks {
		if ch.err != nil {
			return ch.err
		}
		results, err := c.decideChunk(ctx, ch)
		if err != nil {
			return err
		}
		for j, r := range results {
			if err := emit(ch.start+j, r); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// ingestChunk is a batch of files read, archived and parsed.
type ingestChunk struct {
	start   int
	books   []workbook
	readErr []error // a file that could not be read has no workbook
	err     error   // archiving failed: the run stops
}

// readChunk reads the first of files, up to the batch budget (at least
// one), archives them in one transaction and only then parses them, on
// every core. The chunk's books are as many as the files it took.
func (c *Cycle) readChunk(ctx context.Context, files []IngestFile, source string) ingestChunk {
	budget := c.intakeLimits().BatchBytes
	var (
		data   [][]byte
		todo   []store.ToArchive
		at     []int
		held   int64
		errs   []error
		chosen []IngestFile
	)
	for i, f := range files {
		if i > 0 && held >= budget {
			break
		}
		d, err := f.Read()
		data, errs, chosen = append(data, d), append(errs, err), append(chosen, f)
		if err == nil {
			todo = append(todo, store.ToArchive{Data: d, Name: f.Name, Source: source})
			at = append(at, i)
			held += int64(len(d))
		}
	}
	files = chosen
	ch := ingestChunk{books: make([]workbook, len(files)), readErr: errs}
	recs, err := c.Ledger.ArchiveAll(ctx, todo, c.now())
	if err != nil {
		ch.err = fmt.Errorf("archiving %s and the %d files after it: %w", files[0].Name, len(files)-1, err)
		return ch
	}
	err = parallel(ctx, len(at), func(k int) error {
		i := at[k]
		ch.books[i] = workbook{name: files[i].Name, source: source, sha256: recs[k].SHA256, parsed: reader.Parse(data[i], c.Limits)}
		return nil
	})
	if err != nil {
		ch.err = err
	}
	return ch
}

// decideChunk judges a batch in order and records its decisions in one
// transaction, under the intake lock. A file is judged on the ledger as
// the files before it left it, as Ingest one by one would: when it is
// the same file as one pending in the batch, or for the same unit (its
// earlier answers, its versions), the pending ones are recorded first.
func (c *Cycle) decideChunk(ctx context.Context, ch ingestChunk) ([]IngestResult, error) {
	unlock, err := c.Ledger.Lock(ctx, store.LockIntake, func() {
		c.log().Info("waiting for another duban process to finish reading mail on this data directory")
	})
	if err != nil {
		return nil, fmt.Errorf("ingesting: %w", err)
	}
	defer unlock()
	out := make([]IngestResult, len(ch.books))
	var (
		pending []evaluation
		at      []int
		files   = map[string]bool{}
		units   = map[string]bool{}
	)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		subs := make([]store.Submission, len(pending))
		for k, ev := range pending {
			subs[k] = ev.sub
		}
		added, err := c.Ledger.AddSubmissions(ctx, subs)
		if err != nil {
			return fmt.Errorf("recording the decisions on %s and the %d files after it: %w", pending[0].wb.name, len(pending)-1, err)
		}
		for k, a := range added {
			out[at[k]].Decision = c.recorded(pending[k], a.Submission, a.Duplicate)
		}
		pending, at = pending[:0], at[:0]
		clear(files)
		clear(units)
		return nil
	}
	now := c.now()
	for i, wb := range ch.books {
		if out[i].Err = ch.readErr[i]; out[i].Err != nil {
			continue
		}
		if files[wb.sha256] {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		ev, err := c.evaluate(ctx, wb, nil, now)
		if err == nil && ev.final == nil && ev.sub.Unit != "" && units[ev.sub.Unit] {
			if err = flush(); err == nil {
				ev, err = c.evaluate(ctx, wb, nil, now)
			}
		}
		if err != nil {
			return nil, err
		}
		if ev.final != nil {
			out[i].Decision = *ev.final
			continue
		}
		pending, at = append(pending, ev), append(at, i)
		files[wb.sha256], units[ev.sub.Unit] = true, ev.sub.Unit != ""
	}
	return out, flush()
}
