package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// Mailbox is where replies arrive: mailbox.IMAP, or mailbox.Drop offline.
type Mailbox interface {
	Name() string
	Fetch(ctx context.Context, after mailbox.Cursor, max int) ([]mailbox.Incoming, uint32, error)
	Settle(ctx context.Context, in mailbox.Incoming, out mailbox.Outcome) error
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
	for _, m := range left {
		if err := c.settle(ctx, mb, m); err != nil {
			return res, err
		}
		res.Settled++
	}
	for {
		validity, uid, err := c.Ledger.Cursor(ctx, name)
		if err != nil {
			return res, err
		}
		batch, _, err := mb.Fetch(ctx, mailbox.Cursor{UIDValidity: validity, UID: uid}, fetchBatch)
		if err != nil {
			return res, fmt.Errorf("fetching from %s: %w", name, err)
		}
		for _, in := range batch {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			res.Fetched++
			rec, err := c.receive(ctx, name, in)
			if err != nil {
				return res, fmt.Errorf("receiving %s: %w", in.Key, err)
			}
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
				if err := c.settle(ctx, mb, rec); err != nil {
					return res, err
				}
				res.Settled++
			}
			log.Info("received", "key", in.Key, "from", rec.From, "outcome", rec.Outcome, "unit", rec.Unit, "period", rec.Period, "note", rec.Note)
		}
		if len(batch) < fetchBatch {
			break
		}
	}
	res.Flush, err = c.Flush(ctx)
	return res, err
}

func (c *Cycle) settle(ctx context.Context, mb Mailbox, m store.InMessage) error {
	in := mailbox.Incoming{Key: m.Key, UIDValidity: m.UIDValidity, UID: m.UID}
	err := mb.Settle(ctx, in, mailbox.Outcome(m.Outcome))
	switch {
	case errors.Is(err, mailbox.ErrUIDValidityChanged):
		// The UID may now name another message: leave the folder alone. If
		// the message is still there it comes back under the new UIDVALIDITY
		// and is recognised by its content.
		c.log().Warn("mailbox UIDVALIDITY changed; message left in place", "key", m.Key)
	case err != nil:
		return fmt.Errorf("moving %s to %s: %w", m.Key, m.Outcome, err)
	}
	return c.Ledger.MarkSettled(ctx, m.ID)
}

// receive handles one fetched message, once: a message already recorded
// comes back as it was.
func (c *Cycle) receive(ctx context.Context, mailboxName string, in mailbox.Incoming) (store.InMessage, error) {
	if rec, found, err := c.Ledger.InboundByKey(ctx, mailboxName, in.Key); err != nil || found {
		return rec, err
	}
	received := in.Received
	if received.IsZero() {
		received = c.now()
	}
	raw := in.Raw
	if in.TooLarge {
		raw = fmt.Appendf(nil, "message %s of %d bytes not fetched: over the size limit\n", in.Key, in.Size)
	}
	f, _, err := c.Ledger.Archive(ctx, raw, "message.eml", "mail:"+mailboxName+":"+in.Key, c.now())
	if err != nil {
		return store.InMessage{}, err
	}
	rec := store.InMessage{Mailbox: mailboxName, Key: in.Key, UIDValidity: in.UIDValidity, UID: in.UID, RawSHA256: f.SHA256, ReceivedAt: received}
	if in.TooLarge {
		rec.Outcome, rec.Note = store.InQuarantine, fmt.Sprintf("too large: %d bytes", in.Size)
		err := c.noteOffice(ctx, "too-large/"+f.SHA256, "", "", templates.OfficeNoteData{
			Title: "收到超过大小限制的邮件，未读取",
			Lines: []string{fmt.Sprintf("邮件大小：%d 字节。该邮件已移入隔离文件夹，请人工查看。", in.Size)},
		}, nil)
		if err != nil {
			return store.InMessage{}, err
		}
	} else if err := c.handle(ctx, raw, f.SHA256, received, &rec); err != nil {
		return store.InMessage{}, err
	}
	saved, _, err := c.Ledger.RecordInbound(ctx, rec)
	return saved, err
}

// IngestMessage handles an .eml file from disk exactly as if it had come
// from the mailbox, recorded under the mailbox "cli".
func (c *Cycle) IngestMessage(ctx context.Context, raw []byte, name string) (store.InMessage, FlushResult, error) {
	sum := sha256.Sum256(raw)
	in := mailbox.Incoming{Key: "file:" + hex.EncodeToString(sum[:]), Raw: raw, Received: c.now()}
	rec, err := c.receive(ctx, "cli", in)
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
func (c *Cycle) handle(ctx context.Context, raw []byte, rawSHA string, received time.Time, rec *store.InMessage) error {
	msg, err := inbound.Parse(raw, c.Inbound)
	if err != nil {
		rec.Outcome, rec.Note = store.InQuarantine, "unreadable: "+err.Error()
		return c.noteOffice(ctx, "unreadable/"+rawSHA, "", "", templates.OfficeNoteData{
			Title: "收到无法解析的邮件，已隔离",
			Lines: []string{"错误：" + err.Error(), "邮件已存档并移入隔离文件夹，请人工查看。"},
		}, raw)
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
		}, raw)
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
		}, raw)
	}
	unit := units[0]
	for _, u := range units {
		if u.ID == thread.unit {
			unit = u
		}
	}
	rec.Unit = unit.ID
	from := &origin{unit: unit, period: thread.periodOr(c.Schedule.CurrentPeriod(received))}

	var books []inbound.File
	var others []string
	for _, f := range msg.Files {
		if f.IsWorkbookLike() {
			books = append(books, f)
		} else {
			others = append(others, f.Name)
		}
	}
	if len(books) == 0 {
		rec.Outcome, rec.Period, rec.Note = store.InRejected, from.period.String(), "no workbook attached"
		return c.answerNoWorkbook(ctx, msg, rawSHA, unit, from.period, received, others)
	}
	rec.Outcome = store.InProcessed
	var notes []string
	for i, f := range books {
		d, err := c.ingest(ctx, f.Data, f.Name, fmt.Sprintf("mail:%s", rec.Key), from, received)
		if err != nil {
			return err
		}
		if !d.Accepted {
			rec.Outcome = store.InRejected
		}
		if !d.Period.IsZero() {
			rec.Period = d.Period.String()
		}
		notes = append(notes, fmt.Sprintf("%s: accepted=%v version=%d problems=%d", f.Name, d.Accepted, d.Version, len(d.Problems)))
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
