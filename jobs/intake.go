package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/internal/limit"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
)

// IntakeLimits bound what the mailbox can make a collect do, beyond the
// MIME bounds of inbound.Limits and the workbook bounds of reports.Limits.
// A zero field takes its default.
type IntakeLimits struct {
	Attachments     int   // files of one message looked at; default 10
	BatchBytes      int64 // messages held in memory at once; default 64 MiB (one message always fits)
	QuarantineBytes int64 // of a message not read (a stranger's), archived; default 1 MiB
	SenderPerHour   int   // a sender's messages answered within an hour; default 20
	RetentionDays   int   // strangers' messages kept; default 90
}

// Defaults of IntakeLimits.
const (
	DefaultMaxAttachments  = 10
	DefaultBatchBytes      = 64 << 20
	DefaultQuarantineBytes = 1 << 20
	DefaultSenderPerHour   = 20
	DefaultRetentionDays   = 90
)

// maxIntakeAttempts is how many times a message is taken up without a
// decision (the process died while reading it) before it is set aside.
const maxIntakeAttempts = 3

// limits are the effective intake limits.
type limits struct {
	IntakeLimits
	message int64 // a whole message
	header  int   // a header block
}

func (c *Cycle) intakeLimits() limits {
	l := limits{IntakeLimits: c.Intake}
	l.Attachments = limit.Or(l.Attachments, DefaultMaxAttachments)
	l.BatchBytes = limit.Or(l.BatchBytes, DefaultBatchBytes)
	l.QuarantineBytes = limit.Or(l.QuarantineBytes, DefaultQuarantineBytes)
	l.SenderPerHour = limit.Or(l.SenderPerHour, DefaultSenderPerHour)
	l.RetentionDays = limit.Or(l.RetentionDays, DefaultRetentionDays)
	l.message = limit.Or(c.Inbound.MaxMessageBytes, inbound.DefaultMaxMessageBytes)
	l.header = limit.Or(c.Inbound.MaxHeaderBytes, inbound.DefaultMaxHeaderBytes)
	return l
}

// class is what a message is judged to be from its header alone, before
// anything else of it is read.
type class int

const (
	classUnit       class = iota // from a unit's contact or domain: read whole, checked, answered
	classStranger                // nobody's contact: quarantined unread
	classMachine                 // machine mail (an auto-reply) from nobody's contact: ignored
	classBounce                  // a delivery failure report: quarantined, the office told
	classUnreadable              // no readable header, or the mailbox cannot give it
	classSpoofed                 // a contact's address, but the receiving server's DMARC check failed
	classFlood                   // a contact over the per-sender limit: archived unanswered
	classTooLarge                // a unit's message over the size limit: the unit is told
	classStuck                   // the process died reading it before: set aside
)

// verdict is the judgement of a message from its header.
type verdict struct {
	class  class
	env    *inbound.Message // the header's fields; nil when unreadable
	unit   plan.Unit        // classUnit, classFlood, classTooLarge
	thread threadRef
	note   string // for the record, in English
	office string // what the office's daily digest says of it, "" for nothing
	limit  int64  // bytes of the message to read and archive
}

// stranger reports whether the message is kept only for the retention
// period: it was never read as a unit's.
func (v verdict) stranger() bool {
	switch v.class {
	case classStranger, classMachine, classSpoofed, classBounce:
		return true
	}
	return false
}

// judge decides what a message is from its header alone: who sent it
// (exact contact first, then the thread of ours it answers, then an allowed
// domain), whether a machine did, and how much of it to read. Nothing of
// the body is read to decide this. sent counts this batch's messages per
// sender, for the per-sender limit.
func (c *Cycle) judge(ctx context.Context, in mailbox.Incoming, sent map[string]int) (verdict, error) {
	lim := c.intakeLimits()
	q := lim.QuarantineBytes
	switch {
	case in.ReadErr != "":
		return verdict{class: classUnreadable, note: "unreadable: " + in.ReadErr, office: "无法读取的邮件文件"}, nil
	case in.HeaderCut:
		return verdict{class: classUnreadable, limit: q, office: "邮件头过长，无法解析",
			note: fmt.Sprintf("unreadable: header block larger than %d bytes", lim.header)}, nil
	}
	env, err := inbound.ParseHeader(in.Header, c.Inbound)
	if err != nil {
		return verdict{class: classUnreadable, limit: q, note: "unreadable: " + err.Error(), office: "无法解析的邮件"}, nil
	}
	v := verdict{env: env, thread: c.threadOf(ctx, env)}
	if env.Auto == inbound.AutoBounce {
		v.class, v.limit, v.note, v.office = classBounce, q, "bounce", "退信（可能有单位未收到邮件）"
		return v, nil
	}
	units, _ := c.Plan.Sender(env.From.Email)
	if len(units) == 0 {
		v.class, v.limit, v.note, v.office = classStranger, q, "sender not registered", "未登记的发件人"
		if env.Auto != "" {
			v.class, v.note, v.office = classMachine, noteIgnored+env.Auto+" from an unregistered sender", ""
		}
		return v, nil
	}
	v.unit = units[0]
	for _, u := range units {
		if u.ID == v.thread.unit {
			v.unit = u
		}
	}
	if env.Auth.DMARC == "fail" {
		v.class, v.limit = classSpoofed, q
		v.note = "dmarc=fail reported by the receiving server"
		if env.Auth.AuthServID != "" {
			v.note += " " + env.Auth.AuthServID
		}
		v.office = "发件地址属于" + v.unit.Name + "，但收件服务器的 DMARC 校验未通过（可能被冒用）"
		return v, nil
	}
	key, _ := plan.AddressKey(env.From.Email)
	received := in.Received
	if received.IsZero() {
		received = c.now()
	}
	before, err := c.Ledger.SenderMessages(ctx, env.From.Email, received.Add(-time.Hour), received)
	if err != nil {
		return v, err
	}
	sent[key]++
	if before+sent[key] > lim.SenderPerHour {
		v.class, v.limit = classFlood, q
		v.note = fmt.Sprintf("over the limit of %d messages an hour from this sender: archived, not read or answered", lim.SenderPerHour)
		v.office = fmt.Sprintf("一小时内来信超过 %d 封，超出部分已存档，未处理、未回复", lim.SenderPerHour)
		return v, nil
	}
	if in.Size > lim.message {
		v.class, v.limit = classTooLarge, q
		v.note = fmt.Sprintf("too large: %d bytes, over the limit of %d", in.Size, lim.message)
		return v, nil
	}
	v.class, v.limit = classUnit, lim.message
	return v, nil
}

// arrival is a fetched message, judged, read, archived and parsed, with its
// workbooks parsed too: everything about it that needs no decision, so that
// it can be done for many messages at once on every core.
type arrival struct {
	in       mailbox.Incoming
	verdict  verdict
	recorded *store.InMessage // already decided in an earlier run
	gone     bool             // left the mailbox meanwhile: nothing to do
	received time.Time
	rawSHA   string
	msg      *inbound.Message
	parseErr error
	books    []workbook // the workbook-like files
	others   []string   // names of the other files
	skipped  int        // files not looked at (over limits.max_attachments)
	held     int64      // bytes of the batch budget this message holds
	mailbox  string     // the name of the mailbox it came from
}

// loader reads messages of a mailbox: the part of Mailbox intake needs.
type loader interface {
	Name() string
	Load(ctx context.Context, in *mailbox.Incoming, limit int64) error
}

// batchLoader is a mailbox that reads many messages in one exchange with
// its server (mailbox.IMAP): what Load does for each, in one round trip.
type batchLoader interface {
	LoadAll(ctx context.Context, ins []*mailbox.Incoming, limit int64) ([]error, error)
}

// intake handles a fetched batch: each message is judged from its header
// in order; then, a chunk of messages within the batch budget at a time,
// the chunk is read, archived in one transaction, parsed on every core and
// decided in order in one more; use gets each message with its record.
func (c *Cycle) intake(ctx context.Context, mb loader, batch []mailbox.Incoming, use func(arrival, store.InMessage)) error {
	name := mb.Name()
	arrivals := make([]arrival, len(batch))
	sent := map[string]int{}
	for i, in := range batch {
		a := &arrivals[i]
		a.in, a.mailbox = in, name
		rec, found, err := c.Ledger.InboundByKey(ctx, name, in.Key)
		if err != nil {
			return err
		}
		if found {
			a.recorded = &rec
			continue
		}
		if a.verdict, err = c.judge(ctx, in, sent); err != nil {
			return fmt.Errorf("judging %s: %w", in.Key, err)
		}
		// The message and its decoded files: about twice what is read.
		a.held = 2 * min(a.in.Size, a.verdict.limit)
	}
	// Chunks within the batch budget (a message larger than the whole
	// budget is a chunk of its own), the next read and archived while one
	// is decided, as long as both fit in the budget together.
	total := c.intakeLimits().BatchBytes
	var chunks [][]arrival
	for start := 0; start < len(arrivals); {
		end, held := start+1, arrivals[start].held
		for end < len(arrivals) && end-start < chunkMessages && held+arrivals[end].held <= total {
			held += arrivals[end].held
			end++
		}
		chunks = append(chunks, arrivals[start:end])
		start = end
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	budget := newBudget(total)
	type readChunk struct {
		as       []arrival
		held     int64
		archived int
		err      error
	}
	ready := make(chan readChunk, 1)
	go func() {
		defer close(ready)
		for j, as := range chunks {
			r := readChunk{as: as}
			for _, a := range as {
				r.held += a.held
			}
			if r.err = budget.acquire(ctx, j, r.held); r.err == nil {
				r.archived, r.err = c.readMessages(ctx, mb, as)
			}
			ready <- r
			if r.err != nil {
				return
			}
		}
	}()
	// A parser takes each chunk as soon as it is archived and the one
	// before it is parsed, so that parsing runs ahead of deciding instead
	// of starting over at every chunk. It holds no more chunks than the
	// reader: each keeps its share of the budget until it is decided.
	parsed := make(chan *parsedChunk, 1)
	go func() {
		defer close(parsed)
		for r := range ready {
			p := &parsedChunk{held: r.held, err: r.err}
			if r.err != nil {
				parsed <- p
				return
			}
			for range r.archived {
				crashpoint.Hit("ingest.after-archive") // test hook: archived, not parsed
			}
			as := r.as
			p.prepared = newPrepared(len(as))
			parsed <- p // decided in order as its messages come ready
			p.prepare(ctx, func(i int) (arrival, error) {
				a := as[i]
				as[i] = arrival{} // the worker holds it now
				return c.parse(ctx, a)
			})
		}
	}()
	defer func() {
		cancel()
		for range parsed { // the reader and parser stop at their next step once cancelled
		}
	}()
	for p := range parsed {
		if p.err != nil {
			return p.err
		}
		err := c.decideMessages(ctx, mb.Name(), p.prepared, use)
		budget.release(p.held)
		if err != nil {
			return err
		}
	}
	return nil
}

// parsedChunk is a chunk handed from the parser to the decider.
type parsedChunk struct {
	*prepared
	held int64
	err  error // of reading it
}

// chunkMessages bounds the messages of a chunk, so that a batch is read in
// a few exchanges that overlap with deciding.
const chunkMessages = 25

// readMessages reads the judged messages of a chunk and archives them before
// anything parses them, in one transaction. It returns how many it
// archived.
func (c *Cycle) readMessages(ctx context.Context, mb loader, as []arrival) (int, error) {
	if err := c.load(ctx, mb, as); err != nil {
		return 0, err
	}
	actx, archive := c.Ledger.Batch(ctx)
	var err error
	archived := 0
	for i := range as {
		if as[i].recorded != nil || as[i].gone {
			continue
		}
		if err = c.archive(actx, mb.Name(), &as[i]); err != nil {
			break
		}
		archived++
	}
	if cerr := archive.Commit(); err == nil {
		err = cerr
	}
	return archived, err
}

// decideMessages decides on a chunk's messages in order as they come
// parsed, in one transaction (which gives way to the sender marking its
// mail sent, and is committed whenever it waits for a parse).
func (c *Cycle) decideMessages(ctx context.Context, name string, p *prepared, use func(arrival, store.InMessage)) error {
	dctx, decide := c.Ledger.Batch(ctx)
	defer decide.Rollback()
	decided := 0
	err := p.each(ctx, decide.Yield, func(a arrival) error {
		if a.gone {
			return nil
		}
		rec, err := c.receive(dctx, name, a)
		if err != nil {
			return fmt.Errorf("receiving %s: %w", a.in.Key, err)
		}
		if a.recorded == nil {
			decided++
		}
		use(a, rec)
		return nil
	})
	// What was decided before an error stands, as it would with a
	// transaction per message.
	if cerr := decide.Commit(); err == nil {
		err = cerr
	} else if cerr != nil {
		return errors.Join(err, cerr)
	}
	for range decided {
		crashpoint.Hit("ingest.after-commit") // test hook: decision committed, message not moved
	}
	return err
}

// prepared holds n messages being prepared on every core, each handed on
// in order as soon as it is ready (each), so that deciding (one message
// at a time: decisions are ordered) overlaps with preparing the ones after
// it.
type prepared struct {
	out   []arrival
	errs  []error
	ready []chan struct{}
}

func newPrepared(n int) *prepared {
	p := &prepared{out: make([]arrival, n), errs: make([]error, n), ready: make([]chan struct{}, n)}
	for i := range p.ready {
		p.ready[i] = make(chan struct{})
	}
	return p
}

// prepare prepares every message on every core, in order, and returns
// once they are all ready or one failed (or ctx is done).
func (p *prepared) prepare(ctx context.Context, prepare func(i int) (arrival, error)) {
	// Its error is one of errs, met by each in order.
	_ = parallel(ctx, len(p.out), func(i int) error {
		p.out[i], p.errs[i] = prepare(i)
		close(p.ready[i])
		return p.errs[i]
	})
}

// each hands every prepared message to use in order. Before it waits for
// a message not ready yet it calls idle. It returns the first error, of
// preparing, idle or use.
func (p *prepared) each(ctx context.Context, idle func() error, use func(arrival) error) error {
	// parallel hands out indexes in order and finishes each it hands out,
	// so every message before a failed one is ready.
	for i := range p.out {
		select {
		case <-p.ready[i]:
		default:
			if err := idle(); err != nil {
				return err
			}
			select {
			case <-p.ready[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if p.errs[i] != nil {
			return p.errs[i]
		}
		a := p.out[i]
		p.out[i] = arrival{} // let its bytes go once decided
		if err := use(a); err != nil {
			return err
		}
	}
	return nil
}

// load reads as much of each judged message of a chunk as its verdict
// allows: with one exchange per size limit where the mailbox can.
func (c *Cycle) load(ctx context.Context, mb loader, as []arrival) error {
	byLimit := map[int64][]*arrival{}
	var limits []int64
	for i := range as {
		a := &as[i]
		if a.recorded != nil || a.verdict.limit <= 0 {
			continue
		}
		if _, ok := byLimit[a.verdict.limit]; !ok {
			limits = append(limits, a.verdict.limit)
		}
		byLimit[a.verdict.limit] = append(byLimit[a.verdict.limit], a)
	}
	for _, limit := range limits {
		group := byLimit[limit]
		errs := make([]error, len(group))
		if bl, ok := mb.(batchLoader); ok && len(group) > 1 {
			ins := make([]*mailbox.Incoming, len(group))
			for i, a := range group {
				ins[i] = &a.in
			}
			var err error
			if errs, err = bl.LoadAll(ctx, ins, limit); err != nil {
				return err
			}
		} else {
			for i, a := range group {
				errs[i] = mb.Load(ctx, &a.in, limit)
			}
		}
		for i, a := range group {
			switch err := errs[i]; {
			case errors.Is(err, mailbox.ErrGone):
				a.gone = true
			case errors.Is(err, mailbox.ErrUnreadable):
				// The mailbox cannot give this one: set it aside with the
				// reason rather than try it again at every poll.
				a.verdict = verdict{class: classUnreadable, env: a.verdict.env, note: "unreadable: " + err.Error(), office: "邮箱服务器无法读取该邮件"}
			case err != nil:
				return err
			}
		}
	}
	return nil
}

// archive archives what was read of a message (counting the attempt)
// before anything parses it; a message taken up too often without a
// decision is set aside.
func (c *Cycle) archive(ctx context.Context, name string, a *arrival) error {
	a.received = a.in.Received
	if a.received.IsZero() {
		a.received = c.now()
	}
	v := &a.verdict
	raw := a.in.Raw
	if raw == nil {
		// Nothing of it could be read: the record of what was seen.
		raw = fmt.Appendf(nil, "message %s of %d bytes not read: %s\n", a.in.Key, a.in.Size, v.note)
	}
	f, attempts, err := c.Ledger.ArchiveReceived(ctx, raw, "mail:"+name+":"+a.in.Key, c.now(), name, a.in.Key)
	if err != nil {
		return fmt.Errorf("archiving %s: %w", a.in.Key, err)
	}
	a.rawSHA = f.SHA256
	if v.class == classUnit && attempts > maxIntakeAttempts {
		v.class = classStuck
		v.note = fmt.Sprintf("set aside: taken up %d times without a decision (the process ended while reading it)", attempts-1)
		v.office = fmt.Sprintf("该邮件已 %d 次在处理中导致程序中断，已隔离，未处理", attempts-1)
	}
	return nil
}

// parse parses an archived unit's message and reads its workbooks. It
// writes no decision.
func (c *Cycle) parse(ctx context.Context, a arrival) (arrival, error) {
	if a.recorded != nil || a.gone || a.verdict.class != classUnit {
		return a, nil
	}
	source := "mail:" + a.mailbox + ":" + a.in.Key
	a.msg, a.parseErr = inbound.Parse(a.in.Raw, c.Inbound)
	if a.parseErr != nil {
		return a, nil
	}
	candidates := workbookCandidates(a.msg.Files)
	if n := c.intakeLimits().Attachments; len(candidates) > n {
		a.skipped, candidates = len(candidates)-n, candidates[:n]
	}
	for _, file := range candidates {
		if file.TooLarge {
			wb, err := c.tooLarge(ctx, file, source, a.received)
			if err != nil {
				return a, err
			}
			a.books = append(a.books, wb)
			continue
		}
		a.books = append(a.books, c.parseWorkbook(file.Data, file.Name, source))
	}
	for _, file := range a.msg.Files {
		if !containsBook(a.books, file.Name) {
			a.others = append(a.others, file.Name)
		}
	}
	return a, nil
}

func containsBook(books []workbook, name string) bool {
	for _, wb := range books {
		if wb.name == name {
			return true
		}
	}
	return false
}

// receive decides on a prepared message, once: a message already recorded
// comes back as it was.
func (c *Cycle) receive(ctx context.Context, mailboxName string, a arrival) (store.InMessage, error) {
	if a.recorded != nil {
		return *a.recorded, nil
	}
	crashpoint.Hit("ingest.after-parse") // test hook: prepared (parsed), nothing decided
	in, v := a.in, a.verdict
	rec := store.InMessage{Mailbox: mailboxName, Key: in.Key, UIDValidity: in.UIDValidity, UID: in.UID,
		RawSHA256: a.rawSHA, ReceivedAt: a.received, Size: in.Size, Stranger: v.stranger(),
		Note: v.note, Office: v.office, Period: v.thread.period.String()}
	if v.env != nil {
		rec.From, rec.MessageID, rec.Subject = v.env.From.Email, v.env.MessageID, v.env.Subject
	}
	switch v.class {
	case classMachine:
		rec.Outcome = store.InProcessed
	case classUnit:
		rec.Unit = v.unit.ID
		if err := c.handle(ctx, a, &rec); err != nil {
			return store.InMessage{}, err
		}
	case classTooLarge:
		rec.Unit = v.unit.ID
		rec.Outcome, rec.Period = store.InRejected, v.thread.periodOr(c.Schedule.CurrentPeriod(a.received)).String()
		if err := c.answerTooLarge(ctx, a, v.unit, rec.Period); err != nil {
			return store.InMessage{}, err
		}
	case classFlood, classStuck:
		rec.Unit = v.unit.ID
		rec.Outcome = store.InQuarantine
	default: // strangers, bounces, the unreadable, the spoofed
		rec.Outcome = store.InQuarantine
	}
	saved, _, err := c.Ledger.RecordInbound(ctx, rec)
	if err == nil {
		crashpoint.Hit("ingest.after-commit") // test hook: decision committed, message not moved
	}
	return saved, err
}

// budget bounds the bytes of messages held at once. Chunks take their
// share in batch order; one larger than the whole budget still passes,
// alone.
type budget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	total int64
	free  int64
	next  int // the index whose turn it is to take its share
}

func newBudget(total int64) *budget {
	b := &budget{total: total, free: total}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits for chunk i's turn and for n bytes (at most the whole
// budget) to be free, and takes them.
func (b *budget) acquire(ctx context.Context, i int, n int64) error {
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.cond.Broadcast()
	})
	defer stop()
	n = min(n, b.total)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.next != i || b.free < n {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.cond.Wait()
	}
	b.free -= n
	b.next++
	b.cond.Broadcast()
	return nil
}

// release gives back what acquire took.
func (b *budget) release(n int64) {
	n = min(n, b.total)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	b.cond.Broadcast()
}

// noteIgnored starts the note of a message deliberately left unanswered.
const noteIgnored = "ignored: "

// firstRunes shortens text for a note.
func firstRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}
