package store

import (
	"context"
	"fmt"
	"time"
)

// ToArchive is one file for ArchiveAll.
type ToArchive struct {
	Data         []byte
	Name, Source string
}

// ArchiveAll is Archive for several files in one transaction: all are
// kept or, on an error, none. It returns their records in order.
// Committing once rather than once a file is what makes a batch of
// received files cheap to keep.
func (l *Ledger) ArchiveAll(ctx context.Context, files []ToArchive, now time.Time) ([]File, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	out := make([]File, len(files))
	err := l.inTx(ctx, func(tx *writeTx) error {
		for i, f := range files {
			rec, _, err := archiveIn(ctx, tx, newFile(f.Data, f.Name, f.Source, now), f.Data)
			if err != nil {
				return fmt.Errorf("archive %s: %w", rec.SHA256, err)
			}
			out[i] = rec
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archive %d files: %w", len(files), err)
	}
	return out, nil
}

// Added is what AddSubmissions made of one submission: as AddSubmission
// returns it.
type Added struct {
	Submission Submission
	Duplicate  bool
}

// AddSubmissions is AddSubmission for several submissions, in one
// transaction and in order (each sees those before it, so a file twice
// in the batch is recorded once): all are recorded or, on an error, none.
func (l *Ledger) AddSubmissions(ctx context.Context, subs []Submission) ([]Added, error) {
	news := make([]newSub, len(subs))
	for i, s := range subs {
		n, err := newSubmission(s, nil, time.Time{})
		if err != nil {
			return nil, err
		}
		news[i] = n
	}
	out := make([]Added, len(subs))
	err := l.inTx(ctx, func(tx *writeTx) error {
		for i, n := range news {
			saved, dup, err := n.addIn(ctx, tx)
			if err != nil {
				return n.wrap(err)
			}
			out[i] = Added{Submission: saved, Duplicate: dup}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add %d submissions: %w", len(subs), err)
	}
	return out, nil
}
