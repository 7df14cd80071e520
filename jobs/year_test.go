package jobs

import (
	"bytes"
	"context"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/sim"
	"github.com/duban/duban/internal/testtools"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// The tests in this file run the daemon's reconcilers against the embedded
// example configuration, over the in-process SMTP and IMAP servers the demo
// uses, with simulated units that read their own inboxes and reply.

// world is a cycle of the example configuration wired to in-process mail
// servers, with the daemon's jobs and simulated units.
type world struct {
	t      *testing.T
	ctx    context.Context
	c      *Cycle
	clock  *clock.Manual
	mail   *sim.World // the mail servers: mailboxes, SMTP as anyone, reading an inbox
	box    *mailbox.IMAP
	daemon *Daemon
	jobs   []job
	lead   []plan.Unit
	office map[string]bool // the office's addresses

	inbox   map[string][]*inbound.Message // what each unit's first contact has read so far
	replies map[string]unitEvent          // units' messages by Message-ID
	books   map[string]inbound.File       // the template each unit filled, by period/unit
	costs   map[string]*jobCost           // real time spent per job
}

// jobCost is the real time a job took, split by whether it sent anything.
type jobCost struct {
	idleRuns, busyRuns int
	idle, busy         time.Duration
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	clock := &clock.Manual{}
	c, _ := exampleCycle(t, t.TempDir(), clock, nil)
	var err error
	m := c.Mail
	office := map[string]bool{}
	for _, r := range m.OfficeTo {
		office[strings.ToLower(r.Email)] = true
	}
	w := &world{
		t: t, ctx: ctx, c: c, clock: clock, lead: c.Plan.LeadUnits(), office: office,
		inbox: map[string][]*inbound.Message{}, replies: map[string]unitEvent{},
		books: map[string]inbound.File{}, costs: map[string]*jobCost{},
	}
	addrs := []string{m.From.Email}
	for _, u := range c.Plan.Units {
		for _, ct := range append(append([]plan.Contact{}, u.Contacts...), u.CC...) {
			addrs = append(addrs, ct.Email)
		}
	}
	for _, a := range m.OfficeTo {
		addrs = append(addrs, a.Email)
	}
	if m.Operator.Email != "" {
		addrs = append(addrs, m.Operator.Email)
	}
	w.mail, err = sim.Start(ctx, addrs, clock.Now, c.Inbound, c.log())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.mail.Close() })
	smtp, err := w.mail.SMTPAs(m.From.Email)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtp.Close() })
	m.Transport = smtp
	w.box, err = mailbox.DialIMAP(ctx, w.mail.IMAPConfig(m.From.Email), c.log())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.box.Close() })
	w.daemon = &Daemon{Cycle: c, OpenMailbox: func(context.Context) (Mailbox, func() error, error) {
		return w.box, func() error { return nil }, nil
	}}
	w.jobs = w.daemon.jobs()
	return w
}

// at parses a time in the schedule's zone.
func (w *world) at(s string) time.Time {
	w.t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, w.c.Schedule.Location)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// tick is one wake-up of the daemon at now: every job once, in the
// daemon's order (what Daemon.RunOnce does, with each job's result and
// error at hand).
func (w *world) tick(now time.Time) {
	w.t.Helper()
	w.clock.Set(now)
	for _, j := range w.jobs {
		start := time.Now()
		res, err := j.fn(w.ctx)
		took := time.Since(start)
		if err != nil {
			w.t.Fatalf("%s: job %s: %v", now.Format(layoutMinute), j.name, err)
		}
		sent, failed := flushOf(res)
		if failed > 0 {
			w.t.Fatalf("%s: job %s: %d messages failed", now.Format(layoutMinute), j.name, failed)
		}
		cost := w.costs[j.name]
		if cost == nil {
			cost = &jobCost{}
			w.costs[j.name] = cost
		}
		if sent == 0 && !fetchedAny(res) {
			cost.idleRuns++
			cost.idle += took
		} else {
			cost.busyRuns++
			cost.busy += took
		}
	}
}

func flushOf(res any) (sent, failed int) {
	var f FlushResult
	switch r := res.(type) {
	case RemindRun:
		f = r.Flush
	case ChaseResult:
		f = r.Flush
	case CompileDueResult:
		f = r.Flush
	case CollectResult:
		f = r.Flush
	}
	return f.Sent, f.Failed
}

func fetchedAny(res any) bool {
	r, ok := res.(CollectResult)
	return ok && r.Fetched > 0
}

// logCosts reports where the real time went, per job, idle ticks apart.
func (w *world) logCosts() {
	for _, j := range w.jobs {
		c := w.costs[j.name]
		if c == nil {
			continue
		}
		avg := func(d time.Duration, n int) time.Duration {
			if n == 0 {
				return 0
			}
			return (d / time.Duration(n)).Round(time.Microsecond)
		}
		w.t.Logf("job %-8s idle: %5d runs %8s (%s each); busy: %4d runs %8s (%s each)", j.name,
			c.idleRuns, c.idle.Round(time.Millisecond), avg(c.idle, c.idleRuns),
			c.busyRuns, c.busy.Round(time.Millisecond), avg(c.busy, c.busyRuns))
	}
}

// A unitEvent is something a simulated unit does.
type unitEvent struct {
	at   time.Time
	unit plan.Unit
	p    plan.Period
	what string // evReply, evLate, evCorrection, evEarly
}

const (
	evReply      = "reply"      // in time, answering the reminder
	evLate       = "late"       // after the deadline, answering the reminder
	evCorrection = "correction" // a second version, answering the receipt
	evEarly      = "early"      // a template got by hand, mailed before any reminder
)

// act plays ev: the unit's first contact reads the new mail in their
// inbox, fills the workbook and sends it back, threaded.
func (w *world) act(ev unitEvent) {
	w.t.Helper()
	ctx, c, u := w.ctx, w.c, ev.unit
	w.clock.Set(ev.at)
	contact := mail.Address{Name: u.Contacts[0].Name, Email: strings.ToLower(u.Contacts[0].Email)}
	got, err := w.mail.Read(ctx, contact.Email)
	if err != nil {
		w.t.Fatal(err)
	}
	w.inbox[contact.Email] = append(w.inbox[contact.Email], got...)
	bookKey := ev.p.String() + "/" + u.ID
	answers := sim.Answers(c.Plan, ev.p, u.ID)
	msg := mail.Message{
		MessageID: mail.MessageID(sim.DomainOf(contact.Email), "reply", ev.p.String(), u.ID, ev.what),
		To:        []mail.Address{c.Mail.From},
		Text:      fmt.Sprintf("%s：\n\n附件是我单位%s推进情况表，请查收。\n\n%s\n", c.Mail.Office, ev.p.Label(), u.Name),
	}
	var answered *inbound.Message
	switch ev.what {
	case evEarly:
		// The office clerk made the unit's template by hand (duban template).
		tpl, err := c.BuildTemplate(ctx, u.ID, ev.p)
		if err != nil {
			w.t.Fatal(err)
		}
		w.books[bookKey] = inbound.File{Name: tpl.FileName, Data: tpl.Data}
		msg.Subject = fmt.Sprintf("%s%s推进情况", u.Name, ev.p.Label())
	case evReply, evLate:
		rem, found, err := c.Ledger.OutboxByKey(ctx, reminderKey(ev.p, u.ID))
		if err != nil || !found {
			w.t.Fatalf("%s: %s wants to answer its %s reminder, but none was queued (%v)", ev.at.Format(layoutMinute), u.ID, ev.p, err)
		}
		answered = w.find(contact.Email, func(m *inbound.Message) bool { return m.MessageID == rem.MessageID })
		books := answered.Workbooks()
		if len(books) != 1 {
			w.t.Fatalf("the %s reminder to %s carries %d workbooks", ev.p, u.ID, len(books))
		}
		w.books[bookKey] = books[0]
	case evCorrection:
		first := mail.MessageID(sim.DomainOf(contact.Email), "reply", ev.p.String(), u.ID, evReply)
		answered = w.find(contact.Email, func(m *inbound.Message) bool { return slices.Contains(m.InReplyTo, first) })
		answers[0].Progress = "更正：" + answers[0].Progress
		msg.Text = "更正上次报送的内容，以此为准。\n"
	}
	book, ok := w.books[bookKey]
	if !ok {
		w.t.Fatalf("%s has no %s template to fill", u.ID, ev.p)
	}
	data, err := reader.Fill(book.Data, contact.Name, sim.Phone, answers)
	if err != nil {
		w.t.Fatal(err)
	}
	msg.Attachments = []mail.Attachment{{Name: book.Name, ContentType: mail.XLSXType, Data: data}}
	if answered != nil {
		msg.Subject = "回复：" + answered.Subject
		msg.InReplyTo = answered.MessageID
		msg.References = append(append([]string{}, answered.References...), answered.MessageID)
	}
	if err := w.mail.Send(ctx, contact, msg); err != nil {
		w.t.Fatal(err)
	}
	w.replies[msg.MessageID] = ev
}

// find is the message in addr's inbox that match says, which must be there.
func (w *world) find(addr string, match func(*inbound.Message) bool) *inbound.Message {
	w.t.Helper()
	for _, m := range w.inbox[addr] {
		if match(m) {
			return m
		}
	}
	w.t.Fatalf("%s: the message looked for never reached %s", w.clock.Now().Format(layoutMinute), addr)
	return nil
}

// run ticks every step from start until end, playing each event before
// the first tick at or after its time. Ticks for which skip is true are
// left out (the jobs are reconcilers: a skipped tick only delays what
// falls due in it).
func (w *world) run(start, end time.Time, step time.Duration, events []unitEvent, skip func(time.Time) bool) {
	w.t.Helper()
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	for now := start; now.Before(end); now = now.Add(step) {
		if skip != nil && skip(now) {
			continue
		}
		for len(events) > 0 && !events[0].at.After(now) {
			w.act(events[0])
			events = events[1:]
		}
		w.tick(now)
	}
}

// A delivery is one message as the mail server delivered it, to every
// mailbox it reached.
type delivery struct {
	at        time.Time // by the server's (manual) clock
	messageID string
	kind      MailKind // X-Duban-Kind; "" for units' mail
	from      string
	to, cc    []string // header addresses, lowercased
	rcpts     []string // mailboxes it was delivered to
	subject   string
	text      string
	inReplyTo string

	// What the ledger says of duban's own mail; for units' mail, what the
	// unit did.
	key, period, unit string
	rung              string // chase rung ("before", "overdue-1", …) or compiled version ("v2")
}

var receivedStamp = regexp.MustCompile(`;\s*([^;]+)$`)

// deliveries reads every mailbox on the server and returns each message
// once, in the order delivered.
func (w *world) deliveries() []delivery {
	w.t.Helper()
	byID := map[string]*delivery{}
	var order []string
	addrs := w.mail.Addresses() // sorted
	for _, a := range addrs {
		raws, err := w.mail.Server.Messages(a)
		if err != nil {
			w.t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, raw := range raws {
			m, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				w.t.Fatalf("a message delivered to %s does not parse: %v", a, err)
			}
			id := strings.Trim(m.Header.Get("Message-Id"), "<>")
			if seen[id] {
				w.t.Errorf("%s received message %s twice", a, id)
			}
			seen[id] = true
			if d := byID[id]; d != nil {
				d.rcpts = append(d.rcpts, a)
				continue
			}
			stamp := receivedStamp.FindStringSubmatch(m.Header.Get("Received"))
			if stamp == nil {
				w.t.Fatalf("message %s to %s has no dated Received header", id, a)
			}
			when, err := time.Parse(time.RFC1123Z, strings.TrimSpace(stamp[1]))
			if err != nil {
				w.t.Fatalf("message %s: Received date: %v", id, err)
			}
			parsed, err := inbound.Parse(raw, w.c.Inbound)
			if err != nil {
				w.t.Fatal(err)
			}
			d := &delivery{
				at: when.In(w.c.Schedule.Location), messageID: id, kind: MailKind(m.Header.Get("X-Duban-Kind")),
				from: parsed.From.Email, to: addressList(w.t, m.Header, "To"), cc: addressList(w.t, m.Header, "Cc"),
				rcpts: []string{a}, subject: parsed.Subject, text: parsed.Text,
			}
			if len(parsed.InReplyTo) > 0 {
				d.inReplyTo = parsed.InReplyTo[0]
			}
			w.describe(d)
			byID[id] = d
			order = append(order, id)
		}
	}
	out := make([]delivery, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// describe fills in what a delivery was for.
func (w *world) describe(d *delivery) {
	if d.kind == "" {
		if ev, ok := w.replies[d.messageID]; ok {
			d.period, d.unit, d.rung = ev.p.String(), ev.unit.ID, ev.what
		}
		return
	}
	out, found, err := w.c.Ledger.OutboxByMessageID(w.ctx, d.messageID)
	if err != nil || !found {
		w.t.Fatalf("message %s (%s) is not in the outbox (%v)", d.messageID, d.kind, err)
	}
	if MailKind(out.Kind) != d.kind {
		w.t.Errorf("message %s: X-Duban-Kind %q, outbox kind %q", d.messageID, d.kind, out.Kind)
	}
	d.key, d.period, d.unit = out.Key, out.Period, out.Unit
	parts := strings.Split(out.Key, "/")
	switch d.kind {
	case kindChase, kindOverdue, kindCompiled:
		d.rung = parts[len(parts)-1]
	}
}

func addressList(t *testing.T, h netmail.Header, name string) []string {
	t.Helper()
	if h.Get(name) == "" {
		return nil
	}
	list, err := h.AddressList(name)
	if err != nil {
		t.Fatalf("%s: %q: %v", name, h.Get(name), err)
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = strings.ToLower(a.Address)
	}
	return out
}

// officeCopied reports whether every office address is in d's Cc.
func (w *world) officeCopied(d delivery) bool {
	n := 0
	for _, a := range d.cc {
		if w.office[a] {
			n++
		}
	}
	return n > 0 && n == len(w.office)
}

var submittedCount = regexp.MustCompile(`已报(\d+/\d+)`)

// line is d as the golden file shows it.
func (w *world) line(d delivery) string {
	s := d.at.Format("2006-01-02 15:04") + " "
	switch d.kind {
	case "":
		return s + fmt.Sprintf("unit-%s %s %s", d.rung, d.period, d.unit)
	case kindChase, kindOverdue:
		s += fmt.Sprintf("%s %s %s %s", d.kind, d.period, d.unit, d.rung)
		if w.officeCopied(d) {
			s += " cc:office"
		}
		return s
	case kindCompiled:
		n := ""
		if m := submittedCount.FindStringSubmatch(d.subject); m != nil {
			n = " submitted " + m[1]
		}
		return s + fmt.Sprintf("compiled %s %s%s", d.period, d.rung, n)
	}
	return s + strings.TrimSpace(fmt.Sprintf("%s %s %s", d.kind, d.period, d.unit))
}

// scheduledKinds are the kinds that go out only in office hours.
var scheduledKinds = map[MailKind]bool{kindReminder: true, kindChase: true, kindOverdue: true, kindCompiled: true}

// yearEvents is what the simulated units do in period p: unit #k skips the
// period when (k+m)%5 == 0, replies two working days after the deadline
// when (k+m)%7 == 0, and otherwise replies in time — the day after the
// reminders (a weekend, now and then), on the second working day, just
// before the pre-deadline chase, or on the deadline day in the evening,
// after that chase.
func yearEvents(c *Cycle, p plan.Period) []unitEvent {
	s := c.Schedule
	cal := s.Calendar
	remindDay := midnight(s.RemindAt(p))
	deadline := s.Deadline(p)
	chaseDay := deadline
	for range s.Chase.BeforeDeadline {
		chaseDay = cal.PrevWorkday(chaseDay)
	}
	m := int(p.Month)
	var out []unitEvent
	for k, u := range c.Plan.LeadUnits() {
		minutes := time.Duration(7+k) * time.Minute
		ev := unitEvent{unit: u, p: p, what: evReply}
		switch {
		case (k+m)%5 == 0:
			continue
		case (k+m)%7 == 0:
			ev.what = evLate
			ev.at = cal.NextWorkday(cal.NextWorkday(deadline)).Add(10*time.Hour + minutes)
		case k%3 == 0:
			ev.at = remindDay.AddDate(0, 0, 1).Add(10*time.Hour + minutes)
		case k%3 == 1:
			ev.at = cal.NextWorkday(remindDay).Add(14*time.Hour + minutes)
		case k%2 == 1:
			// Minutes before the pre-deadline chase: the reply waits in the
			// mailbox when the chase falls due, and must spare the unit it.
			ev.at = chaseDay.Add(8*time.Hour + 26*time.Minute + minutes)
		default:
			ev.at = deadline.Add(18*time.Hour + 36*time.Minute + minutes)
		}
		out = append(out, ev)
	}
	return out
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// correctionUnit corrects its June report after the deadline.
const correctionUnit = 0

var correctionPeriod = plan.Period{Year: 2023, Month: time.June}

// TestSimulatedYear runs the daemon's jobs every 30 minutes (19:00 to
// 07:59 left out: nothing falls due then) from 2023-01-25 to 2024-02-05
// against in-process mail servers, with 13 simulated units replying,
// skipping, replying late and correcting, and checks every message
// delivered: when, to whom, and that none goes twice. -short plays the
// periods 2023-09 to 2023-11 only, from 2023-09-25.
func TestSimulatedYear(t *testing.T) {
	began := time.Now()
	w := newWorld(t)
	c, s := w.c, w.c.Schedule
	start, end := w.at("2023-01-25 08:00"), w.at("2024-02-05 19:00")
	first, last := plan.Period{Year: 2023, Month: time.January}, plan.Period{Year: 2023, Month: time.December}
	if testing.Short() {
		// The daemon first starts on 2023-09-25 (2023-08 is open and gets
		// its reminders and latest chase late); 2023-09 to 2023-11 run whole.
		start, end = w.at("2023-09-25 08:00"), w.at("2024-01-02 08:00")
		first, last = plan.Period{Year: 2023, Month: time.September}, plan.Period{Year: 2023, Month: time.November}
	}
	var periods []plan.Period
	var events []unitEvent
	for p := first; !last.Before(p); p = p.Next() {
		periods = append(periods, p)
		events = append(events, yearEvents(c, p)...)
	}
	lead := w.lead
	if len(lead) != 13 {
		t.Fatalf("the example plan has %d lead units, want 13", len(lead))
	}
	// One correction after the deadline, by a unit that replied in time.
	corrAt := s.Calendar.NextWorkday(s.Calendar.NextWorkday(s.Calendar.NextWorkday(s.Deadline(correctionPeriod)))).Add(11*time.Hour + 3*time.Minute)
	if !testing.Short() {
		events = append(events, unitEvent{at: corrAt, unit: lead[correctionUnit], p: correctionPeriod, what: evCorrection})
	}
	evs := slices.Clone(events)
	w.run(start, end, 30*time.Minute, evs, func(t time.Time) bool { return t.Hour() >= 19 || t.Hour() < 8 })
	ran := time.Since(began)
	w.logCosts()

	all := w.deliveries()
	var lines []string
	for _, d := range all {
		lines = append(lines, w.line(d))
	}
	sort.SliceStable(lines, func(i, j int) bool {
		return lines[i][:16] < lines[j][:16] || lines[i][:16] == lines[j][:16] && lines[i] < lines[j]
	})
	golden := filepath.Join("testdata", "year-2023.golden")
	if testing.Short() {
		checkGoldenSubset(t, golden, lines, periods)
	} else {
		checkGolden(t, golden, strings.Join(lines, "\n")+"\n")
	}

	// The holiday months, stated outright.
	wantDates := []struct {
		p                         plan.Period
		remind, deadline, compile string
		rungs                     []string
	}{
		{plan.Period{Year: 2023, Month: time.January}, "2023-02-01 09:00", "2023-02-07 00:00", "2023-02-08 08:30",
			[]string{"before 2023-02-03 09:00", "overdue-1 2023-02-08 09:00", "overdue-2 2023-02-15 09:00", "overdue-3 2023-02-22 09:00"}},
		{plan.Period{Year: 2023, Month: time.September}, "2023-10-07 09:00", "2023-10-11 00:00", "2023-10-12 08:30",
			[]string{"before 2023-10-09 09:00", "overdue-1 2023-10-12 09:00", "overdue-2 2023-10-19 09:00", "overdue-3 2023-10-26 09:00"}},
		{plan.Period{Year: 2023, Month: time.December}, "2024-01-02 09:00", "2024-01-08 00:00", "2024-01-09 08:30",
			[]string{"before 2024-01-04 09:00", "overdue-1 2024-01-09 09:00", "overdue-2 2024-01-16 09:00", "overdue-3 2024-01-23 09:00"}},
	}
	for _, wd := range wantDates {
		var rungs []string
		for _, r := range s.Rungs(wd.p) {
			rungs = append(rungs, r.Name+" "+r.At.Format(layoutMinute))
		}
		if got := s.RemindAt(wd.p).Format(layoutMinute); got != wd.remind {
			t.Errorf("RemindAt(%s) = %s, want %s", wd.p, got, wd.remind)
		}
		if got := s.Deadline(wd.p).Format(layoutMinute); got != wd.deadline {
			t.Errorf("Deadline(%s) = %s, want %s", wd.p, got, wd.deadline)
		}
		if got := s.CompileAt(wd.p).Format(layoutMinute); got != wd.compile {
			t.Errorf("CompileAt(%s) = %s, want %s", wd.p, got, wd.compile)
		}
		if !slices.Equal(rungs, wd.rungs) {
			t.Errorf("Rungs(%s) = %q, want %q", wd.p, rungs, wd.rungs)
		}
	}

	// Sorted by what each message is for.
	type ident struct {
		kind               MailKind
		period, unit, rung string
	}
	byIdent := map[ident][]delivery{}
	var compiled = map[string][]delivery{} // by period, in version order
	answers := map[string][]delivery{}     // answers by the message they answer
	for _, d := range all {
		if d.period != "" && !slices.ContainsFunc(periods, func(p plan.Period) bool { return p.String() == d.period }) &&
			!(testing.Short() && d.period == "2023-08") {
			t.Errorf("%s: a message for %s, outside the periods played: %s", d.at.Format(layoutMinute), d.period, w.line(d))
		}
		if d.kind == "" {
			continue
		}
		if d.from != strings.ToLower(c.Mail.From.Email) {
			t.Errorf("%s comes from %s", w.line(d), d.from)
		}
		if why := offRegister(d.subject + "\n" + d.text); why != "" && d.kind != kindOperatorNote {
			t.Errorf("%s %s:\n%s", w.line(d), why, d.text)
		}
		id := ident{d.kind, d.period, d.unit, d.rung}
		switch d.kind {
		case kindReceipt, kindRejection, kindNoWorkbook:
			answers[d.inReplyTo] = append(answers[d.inReplyTo], d)
			if _, ok := w.replies[d.inReplyTo]; !ok {
				t.Errorf("%s answers %s, which no unit sent", w.line(d), d.inReplyTo)
			}
			continue
		case kindCompiled:
			compiled[d.period] = append(compiled[d.period], d)
		}
		byIdent[id] = append(byIdent[id], d)
		if scheduledKinds[d.kind] && (!s.Calendar.IsWorkday(d.at) || !s.InOfficeHours(d.at)) {
			t.Errorf("%s: sent outside office hours or on a day off", w.line(d))
		}
	}
	for id, ds := range byIdent {
		if len(ds) > 1 {
			t.Errorf("%v went %d times: %s, %s", id, len(ds), w.line(ds[0]), w.line(ds[1]))
		}
	}

	// Every unit's message got exactly one answer, a receipt, at once or at
	// the first poll, whatever the hour; some came at night or on a day off.
	offHours := 0
	for id, ev := range w.replies {
		got := answers[id]
		if len(got) != 1 || got[0].kind != kindReceipt {
			t.Errorf("%s's %s %s got %d answers, want one receipt", ev.unit.ID, ev.p, ev.what, len(got))
			continue
		}
		if got[0].at.Sub(ev.at) > 30*time.Minute && ev.at.Hour() < 18 && ev.at.Hour() >= 8 {
			t.Errorf("%s's %s %s sent %s answered only at %s", ev.unit.ID, ev.p, ev.what, ev.at.Format(layoutMinute), got[0].at.Format(layoutMinute))
		}
		if !s.InOfficeHours(got[0].at) {
			offHours++
		}
	}
	if offHours == 0 {
		t.Errorf("no receipt went outside office hours; receipts must not wait for them")
	}

	subs := map[string][]store.Submission{}
	for _, p := range periods {
		list, err := c.Ledger.Submissions(w.ctx, p.String())
		if err != nil {
			t.Fatal(err)
		}
		subs[p.String()] = list
	}
	acceptedBefore := func(p plan.Period, unit string, t time.Time) bool {
		for _, s := range subs[p.String()] {
			if s.Unit == unit && s.Accepted && s.ReceivedAt.Before(t) {
				return true
			}
		}
		return false
	}

	for _, p := range periods {
		// Reminders: every unit once, at the reminder time.
		for _, u := range lead {
			rem := byIdent[ident{kindReminder, p.String(), u.ID, ""}]
			if len(rem) != 1 {
				t.Errorf("%s got %d reminders for %s, want 1", u.ID, len(rem), p)
				continue
			}
			if want := s.RemindAt(p); !rem[0].at.Equal(want) {
				t.Errorf("%s's reminder for %s went at %s, want %s", u.ID, p, rem[0].at.Format(layoutMinute), want.Format(layoutMinute))
			}
			if !sameSet(rem[0].to, addrOf(u.Contacts)) || !sameSet(rem[0].cc, addrOf(u.CC)) {
				t.Errorf("%s's reminder for %s: to %v cc %v", u.ID, p, rem[0].to, rem[0].cc)
			}
		}
		// The chase ladder: each rung, at its time, to exactly the units
		// without an accepted report by then; overdue notices copy the office.
		for _, r := range s.Rungs(p) {
			kind := kindChase
			if r.Overdue > 0 {
				kind = kindOverdue
			}
			for _, u := range lead {
				got := byIdent[ident{kind, p.String(), u.ID, r.Name}]
				want := !acceptedBefore(p, u.ID, r.At)
				switch {
				case want && len(got) != 1:
					t.Errorf("%s %s: %s had no accepted report by %s but got %d notices", p, r.Name, u.ID, r.At.Format(layoutMinute), len(got))
				case !want && len(got) != 0:
					t.Errorf("%s %s: %s had an accepted report by %s but was chased: %s", p, r.Name, u.ID, r.At.Format(layoutMinute), w.line(got[0]))
				case want && !got[0].at.Equal(r.At):
					t.Errorf("%s %s to %s went at %s, want %s", p, r.Name, u.ID, got[0].at.Format(layoutMinute), r.At.Format(layoutMinute))
				case want && w.officeCopied(got[0]) != (r.Overdue > 0):
					t.Errorf("%s: office in copy %v, want %v", w.line(got[0]), w.officeCopied(got[0]), r.Overdue > 0)
				}
			}
		}
		// The compiled workbook: v1 at CompileAt, then one version per
		// change, each naming what changed.
		versions := compiled[p.String()]
		if len(versions) == 0 || !versions[0].at.Equal(s.CompileAt(p)) || versions[0].rung != "v1" {
			t.Errorf("%s: compiled versions %v; want v1 at %s", p, lineList(w, versions), s.CompileAt(p).Format(layoutMinute))
			continue
		}
		for i, d := range versions {
			if d.rung != fmt.Sprintf("v%d", i+1) || !sameSet(d.to, setOf(w.office)) {
				t.Errorf("%s: version %d is %s to %v", p, i+1, w.line(d), d.to)
			}
			if i > 0 && !strings.Contains(d.text, fmt.Sprintf("与第%d版相比", i)) {
				t.Errorf("%s names no change:\n%s", w.line(d), d.text)
			}
		}
	}
	// Every late report and the correction make a new version naming them.
	for _, ev := range events {
		if ev.what != evLate && ev.what != evCorrection {
			continue
		}
		change := c.Plan.UnitName(ev.unit.ID) + "：补报"
		if ev.what == evCorrection {
			change = c.Plan.UnitName(ev.unit.ID) + "：更正"
		}
		var named []delivery
		for _, d := range compiled[ev.p.String()] {
			if strings.Contains(d.text, change) {
				named = append(named, d)
			}
		}
		if len(named) != 1 || named[0].rung == "v1" || named[0].at.Before(ev.at) || named[0].at.Sub(ev.at) > time.Hour {
			t.Errorf("%s's %s %s at %s: compiled versions naming %q: %v; want one new version within the hour",
				ev.unit.ID, ev.p, ev.what, ev.at.Format(layoutMinute), change, lineList(w, named))
		}
	}
	if !testing.Short() {
		// Idle before the plan's first period opens and after its last closes.
		for at, want := range map[string]string{"2023-01-25 08:00": "first period 2023-01", "2024-02-01 09:00": "plan year 2023 is over"} {
			if _, idle := c.OpenPeriod(w.at(at)); !strings.Contains(idle, want) {
				t.Errorf("OpenPeriod(%s) idle = %q, want it to say %q", at, idle, want)
			}
		}
		for _, d := range all {
			if d.period == "2022-12" || d.period == "2024-01" {
				t.Errorf("a message for %s, outside the plan year: %s", d.period, w.line(d))
			}
		}
		if n := len(compiled["2023-06"]); n < 2 {
			t.Errorf("the correction of 2023-06 made no new version: %d versions", n)
		}
	}
	t.Logf("%d messages delivered; %d units' messages; played in %s", len(all), len(w.replies), ran.Round(time.Millisecond))
}

// newer is what is in all and not in earlier.
func newer(all, earlier []delivery) []delivery {
	seen := map[string]bool{}
	for _, d := range earlier {
		seen[d.messageID] = true
	}
	var out []delivery
	for _, d := range all {
		if !seen[d.messageID] {
			out = append(out, d)
		}
	}
	return out
}

func lineList(w *world, ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, w.line(d))
	}
	return out
}

func addrOf(cs []plan.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strings.ToLower(c.Email)
	}
	return out
}

func setOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	testtools.Golden(t, path, []byte(got))
}

// checkGoldenSubset compares the lines of the given periods only: a short
// run starts late in the year.
func checkGoldenSubset(t *testing.T, path string, got []string, periods []plan.Period) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the long test with -update to write it)", err)
	}
	keep := func(lines []string) string {
		var out []string
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) > 3 && slices.ContainsFunc(periods, func(p plan.Period) bool { return f[3] == p.String() }) {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n") + "\n"
	}
	w, g := keep(strings.Split(strings.TrimSpace(string(want)), "\n")), keep(got)
	if w != g {
		t.Errorf("the messages of %v differ from %s (-want +got):\n%s", periods, path, lineSetDiff(w, g))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineSetDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		for ; n > 0; n-- {
			out = append(out, "-"+l)
		}
		for ; n < 0; n++ {
			out = append(out, "+"+l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][1:] < out[j][1:] })
	if len(out) > 60 {
		out = append(out[:60], fmt.Sprintf("… and %d more", len(out)-60))
	}
	return strings.Join(out, "\n")
}

// TestDowntimeCatchUp starts the daemon's jobs after it was down, as
// Daemon.Run does (every job once, in order), and runs them twice more.
func TestDowntimeCatchUp(t *testing.T) {

	t.Run("off from 2023-05-30 to 2023-06-09 10:00", func(t *testing.T) {
		w := newWorld(t)
		c, s := w.c, w.c.Schedule
		// The real dates the daemon slept through.
		var rungs []string
		for _, r := range s.Rungs(may) {
			rungs = append(rungs, r.Name+" "+r.At.Format(layoutMinute))
		}
		if got := s.RemindAt(may).Format(layoutMinute) + " deadline " + s.Deadline(may).Format(plan.DateLayout) + " " + strings.Join(rungs, ", "); got !=
			"2023-06-01 09:00 deadline 2023-06-07 before 2023-06-05 09:00, overdue-1 2023-06-08 09:00, overdue-2 2023-06-15 09:00, overdue-3 2023-06-25 09:00" {
			t.Fatalf("2023-05's schedule = %s", got)
		}

		// April ran normally: everybody answered the day after the reminders.
		apr := may.Prev()
		var events []unitEvent
		for k, u := range w.lead {
			events = append(events, unitEvent{at: s.RemindAt(apr).Add(25*time.Hour + time.Duration(k)*time.Minute), unit: u, p: apr, what: evReply})
		}
		w.run(w.at("2023-05-04 08:00"), w.at("2023-05-30 12:00"), 30*time.Minute, events, nil)
		prior := w.deliveries()

		// Down. Meanwhile three units mail in the template the clerk gave
		// them by hand: two in time, one after the deadline.
		early := []unitEvent{
			{at: w.at("2023-06-02 10:07"), unit: w.lead[0], p: may, what: evEarly},
			{at: w.at("2023-06-06 15:07"), unit: w.lead[1], p: may, what: evEarly},
			{at: w.at("2023-06-08 15:07"), unit: w.lead[2], p: may, what: evEarly},
		}
		for _, ev := range early {
			w.act(ev)
		}

		// Up again at 10:00 on 2023-06-09: the catch-up, then two more runs.
		back := w.at("2023-06-09 10:00")
		w.tick(back)
		afterCatchUp := w.deliveries()
		w.tick(back)
		w.tick(back.Add(10 * time.Minute))
		all := w.deliveries()
		if more := newer(all, afterCatchUp); len(more) > 0 {
			t.Errorf("the repeated runs sent %d more messages: %v", len(more), lineList(w, more))
		}
		all = newer(all, prior)

		submitted := map[string]bool{}
		for _, ev := range early {
			submitted[ev.unit.ID] = true
		}
		count := map[string]int{}
		for _, d := range all {
			count[string(d.kind)+" "+d.rung+" "+d.unit]++
			if d.kind != "" && d.period != may.String() {
				t.Errorf("a message for %s after the downtime: %s", d.period, w.line(d))
			}
			if d.kind != "" && d.kind != kindReceipt && !d.at.Equal(back) {
				t.Errorf("%s: not sent at the catch-up", w.line(d))
			}
			if d.kind == kindOverdue && !w.officeCopied(d) {
				t.Errorf("%s: the office is not in copy", w.line(d))
			}
		}
		for _, u := range w.lead {
			if n := count[string(kindReminder)+"  "+u.ID]; n != 1 {
				t.Errorf("%s got %d reminders for %s, want 1, late", u.ID, n, may)
			}
			if n := count[string(kindChase)+" before "+u.ID]; n != 0 {
				t.Errorf("%s got the pre-deadline chase after the deadline", u.ID)
			}
			// Reminded only now, nobody is told off for the deadline the
			// daemon slept through: no first overdue notice.
			if n := count[string(kindOverdue)+" overdue-1 "+u.ID]; n != 0 {
				t.Errorf("%s got %d first overdue notices at the catch-up, want 0: it was reminded only then", u.ID, n)
			}
		}
		for _, ev := range early {
			id := mail.MessageID(sim.DomainOf(strings.ToLower(ev.unit.Contacts[0].Email)), "reply", may.String(), ev.unit.ID, ev.what)
			n := 0
			for _, d := range all {
				if d.inReplyTo == id && d.kind == kindReceipt {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s's report got %d receipts, want 1", ev.unit.ID, n)
			}
		}
		subs, err := c.Ledger.Latest(w.ctx, may.String())
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range early {
			if s, ok := subs[ev.unit.ID]; !ok || s.Late != (i == 2) {
				t.Errorf("%s's report: recorded %v, late %v; want late %v (judged by its arrival)", ev.unit.ID, ok, s.Late, i == 2)
			}
		}
		var compiled []string
		for _, d := range all {
			if d.kind == kindCompiled {
				compiled = append(compiled, w.line(d))
				if !sameSet(d.to, setOf(w.office)) {
					t.Errorf("%s went to %v, want the office", w.line(d), d.to)
				}
			}
		}
		if want := []string{"2023-06-09 10:00 compiled 2023-05 v1 submitted 3/13"}; !slices.Equal(compiled, want) {
			t.Errorf("compiled mail after the downtime = %q, want %q", compiled, want)
		}
		for _, d := range all {
			t.Log(w.line(d))
		}

		// The next rung, a week later, goes to the units still missing.
		before := w.deliveries()
		w.tick(w.at("2023-06-15 09:00"))
		w.tick(w.at("2023-06-15 09:30"))
		overdue := map[string]int{}
		for _, d := range newer(w.deliveries(), before) {
			t.Log(w.line(d))
			if d.kind == kindOverdue && d.rung == "overdue-2" {
				overdue[d.unit]++
			}
		}
		for _, u := range w.lead {
			want := 1
			if submitted[u.ID] {
				want = 0
			}
			if overdue[u.ID] != want {
				t.Errorf("%s (submitted: %v) got %d overdue-2 notices, want %d", u.ID, submitted[u.ID], overdue[u.ID], want)
			}
		}
	})

	t.Run("first start on 2023-03-15", func(t *testing.T) {
		w := newWorld(t)
		now := w.at("2023-03-15 10:00")
		if p, idle := w.c.OpenPeriod(now); p.String() != "2023-02" || idle != "" {
			t.Fatalf("OpenPeriod(%s) = %s, %q; want 2023-02 open", now.Format(layoutMinute), p, idle)
		}
		for range 3 {
			w.tick(now)
		}
		all := w.deliveries()
		reminded := map[string]int{}
		var chases []string
		for _, d := range all {
			t.Log(w.line(d))
			switch {
			case d.period != "2023-02":
				t.Errorf("a message for %s: %s", d.period, w.line(d))
			case d.kind == kindReminder:
				reminded[d.unit]++
			case d.kind == kindChase || d.kind == kindOverdue:
				chases = append(chases, d.rung)
			}
		}
		for _, u := range w.lead {
			if reminded[u.ID] != 1 {
				t.Errorf("%s got %d reminders for 2023-02, want 1", u.ID, reminded[u.ID])
			}
		}
		// The rung due now (the second overdue notice) fell due before the
		// units were reminded: nobody is chased with the reminder.
		if len(chases) != 0 {
			t.Errorf("chase rungs %v went with the reminders; want none until the next rung", chases)
		}
	})

	t.Run("first start on 2026-11-26 with the 2023 plan", func(t *testing.T) {
		w := newWorld(t)
		now := w.at("2026-11-26 10:00")
		_, idle := w.c.OpenPeriod(now)
		if !strings.Contains(idle, "plan year 2023") {
			t.Errorf("OpenPeriod(%s) idle = %q; want it to name the plan year", now.Format(layoutMinute), idle)
		}
		for range 3 {
			w.tick(now)
		}
		w.tick(w.at("2026-12-01 09:30"))
		if all := w.deliveries(); len(all) != 0 {
			t.Errorf("with the plan year over, %d messages went: %v", len(all), lineList(w, all))
		}
	})
}

// TestDaemonRun runs Daemon.Run itself on robfig/cron, every job each
// second: it catches up at start in the jobs' order, then ticks, and on
// cancellation returns within the grace period with no job left running.
func TestDaemonRun(t *testing.T) {
	w := newWorld(t)
	w.clock.Set(w.at("2023-06-09 10:00")) // 2023-05 is open, its reminders due
	var mu sync.Mutex
	var runs []string
	var errs []error
	returned := false
	d := &Daemon{
		Cycle: w.c,
		// As cmd/duban does: a connection of its own for each collect.
		OpenMailbox: func(ctx context.Context) (Mailbox, func() error, error) {
			box, err := mailbox.DialIMAP(ctx, w.mail.IMAPConfig(w.c.Mail.From.Email), w.c.log())
			if err != nil {
				return nil, nil, err
			}
			return box, box.Close, nil
		},
		CollectSpec: "@every 1s",
		TickSpec:    "@every 1s",
		Grace:       5 * time.Second,
		Observe: func(job string, _ Result, err error, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if returned {
				errs = append(errs, fmt.Errorf("job %s ran after Run returned", job))
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("job %s: %w", job, err))
			}
			runs = append(runs, job)
		},
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	// Wait for the catch-up and at least one scheduled run of every job.
	order := []string{JobCollect, JobRemind, JobChase, JobCompile}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := map[string]int{}
		for _, j := range runs {
			n[j]++
		}
		mu.Unlock()
		if n[JobCollect] >= 2 && n[JobRemind] >= 2 && n[JobChase] >= 2 && n[JobCompile] >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s the jobs ran %v; want the catch-up and then every job again", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	stopping := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(d.Grace + time.Second):
		t.Fatalf("Run did not return within the grace period of %s", d.Grace)
	}
	took := time.Since(stopping)
	mu.Lock()
	returned = true
	catchUp := slices.Clone(runs[:len(order)])
	mu.Unlock()
	// A cron run that was still waiting would show up now.
	time.Sleep(1500 * time.Millisecond)

	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(catchUp, order) {
		t.Errorf("the first runs were %v; want the catch-up in the jobs' order %v", catchUp, order)
	}
	for _, err := range errs {
		t.Error(err)
	}
	all := w.deliveries()
	reminders := 0
	for _, d := range all {
		if d.kind == kindReminder {
			reminders++
		}
	}
	if reminders != len(w.lead) {
		t.Errorf("%d reminders went, want one to each of the %d units", reminders, len(w.lead))
	}
	t.Logf("%d job runs, %d messages; Run returned %s after cancellation", len(runs), len(all), took.Round(time.Millisecond))
}
