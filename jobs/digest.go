package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// DigestResult is what one run of the digest job did.
type DigestResult struct {
	Idle     string // why nothing was attempted
	Key      string // the digest's outbox key, when one was due
	Messages int    // messages the digest lists
	Flush    FlushResult
}

// digestMaxItems bounds the messages a digest lists for each reason; the
// rest are counted.
const digestMaxItems = 50

// digestReasons orders the digest's groups; a reason not listed comes last.
var digestReasons = []string{"未登记的发件人", "退信（可能有单位未收到邮件）"}

// DigestDue sends the office, at most once a day and in office hours, the
// list of the messages set aside since the last digest (strangers',
// bounces, unreadable ones, those over a limit): one mail, never one per
// message, so that nobody can flood the office through duban.
func (c *Cycle) DigestDue(ctx context.Context) (DigestResult, error) {
	var res DigestResult
	now := c.now()
	if res.Idle = c.officeIdle(now); res.Idle != "" {
		return res, nil
	}
	if len(c.Mail.OfficeTo) == 0 {
		res.Idle = "no office recipients configured"
		return res, nil
	}
	res.Key = "digest/" + now.Format(time.DateOnly)
	if _, found, err := c.Ledger.OutboxByKey(ctx, res.Key); err != nil || found {
		return res, err
	}
	msgs, err := c.Ledger.ClaimDigest(ctx, res.Key)
	if err != nil {
		return res, err
	}
	res.Messages = len(msgs)
	if len(msgs) == 0 {
		return res, nil
	}
	r, err := c.Mail.Texts.Render(templates.Digest, c.digestData(msgs, now))
	if err != nil {
		return res, err
	}
	if _, _, err := c.queue(ctx, outgoing{key: res.Key, kind: kindDigest,
		msg: mail.Message{To: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML}}); err != nil {
		return res, err
	}
	if err := c.noteOperator(ctx, res.Key, "", "", c.digestForOperator(msgs, now)); err != nil {
		return res, err
	}
	res.Flush, err = c.Flush(ctx)
	return res, err
}

// digestData groups the messages by why they were set aside.
func (c *Cycle) digestData(msgs []store.InMessage, now time.Time) templates.DigestData {
	d := templates.DigestData{Office: c.Mail.Office, Date: dateCN(now), Count: len(msgs),
		RetentionDays: c.intakeLimits().RetentionDays, Operator: c.Mail.Operator.Name}
	index := map[string]int{}
	add := func(reason string) int {
		if i, ok := index[reason]; ok {
			return i
		}
		index[reason] = len(d.Groups)
		d.Groups = append(d.Groups, templates.DigestGroup{Reason: reason})
		return len(d.Groups) - 1
	}
	for _, r := range digestReasons {
		add(r)
	}
	loc := c.Schedule.Location
	for _, m := range msgs {
		g := &d.Groups[add(m.Office)]
		if len(g.Items) == digestMaxItems {
			g.More++
			continue
		}
		g.Items = append(g.Items, templates.DigestItem{
			ReceivedAt: shortTimeCN(m.ReceivedAt.In(loc)),
			From:       m.From,
			Subject:    firstRunes(m.Subject, 80),
			Size:       reports.SizeText(m.Size),
		})
	}
	groups := d.Groups[:0]
	for _, g := range d.Groups {
		if len(g.Items) > 0 {
			g.Number = plan.Numeral(len(groups) + 1)
			groups = append(groups, g)
		}
	}
	d.Groups = groups
	return d
}

// digestForOperator is what the office's digest leaves out: where each
// message is, why it was set aside in the program's words, and how to take
// one in as a unit's report.
func (c *Cycle) digestForOperator(msgs []store.InMessage, now time.Time) templates.OperatorNoteData {
	d := templates.OperatorNoteData{
		Title: fmt.Sprintf("%d message(s) set aside, listed in the office's digest of %s", len(msgs), now.Format(time.DateOnly)),
	}
	for i, m := range msgs {
		if i == digestMaxItems {
			d.Lines = append(d.Lines, fmt.Sprintf("… and %d more.", len(msgs)-i))
			break
		}
		d.Lines = append(d.Lines, fmt.Sprintf("%s  %s  from %q  subject %q  %s  [%s]  %s",
			m.ReceivedAt.In(c.Schedule.Location).Format(layoutMinute), m.Key, m.From, firstRunes(m.Subject, 80), reports.SizeText(m.Size), m.Note, m.RawSHA256))
	}
	d.Lines = append(d.Lines, "",
		"Where they are: each whole message stays in the mailbox folder duban/quarantine (IMAP), or in quarantine/ under the drop folder with a .reason.txt beside it; the archive in the data directory keeps the first limits.quarantine_bytes of a stranger's message, under the SHA-256 above.",
		"To take one as a unit's report: add the sender to that unit's units[].contacts (or its domain to units[].domains), restart duban, save the message as .eml and run duban ingest on it: it is judged and answered as if it had just arrived.",
		fmt.Sprintf("Strangers' archived copies are deleted after retention.quarantine_days (%d days); units' messages are kept.", c.intakeLimits().RetentionDays),
	)
	return d
}

// RetentionResult is what one run of the retention job did.
type RetentionResult struct {
	Purged int // strangers' messages whose archived copies were deleted
}

// PurgeDue deletes the archived copies of strangers' messages older than
// retention.quarantine_days. Units' messages and answers are kept forever:
// the archive is the record.
func (c *Cycle) PurgeDue(ctx context.Context) (RetentionResult, error) {
	now := c.now()
	cutoff := now.AddDate(0, 0, -c.intakeLimits().RetentionDays)
	n, err := c.Ledger.PurgeStrangers(ctx, cutoff, now)
	if n > 0 {
		c.log().Info("retention: deleted strangers' archived messages", "count", n, "received_before", cutoff.Format(time.DateOnly))
	}
	return RetentionResult{Purged: n}, err
}
