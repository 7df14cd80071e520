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
	"github.com/duban/duban/plan"
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
	// Contact is whom units may call, named at the end of every mail to a
	// unit (office.contact); zero when none.
	Contact templates.OfficeContact
	// Operator receives the technical notes the office is spared (a
	// message failed for good, the digest's how-to); zero when none, and
	// they are only logged.
	Operator mail.Address
	Texts    *templates.Set
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
	return c.enqueue(ctx, m, data)
}

// enqueue archives a composed message and records it in the outbox, once
// per key: a key already there is returned as it is and data is not
// archived. The message is due from now: messages composed on several
// cores are sent in the order they are enqueued, not composed.
func (c *Cycle) enqueue(ctx context.Context, m store.OutMessage, data []byte) (store.OutMessage, bool, error) {
	if now := c.now(); now.After(m.CreatedAt) {
		m.NextAttempt = now
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

// drain stops the flusher and sends what it left queued: the end of a job
// that sent while it queued.
func (c *Cycle) drain(ctx context.Context, f *flusher) (FlushResult, error) {
	res, err := f.finish()
	if err != nil {
		return res, err
	}
	last, err := c.Flush(ctx)
	res.add(last)
	return res, err
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
		// Each message is read from the archive while the one before it
		// is sent and marked sent; sending stays one at a time.
		next := c.readQueued(ctx, due[0])
		for i, m := range due {
			r := <-next
			if i+1 < len(due) {
				next = c.readQueued(ctx, due[i+1])
			} else {
				next = nil
			}
			err := ctx.Err()
			if err == nil {
				err = c.send(ctx, m, r, &res)
			}
			if err != nil {
				if next != nil {
					<-next // no read outlives the flush
				}
				return res, err
			}
		}
	}
}

// queued is a queued message's content, read from the archive.
type queued struct {
	data []byte
	err  error
}

// readQueued reads m's content from the archive in the background.
func (c *Cycle) readQueued(ctx context.Context, m store.OutMessage) <-chan queued {
	ch := make(chan queued, 1)
	go func() {
		data, err := c.Ledger.ReadArchived(ctx, m.FileSHA256)
		ch <- queued{data, err}
	}()
	return ch
}

// send delivers one queued message, its content read, and records the
// outcome.
func (c *Cycle) send(ctx context.Context, m store.OutMessage, q queued, res *FlushResult) error {
	log := c.log().With("message_id", m.MessageID, "kind", m.Kind, "unit", m.Unit, "period", m.Period)
	data, err := q.data, q.err
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

// reportFailure tells the office, in a short note in its words, that a
// message could not be delivered, and the operator the technical details.
// A note that itself fails is only logged: no loop.
func (c *Cycle) reportFailure(ctx context.Context, m store.OutMessage, sendErr error) error {
	kind := MailKind(m.Kind)
	if kind == kindOfficeNote || kind == kindOperatorNote {
		return nil
	}
	key := "failed/" + m.Key
	unit, what := m.Unit, kind.Label()
	if u, ok := c.Plan.Unit(m.Unit); ok {
		unit = u.Name
	}
	if p, err := plan.ParsePeriod(m.Period); err == nil {
		what += "（" + p.Label() + "）"
	}
	err := c.noteOperator(ctx, key, m.Period, m.Unit, templates.OperatorNoteData{
		Title: fmt.Sprintf("%s to %s failed for good", kind, strings.Join(m.To, ", ")),
		Lines: []string{
			fmt.Sprintf("Message-ID <%s>, kind %s, period %s, unit %s (%s).", m.MessageID, kind, m.Period, m.Unit, unit),
			fmt.Sprintf("Error after %d attempt(s): %v", m.Attempts+1, sendErr),
			"It is not sent again. The office was told in a short note and asked to check the address with the recipient by phone.",
			"If an address is wrong: correct it in the configuration (units[].contacts or units[].cc; office.recipients or office.leader for the office's mail), restart, and send again where a command does it (duban remind --unit U --period P --force for a reminder).",
		},
	})
	if err != nil || len(c.Mail.OfficeTo) == 0 {
		return err
	}
	title := "邮件未能送达"
	if unit != "" {
		title += "：" + unit
	}
	return c.noteOffice(ctx, key, m.Period, m.Unit, templates.OfficeNoteData{
		Title: title,
		Lines: []string{
			"收件人：" + strings.Join(m.To, "、"),
			"邮件：" + what,
			"原因：" + failureReason(sendErr),
			"该邮件不再重发。请电话联系收件人核实邮箱地址；地址如有变化，请告知" + c.operatorName() + "更新。",
		},
	})
}

// failureReason says in the office's words why a message was not delivered.
func failureReason(err error) string {
	var se *mail.SendError
	switch {
	case mail.IsTemporary(err):
		return "多次重试后仍未送达，对方邮件服务器暂不接收。"
	case errors.As(err, &se) && se.Code == 552:
		return "邮件过大，对方邮件服务器拒收。"
	}
	return "对方邮件服务器拒收，邮箱地址可能有误或已停用。"
}

// operatorName is how the office's notes name the IT staff.
func (c *Cycle) operatorName() string {
	if c.Mail.Operator.Name != "" {
		return c.Mail.Operator.Name
	}
	return "技术支持人员"
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
	kindLogin      MailKind = "login"     // the desk's one-time login link, sent outside the outbox
	// kindOperatorNote is a technical note to the IT staff (config
	// operator): what the office's notes leave out.
	kindOperatorNote MailKind = "operator_note"
)

// mailKinds lists every kind with the office's word for it.
var mailKinds = []struct {
	kind  MailKind
	label string
}{
	{kindReminder, "报送提醒"}, {kindReceipt, "回执"}, {kindRejection, "退回通知"}, {kindNoWorkbook, "补附件提醒"},
	{kindOfficeNote, "提示"}, {kindChase, "催报提醒"}, {kindOverdue, "逾期提醒"}, {kindCompiled, "汇总表"},
	{kindExtension, "延期通知"}, {kindClosure, "销号通知"}, {kindDigest, "隔离邮件日报"}, {kindOperatorNote, "技术通知"}, {kindLogin, "登录链接"},
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

// noteOffice queues a note to the office, once per key.
func (c *Cycle) noteOffice(ctx context.Context, key, period, unit string, d templates.OfficeNoteData) error {
	if len(c.Mail.OfficeTo) == 0 {
		c.log().Warn("no office recipients configured; note not sent", "note", d.Title)
		return nil
	}
	d.Office = c.Mail.Office
	r, err := c.Mail.Texts.Render(templates.OfficeNote, d)
	if err != nil {
		return err
	}
	msg := mail.Message{To: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	_, _, err = c.queue(ctx, outgoing{key: "note/" + key, kind: kindOfficeNote, period: period, unit: unit, msg: msg})
	return err
}

// noteOperator logs a technical note and queues it, once per key, to the
// operator (config operator) when one is configured.
func (c *Cycle) noteOperator(ctx context.Context, key, period, unit string, d templates.OperatorNoteData) error {
	c.log().Info("note for the operator: "+d.Title, "details", strings.Join(d.Lines, "\n"))
	if c.Mail.Operator.Email == "" {
		return nil
	}
	r, err := c.Mail.Texts.Render(templates.OperatorNote, d)
	if err != nil {
		return err
	}
	msg := mail.Message{To: []mail.Address{c.Mail.Operator}, Subject: r.Subject, Text: r.Text}
	_, _, err = c.queue(ctx, outgoing{key: "operator/" + key, kind: kindOperatorNote, period: period, unit: unit, msg: msg})
	return err
}
