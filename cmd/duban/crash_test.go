//go:build unix

package main

// Crash-safety tests: the real binary runs `duban run` against mail servers
// in this process and is killed with SIGKILL in the middle of its work, then
// started again on the same data directory. What must hold: nobody is
// mailed twice, no reply is lost or counted twice, and the restart is never
// refused by the lock of the killed daemon.
//
// The one accepted duplicate is the window between the SMTP server
// accepting a message and the daemon marking it sent: a daemon killed there
// sends the identical message (same Message-ID) again after the restart.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/duban/duban/config"
	"github.com/duban/duban/internal/datalock"
	"github.com/duban/duban/internal/mailserver"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

const (
	crashPeriod = "2023-05"
	// crashMailDelay slows every SMTP transaction down so that a fan-out
	// of 13 messages lasts about two seconds: long enough to kill the
	// daemon in the middle of it.
	crashMailDelay = 150 * time.Millisecond
	crashTimeout   = 60 * time.Second
	crashPoll      = 5 * time.Millisecond
	crashDubanAddr = "duban@metro.example"
)

// crashClockStart is when the daemon's clock starts: period 2023-05's
// reminders were due at 09:00 that day, and it is office hours.
var crashClockStart = time.Date(2023, 6, 1, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// built is the duban binary, built once for the whole test run.
var built struct {
	once     sync.Once
	pkgDir   string // the package's folder, where `go build` runs
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	// Tests may change the working directory; the build needs this one.
	built.pkgDir, _ = os.Getwd()
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// dubanBinary builds cmd/duban once and returns its path.
func dubanBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("crash tests build and run the duban binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("crash tests need the go tool to build the binary: %v", err)
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "duban-crash-test-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "duban")
		cmd := exec.Command(goTool, "build", "-o", built.bin, ".")
		cmd.Dir = built.pkgDir
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("building duban: %v", built.err)
	}
	return built.bin
}

// crashOutput collects a subprocess's output while the test reads it.
type crashOutput = testtools.SyncBuffer

// crashRig is one data directory, its configuration and the mail servers,
// on which daemons are started, killed and started again.
type crashRig struct {
	t         *testing.T
	bin       string
	cfgPath   string
	dataDir   string
	srv       *mailserver.Server
	passwords map[string]string // address (lowercase) → password
	leads     []plan.Unit
	plan      *plan.Plan
	started   time.Time // real time at which the rig's clock read crashClockStart
	procs     []*crashDaemon
	status    *imapclient.Client // duban's mailbox, for STATUS only

	mu   sync.Mutex
	hold func(from string, to []string) // called by the SMTP server after each delivery, before it answers
}

// setHold sets what the SMTP server calls after each delivery, before it
// answers the client; nil for nothing.
func (r *crashRig) setHold(f func(from string, to []string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = f
}

func (r *crashRig) delivered(from string, to []string) {
	r.mu.Lock()
	f := r.hold
	r.mu.Unlock()
	if f != nil {
		f(from, to)
	}
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	r := &crashRig{t: t, bin: dubanBinary(t), started: time.Now(), passwords: map[string]string{}}
	dir := t.TempDir()
	r.dataDir = filepath.Join(dir, "data")
	r.cfgPath = filepath.Join(dir, "duban.yaml")
	// The example's plan, units and office; mail, storage and the daemon's
	// schedule come from the environment (see env).
	if err := os.WriteFile(r.cfgPath, config.Example(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(r.cfgPath)
	if err != nil {
		t.Fatalf("loading the example configuration: %v", err)
	}
	r.plan = cfg.Plan()
	r.leads = r.plan.LeadUnits()
	if len(r.leads) != 13 {
		t.Fatalf("the example has %d lead units, the tests expect 13", len(r.leads))
	}

	add := func(addr string) { r.passwords[strings.ToLower(addr)] = "pw-" + strings.ToLower(addr) }
	add(crashDubanAddr)
	for _, u := range r.plan.Units {
		for _, c := range append(append([]plan.Contact{}, u.Contacts...), u.CC...) {
			add(c.Email)
		}
	}
	for _, o := range cfg.Office.Recipients {
		add(o.Email)
	}
	r.srv, err = mailserver.Start(context.Background(), mailserver.Options{
		Users: r.passwords, RequireAuth: true, Clock: r.now, MailDelay: crashMailDelay, Delivered: r.delivered,
	})
	if err != nil {
		t.Fatalf("starting the mail server: %v", err)
	}
	t.Cleanup(func() { r.srv.Close() })
	// Runs before the server closes and after every daemon was stopped
	// (cleanups run last registered first).
	t.Cleanup(func() {
		if r.status != nil {
			r.status.Close()
		}
		if t.Failed() {
			for _, p := range r.procs {
				t.Logf("output of duban (%s):\n%s", p.name, p.out.String())
			}
		}
	})
	return r
}

// now is the clock shared by the mail server and every daemon started:
// crashClockStart, then the real pace.
func (r *crashRig) now() time.Time { return crashClockStart.Add(time.Since(r.started)) }

func crashPort(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("no port in %q", addr)
	}
	return addr[i+1:]
}

// env is the subprocess's environment: the test's without any DUBAN_*
// variable, plus the mail servers, the data directory and a one-second
// schedule.
func (r *crashRig) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUBAN_") {
			env = append(env, kv)
		}
	}
	pw := r.passwords[crashDubanAddr]
	for _, s := range []struct{ section, addr string }{{"SMTP", r.srv.SMTPAddr()}, {"IMAP", r.srv.IMAPAddr()}} {
		p := "DUBAN_MAIL_" + s.section + "_"
		env = append(env,
			p+"HOST=127.0.0.1", p+"PORT="+crashPort(r.t, s.addr), p+"TLS=implicit",
			p+"USERNAME="+crashDubanAddr, p+"PASSWORD="+pw,
			// The in-process servers use a throw-away certificate.
			p+"INSECURE_SKIP_VERIFY=true", p+"TIMEOUT_SECONDS=20")
	}
	return append(env,
		"DUBAN_MAIL_SMTP_RATE_PER_SECOND=1000",
		"DUBAN_STORAGE_DATA_DIR="+r.dataDir,
		"DUBAN_DAEMON_COLLECT=@every 1s",
		"DUBAN_DAEMON_TICK=@every 1s",
	)
}

// crashDaemon is one `duban run`.
type crashDaemon struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	out    *crashOutput
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// start starts `duban run` with the rig's clock and waits until its jobs
// are scheduled: a daemon that exits instead (a refused lock, a bad
// configuration) fails the test.
func (r *crashRig) start(name string) *crashDaemon {
	r.t.Helper()
	p := r.launch(name)
	// A refused lock ends the daemon before this (waitFor fails then); the
	// text is checked too, so the failure says why.
	r.waitFor(p, "the daemon to start", func() bool {
		out := p.out.String()
		if strings.Contains(out, "in use by another duban") || strings.Contains(out, datalock.ErrLocked.Error()) {
			r.t.Fatalf("duban (%s) refused to start: the killed daemon's lock must be gone with it:\n%s", name, out)
		}
		return strings.Contains(out, `msg="daemon started"`)
	})
	return p
}

// launch starts `duban run` with the rig's clock, and extra environment
// variables, as a subprocess that the test's cleanup kills.
func (r *crashRig) launch(name string, env ...string) *crashDaemon {
	r.t.Helper()
	p := &crashDaemon{t: r.t, name: name, out: &crashOutput{}, exited: make(chan struct{})}
	p.cmd = exec.Command(r.bin, "run", "--config", r.cfgPath)
	p.cmd.Env = append(append(r.env(), clockEnv+"="+r.now().Format(time.RFC3339)), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		r.t.Fatalf("starting duban (%s): %v", name, err)
	}
	r.procs = append(r.procs, p)
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	r.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// kill ends the daemon with SIGKILL: no deferred function, no clean close
// of the ledger or the mail connections.
func (p *crashDaemon) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL to duban (%s): %v; it had already exited: %v", p.name, err, p.err)
	}
	<-p.exited
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		p.t.Fatalf("duban (%s) after SIGKILL: %v, want killed by the signal", p.name, p.err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		p.t.Fatalf("duban (%s) ended with %v before SIGKILL took it", p.name, p.err)
	}
}

// stop ends the daemon with SIGTERM and expects a clean exit.
func (p *crashDaemon) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM to duban (%s): %v; it had already exited: %v", p.name, err, p.err)
	}
	select {
	case <-p.exited:
	case <-time.After(crashTimeout):
		p.t.Fatalf("duban (%s) still running %v after SIGTERM", p.name, crashTimeout)
	}
	if p.err != nil {
		p.t.Fatalf("duban (%s) after SIGTERM: %v, want exit 0", p.name, p.err)
	}
	if !strings.Contains(p.out.String(), `msg="daemon stopped"`) {
		p.t.Errorf("duban (%s) exited without logging that it stopped", p.name)
	}
}

// waitFor polls cond until it holds; the daemon p exiting meanwhile, or
// the timeout, fails the test.
func (r *crashRig) waitFor(p *crashDaemon, what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(crashTimeout)
	for !cond() {
		select {
		case <-p.exited:
			r.t.Fatalf("duban (%s) exited (%v) while the test waited for %s", p.name, p.err, what)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waited %v for %s (duban %s)", crashTimeout, what, p.name)
		}
		time.Sleep(crashPoll)
	}
}

// received returns, per lead unit, the Message-IDs of the messages of a
// kind (X-Duban-Kind) that reached the unit's first contact, in delivery
// order: a message delivered twice appears twice.
func (r *crashRig) received(kind string) map[string][]string {
	r.t.Helper()
	out := map[string][]string{}
	for _, u := range r.leads {
		msgs, err := r.srv.Messages(u.Contacts[0].Email)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, raw := range msgs {
			m, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				r.t.Fatalf("a message to %s has no readable header: %v", u.Contacts[0].Email, err)
			}
			if m.Header.Get("X-Duban-Kind") == kind {
				out[u.ID] = append(out[u.ID], m.Header.Get("Message-Id"))
			}
		}
	}
	return out
}

// crashTotal counts the messages delivered.
func crashTotal(byUnit map[string][]string) int {
	n := 0
	for _, ids := range byUnit {
		n += len(ids)
	}
	return n
}

// checkOnce asserts that every lead unit got exactly one message of the
// kind, allowing at most maxResent resends of the identical message (the
// window between the server's acceptance and the ledger's "sent"). It
// returns how many times each unit's message was sent again.
func (r *crashRig) checkOnce(kind string, maxResent int) map[string]int {
	r.t.Helper()
	got := r.received(kind)
	resent := 0
	byUnit := map[string]int{}
	for _, u := range r.leads {
		ids := got[u.ID]
		if len(ids) == 0 {
			r.t.Errorf("%s (%s) received no %s", u.ID, u.Contacts[0].Email, kind)
			continue
		}
		for _, id := range ids[1:] {
			if id != ids[0] {
				r.t.Errorf("%s received %d messages of kind %s with different Message-IDs %q: a second %s, not a resend of the first",
					u.ID, len(ids), kind, ids, kind)
				break
			}
		}
		if len(ids) > 1 {
			resent += len(ids) - 1
			byUnit[u.ID] = len(ids) - 1
			r.t.Logf("%s received the %s %s %d times: sent again after a kill between the server's acceptance and the ledger's record",
				u.ID, kind, ids[0], len(ids))
		}
	}
	if resent > maxResent {
		r.t.Errorf("%d %ss were sent again, want at most %d (one per kill)", resent, kind, maxResent)
	}
	return byUnit
}

// count counts lines of the output that contain s.
func (p *crashDaemon) count(s string) int { return strings.Count(p.out.String(), s) }

// remindEveryone starts a daemon and waits until every lead unit has its
// reminder.
func (r *crashRig) remindEveryone(p *crashDaemon) {
	r.t.Helper()
	r.waitFor(p, "every lead unit to be reminded", func() bool { return len(r.received("reminder")) == len(r.leads) })
}

func TestCrashMidReminderFanOut(t *testing.T) {
	tests := []struct {
		name string
		// killAt are the numbers of reminders delivered (counted from the
		// first start) at which the running daemon is killed, one start
		// each; 0 kills it as soon as it has started.
		killAt []int
	}{
		{"killed once in the middle", []int{4}},
		{"killed three times", []int{2, 6, 10}},
		{"killed at start", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCrashRig(t)
			for i, n := range tt.killAt {
				p := r.start(fmt.Sprintf("start %d, killed", i+1))
				if n > 0 {
					r.waitFor(p, fmt.Sprintf("%d reminders delivered", n), func() bool { return crashTotal(r.received("reminder")) >= n })
					// Kill while the next message waits for its MAIL FROM to be
					// answered, not just after a delivery.
					time.Sleep(crashMailDelay / 2)
				}
				p.kill()
				t.Logf("SIGKILL with %d of %d reminders delivered", crashTotal(r.received("reminder")), len(r.leads))
			}
			p := r.start("restart after the last kill")
			r.remindEveryone(p)
			// One more remind run: a unit reminded twice would show now.
			runs := p.count(`msg="job done" job=remind`)
			r.waitFor(p, "another remind run", func() bool { return p.count(`msg="job done" job=remind`) > runs })
			p.stop()
			r.checkOnce("reminder", len(tt.killAt))
		})
	}

	// The accepted window, on purpose: the server has delivered the fifth
	// reminder but not yet said so when the daemon dies. The restart must
	// send that unit the identical message again (the ledger never heard
	// it was accepted: at least once), and nobody else anything twice.
	t.Run("killed between delivery and acknowledgement", func(t *testing.T) {
		r := newCrashRig(t)
		const heldAt = 5
		held, release := make(chan struct{}), make(chan struct{})
		var releaseOnce sync.Once
		free := func() { releaseOnce.Do(func() { close(release) }) }
		t.Cleanup(free)
		var deliveries atomic.Int32
		r.setHold(func(string, []string) {
			if deliveries.Add(1) == heldAt {
				close(held)
				<-release
			}
		})
		p := r.start("killed before the server answered")
		r.waitFor(p, fmt.Sprintf("delivery %d to be held", heldAt), func() bool {
			select {
			case <-held:
				return true
			default:
				return false
			}
		})
		p.kill()
		r.setHold(nil)
		free()
		p = r.start("restart")
		r.remindEveryone(p)
		runs := p.count(`msg="job done" job=remind`)
		r.waitFor(p, "another remind run", func() bool { return p.count(`msg="job done" job=remind`) > runs })
		p.stop()
		resent := r.checkOnce("reminder", 1)
		if want := r.leads[heldAt-1].ID; resent[want] != 1 {
			t.Errorf("reminders sent again: %v; want %s's, whose delivery was never acknowledged, sent once more", resent, want)
		}
	})
}

func TestCrashMidCollect(t *testing.T) {
	tests := []struct {
		name string
		// until returns when the collecting daemon is to be killed.
		until func(r *crashRig, p *crashDaemon)
	}{
		{"killed while the replies are decided", func(r *crashRig, p *crashDaemon) {
			r.waitFor(p, "the first reply to be recorded", func() bool { return strings.Contains(p.out.String(), "msg=received ") })
		}},
		{"killed while the receipts are sent", func(r *crashRig, p *crashDaemon) {
			r.waitFor(p, "3 receipts delivered", func() bool { return crashTotal(r.received("receipt")) >= 3 })
			time.Sleep(crashMailDelay / 2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCrashRig(t)
			r.remindedAndReplied()

			p := r.start("collect, killed")
			tt.until(r, p)
			p.kill()
			t.Logf("SIGKILL with %d replies recorded, %d receipts delivered, %d replies left in the INBOX, %d in duban/processed",
				p.count("msg=received "), crashTotal(r.received("receipt")), r.folderSize("INBOX"), r.folderSize("duban/processed"))

			p = r.start("collect, restarted")
			r.waitFor(p, "every reply processed, moved and answered", func() bool {
				return len(r.received("receipt")) == len(r.leads) &&
					r.folderSize("INBOX") == 0 && r.folderSize("duban/processed") == len(r.leads)
			})
			// One more collect: a reply recorded twice would be answered now.
			runs := p.count(`msg="job done" job=collect`)
			r.waitFor(p, "another collect", func() bool { return p.count(`msg="job done" job=collect`) > runs })
			p.stop()

			r.checkOnce("receipt", 1)
			for _, kind := range []string{"rejection", "no_workbook"} {
				if got := r.received(kind); len(got) > 0 {
					t.Errorf("units received messages of kind %s: %v", kind, got)
				}
			}
			for folder, want := range map[string]int{"INBOX": 0, "duban/processed": len(r.leads), "duban/rejected": 0, "duban/quarantine": 0} {
				if n := r.folderSize(folder); n != want {
					t.Errorf("duban's folder %s holds %d messages, want %d", folder, n, want)
				}
			}
			r.checkStatus()
		})
	}
}

// remindedAndReplied runs duban until every lead unit has its reminder,
// stops it, and has every unit reply: duban's INBOX holds one reply each.
func (r *crashRig) remindedAndReplied() {
	r.t.Helper()
	p := r.start("reminders")
	r.remindEveryone(p)
	p.stop()
	r.replyAll()
	if n := r.folderSize("INBOX"); n != len(r.leads) {
		r.t.Fatalf("duban's INBOX holds %d messages after the replies, want %d", n, len(r.leads))
	}
}

// replyAll answers every unit's reminder as its first contact would: the
// attached template filled in, sent back over SMTP, threaded to the
// reminder.
func (r *crashRig) replyAll() {
	r.t.Helper()
	replies := r.replies()
	// Sent at once: every SMTP transaction waits crashMailDelay.
	errs := make([]error, len(r.leads))
	var wg sync.WaitGroup
	for i, u := range r.leads {
		rp := replies[u.ID]
		wg.Go(func() { errs[i] = r.send(rp.from, rp.raw) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		r.t.Fatalf("sending the replies: %v", err)
	}
}

// replies are every lead unit's reply to its reminder, its template filled
// in, by unit id.
func (r *crashRig) replies() map[string]crashReply {
	r.t.Helper()
	out := map[string]crashReply{}
	for _, u := range r.leads {
		contact := u.Contacts[0]
		reminder := r.reminderOf(contact.Email)
		books := reminder.Workbooks()
		if len(books) != 1 {
			r.t.Fatalf("the reminder to %s carries %d workbooks, want 1", contact.Email, len(books))
		}
		var answers []plan.Answer
		for _, task := range r.plan.TasksLedBy(u.ID) {
			answers = append(answers, plan.Answer{
				TaskID: task.ID, Progress: "五月进展：" + task.Title, Status: plan.StatusOnTrack, NextSteps: "继续推进",
				Counts: noEvents(r.plan, task.ID),
			})
		}
		filled, err := reader.Fill(books[0].Data, contact.Name, "0551-63000000", answers)
		if err != nil {
			r.t.Fatalf("filling %s's template: %v", u.ID, err)
		}
		raw, err := mail.Compose(mail.Message{
			MessageID: "reply." + u.ID + "@" + strings.SplitN(contact.Email, "@", 2)[1],
			Date:      r.now(),
			From:      mail.Address{Name: contact.Name, Email: contact.Email},
			To:        []mail.Address{{Email: crashDubanAddr}},
			Subject:   "回复：" + reminder.Subject, Text: "请查收。",
			InReplyTo: reminder.MessageID, References: []string{reminder.MessageID},
			Attachments: []mail.Attachment{{Name: books[0].Name, Data: filled}},
		})
		if err != nil {
			r.t.Fatalf("composing %s's reply: %v", u.ID, err)
		}
		out[u.ID] = crashReply{contact.Email, raw}
	}
	return out
}

// reminderOf is the reminder the address received.
func (r *crashRig) reminderOf(addr string) *inbound.Message {
	r.t.Helper()
	msgs, err := r.srv.Messages(addr)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, raw := range msgs {
		m, err := inbound.Parse(raw, inbound.Limits{})
		if err != nil {
			r.t.Fatalf("parsing a message to %s: %v", addr, err)
		}
		if strings.HasPrefix(m.Subject, "【报送提醒】") {
			return m
		}
	}
	r.t.Fatalf("%s received no reminder", addr)
	return nil
}

// send submits a message to duban's mailbox over SMTP, logged in as from.
func (r *crashRig) send(from string, raw []byte) error {
	p, err := strconv.Atoi(crashPort(r.t, r.srv.SMTPAddr()))
	if err != nil {
		return err
	}
	c, err := mail.NewSMTP(mail.SMTPConfig{
		Host: "127.0.0.1", Port: p, TLS: "implicit", Username: from, Password: r.passwords[strings.ToLower(from)],
		Timeout: 10 * time.Second, TLSConfig: &tls.Config{RootCAs: r.srv.RootCAs()},
	}, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Send(context.Background(), from, []string{crashDubanAddr}, raw); err != nil {
		return fmt.Errorf("sending %s's reply: %w", from, err)
	}
	return nil
}

// folderSize is the number of messages in one of duban's IMAP folders; a
// folder that does not exist (yet) holds none.
func (r *crashRig) folderSize(folder string) int {
	r.t.Helper()
	if r.status == nil {
		c, err := imapclient.DialTLS(r.srv.IMAPAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: r.srv.RootCAs()}})
		if err != nil {
			r.t.Fatalf("connecting to IMAP: %v", err)
		}
		if err := c.Login(crashDubanAddr, r.passwords[crashDubanAddr]).Wait(); err != nil {
			c.Close()
			r.t.Fatalf("IMAP login: %v", err)
		}
		r.status = c
	}
	st, err := r.status.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return 0
		}
		r.t.Fatalf("IMAP STATUS %s: %v", folder, err)
	}
	if st.NumMessages == nil {
		r.t.Fatalf("IMAP STATUS %s gave no message count", folder)
	}
	return int(*st.NumMessages)
}

// checkStatus asserts that `duban status --json` shows every lead unit
// submitted once.
func (r *crashRig) checkStatus() {
	r.t.Helper()
	cmd := exec.Command(r.bin, "status", "--json", "--period", crashPeriod, "--config", r.cfgPath)
	cmd.Env = r.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("duban status: %v\n%s", err, stderr.String())
	}
	var st statusJSON
	if err := json.Unmarshal(out, &st); err != nil {
		r.t.Fatalf("duban status --json is not JSON: %v\n%s", err, out)
	}
	if len(st.Units) != len(r.leads) {
		r.t.Errorf("duban status lists %d units, want %d", len(st.Units), len(r.leads))
	}
	for _, u := range st.Units {
		if u.State != "submitted" || u.Versions != 1 || u.Rejected != 0 {
			r.t.Errorf("status of %s = state %s, %d versions, %d rejected; want submitted, 1 version, 0 rejected",
				u.ID, u.State, u.Versions, u.Rejected)
		}
	}
}

// noEvents is a month with nothing to count: 0 for each of the task's
// indicators (the template asks them; a blank is refused).
func noEvents(p *plan.Plan, taskID string) map[string]int {
	var out map[string]int
	for _, ind := range p.IndicatorsOf(taskID) {
		if out == nil {
			out = map[string]int{}
		}
		out[ind.Name] = 0
	}
	return out
}
