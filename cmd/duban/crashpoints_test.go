//go:build unix

package main

// Crash-point tests: the real binary is made to kill itself with SIGKILL
// at a named step of its work (internal/crashpoint, DUBAN_CRASH_AT), then
// started again without the variable until its work is done. Unlike the
// kills from outside in crash_test.go, each point is hit exactly, on every
// run. What must hold after the restart: no received message lost (each
// reply's raw bytes archived and recorded once), no submission counted
// twice, no reply left in the INBOX, no unit reminded or answered twice —
// except the one accepted window: killed after the server accepted a
// message (250 after DATA) and before the ledger marked it sent, the
// daemon sends that same message (same Message-ID) once more.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/store"
)

// Scenarios of a crash-point test.
const (
	// scenarioRemind: the first daemon of a fresh data directory is the
	// one killed, in the middle of its 13-reminder fan-out.
	scenarioRemind = "remind"
	// scenarioCollect: a first daemon reminds every unit and stops, each
	// unit replies with its filled template, and the next daemon is killed
	// while it collects the 13 replies (and sends the receipts, which
	// leave while later replies are still read).
	scenarioCollect = "collect"
)

// crashPointCase is one row of the crash-point table.
type crashPointCase struct {
	crashAt  string // DUBAN_CRASH_AT of the killed daemon
	scenario string
	// killedSends is how many messages the killed daemon delivered, where
	// the point fixes it; -1 where it depends on how far the background
	// sender got meanwhile.
	killedSends int
	// resent: the message in flight (the last the killed daemon
	// delivered) must be delivered once more after the restart, with the
	// same Message-ID, and nothing else.
	resent bool
}

var crashPointCases = []crashPointCase{
	// The remind fan-out queues every reminder, then sends them in order.
	{crashAt: "send.after-outbox-write:3", scenario: scenarioRemind, killedSends: 0},
	{crashAt: "send.before-data:3", scenario: scenarioRemind, killedSends: 2},
	{crashAt: "send.after-data:3", scenario: scenarioRemind, killedSends: 3, resent: true},

	{crashAt: "ingest.after-archive:3", scenario: scenarioCollect, killedSends: -1},
	{crashAt: "ingest.after-parse:3", scenario: scenarioCollect, killedSends: -1},
	{crashAt: "ingest.after-commit:3", scenario: scenarioCollect, killedSends: -1},
	// One batch of 13 replies, all accepted: one move, one settle.
	{crashAt: "ingest.before-move", scenario: scenarioCollect, killedSends: -1},
	{crashAt: "ingest.after-move", scenario: scenarioCollect, killedSends: -1},
	// The second receipt queued: the reply it answers is not recorded yet.
	{crashAt: "send.after-outbox-write:2", scenario: scenarioCollect, killedSends: -1},
	{crashAt: "send.after-data:2", scenario: scenarioCollect, killedSends: 2, resent: true},
}

func TestCrashPoint(t *testing.T) {
	dubanBinary(t) // built once, before the parallel subtests; skips with -short
	for _, tc := range crashPointCases {
		t.Run(tc.crashAt, func(t *testing.T) {
			t.Parallel()
			r := newCrashRig(t)
			log := r.recordDeliveries()
			if tc.scenario == scenarioCollect {
				log.setRun("reminders")
				r.remindedAndReplied()
			}

			log.setRun("killed")
			r.startCrashing(tc.crashAt)
			t.Logf("%s: killed with %d messages delivered, %d replies left in the INBOX", tc.crashAt, len(log.of("killed")), r.folderSize("INBOX"))

			log.setRun("restart")
			p := r.start("restart")
			job := "remind"
			if tc.scenario == scenarioRemind {
				r.remindEveryone(p)
			} else {
				job = "collect"
				r.waitFor(p, "every reply processed, moved and answered", func() bool {
					return len(r.received("receipt")) == len(r.leads) &&
						r.folderSize("INBOX") == 0 && r.folderSize("duban/processed") == len(r.leads)
				})
			}
			// One more run of the job: whatever it would do twice shows now.
			runs := p.count(`msg="job done" job=` + job)
			r.waitFor(p, "another "+job+" run", func() bool { return p.count(`msg="job done" job=`+job) > runs })
			p.stop()

			r.checkResent(tc, log)
			wantKinds := []string{"reminder"}
			if tc.scenario == scenarioCollect {
				wantKinds = append(wantKinds, "receipt")
			}
			r.checkOneOfEach(log, wantKinds)
			r.checkLedger(tc, wantKinds)
			if tc.scenario == scenarioCollect {
				for folder, want := range map[string]int{"INBOX": 0, "duban/processed": len(r.leads), "duban/rejected": 0, "duban/quarantine": 0} {
					if n := r.folderSize(folder); n != want {
						t.Errorf("duban's folder %s holds %d messages, want %d", folder, n, want)
					}
				}
				r.checkStatus()
			}
		})
	}
}

// startCrashing starts `duban run` with DUBAN_CRASH_AT=crashAt and waits
// until it has killed itself at that point.
func (r *crashRig) startCrashing(crashAt string) *crashDaemon {
	r.t.Helper()
	name := "killed at " + crashAt
	p := r.launch(name, crashpoint.Env+"="+crashAt)
	select {
	case <-p.exited:
	case <-time.After(crashTimeout):
		r.t.Fatalf("duban (%s) still running after %v: the crash point was never reached", name, crashTimeout)
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		r.t.Fatalf("duban (%s) ended with %v, want killed by SIGKILL", name, p.err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		r.t.Fatalf("duban (%s) ended with %v, want killed by SIGKILL", name, p.err)
	}
	if !strings.Contains(p.out.String(), "crashpoint: "+crashpoint.Env+"=") {
		r.t.Fatalf("duban (%s) was killed, but not by its crash point", name)
	}
	return p
}

// crashDelivery is one message duban's SMTP session delivered.
type crashDelivery struct {
	run       string   // which daemon sent it: "reminders", "killed", "restart"
	to        []string // every recipient
	messageID string
	kind      string // X-Duban-Kind
}

// deliveryLog lists, in order, what duban delivered.
type deliveryLog struct {
	mu   sync.Mutex
	run  string
	list []crashDelivery
}

func (l *deliveryLog) setRun(run string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.run = run
}

func (l *deliveryLog) all() []crashDelivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

// of lists what the daemon of one run delivered.
func (l *deliveryLog) of(run string) []crashDelivery {
	var out []crashDelivery
	for _, d := range l.all() {
		if d.run == run {
			out = append(out, d)
		}
	}
	return out
}

// recordDeliveries logs every message duban's account delivers, from the
// SMTP server's side: what was delivered, whatever the daemon knew of it.
func (r *crashRig) recordDeliveries() *deliveryLog {
	log := &deliveryLog{}
	r.setHold(func(from string, to []string) {
		if !strings.EqualFold(from, crashDubanAddr) || len(to) == 0 {
			return // a unit's reply
		}
		d := crashDelivery{to: to}
		// The message just delivered is the last in its first recipient's
		// INBOX: only duban sends to the units, one message at a time.
		if msgs, err := r.srv.Messages(to[0]); err != nil || len(msgs) == 0 {
			d.kind = fmt.Sprintf("unreadable: %d messages, %v", len(msgs), err)
		} else if m, err := netmail.ReadMessage(bytes.NewReader(msgs[len(msgs)-1])); err != nil {
			d.kind = "unreadable: " + err.Error()
		} else {
			d.messageID, d.kind = m.Header.Get("Message-Id"), m.Header.Get("X-Duban-Kind")
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		d.run = log.run
		log.list = append(log.list, d)
	})
	return log
}

// checkResent asserts that no message was delivered twice to anyone,
// except the message in flight when the daemon was killed after the
// server's acceptance: then it must have been, exactly once more, to each
// of its recipients, by the restarted daemon.
func (r *crashRig) checkResent(tc crashPointCase, log *deliveryLog) {
	r.t.Helper()
	killed := log.of("killed")
	if tc.killedSends >= 0 && len(killed) != tc.killedSends {
		r.t.Errorf("the daemon killed at %s delivered %d messages, want %d", tc.crashAt, len(killed), tc.killedSends)
	}
	var inFlight crashDelivery
	if len(killed) > 0 {
		inFlight = killed[len(killed)-1]
	}
	// runs lists, per recipient and Message-ID, the runs that delivered it.
	runs := map[[2]string][]string{}
	for _, d := range log.all() {
		if strings.HasPrefix(d.kind, "unreadable") {
			r.t.Errorf("a message duban delivered to %v: %s", d.to, d.kind)
		}
		for _, rcpt := range d.to {
			k := [2]string{rcpt, d.messageID}
			runs[k] = append(runs[k], d.run)
		}
	}
	resentTo := map[string]bool{}
	for k, rs := range runs {
		if len(rs) == 1 {
			continue
		}
		rcpt, id := k[0], k[1]
		switch {
		case id != inFlight.messageID || !slices.Equal(rs, []string{"killed", "restart"}):
			r.t.Errorf("%s received %s %d times (runs %v): only the message in flight at the kill (%q) may come again, once, after the restart",
				rcpt, id, len(rs), rs, inFlight.messageID)
		case !tc.resent && tc.killedSends >= 0:
			r.t.Errorf("%s received %s twice: killed at %s, nothing was in flight between the server's acceptance and the ledger's record",
				rcpt, id, tc.crashAt)
		default:
			resentTo[rcpt] = true
		}
	}
	switch {
	case tc.resent:
		if inFlight.messageID == "" {
			r.t.Fatalf("killed at %s, the daemon delivered nothing: no message was in flight", tc.crashAt)
		}
		missing := false
		for _, rcpt := range inFlight.to {
			if !resentTo[rcpt] {
				missing = true
				r.t.Errorf("%s received the %s %s only once: killed after the server accepted it and before the ledger knew, the restart must send it again",
					rcpt, inFlight.kind, inFlight.messageID)
			}
		}
		if !missing {
			r.t.Logf("the %s %s in flight at the kill was sent again, as documented, to %v", inFlight.kind, inFlight.messageID, inFlight.to)
		}
	case len(resentTo) > 0:
		// The receipts leave in the background while replies are read:
		// this kill happened to fall inside that message's window.
		r.t.Logf("the %s %s, in flight in the background sender at the kill, was sent again to %v: the documented window",
			inFlight.kind, inFlight.messageID, inFlight.to)
	}
}

// checkOneOfEach asserts that duban delivered only messages of the kinds
// wanted, and that each lead unit received exactly one message (one
// Message-ID) of each of them.
func (r *crashRig) checkOneOfEach(log *deliveryLog, kinds []string) {
	r.t.Helper()
	for _, d := range log.all() {
		if !slices.Contains(kinds, d.kind) {
			r.t.Errorf("duban delivered a message of kind %q (%s) to %v; want only %v", d.kind, d.messageID, d.to, kinds)
		}
	}
	for _, kind := range kinds {
		got := r.received(kind)
		for _, u := range r.leads {
			ids := slices.Compact(slices.Sorted(slices.Values(got[u.ID])))
			if len(ids) != 1 {
				r.t.Errorf("%s received %d different messages of kind %s (%v), want 1", u.ID, len(ids), kind, ids)
			}
		}
	}
}

// checkLedger opens the ledger of the stopped daemons and asserts that
// every message of the kinds was sent once and nothing is left queued;
// after a collect, that every reply is recorded once with its raw bytes
// archived, and that each unit has exactly one accepted submission.
func (r *crashRig) checkLedger(tc crashPointCase, kinds []string) {
	r.t.Helper()
	ctx := context.Background()
	ledger, err := store.Open(ctx, r.dataDir)
	if err != nil {
		r.t.Fatalf("opening the ledger: %v", err)
	}
	defer ledger.Close()

	for _, kind := range kinds {
		out, err := ledger.OutboxOf(ctx, crashPeriod, kind)
		if err != nil {
			r.t.Fatal(err)
		}
		units := map[string]int{}
		for _, m := range out {
			units[m.Unit]++
			if m.State != store.OutSent {
				r.t.Errorf("outbox %s (%s): state %s, want sent", m.Key, m.MessageID, m.State)
			}
		}
		for _, u := range r.leads {
			if units[u.ID] != 1 {
				r.t.Errorf("the outbox holds %d messages of kind %s to %s, want 1", units[u.ID], kind, u.ID)
			}
		}
	}
	if tc.scenario != scenarioCollect {
		return
	}

	// Every reply the server put in duban's INBOX (moved since or not),
	// byte for byte.
	replies, err := r.srv.Messages(crashDubanAddr)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(replies) != len(r.leads) {
		r.t.Fatalf("duban's mailbox received %d messages, want %d replies", len(replies), len(r.leads))
	}
	inbound, err := ledger.Inbound(ctx, r.mailboxName())
	if err != nil {
		r.t.Fatal(err)
	}
	if len(inbound) != len(r.leads) {
		r.t.Errorf("the ledger records %d received messages of %s, want %d", len(inbound), r.mailboxName(), len(r.leads))
	}
	recorded := map[string]store.InMessage{}
	for _, m := range inbound {
		if _, dup := recorded[m.RawSHA256]; dup {
			r.t.Errorf("the reply %s (%s) is recorded twice", m.MessageID, m.RawSHA256)
		}
		recorded[m.RawSHA256] = m
		if !m.Settled || m.Outcome != store.InProcessed {
			r.t.Errorf("received %s (%s from %s): outcome %s, settled %v; want processed, settled", m.Key, m.MessageID, m.From, m.Outcome, m.Settled)
		}
	}
	for _, raw := range replies {
		sum := sha256.Sum256(raw)
		hash := hex.EncodeToString(sum[:])
		m, ok := recorded[hash]
		if !ok {
			r.t.Errorf("a reply of %d bytes (sha256 %s) is not recorded in the ledger", len(raw), hash)
			continue
		}
		archived, err := ledger.ReadArchived(ctx, hash)
		if err != nil {
			r.t.Errorf("the reply %s is recorded but not archived: %v", m.MessageID, err)
		} else if !bytes.Equal(archived, raw) {
			r.t.Errorf("the reply %s is archived with other bytes", m.MessageID)
		}
	}

	subs, err := ledger.Submissions(ctx, crashPeriod)
	if err != nil {
		r.t.Fatal(err)
	}
	byUnit := map[string][]store.Submission{}
	for _, s := range subs {
		byUnit[s.Unit] = append(byUnit[s.Unit], s)
	}
	for _, u := range r.leads {
		s := byUnit[u.ID]
		if len(s) != 1 || !s[0].Accepted || s[0].Version != 1 {
			r.t.Errorf("%s has %d submissions for %s (%+v), want one accepted, version 1", u.ID, len(s), crashPeriod, s)
		}
	}
}

// mailboxName is the name the daemon records the replies under: its IMAP
// account and folder (mailbox.IMAP.Name).
func (r *crashRig) mailboxName() string {
	return "imap://" + url.User(crashDubanAddr).String() + "@" +
		net.JoinHostPort("127.0.0.1", crashPort(r.t, r.srv.IMAPAddr())) + "/INBOX"
}
