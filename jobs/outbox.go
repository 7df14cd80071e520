package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// Transport sends composed messages: mail.SMTP, or mail.Folder offline.
type Transport interface {
	Send(ctx context.Context, from string, to []string, data []byte) error
}

// Mail is what the cycle needs to write and send mail.
type Mail struct {
	Transport Transport
	From      mail.Address
	Domain    string         // of our Message-IDs
	Office    string         // the office's name, signs every message
	OfficeTo  []mail.Address // the office's recipients: notes and compiled workbooks
	Leader    mail.Address   // the office leader, copied on red notices; zero when none
	Texts     *templates.Set
	// MaxAttempts bounds the retries of a message the server refuses for
	// now (4xx, timeouts): after them it is failed and reported.
	MaxAttempts int

	sending sync.Mutex // one Flush at a time: the transport is one connection
}

// retryDelays is how long to wait before each retry of a transient failure.
var retryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour}

func retryDelay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	return retryDelays[min(attempt, len(retryDelays))-1]
}

// outgoing is one message to queue.
type outgoing struct {
	key, period, unit string
	kind              MailKind
	msg               mail.Message
}

// queue composes a message and archives and records it in the outbox, once per
// key: a key already there is returned as it is and nothing is composed.
// Recording before sending is what lets a restart resume a fan-out without
// sending anyone a second message.
func (c *Cycle) queue(ctx context.Context, o outgoing) (store.OutMessage, bool, error) {
	if prev, found, err := c.Ledger.OutboxByKey(ctx, o.key); err != nil || found {
		return prev, found, err
	}
	m, data, err := c.compose(o)
	if err != nil {
		return store.OutMessage{}, false, err
	}
	saved, existed, err := c.Ledger.EnqueueComposed(ctx, m, data, m.MessageID+".eml")
	if err == nil && !existed {
		crashpoint.Hit("send.after-outbox-write") // test hook: queued and committed, not sent
	}
	return saved, existed, err
}

// compose writes a message as it will be sent, and its outbox record.
func (c *Cycle) compose(o outgoing) (store.OutMessage, []byte, error) {
	now := c.now()
	o.msg.MessageID = mail.MessageID(c.Mail.Domain, strings.Split(o.key, "/")...)
	o.msg.Date = now
	o.msg.From = c.Mail.From
	if o.msg.AutoSubmitted == "" {
		o.msg.AutoSubmitted = "auto-generated"
	}
	if o.msg.Headers == nil {
		o.msg.Headers = map[string]string{}
	}
	o.msg.Headers["X-Duban-Kind"] = string(o.kind)
	data, err := mail.Compose(o.msg)
	if err != nil {
		return store.OutMessage{}, nil, fmt.Errorf("composing %s: %w", o.key, err)
	}
	var to []string
	for _, a := range append(append([]mail.Address{}, o.msg.To...), o.msg.Cc...) {
		to = append(to, a.Email)
	}
	return store.OutMessage{
		Key: o.key, MessageID: o.msg.MessageID, Kind: string(o.kind), Period: o.period, Unit: o.unit,
		From: c.Mail.From.Email, To: to, CreatedAt: now,
	}, data, nil
}

// FlushResult counts what one pass over the outbox did.
type FlushResult struct {
	Sent, Retried, Failed int
	// SentByKind and FailedByKind count by kind of mail (reminder,
	// receipt, …), for the metrics.
	SentByKind, FailedByKind map[MailKind]int
}

// Reminders counts the reminders sent.
func (r FlushResult) Reminders() int { return r.SentByKind[kindReminder] }

func (r *FlushResult) add(o FlushResult) {
	r.Sent += o.Sent
	r.Retried += o.Retried
	r.Failed += o.Failed
	for k, n := range o.SentByKind {
		r.count(&r.SentByKind, k, n)
	}
	for k, n := range o.FailedByKind {
		r.count(&r.FailedByKind, k, n)
	}
}

func (r *FlushResult) count(m *map[MailKind]int, kind MailKind, n int) {
	if *m == nil {
		*m = map[MailKind]int{}
	}
	(*m)[kind] += n
}

// flusher sends the outbox in the background while a job queues into it:
// poke after queuing, finish to stop and collect the counts.
type flusher struct {
	kick, stop, done chan struct{}
	once             sync.Once
	res              FlushResult
	err              error
}

func (c *Cycle) startFlusher(ctx context.Context) *flusher {
	f := &flusher{kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for {
			select {
			case <-f.kick:
			case <-f.stop:
				return
			}
			r, err := c.Flush(ctx)
			f.res.add(r)
			if err != nil {
				f.err = err
				return
			}
		}
	}()
	return f
}

// poke asks for a pass over the outbox; it never blocks.
func (f *flusher) poke() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// finish waits for the pass under way, if any, and stops the flusher. It
// may be called more than once.
func (f *flusher) finish() (FlushResult, error) {
	f.once.Do(func() { close(f.stop) })
	<-f.done
	return f.res, f.err
}

// Flush sends every queued message that is due, marking each sent, to be
// retried (transient failures, with back-off) or failed (permanent ones,
// reported to the office). It stops early when ctx is done; what is left
// stays queued. Only one process at a time flushes a data directory.
func (c *Cycle) Flush(ctx context.Context) (FlushResult, error) {
	c.Mail.sending.Lock()
	defer c.Mail.sending.Unlock()
	var res FlushResult
	// One process at a time sends: another duban on the data directory
	// (the daemon, a command by hand) may be flushing the same outbox.
	unlock, err := c.Ledger.Lock(ctx, store.LockSend, func() {
		c.log().Info("waiting for another duban process to finish sending")
	})
	if err != nil {
		return res, err
	}
	defer unlock()
	for {
		due, err := c.Ledger.DueOutbox(ctx, c.now(), 200)
		if err != nil {
			return res, err
		}
		if len(due) == 0 {
			return res, nil
		}
		// A message is sent only once its record would survive a power cut.
		if err := c.Ledger.Sync(ctx); err != nil {
			return res, err
		}
		for _, m := range due {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if err := c.send(ctx, m, &res); err != nil {
				return res, err
			}
		}
	}
}

// send delivers one queued message and records the outcome.
func (c *Cycle) send(ctx context.Context, m store.OutMessage, res *FlushResult) error {
	log := c.log().With("message_id", m.MessageID, "kind", m.Kind, "unit", m.Unit, "period", m.Period)
	data, err := c.Ledger.ReadArchived(ctx, m.FileSHA256)
	if err != nil {
		return fmt.Errorf("reading queued message %s: %w", m.MessageID, err)
	}
	crashpoint.Hit("send.before-data") // test hook: queued and synced, nothing sent
	sendErr := c.Mail.Transport.Send(ctx, m.From, m.To, data)
	now := c.now()
	switch {
	case sendErr == nil:
		// Test hook: the server accepted the message (250 after DATA) and
		// the ledger does not know yet: the one window that sends twice.
		crashpoint.Hit("send.after-data")
		res.Sent++
		res.count(&res.SentByKind, MailKind(m.Kind), 1)
		log.Info("sent")
		// The server has the message: record it even if the job is being
		// cancelled right now, or a restart would send it again.
		markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return c.Ledger.MarkSent(markCtx, m.ID, now)
	case ctx.Err() != nil:
		return ctx.Err() // shutting down: the message stays queued as it was
	case mail.IsConnectionFailure(sendErr):
		// Not this message's fault, and every other one would fail the
		// same way: stop, keep everything queued as it is (no attempt
		// counted, so an outage never makes mail "failed for good"), and
		// let the next run try again.
		log.Error("cannot reach or log in to the mail server; stopping", "err", sendErr)
		return &ServerError{Err: sendErr}
	case mail.IsTemporary(sendErr) && m.Attempts+1 < c.maxAttempts():
		res.Retried++
		next := now.Add(retryDelay(m.Attempts + 1))
		log.Warn("send failed, will retry", "err", sendErr, "attempt", m.Attempts+1, "next_attempt", next)
		return c.Ledger.MarkRetry(ctx, m.ID, sendErr.Error(), next)
	default:
		res.Failed++
		res.count(&res.FailedByKind, MailKind(m.Kind), 1)
		log.Error("send failed for good", "err", sendErr, "attempt", m.Attempts+1)
		if err := c.Ledger.MarkFailed(ctx, m.ID, sendErr.Error()); err != nil {
			return err
		}
		return c.reportFailure(ctx, m, sendErr)
	}
}

// ServerError stops a Flush: the mail server could not be reached or
// refused our connection or login. Nothing more was sent; every message
// stays queued for the next run.
type ServerError struct{ Err error }

func (e *ServerError) Error() string {
	return "the mail server could not be reached or refused the connection (" + e.Err.Error() +
		"); nothing more was sent, the queued mail goes out at the next run once it is fixed: check mail.smtp (host, port, tls, username, password) and that the server is up"
}

func (e *ServerError) Unwrap() error { return e.Err }

func (c *Cycle) maxAttempts() int {
	if c.Mail.MaxAttempts > 0 {
		return c.Mail.MaxAttempts
	}
	return 8
}

// reportFailure tells the office a message could not be delivered. A note
// to the office that itself fails is only logged: no loop.
func (c *Cycle) reportFailure(ctx context.Context, m store.OutMessage, sendErr error) error {
	if MailKind(m.Kind) == kindOfficeNote || len(c.Mail.OfficeTo) == 0 {
		return nil
	}
	unit := m.Unit
	if u, ok := c.Plan.Unit(m.Unit); ok {
		unit = u.Name
	}
	reason := sendErr.Error()
	var se *mail.SendError
	if errors.As(sendErr, &se) && se.Code != 0 {
		reason = fmt.Sprintf("邮件服务器拒收（%d）：%s", se.Code, sendErr.Error())
	}
	return c.noteOffice(ctx, "failed/"+m.Key, m.Period, m.Unit, templates.OfficeNoteData{
		Title: fmt.Sprintf("邮件无法送达：%s", unit),
		Lines: []string{
			"收件人：" + strings.Join(m.To, "、"),
			"邮件类别：" + MailKind(m.Kind).Label(),
			"原因：" + reason,
			"系统不会重发此邮件。请核对该单位在配置中的联系人邮箱，或电话联系该单位。",
		},
	}, nil)
}

// MailKind is what an outgoing message is for; every message has one (its
// X-Duban-Kind header, the outbox's kind, the metrics' label).
type MailKind string

// The kinds of outgoing mail.
const (
	kindReminder   MailKind = "reminder"
	kindReceipt    MailKind = "receipt"
	kindRejection  MailKind = "rejection"
	kindNoWorkbook MailKind = "no_workbook"
	kindOfficeNote MailKind = "office_note"
	kindChase      MailKind = "chase"     // before the deadline
	kindOverdue    MailKind = "overdue"   // after it
	kindCompiled   MailKind = "compiled"  // the consolidated workbook, to the office
	kindExtension  MailKind = "extension" // an extension request's receipt, or the office's decision
	kindClosure    MailKind = "closure"   // a task closed out or reopened, to its lead unit
	kindDigest     MailKind = "digest"    // the office's daily list of the messages set aside
)

// mailKinds lists every kind with the office's word for it.
var mailKinds = []struct {
	kind  MailKind
	label string
}{
	{kindReminder, "报送提醒"}, {kindReceipt, "回执"}, {kindRejection, "退回通知"}, {kindNoWorkbook, "补附件提醒"},
	{kindOfficeNote, "系统提示"}, {kindChase, "催报提醒"}, {kindOverdue, "逾期提醒"}, {kindCompiled, "汇总表"},
	{kindExtension, "延期通知"}, {kindClosure, "销号通知"}, {kindDigest, "隔离邮件日报"},
}

// MailKinds lists every kind of outgoing mail.
func MailKinds() []MailKind {
	out := make([]MailKind, len(mailKinds))
	for i, k := range mailKinds {
		out[i] = k.kind
	}
	return out
}

// Label is the office's word for the kind, e.g. 回执.
func (k MailKind) Label() string {
	for _, m := range mailKinds {
		if m.kind == k {
			return m.label
		}
	}
	return string(k)
}

// maxNoteAttachment bounds the original message attached to a note to the
// office: with base64 and the note around it, the mail stays under the
// 10 MB that Postfix and most servers accept by default.
const maxNoteAttachment = 7 << 20

// noteOffice queues a note to the office, once per key.
func (c *Cycle) noteOffice(ctx context.Context, key, period, unit string, d templates.OfficeNoteData, original []byte) error {
	if len(c.Mail.OfficeTo) == 0 {
		c.log().Warn("no office recipients configured; note not sent", "note", d.Title)
		return nil
	}
	d.Office = c.Mail.Office
	if len(original) > maxNoteAttachment {
		// Most servers refuse a message of that size, and a note that is
		// refused tells nobody anything: say where the original is instead.
		d.Lines = append(d.Lines, fmt.Sprintf("原邮件大小为 %.1f MB，过大未附上。系统已完整存档；原邮件在系统邮箱的“duban/quarantine”文件夹中（使用投递文件夹时在其 quarantine 子文件夹中）。",
			float64(len(original))/(1<<20)))
		original = nil
	}
	d.Attached = original != nil
	r, err := c.Mail.Texts.Render(templates.OfficeNote, d)
	if err != nil {
		return err
	}
	msg := mail.Message{To: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	if original != nil {
		msg.Attachments = []mail.Attachment{{Name: "原邮件.eml", ContentType: "application/octet-stream", Data: original}}
	}
	_, _, err = c.queue(ctx, outgoing{key: "note/" + key, kind: kindOfficeNote, period: period, unit: unit, msg: msg})
	return err
}
