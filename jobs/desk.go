package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/duban/duban/bulletin"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// What the office's web desk (package desk) asks of the cycle beyond the
// status view and the office's decisions, which it shares with the CLI.

// OfficeAddresses are the addresses that may sign in to the desk: the
// office's recipients and its leader, lowercased.
func (c *Cycle) OfficeAddresses() []string {
	if c.Mail == nil {
		return nil
	}
	var out []string
	for _, a := range append(append([]mail.Address{}, c.Mail.OfficeTo...), c.Mail.Leader) {
		if a.Email != "" {
			out = append(out, strings.ToLower(a.Email))
		}
	}
	return out
}

// SendLoginLink mails a one-time login link of the desk to an office
// address, now. It does not go through the outbox: the link is a
// credential, which the archive must not keep, and a lost one is simply
// asked for again.
func (c *Cycle) SendLoginLink(ctx context.Context, to, link string, validFor time.Duration) error {
	if c.Mail == nil || c.Mail.Transport == nil {
		return errors.New("no mail settings: the login link cannot be sent")
	}
	r, err := c.Mail.Texts.Render(templates.Login, templates.LoginData{
		Office: c.Mail.Office, RequestedAt: timeCN(c.now().In(c.Schedule.Location)), Link: link, Minutes: int(validFor / time.Minute),
	})
	if err != nil {
		return err
	}
	// A random key: each link is its own message, whatever the clock says.
	o := outgoing{key: "login/" + strings.ToLower(rand.Text()), kind: kindLogin,
		msg: mail.Message{To: []mail.Address{{Email: to}}, Subject: r.Subject, Text: r.Text, HTML: r.HTML}}
	m, data, err := c.compose(o)
	if err != nil {
		return err
	}
	c.Mail.sending.Lock()
	defer c.Mail.sending.Unlock()
	if err := c.Mail.Transport.Send(ctx, m.From, m.To, data); err != nil {
		return fmt.Errorf("sending the login link to %s: %w", to, err)
	}
	return nil
}

// Version is one compiled version of a period as the desk lists it.
type Version struct {
	store.Compilation
	FileName, BulletinName string
	// Changes names the units new (补报) or corrected (更正) since the
	// version before.
	Changes []string
	SentAt  time.Time // when the office was sent it; zero while queued
}

// Versions lists every version of period p's workbook the office was
// sent, oldest first, with what changed from one to the next.
func (c *Cycle) Versions(ctx context.Context, p plan.Period) ([]Version, error) {
	all, err := c.Ledger.Compilations(ctx, p.String())
	if err != nil {
		return nil, err
	}
	out := make([]Version, len(all))
	prev := ""
	for i, v := range all {
		v.CreatedAt = v.CreatedAt.In(c.Schedule.Location)
		out[i] = Version{Compilation: v, FileName: CompiledFileName(p, v.Version)}
		if v.BulletinSHA256 != "" {
			out[i].BulletinName = bulletin.FileName(p.Label(), v.Version)
		}
		if i > 0 {
			out[i].Changes = c.fingerprintChanges(prev, v.Note)
		}
		prev = v.Note
		if m, found, err := c.Ledger.OutboxByKey(ctx, compiledKey(p, v.Version)); err != nil {
			return nil, err
		} else if found && m.State == store.OutSent {
			out[i].SentAt = m.SentAt.In(c.Schedule.Location)
		}
	}
	return out, nil
}

// fingerprintChanges compares two fingerprints (see fingerprint): the units
// whose report is new in after (补报) or another one (更正).
func (c *Cycle) fingerprintChanges(before, after string) []string {
	parse := func(fp string) (map[string]string, []string) {
		m := map[string]string{}
		var order []string
		for _, part := range strings.Split(strings.TrimPrefix(fp, "submissions:"), ",") {
			if unit, id, ok := strings.Cut(part, ":"); ok {
				m[unit] = id
				order = append(order, unit)
			}
		}
		return m, order
	}
	had, _ := parse(before)
	has, order := parse(after)
	var out []string
	for _, unit := range order {
		switch id, ok := had[unit]; {
		case !ok:
			out = append(out, c.Plan.UnitName(unit)+"：补报")
		case id != has[unit]:
			out = append(out, c.Plan.UnitName(unit)+"：更正")
		}
	}
	return out
}

// UnitMail is what the desk shows of one unit for a period: every message
// received from it, the workbooks recorded, every mail sent to it.
type UnitMail struct {
	Received    []store.InMessage
	Submissions []store.Submission
	Sent        []store.OutMessage
}

// UnitMailOf gathers unit's mail and workbooks of period p.
func (c *Cycle) UnitMailOf(ctx context.Context, unit string, p plan.Period) (UnitMail, error) {
	var m UnitMail
	var err error
	if m.Received, err = c.Ledger.InboundOf(ctx, unit, p.String()); err != nil {
		return m, err
	}
	subs, err := c.Ledger.Submissions(ctx, p.String())
	if err != nil {
		return m, err
	}
	for _, s := range subs {
		if s.Unit == unit {
			m.Submissions = append(m.Submissions, s)
		}
	}
	m.Sent, err = c.Ledger.OutboxTo(ctx, unit, p.String())
	return m, err
}

// Downloadable reports whether the archived file with sha256 is one the
// desk may hand out: a workbook a unit sent, a compiled version or its
// bulletin — never a composed mail (some are credentials) or a stranger's
// message.
func (c *Cycle) Downloadable(ctx context.Context, p plan.Period, sha string) (name string, ok bool, err error) {
	subs, err := c.Ledger.Submissions(ctx, p.String())
	if err != nil {
		return "", false, err
	}
	for _, s := range subs {
		if s.FileSHA256 == sha {
			return s.FileName, true, nil
		}
	}
	vs, err := c.Versions(ctx, p)
	if err != nil {
		return "", false, err
	}
	for _, v := range vs {
		switch sha {
		case v.FileSHA256:
			return v.FileName, true, nil
		case v.BulletinSHA256:
			return v.BulletinName, true, nil
		}
	}
	return "", false, nil
}

// uploadVersion marks the upload link's signature apart from a template's.
const uploadVersion = "upload"

// UploadPath is the path of unit's personal upload link for period p
// (/u/UNIT/YYYY-MM/TOKEN), signed with the cycle's secret.
func (c *Cycle) UploadPath(ctx context.Context, unit string, p plan.Period) (string, error) {
	secret, err := c.secret(ctx)
	if err != nil {
		return "", err
	}
	return c.uploadPath(secret, unit, p), nil
}

func (c *Cycle) uploadPath(secret []byte, unit string, p plan.Period) string {
	tok := reports.Sign(secret, reports.Meta{Version: uploadVersion, Plan: c.Plan.Title, Period: p.String(), Unit: unit})
	return "/u/" + url.PathEscape(unit) + "/" + p.String() + "/" + tok
}

// uploadLink is the link mailed to a unit, or "" when the desk is not
// public (http.public_url unset).
func (c *Cycle) uploadLink(secret []byte, unit string, p plan.Period) string {
	if c.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(c.PublicURL, "/") + c.uploadPath(secret, unit, p)
}

// ErrUploadLink is an upload link that is tampered with, for no lead unit,
// or for a period that has closed.
var ErrUploadLink = errors.New("upload link invalid or expired")

// UploadTarget checks an upload link's parts: the unit and period it is
// for, while the period is open (until the next one's reminders).
func (c *Cycle) UploadTarget(ctx context.Context, unit, period, token string) (plan.Unit, plan.Period, error) {
	secret, err := c.secret(ctx)
	if err != nil {
		return plan.Unit{}, plan.Period{}, err
	}
	p, err := plan.ParsePeriod(period)
	if err != nil {
		return plan.Unit{}, plan.Period{}, ErrUploadLink
	}
	m := reports.Meta{Version: uploadVersion, Plan: c.Plan.Title, Period: p.String(), Unit: unit, Token: token}
	if !m.Valid(secret) {
		return plan.Unit{}, plan.Period{}, ErrUploadLink
	}
	u, _, err := c.leadUnit(unit)
	if err != nil || !c.now().Before(c.Schedule.RemindAt(p.Next())) {
		return plan.Unit{}, plan.Period{}, ErrUploadLink
	}
	return u, p, nil
}

// Upload takes a workbook handed in through unit's upload link for period
// p: the same intake as a mailed one (archived first, the same checks and
// limits, the link's unit expected whatever the file claims) and the same
// receipt or rejection, mailed to the unit's contacts.
func (c *Cycle) Upload(ctx context.Context, u plan.Unit, p plan.Period, data []byte, name string) (Decision, error) {
	unlock, err := c.Ledger.Lock(ctx, store.LockIntake, func() {
		c.log().Info("waiting for another duban process to finish reading mail on this data directory")
	})
	if err != nil {
		return Decision{}, fmt.Errorf("taking the upload of %s: %w", u.ID, err)
	}
	defer unlock()
	now := c.now()
	d, err := c.ingest(ctx, data, name, "desk:"+u.ID, &origin{unit: u, period: p, threaded: true}, now)
	if err != nil {
		return Decision{}, err
	}
	if d.Duplicate || c.Mail == nil || len(u.Contacts) == 0 {
		return d, nil
	}
	// The answer goes to the unit's contacts, as if the first had mailed it.
	first := u.Contacts[0]
	msg := &inbound.Message{From: inbound.Address{Name: first.Name, Email: first.Email}}
	key := "upload/" + d.Submission.FileSHA256
	if err := c.answer(ctx, msg, key, u, []Decision{d}, 0); err != nil {
		return d, err
	}
	return d, nil
}

// Clock is the cycle's now, in the schedule's zone.
func (c *Cycle) Clock() time.Time { return c.now() }
