package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/store"
)

// Mailbox is where replies arrive: mailbox.IMAP, or mailbox.Drop offline.
// FetchHeaders lists new messages with their header blocks only; Load reads
// one message, whole or only its first bytes, once its sender is judged.
type Mailbox interface {
	Name() string
	FetchHeaders(ctx context.Context, after mailbox.Cursor, max int) ([]mailbox.Incoming, uint32, error)
	Load(ctx context.Context, in *mailbox.Incoming, limit int64) error
	SettleAll(ctx context.Context, ins []mailbox.Incoming, out mailbox.Outcome) error
}

// CollectResult counts what one poll did.
type CollectResult struct {
	Fetched    int
	Processed  int // every workbook accepted
	Rejected   int // answered with a rejection or a request for the workbook
	Quarantine int // not answered: unknown sender, bounce, unreadable, over a limit; in the office's digest
	Ignored    int // auto-replies: never answered
	Known      int // decided by an earlier run and still in the folder: moved out again, nothing redone
	Settled    int // moved out of the mailbox folder, leftovers of an earlier run included
	Flush      FlushResult
}

// fetchBatch bounds how many messages' headers one fetch lists.
const fetchBatch = 100

// Collect polls the mailbox once: every new message's sender is judged
// from its header, then the message is read (a stranger's only up to
// limits.quarantine_bytes), archived, and — from a unit — its workbooks
// checked, recorded and answered; only then is it moved out of the folder.
// Each step is idempotent, so a crash anywhere is repaired by the next
// poll. One broken message never stops the rest of the batch. Only one
// process at a time collects or ingests on a data directory.
func (c *Cycle) Collect(ctx context.Context, mb Mailbox) (CollectResult, error) {
	var res CollectResult
	name := mb.Name()
	log := c.log().With("mailbox", name)
	unlock, err := c.Ledger.Lock(ctx, store.LockIntake, func() {
		log.Info("waiting for another duban process to finish reading mail on this data directory")
	})
	if err != nil {
		return res, err
	}
	defer unlock()
	// First what a crash left recorded but not moved.
	left, err := c.Ledger.Unsettled(ctx, name)
	if err != nil {
		return res, err
	}
	if err := c.settle(ctx, mb, left); err != nil {
		return res, err
	}
	res.Settled += len(left)
	// Answers leave while later replies are still being read.
	sender := c.startFlusher(ctx)
	defer func() { _, _ = sender.finish() }() // on an early return; the normal path reports it

	fetches := &prefetcher{mb: mb}
	defer fetches.wait()
	var moves mover
	defer func() { _ = moves.wait() }() // on an early return
	for {
		batch, err := fetches.next(ctx, c.Ledger)
		if err != nil {
			return res, fmt.Errorf("fetching from %s: %w", name, err)
		}
		var done []store.InMessage // recorded, to be moved once the batch is decided
		err = c.intake(ctx, mb, batch, func(a arrival, rec store.InMessage) {
			res.Fetched++
			sender.poke()
			switch {
			case a.recorded != nil:
				res.Known++
			case rec.Outcome == store.InQuarantine:
				res.Quarantine++
			case rec.Outcome == store.InRejected:
				res.Rejected++
			case strings.HasPrefix(rec.Note, noteIgnored):
				res.Ignored++
			default:
				res.Processed++
			}
			// A message decided earlier that is still in the folder (a
			// move that failed or was undone, a file dropped again) is
			// moved out again.
			done = append(done, rec)
			if a.recorded == nil {
				log.Info("received", "key", a.in.Key, "from", rec.From, "outcome", rec.Outcome, "unit", rec.Unit, "period", rec.Period, "note", rec.Note)
			}
		})
		if err != nil {
			return res, err
		}
		sender.poke() // the batch's answers are committed now
		// Moving comes after every decision of the batch is committed, in
		// one command per outcome.
		if err := moves.wait(); err != nil {
			return res, err
		}
		if len(batch) > 0 && batch[len(batch)-1].UID != 0 {
			moves.start(ctx, c, mb, done)
		} else if err := c.settle(ctx, mb, done); err != nil {
			return res, err // the drop folder lists what is still there: settle first
		}
		res.Settled += len(done)
		if len(batch) < fetchBatch {
			break
		}
	}
	if err := moves.wait(); err != nil {
		return res, err
	}
	res.Flush, err = c.drain(ctx, sender)
	return res, err
}

// prefetcher lists the next batch of an IMAP folder while the current one
// is being handled: the batch after one of UIDs u1…un is the one after un.
// A mailbox without UIDs (the drop folder) lists what is still there, so
// its next batch is listed only once the current one is settled.
type prefetcher struct {
	mb      Mailbox
	pending chan fetched
}

type fetched struct {
	batch []mailbox.Incoming
	err   error
}

// next returns the prefetched batch, or fetches one after the ledger's
// cursor, and starts fetching the one after it where it can.
func (p *prefetcher) next(ctx context.Context, ledger *store.Ledger) ([]mailbox.Incoming, error) {
	var f fetched
	if p.pending != nil {
		f, p.pending = <-p.pending, nil
	} else {
		validity, uid, err := ledger.Cursor(ctx, p.mb.Name())
		if err != nil {
			return nil, err
		}
		f.batch, _, f.err = p.mb.FetchHeaders(ctx, mailbox.Cursor{UIDValidity: validity, UID: uid}, fetchBatch)
	}
	if f.err != nil || len(f.batch) < fetchBatch {
		return f.batch, f.err
	}
	last := f.batch[len(f.batch)-1]
	if last.UID == 0 {
		return f.batch, nil
	}
	p.pending = make(chan fetched, 1)
	go func(ch chan<- fetched) {
		b, _, err := p.mb.FetchHeaders(ctx, mailbox.Cursor{UIDValidity: last.UIDValidity, UID: last.UID}, fetchBatch)
		ch <- fetched{b, err}
	}(p.pending)
	return f.batch, nil
}

// wait lets a fetch under way finish, so that none outlives the collect.
func (p *prefetcher) wait() {
	if p.pending != nil {
		<-p.pending
		p.pending = nil
	}
}

// mover moves a decided batch out of an IMAP folder while the next batch
// is read and decided; one batch at a time, in order. The decisions it
// moves are committed before it starts, as settle requires.
type mover struct {
	pending chan error
}

func (m *mover) start(ctx context.Context, c *Cycle, mb Mailbox, recs []store.InMessage) {
	ch := make(chan error, 1)
	m.pending = ch
	go func() { ch <- c.settle(ctx, mb, recs) }()
}

// wait returns once the batch under way, if any, is moved.
func (m *mover) wait() error {
	if m.pending == nil {
		return nil
	}
	err := <-m.pending
	m.pending = nil
	return err
}

// settle moves recorded messages out of the mailbox folder, grouped by
// outcome, and marks them settled.
func (c *Cycle) settle(ctx context.Context, mb Mailbox, recs []store.InMessage) error {
	byOutcome := map[string][]store.InMessage{}
	var outcomes []string
	for _, m := range recs {
		if _, ok := byOutcome[m.Outcome]; !ok {
			outcomes = append(outcomes, m.Outcome)
		}
		byOutcome[m.Outcome] = append(byOutcome[m.Outcome], m)
	}
	if len(recs) > 0 {
		// What was decided must outlive a power cut before the message
		// leaves the folder.
		if err := c.Ledger.Sync(ctx); err != nil {
			return err
		}
		crashpoint.Hit("ingest.before-move") // test hook: decided and synced, still in the folder
	}
	for _, outcome := range outcomes {
		group := byOutcome[outcome]
		ins := make([]mailbox.Incoming, len(group))
		for i, m := range group {
			ins[i] = mailbox.Incoming{Key: m.Key, UIDValidity: m.UIDValidity, UID: m.UID, Note: m.Note}
		}
		err := mb.SettleAll(ctx, ins, mailbox.Outcome(outcome))
		switch {
		case errors.Is(err, mailbox.ErrUIDValidityChanged):
			// The UIDs may now name other messages: leave the folder alone.
			// Messages still there come back under the new UIDVALIDITY and
			// are recognised by their content.
			c.log().Warn("mailbox UIDVALIDITY changed; messages left in place", "count", len(group))
		case err != nil:
			return fmt.Errorf("moving %d messages to %s: %w", len(group), outcome, err)
		}
		crashpoint.Hit("ingest.after-move") // test hook: moved, not yet marked settled
		var ids []int64
		for _, m := range group {
			if !m.Settled {
				ids = append(ids, m.ID)
			}
		}
		if err := c.Ledger.MarkSettled(ctx, ids...); err != nil {
			return err
		}
	}
	return nil
}

// IngestMessage handles an .eml file from disk exactly as if it had come
// from the mailbox, recorded under the mailbox "cli".
func (c *Cycle) IngestMessage(ctx context.Context, raw []byte, name string) (store.InMessage, FlushResult, error) {
	return c.ingestMessage(ctx, raw, int64(len(raw)), sha256.Sum256(raw), name, rawMailbox{raw})
}

// IngestMessageFrom is IngestMessage for a message read on demand: head
// holds at least its header block, size and sum are the size and SHA-256
// of the whole message, and load returns its first limit bytes (all of it
// when it is shorter). Like mail from the mailbox, a message is read whole
// only once its sender is judged.
func (c *Cycle) IngestMessageFrom(ctx context.Context, head []byte, size int64, sum [sha256.Size]byte, name string, load func(limit int64) ([]byte, error)) (store.InMessage, FlushResult, error) {
	return c.ingestMessage(ctx, head, size, sum, name, fileMailbox{load})
}

func (c *Cycle) ingestMessage(ctx context.Context, raw []byte, size int64, sum [sha256.Size]byte, name string, mb loader) (store.InMessage, FlushResult, error) {
	unlock, err := c.Ledger.Lock(ctx, store.LockIntake, func() {
		c.log().Info("waiting for another duban process to finish reading mail on this data directory")
	})
	if err != nil {
		return store.InMessage{}, FlushResult{}, fmt.Errorf("ingesting %s: %w", name, err)
	}
	defer unlock()
	in := mailbox.Incoming{Key: "file:" + hex.EncodeToString(sum[:]), Received: c.now(), Size: size}
	in.Header, in.HeaderCut = mailbox.HeaderBlock(raw, c.intakeLimits().header)
	var rec store.InMessage
	err = c.intake(ctx, mb, []mailbox.Incoming{in}, func(_ arrival, r store.InMessage) { rec = r })
	if err != nil {
		return rec, FlushResult{}, fmt.Errorf("ingesting %s: %w", name, err)
	}
	if !rec.Settled {
		if err := c.Ledger.MarkSettled(ctx, rec.ID); err != nil {
			return rec, FlushResult{}, err
		}
	}
	flush, err := c.Flush(ctx)
	return rec, flush, err
}

// rawMailbox is the mailbox of one message given whole (an .eml file).
type rawMailbox struct{ raw []byte }

func (rawMailbox) Name() string { return "cli" }

func (m rawMailbox) Load(_ context.Context, in *mailbox.Incoming, limit int64) error {
	in.Raw, in.Truncated = m.raw, in.Size > limit || int64(len(m.raw)) > limit
	if int64(len(in.Raw)) > limit {
		in.Raw = m.raw[:limit:limit]
	}
	return nil
}

// fileMailbox is the mailbox of one message read on demand (a file).
type fileMailbox struct {
	load func(limit int64) ([]byte, error)
}

func (fileMailbox) Name() string { return "cli" }

func (m fileMailbox) Load(_ context.Context, in *mailbox.Incoming, limit int64) error {
	raw, err := m.load(limit)
	if err != nil {
		return fmt.Errorf("load %s: %w: %w", in.Key, mailbox.ErrUnreadable, err)
	}
	in.Raw, in.Truncated = raw, in.Size > limit
	return nil
}
