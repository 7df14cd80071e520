package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// Mailbox is where replies arrive: mailbox.IMAP, or mailbox.Drop offline.
type Mailbox interface {
	Name() string
	Fetch(ctx context.Context, after mailbox.Cursor, max int) ([]mailbox.Incoming, uint32, error)
	SettleAll(ctx context.Context, ins []mailbox.Incoming, out mailbox.Outcome) error
}

// CollectResult counts what one poll did.
type CollectResult struct {
	Fetched    int
	Processed  int // every workbook accepted
	Rejected   int // answered with a rejection or a request for the workbook
	Quarantine int // not answered: unknown sender, bounce, unreadable; the office was told
	Ignored    int // auto-replies: never answered
	Settled    int // moved out of the mailbox folder, leftovers of an earlier run included
	Flush      FlushResult
}

// fetchBatch bounds how many messages one Fetch holds in memory.
const fetchBatch = 100

// Collect polls the mailbox once: every new message is archived, read,
// matched to a unit, its workbooks checked and recorded, and answered; only
// then is it moved out of the folder. Each step is idempotent, so a crash
// anywhere is repaired by the next poll. One broken message never stops the
// rest of the batch.
func (c *Cycle) Collect(ctx context.Context, mb Mailbox) (CollectResult, error) {
	var res CollectResult
	name := mb.Name()
	log := c.log().With("mailbox", name)
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
	defer sender.finish()
	fetches := &prefetcher{mb: mb}
	defer fetches.wait()
	for {
		batch, err := fetches.next(ctx, c.Ledger)
		if err != nil {
			return res, fmt.Errorf("fetching from %s: %w", name, err)
		}
		var done []store.InMessage // recorded, to be moved once the batch is decided
		err = c.prepareEach(ctx, name, batch, func(a arrival) error {
			res.Fetched++
			rec, err := c.receive(ctx, name, a)
			if err != nil {
				return fmt.Errorf("receiving %s: %w", a.in.Key, err)
			}
			sender.poke()
			switch {
			case rec.Outcome == store.InQuarantine:
				res.Quarantine++
			case rec.Outcome == store.InRejected:
				res.Rejected++
			case strings.HasPrefix(rec.Note, noteIgnored):
				res.Ignored++
			default:
				res.Processed++
			}
			if !rec.Settled {
				done = append(done, rec)
			}
			log.Info("received", "key", a.in.Key, "from", rec.From, "outcome", rec.Outcome, "unit", rec.Unit, "period", rec.Period, "note", rec.Note)
			return nil
		})
		if err != nil {
			return res, err
		}
		// Moving comes after every decision of the batch is committed, in
		// one command per outcome.
		if err := c.settle(ctx, mb, done); err != nil {
			return res, err
		}
		res.Settled += len(done)
		if len(batch) < fetchBatch {
			break
		}
	}
	res.Flush, err = sender.finish()
	if err != nil {
		return res, err
	}
	last, err := c.Flush(ctx)
	res.Flush.add(last)
	return res, err
}

// prefetcher fetches the next batch from an IMAP folder while the current
// one is being handled: the batch after one of UIDs u1…un is the one after
// un. A mailbox without UIDs (the drop folder) lists what is still there,
// so its next batch is fetched only once the current one is settled.
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
		f.batch, _, f.err = p.mb.Fetch(ctx, mailbox.Cursor{UIDValidity: validity, UID: uid}, fetchBatch)
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
		b, _, err := p.mb.Fetch(ctx, mailbox.Cursor{UIDValidity: last.UIDValidity, UID: last.UID}, fetchBatch)
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
			ins[i] = mailbox.Incoming{Key: m.Key, UIDValidity: m.UIDValidity, UID: m.UID}
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
		ids := make([]int64, len(group))
		for i, m := range group {
			ids[i] = m.ID
		}
		if err := c.Ledger.MarkSettled(ctx, ids...); err != nil {
			return err
		}
	}
	return nil
}

// arrival is a fetched message, archived and then parsed, with its
// workbooks archived and parsed too: everything about it that needs no
// decision, so that it can be done for a whole batch on every core.
type arrival struct {
	in       mailbox.Incoming
	recorded *store.InMessage // already handled in an earlier run
	received time.Time
	rawSHA   string
	msg      *inbound.Message
	parseErr error
	books    []workbook // the workbook-like files
	others   []string   // names of the other files
}

// prepareEach prepares a fetched batch on every core and hands each
// message to use in batch order as soon as it is ready, so that deciding
// (one message at a time: decisions are ordered) overlaps with preparing
// the ones after it. It returns the first error, of preparing or of use.
func (c *Cycle) prepareEach(ctx context.Context, mailboxName string, batch []mailbox.Incoming, use func(arrival) error) error {
	ctx, cancel := context.WithCancel(ctx)
	out := make([]arrival, len(batch))
	errs := make([]error, len(batch))
	ready := make([]chan struct{}, len(batch))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	prepared := make(chan error, 1)
	go func() {
		prepared <- parallel(ctx, len(batch), func(i int) error {
			out[i], errs[i] = c.prepare(ctx, mailboxName, batch[i])
			close(ready[i])
			return errs[i]
		})
	}()
	defer func() { cancel(); <-prepared }()
	// parallel hands out indexes in order and finishes each it hands out,
	// so every message before a failed one is ready.
	for i := range batch {
		select {
		case <-ready[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if errs[i] != nil {
			return errs[i]
		}
		a := out[i]
		out[i] = arrival{} // let its bytes go once decided
		if err := use(a); err != nil {
			return err
		}
	}
	return nil
}

// prepare archives a message before anything reads it, then parses it and
// reads its workbooks. It writes no decision.
func (c *Cycle) prepare(ctx context.Context, mailboxName string, in mailbox.Incoming) (arrival, error) {
	a := arrival{in: in, received: in.Received}
	if rec, found, err := c.Ledger.InboundByKey(ctx, mailboxName, in.Key); err != nil {
		return a, err
	} else if found {
		a.recorded = &rec
		return a, nil
	}
	if a.received.IsZero() {
		a.received = c.now()
	}
	raw := in.Raw
	if in.TooLarge {
		raw = fmt.Appendf(nil, "message %s of %d bytes not fetched: over the size limit\n", in.Key, in.Size)
	}
	source := "mail:" + mailboxName + ":" + in.Key
	f, _, err := c.Ledger.Archive(ctx, raw, "message.eml", source, c.now())
	if err != nil {
		return a, fmt.Errorf("archiving %s: %w", in.Key, err)
	}
	a.rawSHA = f.SHA256
	crashpoint.Hit("ingest.after-archive") // test hook: archived, not parsed
	if in.TooLarge {
		return a, nil
	}
	a.msg, a.parseErr = inbound.Parse(raw, c.Inbound)
	if a.parseErr != nil || a.msg.Auto != "" {
		return a, nil
	}
	for _, file := range workbookCandidates(a.msg.Files) {
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
		if !slices.ContainsFunc(a.books, func(wb workbook) bool { return wb.name == file.Name }) {
			a.others = append(a.others, file.Name)
		}
	}
	return a, nil
}

// spreadsheetExt are the file name endings of spreadsheets (and of a zip
// that may hold one) a unit might send instead of the .xlsx.
var spreadsheetExt = []string{".xlsx", ".xls", ".xlsm", ".xlsb", ".et", ".ods", ".zip"}

// workbookCandidates picks the files to read as the unit's report: the
// .xlsx workbooks when there are any (a photo or a Word file beside them is
// ignored); otherwise whatever looks like a spreadsheet of the wrong kind,
// so that the unit is told exactly what to send instead.
func workbookCandidates(files []inbound.File) []inbound.File {
	var xlsx, other []inbound.File
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f.Name))
		switch {
		case f.Kind == inbound.KindXLSX && !f.TooLarge:
			xlsx = append(xlsx, f)
		case slices.Contains(spreadsheetExt, ext) && (f.TooLarge || f.IsWorkbookLike()),
			f.Kind == inbound.KindXLSM, f.Kind == inbound.KindODS:
			other = append(other, f)
		}
	}
	if len(xlsx) > 0 {
		return xlsx
	}
	return other
}

// tooLarge stands for an attachment over the size limit: it is refused
// with a message saying so. The whole message, attachment included, is in
// the archive already; the placeholder only names it.
func (c *Cycle) tooLarge(ctx context.Context, f inbound.File, source string, now time.Time) (workbook, error) {
	note := fmt.Appendf(nil, "attachment %q of %d bytes not read: over the limit of %d bytes\n", f.Name, f.Size, c.Inbound.MaxFileBytes)
	placeholder, _, err := c.Ledger.Archive(ctx, note, f.Name+".too-large.txt", source, now)
	if err != nil {
		return workbook{}, err
	}
	limitMB := float64(c.Inbound.MaxFileBytes) / (1 << 20)
	return workbook{name: f.Name, source: source, sha256: placeholder.SHA256, parsed: &reports.Returned{
		Fatal: true,
		Problems: []reports.Problem{{Kind: "too_large", Message: fmt.Sprintf(
			"附件“%s”大小为 %.1f MB，超过 %.0f MB 的限制，系统未读取。请删除表中的图片等无关内容后重新保存为 .xlsx 文件再发送（不要打包成压缩文件）。",
			f.Name, float64(f.Size)/(1<<20), limitMB)}},
	}}, nil
}

// receive decides on a prepared message, once: a message already recorded
// comes back as it was.
func (c *Cycle) receive(ctx context.Context, mailboxName string, a arrival) (store.InMessage, error) {
	if a.recorded != nil {
		return *a.recorded, nil
	}
	crashpoint.Hit("ingest.after-parse") // test hook: prepared (parsed), nothing decided
	in := a.in
	rec := store.InMessage{Mailbox: mailboxName, Key: in.Key, UIDValidity: in.UIDValidity, UID: in.UID, RawSHA256: a.rawSHA, ReceivedAt: a.received}
	if in.TooLarge {
		rec.Outcome, rec.Note = store.InQuarantine, fmt.Sprintf("too large: %d bytes", in.Size)
		err := c.noteOffice(ctx, "too-large/"+a.rawSHA, "", "", templates.OfficeNoteData{
			Title: "收到超过大小限制的邮件，未读取",
			Lines: []string{fmt.Sprintf("邮件大小：%d 字节。该邮件已移入隔离文件夹，请人工查看。", in.Size)},
		}, nil)
		if err != nil {
			return store.InMessage{}, err
		}
	} else if err := c.handle(ctx, a, &rec); err != nil {
		return store.InMessage{}, err
	}
	saved, _, err := c.Ledger.RecordInbound(ctx, rec)
	if err == nil {
		crashpoint.Hit("ingest.after-commit") // test hook: decision committed, message not moved
	}
	return saved, err
}

// IngestMessage handles an .eml file from disk exactly as if it had come
// from the mailbox, recorded under the mailbox "cli".
func (c *Cycle) IngestMessage(ctx context.Context, raw []byte, name string) (store.InMessage, FlushResult, error) {
	sum := sha256.Sum256(raw)
	in := mailbox.Incoming{Key: "file:" + hex.EncodeToString(sum[:]), Raw: raw, Received: c.now()}
	a, err := c.prepare(ctx, "cli", in)
	if err != nil {
		return store.InMessage{}, FlushResult{}, fmt.Errorf("ingesting %s: %w", name, err)
	}
	rec, err := c.receive(ctx, "cli", a)
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

// noteIgnored starts the note of a message deliberately left unanswered.
const noteIgnored = "ignored: "

// handle decides what a message is, acts on it (ingest, answer, tell the
// office) and fills rec's outcome. Every action is keyed on the raw
// message's hash, so handling it again repeats nothing.
func (c *Cycle) handle(ctx context.Context, a arrival, rec *store.InMessage) error {
	msg, rawSHA, received := a.msg, a.rawSHA, a.received
	if a.parseErr != nil {
		rec.Outcome, rec.Note = store.InQuarantine, "unreadable: "+a.parseErr.Error()
		return c.noteOffice(ctx, "unreadable/"+rawSHA, "", "", templates.OfficeNoteData{
			Title: "收到无法解析的邮件，已隔离",
			Lines: []string{"错误：" + a.parseErr.Error(), "邮件已存档并移入隔离文件夹，请人工查看。"},
		}, a.in.Raw)
	}
	rec.From, rec.MessageID, rec.Subject = msg.From.Email, msg.MessageID, msg.Subject
	details := []string{"发件人：" + msg.From.Email, "主题：" + msg.Subject, "收到时间：" + received.In(c.Schedule.Location).Format("2006-01-02 15:04")}

	switch msg.Auto {
	case "":
	case "bounce":
		rec.Outcome, rec.Note = store.InQuarantine, "bounce"
		return c.noteOffice(ctx, "bounce/"+rawSHA, "", "", templates.OfficeNoteData{
			Title: "收到退信，可能有单位未收到邮件",
			Lines: append(details, "退信内容摘要："+firstRunes(msg.Text, 400), "请核对收件地址，必要时电话联系该单位。"),
		}, a.in.Raw)
	default:
		// Out-of-office and other machine mail is never answered: no loops.
		rec.Outcome, rec.Note = store.InProcessed, noteIgnored+msg.Auto
		return nil
	}

	thread := c.threadOf(ctx, msg)
	units := c.Plan.UnitsOwning(msg.From.Email)
	if len(units) == 0 {
		rec.Outcome, rec.Note = store.InQuarantine, "sender not registered"
		return c.noteOffice(ctx, "stranger/"+rawSHA, thread.period.String(), "", templates.OfficeNoteData{
			Title: "收到未登记发件人的邮件，已隔离",
			Lines: append(details, "该地址不是任何单位登记的联系人，系统未处理、未回复。如确为某单位报送，请将其加入配置中该单位的联系人后，用 duban ingest 重新导入附件。"),
		}, a.in.Raw)
	}
	unit := units[0]
	for _, u := range units {
		if u.ID == thread.unit {
			unit = u
		}
	}
	rec.Unit = unit.ID
	from := &origin{unit: unit, period: thread.periodOr(c.Schedule.CurrentPeriod(received)), threaded: !thread.period.IsZero()}

	if len(a.books) == 0 {
		rec.Outcome, rec.Period, rec.Note = store.InRejected, from.period.String(), "no workbook attached"
		return c.answerNoWorkbook(ctx, msg, rawSHA, unit, from.period, received, a.others)
	}
	rec.Outcome = store.InProcessed
	var notes []string
	for i, wb := range a.books {
		d, err := c.decide(ctx, wb, from, received)
		if err != nil {
			return err
		}
		if !d.Accepted {
			rec.Outcome = store.InRejected
		}
		if !d.Period.IsZero() {
			rec.Period = d.Period.String()
		}
		notes = append(notes, fmt.Sprintf("%s: accepted=%v version=%d problems=%d", wb.name, d.Accepted, d.Version, len(d.Problems)))
		if err := c.answer(ctx, msg, fmt.Sprintf("%s/%d", rawSHA, i), unit, d); err != nil {
			return err
		}
	}
	rec.Note = strings.Join(notes, "; ")
	return nil
}

// threadRef is what a reply's In-Reply-To/References say about it.
type threadRef struct {
	unit   string
	period plan.Period
}

func (t threadRef) periodOr(p plan.Period) plan.Period {
	if t.period.IsZero() {
		return p
	}
	return t.period
}

// threadOf follows In-Reply-To, then References (newest first), to a
// message we sent.
func (c *Cycle) threadOf(ctx context.Context, msg *inbound.Message) threadRef {
	ids := append([]string{}, msg.InReplyTo...)
	for i := len(msg.References) - 1; i >= 0; i-- {
		ids = append(ids, msg.References[i])
	}
	for _, id := range ids {
		out, found, err := c.Ledger.OutboxByMessageID(ctx, id)
		if err != nil || !found {
			continue
		}
		p, err := plan.ParsePeriod(out.Period)
		if err != nil {
			continue
		}
		return threadRef{unit: out.Unit, period: p}
	}
	return threadRef{}
}

// replyTo threads an answer to the unit's message.
func replyTo(msg *inbound.Message) (to []mail.Address, inReplyTo string, refs []string) {
	to = []mail.Address{{Name: msg.From.Name, Email: msg.From.Email}}
	refs = append(refs, msg.References...)
	if msg.MessageID != "" {
		inReplyTo = msg.MessageID
		refs = append(refs, msg.MessageID)
	}
	return to, inReplyTo, refs
}

// answer queues the receipt or the rejection of one workbook; a rejection
// carries a fresh template so the unit can start again from the right one.
func (c *Cycle) answer(ctx context.Context, msg *inbound.Message, key string, u plan.Unit, d Decision) error {
	if d.Submission.RequestOnly() {
		return c.answerExtensionRequest(ctx, msg, key, u, d)
	}
	data := ReplyData(d, c.Mail.Office, c.Schedule)
	if data.Unit == "" {
		data.Unit = u.Name
	}
	kind, tmpl := kindReceipt, templates.Receipt
	var attach []mail.Attachment
	if d.Accepted {
		titles := map[string]string{}
		for _, t := range c.Plan.TasksLedBy(u.ID) {
			titles[t.ID] = t.Title
		}
		for _, a := range d.Submission.Answers {
			data.Tasks = append(data.Tasks, templates.TaskLine{ID: a.TaskID, Title: titles[a.TaskID], Status: string(a.Status)})
		}
	} else {
		kind, tmpl = kindRejection, templates.Rejection
		p := d.Period
		if p.IsZero() {
			p = c.Schedule.CurrentPeriod(c.now())
		}
		if data.Period == "" {
			data.Period = p.Label()
			data.Deadline = c.Schedule.Deadline(p).Format("2006年1月2日")
		}
		tpl, err := c.BuildTemplate(ctx, u.ID, p)
		if err != nil {
			return err
		}
		attach = []mail.Attachment{{Name: tpl.FileName, ContentType: xlsxType, Data: tpl.Data}}
	}
	r, err := c.Mail.Texts.Render(tmpl, data)
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + key, kind: kind, period: d.Period.String(), unit: u.ID,
		msg: mail.Message{To: to, Subject: r.Subject, Text: r.Text, HTML: r.HTML, InReplyTo: irt, References: refs,
			AutoSubmitted: "auto-replied", Attachments: attach},
	})
	return err
}

// answerExtensionRequest acknowledges a workbook that only asks for more
// time. The office is copied: it decides with `duban extend`.
func (c *Cycle) answerExtensionRequest(ctx context.Context, msg *inbound.Message, key string, u plan.Unit, d Decision) error {
	s := d.Submission
	r, err := c.Mail.Texts.Render(templates.Extension, templates.ExtensionData{
		Office: c.Mail.Office, Unit: u.Name, Period: d.Period.Label(),
		Deadline:   c.Schedule.Deadline(d.Period).Format("2006年1月2日"),
		Requested:  dateCN(c.day(s.ExtensionUntil)),
		Reason:     s.ExtensionReason,
		ReceivedAt: s.ReceivedAt.In(c.Schedule.Location).Format("2006-01-02 15:04"),
	})
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + key, kind: kindExtension, period: d.Period.String(), unit: u.ID,
		msg: mail.Message{To: to, Cc: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
			InReplyTo: irt, References: refs, AutoSubmitted: "auto-replied"},
	})
	return err
}

// dateCN writes a day as 2023年6月20日.
func dateCN(t time.Time) string { return t.Format("2006年1月2日") }

func (c *Cycle) answerNoWorkbook(ctx context.Context, msg *inbound.Message, rawSHA string, u plan.Unit, p plan.Period, received time.Time, others []string) error {
	r, err := c.Mail.Texts.Render(templates.NoWorkbook, templates.NoWorkbookData{
		Office: c.Mail.Office, Unit: u.Name, Period: p.Label(),
		ReceivedAt: received.In(c.Schedule.Location).Format("2006-01-02 15:04"),
		Deadline:   c.Schedule.Deadline(p).Format("2006年1月2日"),
		Found:      strings.Join(others, "、"),
	})
	if err != nil {
		return err
	}
	to, irt, refs := replyTo(msg)
	_, _, err = c.queue(ctx, outgoing{
		key: "answer/" + rawSHA, kind: kindNoWorkbook, period: p.String(), unit: u.ID,
		msg: mail.Message{To: to, Subject: r.Subject, Text: r.Text, HTML: r.HTML, InReplyTo: irt, References: refs, AutoSubmitted: "auto-replied"},
	})
	return err
}

func firstRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}
