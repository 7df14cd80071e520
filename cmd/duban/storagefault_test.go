//go:build unix

package main

// Storage-fault tests: the ledger locked by another process for longer than
// its busy timeout, and the disk filling up in the middle of a collect. What
// must hold: the command fails with an error that says what went wrong, no
// reply is lost or half-recorded, the ledger stays sound, and running the
// same command again once the fault has cleared does everything exactly
// once. A last test checks that the mail passwords never leave the
// environment: not on the terminal, not in the ledger, not in any file.
//
// Faults are per process (a file-size limit) or need a second process (a
// lock holder), so duban runs here as a child process: the test binary
// re-executed into TestStorageFaultHelperProcess, which runs the command
// tree exactly as main does, with a fixed clock.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	wiring "github.com/duban/duban/internal/app"

	"github.com/duban/duban/config"
	"github.com/duban/duban/internal/mailserver"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailtest"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// The helper process's instructions, passed in its environment.
const (
	helperModeEnv   = "STORAGEFAULT_HELPER"     // "duban" or "lock"
	helperArgsEnv   = "STORAGEFAULT_ARGS"       // duban: the command line, JSON array
	helperNowEnv    = "STORAGEFAULT_NOW"        // duban: the fixed clock, RFC 3339
	helperFSizeEnv  = "STORAGEFAULT_FSIZE"      // duban: RLIMIT_FSIZE in bytes, optional
	helperLedgerEnv = "STORAGEFAULT_LEDGER"     // lock: the ledger file to lock
	helperLocked    = "storagefault: lock held" // lock: printed once the lock is held
)

// faultPeriod is the period the tests report on; reminders go out on
// faultJune1 and replies come in the days after.
const faultPeriod = "2023-05"

var faultJune1 = time.Date(2023, 6, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// TestStorageFaultHelperProcess is not a test: it is what the child
// processes of this file run. Without the helper environment it returns.
func TestStorageFaultHelperProcess(t *testing.T) {
	switch os.Getenv(helperModeEnv) {
	case "":
		return
	case "duban":
		os.Exit(helperDuban())
	case "lock":
		os.Exit(helperHoldLock())
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", helperModeEnv, os.Getenv(helperModeEnv))
		os.Exit(99)
	}
}

// helperDuban runs one duban command as main does, with a fixed clock and,
// when asked, a file-size limit: writes past it fail with EFBIG, as they
// would on a full disk, instead of the process being killed by SIGXFSZ.
func helperDuban() int {
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(helperArgsEnv)), &args); err != nil {
		fmt.Fprintf(os.Stderr, "helper: %s: %v\n", helperArgsEnv, err)
		return 99
	}
	now, err := time.Parse(time.RFC3339, os.Getenv(helperNowEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "helper: %s: %v\n", helperNowEnv, err)
		return 99
	}
	if v := os.Getenv(helperFSizeEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "helper: %s: %v\n", helperFSizeEnv, err)
			return 99
		}
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			fmt.Fprintf(os.Stderr, "helper: setrlimit RLIMIT_FSIZE: %v\n", err)
			return 99
		}
	}
	a := &app{stdout: os.Stdout, stderr: os.Stderr, now: func() time.Time { return now }}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(os.Stdout)
	root.SetErr(os.Stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		return exitCodeOf(err, os.Stderr)
	}
	return exitOK
}

// helperHoldLock takes the ledger's write lock with BEGIN EXCLUSIVE, says
// so on stdout, and holds it until its stdin is closed.
func helperHoldLock() int {
	path := os.Getenv(helperLedgerEnv)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		fmt.Fprintf(os.Stderr, "lock: open %s: %v\n", path, err)
		return 1
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lock: connect %s: %v\n", path, err)
		return 1
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		fmt.Fprintf(os.Stderr, "lock: BEGIN EXCLUSIVE on %s: %v\n", path, err)
		return 1
	}
	fmt.Println(helperLocked)
	io.Copy(io.Discard, os.Stdin)
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		fmt.Fprintf(os.Stderr, "lock: ROLLBACK: %v\n", err)
		return 1
	}
	return 0
}

// faultRig is a working directory and a data directory on which duban
// commands run as child processes with the embedded example configuration
// (mail in folders under the data directory).
type faultRig struct {
	t       *testing.T
	dir     string // the commands' working directory: no duban.yaml there
	dataDir string
	plan    *plan.Plan
}

// newFaultRig makes a rig in a new temporary folder. dataDir "" puts the
// data directory inside it.
func newFaultRig(t *testing.T, dataDir string) *faultRig {
	t.Helper()
	r := &faultRig{t: t, dir: t.TempDir(), dataDir: dataDir}
	if r.dataDir == "" {
		r.dataDir = filepath.Join(r.dir, "data")
	}
	r.plan = r.exampleConfig().Plan()
	return r
}

// exampleConfig is the embedded example configuration as the commands of
// the rig load it, read without depending on the working directory.
func (r *faultRig) exampleConfig() *config.Config {
	r.t.Helper()
	example := filepath.Join(r.t.TempDir(), "example.yaml")
	if err := os.WriteFile(example, config.Example(), 0o600); err != nil {
		r.t.Fatal(err)
	}
	cfg, err := config.Load(example)
	if err != nil {
		r.t.Fatalf("loading the example configuration: %v", err)
	}
	// What Load("") sets when it falls back to the embedded example: mail
	// stays in folders under the data directory.
	cfg.Source, cfg.Embedded = config.EmbeddedSource, true
	return cfg
}

func (r *faultRig) ledgerPath() string { return filepath.Join(r.dataDir, "ledger.db") }
func (r *faultRig) dropDir() string    { return filepath.Join(r.dataDir, "mail-in") }
func (r *faultRig) outDir() string     { return filepath.Join(r.dataDir, "mail-out") }

// cmdResult is how a duban child process ended.
type cmdResult struct {
	args           []string
	code           int
	stdout, stderr string
	took           time.Duration
}

func (c cmdResult) String() string {
	return fmt.Sprintf("duban %s: exit %d after %v\nstdout:\n%s\nstderr:\n%s",
		strings.Join(c.args, " "), c.code, c.took.Round(time.Millisecond), c.stdout, c.stderr)
}

// childEnv is the test's environment without any DUBAN_* variable or
// helper instruction, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUBAN_") && !strings.HasPrefix(kv, "STORAGEFAULT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// helperCommand is the test binary re-executed into the helper.
func helperCommand(t *testing.T, dir string, env []string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary: %v", err)
	}
	cmd := exec.Command(self, "-test.run=^TestStorageFaultHelperProcess$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = env
	return cmd
}

// runDuban runs one duban command in a child process at the given time,
// with extra environment; it fails the test only if the child cannot run.
func runDuban(t *testing.T, dir string, extraEnv []string, now time.Time, args ...string) cmdResult {
	t.Helper()
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	env := childEnv(append([]string{
		helperModeEnv + "=duban", helperArgsEnv + "=" + string(encoded), helperNowEnv + "=" + now.Format(time.RFC3339),
	}, extraEnv...)...)
	cmd := helperCommand(t, dir, env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	res := cmdResult{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		res.code = ee.ExitCode()
	default:
		t.Fatalf("running duban %v: %v\n%s", args, err, res)
	}
	if res.code == 99 {
		t.Fatalf("the helper process failed: %s", res)
	}
	return res
}

// duban runs a command on the rig's data directory at now.
func (r *faultRig) duban(now time.Time, args ...string) cmdResult {
	r.t.Helper()
	return runDuban(r.t, r.dir, []string{"DUBAN_STORAGE_DATA_DIR=" + r.dataDir}, now, args...)
}

// dubanLimited runs a command whose files cannot grow past limit bytes.
func (r *faultRig) dubanLimited(limit int64, now time.Time, args ...string) cmdResult {
	r.t.Helper()
	return runDuban(r.t, r.dir, []string{"DUBAN_STORAGE_DATA_DIR=" + r.dataDir, helperFSizeEnv + "=" + strconv.FormatInt(limit, 10)}, now, args...)
}

// mustDuban runs a command that must succeed.
func (r *faultRig) mustDuban(now time.Time, args ...string) cmdResult {
	r.t.Helper()
	res := r.duban(now, args...)
	if res.code != exitOK {
		r.t.Fatalf("want exit 0: %s", res)
	}
	return res
}

// remind mails every lead unit (or the ones given) its reminder for
// faultPeriod.
func (r *faultRig) remind(units ...string) {
	r.t.Helper()
	if len(units) == 0 {
		r.mustDuban(faultJune1, "remind", "--period", faultPeriod)
		return
	}
	for _, u := range units {
		r.mustDuban(faultJune1, "remind", "--period", faultPeriod, "--unit", u)
	}
}

// reply is the first contact of unit answering its reminder with the
// template filled in, sent at when.
func (r *faultRig) reply(unitID string, when time.Time) []byte {
	r.t.Helper()
	u, ok := r.plan.Unit(unitID)
	if !ok {
		r.t.Fatalf("no unit %s in the example", unitID)
	}
	files, _ := filepath.Glob(filepath.Join(r.outDir(), "reminder."+faultPeriod+"."+unitID+"@*.eml"))
	if len(files) != 1 {
		r.t.Fatalf("%d reminders to %s in %s, want 1", len(files), unitID, r.outDir())
	}
	reminder := mailtest.File(r.t, files[0], inbound.Limits{}).Msg
	if len(reminder.Workbooks()) != 1 {
		r.t.Fatalf("the reminder to %s has %d workbooks, want one", unitID, len(reminder.Workbooks()))
	}
	book := reminder.Workbooks()[0]
	var answers []plan.Answer
	for _, task := range r.plan.TasksLedBy(unitID) {
		answers = append(answers, plan.Answer{TaskID: task.ID, Progress: "五月进展：" + task.Title, Status: plan.StatusOnTrack, NextSteps: "继续推进",
			Counts: noEvents(r.plan, task.ID)})
	}
	contact := u.Contacts[0]
	filled, err := reader.Fill(book.Data, contact.Name, "0551-63000000", answers)
	if err != nil {
		r.t.Fatalf("filling %s's template: %v", unitID, err)
	}
	msg, err := mail.Compose(mail.Message{
		MessageID: "reply." + unitID + "@" + strings.SplitN(contact.Email, "@", 2)[1], Date: when,
		From: mail.Address{Name: contact.Name, Email: contact.Email}, To: []mail.Address{{Email: "duban@metro.example"}},
		Subject: "回复：" + reminder.Subject, Text: "请查收。",
		InReplyTo: reminder.MessageID, References: []string{reminder.MessageID},
		Attachments: []mail.Attachment{{Name: book.Name, Data: filled}},
	})
	if err != nil {
		r.t.Fatalf("composing %s's reply: %v", unitID, err)
	}
	return msg
}

// drop puts unit's reply into the drop folder as <unit>.eml.
func (r *faultRig) drop(unitID string, when time.Time) {
	r.t.Helper()
	if err := os.MkdirAll(r.dropDir(), 0o700); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dropDir(), unitID+".eml"), r.reply(unitID, when), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// emls lists the .eml files directly in dir, by name.
func emls(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	return names
}

// sentOfKind counts, per recipient, the messages of a kind (X-Duban-Kind)
// written to the outbox folder.
func (r *faultRig) sentOfKind(kind string) map[string]int {
	r.t.Helper()
	out := map[string]int{}
	for _, name := range emls(r.t, r.outDir()) {
		raw, err := os.ReadFile(filepath.Join(r.outDir(), name))
		if err != nil {
			r.t.Fatal(err)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			r.t.Fatalf("mail-out/%s has no readable header: %v", name, err)
		}
		if m.Header.Get("X-Duban-Kind") == kind {
			out[strings.ToLower(m.Header.Get("To"))]++
		}
	}
	return out
}

// query runs a read-only query on the ledger and returns its rows as text.
// The connection is read-only so that it checkpoints nothing: the next
// duban finds the files as the last one left them.
func (r *faultRig) query(q string, args ...any) [][]string {
	r.t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: r.ledgerPath()}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		r.t.Fatalf("opening the ledger to check it: %v", err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		r.t.Fatalf("ledger query %q: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			r.t.Fatalf("ledger query %q: %v", q, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatalf("ledger query %q: %v", q, err)
	}
	return out
}

// count runs a query returning one number.
func (r *faultRig) count(q string, args ...any) int {
	r.t.Helper()
	rows := r.query(q, args...)
	if len(rows) != 1 || len(rows[0]) != 1 {
		r.t.Fatalf("ledger query %q returned %v, want one number", q, rows)
	}
	n, err := strconv.Atoi(rows[0][0])
	if err != nil {
		r.t.Fatalf("ledger query %q returned %q: %v", q, rows[0][0], err)
	}
	return n
}

// tableCounts is the number of rows of every table that records something.
func (r *faultRig) tableCounts() map[string]int {
	r.t.Helper()
	out := map[string]int{}
	for _, table := range []string{"files", "blobs", "submissions", "outbox", "inbox", "cursors", "compilations", "settings"} {
		out[table] = r.count("SELECT count(*) FROM " + table)
	}
	return out
}

// checkSound asserts that the ledger passes SQLite's integrity and
// foreign-key checks.
func (r *faultRig) checkSound() {
	r.t.Helper()
	if got := r.query("PRAGMA integrity_check"); len(got) != 1 || got[0][0] != "ok" {
		r.t.Errorf("PRAGMA integrity_check = %v, want ok", got)
	}
	if got := r.query("PRAGMA foreign_key_check"); len(got) != 0 {
		r.t.Errorf("PRAGMA foreign_key_check found rows pointing nowhere: %v", got)
	}
}

// lockHolder is a child process holding the ledger's write lock.
type lockHolder struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
	done   chan error
}

// holdLedgerLock starts a process that takes the ledger's write lock (BEGIN
// EXCLUSIVE) and returns once it holds it.
func (r *faultRig) holdLedgerLock() *lockHolder {
	r.t.Helper()
	h := &lockHolder{t: r.t, done: make(chan error, 1)}
	h.cmd = helperCommand(r.t, r.dir, childEnv(helperModeEnv+"=lock", helperLedgerEnv+"="+r.ledgerPath()))
	h.cmd.Stderr = &h.stderr
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		r.t.Fatal(err)
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		r.t.Fatalf("starting the lock holder: %v", err)
	}
	locked := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		locked <- strings.TrimSpace(line) == helperLocked
		io.Copy(io.Discard, stdout)
		h.done <- h.cmd.Wait()
	}()
	r.t.Cleanup(func() {
		h.cmd.Process.Kill()
		<-h.done
	})
	select {
	case ok := <-locked:
		if !ok {
			r.t.Fatalf("the lock holder did not take the lock: %s", h.stderr.String())
		}
	case <-time.After(30 * time.Second):
		r.t.Fatalf("the lock holder took no lock within 30 s: %s", h.stderr.String())
	}
	return h
}

// release makes the holder roll back and exit, and waits for it.
func (h *lockHolder) release() {
	h.t.Helper()
	h.stdin.Close()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		if err != nil {
			h.t.Fatalf("the lock holder: %v: %s", err, h.stderr.String())
		}
	case <-time.After(30 * time.Second):
		h.t.Fatal("the lock holder did not let go within 30 s")
	}
}

// lockedWording is what an error about the locked ledger must say: that
// it is busy or locked.
var lockedWording = regexp.MustCompile(`the ledger .*ledger\.db is locked by another process .*then run again`)

// The ledger is locked by another process for longer than duban's busy
// timeout (10 s, set in the DSN): ingest and collect must give up with an
// error naming the ledger, touch nothing, and do everything once the lock
// is gone. Each subtest waits the timeout out once (its commands wait side
// by side), and the two run in parallel: about 11 s in all.
func TestStorageLedgerLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the ledger's 10 s busy timeout; skipped with -short")
	}
	// A one-off command started while the lock is held: it cannot even
	// open the ledger (opening checks the schema in a write transaction).
	t.Run("ingest and collect started while locked", func(t *testing.T) {
		t.Parallel()
		r := newFaultRig(t, "")
		r.remind("jtj", "kjj")
		if err := os.WriteFile(filepath.Join(r.dir, "reply.eml"), r.reply("jtj", faultJune1.Add(24*time.Hour)), 0o600); err != nil {
			t.Fatal(err)
		}
		r.drop("kjj", faultJune1.Add(24*time.Hour))
		before := r.tableCounts()

		h := r.holdLedgerLock()
		var ingest, collect cmdResult
		var wg sync.WaitGroup
		wg.Go(func() { ingest = r.duban(faultJune1.Add(25*time.Hour), "ingest", "reply.eml") })
		wg.Go(func() { collect = r.duban(faultJune1.Add(25*time.Hour), "collect") })
		wg.Wait()
		for _, res := range []cmdResult{ingest, collect} {
			t.Logf("with the ledger locked: %s", res)
			r.checkLockedFailure(res)
		}
		if after := r.tableCounts(); !maps.Equal(after, before) {
			t.Errorf("the failed commands recorded something: ledger rows %v, before %v", after, before)
		}
		if got := emls(t, r.dropDir()); len(got) != 1 || got[0] != "kjj.eml" {
			t.Errorf("the drop folder holds %v after the failed collect, want the reply kjj.eml still there", got)
		}
		if got := r.sentOfKind("receipt"); len(got) != 0 {
			t.Errorf("the failed commands sent receipts: %v", got)
		}
		h.release()

		if res := r.mustDuban(faultJune1.Add(26*time.Hour), "ingest", "reply.eml"); !strings.Contains(res.stdout, "已处理") {
			t.Errorf("ingest after the lock was released: %s", res)
		}
		if res := r.mustDuban(faultJune1.Add(26*time.Hour), "collect"); !strings.Contains(res.stdout, "1 fetched, 1 accepted") {
			t.Errorf("collect after the lock was released: %s", res)
		}
		// Again: nothing new.
		if res := r.mustDuban(faultJune1.Add(27*time.Hour), "ingest", "reply.eml"); !strings.Contains(res.stdout, "已处理") {
			t.Errorf("ingest of the same reply again: %s", res)
		}
		if res := r.mustDuban(faultJune1.Add(27*time.Hour), "collect"); !strings.Contains(res.stdout, "0 fetched") || !strings.Contains(res.stdout, "邮件：已发送0封") {
			t.Errorf("a second collect did something: %s", res)
		}
		r.checkRecordedOnce(
			inboxWant{mailbox: "cli", units: []string{"jtj"}},
			inboxWant{mailbox: "drop:" + r.dropDir(), units: []string{"kjj"}, settled: []string{"kjj.eml"}},
		)
	})

	// A long-running duban (the daemon) has the ledger open when another
	// process takes the lock: its collect fails at the first write, and the
	// same Cycle collects everything once the lock is gone.
	t.Run("taken while the ledger is open", func(t *testing.T) {
		t.Parallel()
		r := newFaultRig(t, "")
		r.remind("jtj", "kjj")
		r.drop("jtj", faultJune1.Add(24*time.Hour))
		r.drop("kjj", faultJune1.Add(24*time.Hour))
		before := r.tableCounts()

		cfg := r.exampleConfig()
		now := faultJune1.Add(25 * time.Hour)
		var log syncBuffer
		a := &app{stdout: io.Discard, stderr: &log, now: func() time.Time { return now }}
		ctx := context.Background()
		w, closeAll, err := a.assemble(ctx, cfg, r.dataDir, wiring.Options{})
		if err != nil {
			t.Fatalf("opening the ledger: %v", err)
		}
		defer closeAll()
		c := w.Cycle
		mb, closeMailbox, err := w.OpenMailbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer closeMailbox()

		h := r.holdLedgerLock()
		start := time.Now()
		res, err := c.Collect(ctx, mb)
		took := time.Since(start)
		t.Logf("collect with the ledger locked after it was opened: %+v, error after %v: %v", res, took.Round(time.Millisecond), err)
		if err == nil || !lockedWording.MatchString(err.Error()) {
			t.Errorf("Collect with the ledger locked: error %v, want one saying the ledger is locked", err)
		}
		// Replies are archived on every core, but the writes share one
		// connection and SQLite's busy wait does not heed a cancelled
		// context: the write that already has the connection when the
		// first one gives up waits its own 10 s. Two waits, never one per
		// reply.
		// Two busy timeouts (20 s) at most, plus slack for a loaded machine:
		// the point is that it gives up rather than hangs.
		if took > 60*time.Second {
			t.Errorf("Collect with the ledger locked gave up after %v, want it to give up after about two busy timeouts (20 s)", took)
		}
		if err != nil && !strings.Contains(err.Error(), "ledger") {
			// Reported to the lead, not failed: the product's wording.
			t.Logf("note: the error does not name the ledger: %v", err)
		}
		if after := r.tableCounts(); !maps.Equal(after, before) {
			t.Errorf("the failed collect recorded something: ledger rows %v, before %v", after, before)
		}
		if got := emls(t, r.dropDir()); len(got) != 2 {
			t.Errorf("the drop folder holds %v after the failed collect, want both replies", got)
		}
		h.release()

		now = now.Add(time.Hour)
		res, err = c.Collect(ctx, mb)
		if err != nil || res.Fetched != 2 || res.Processed != 2 || res.Flush.Sent != 2 {
			t.Errorf("Collect after the lock was released: %+v, %v; want 2 fetched, 2 accepted, 2 receipts sent", res, err)
		}
		now = now.Add(time.Hour)
		res, err = c.Collect(ctx, mb)
		if err != nil || res.Fetched != 0 || res.Flush.Sent != 0 {
			t.Errorf("a second Collect: %+v, %v; want nothing fetched or sent", res, err)
		}
		r.checkRecordedOnce(inboxWant{mailbox: mb.Name(), units: []string{"jtj", "kjj"}, settled: []string{"jtj.eml", "kjj.eml"}})
	})
}

// checkLockedFailure asserts that a command refused by the locked ledger
// failed with an error naming the ledger and saying it is locked, after
// waiting out the busy timeout.
func (r *faultRig) checkLockedFailure(res cmdResult) {
	r.t.Helper()
	if res.code == exitOK {
		r.t.Errorf("want a non-zero exit with the ledger locked: %s", res)
	}
	if !strings.Contains(res.stderr, r.ledgerPath()) || !lockedWording.MatchString(res.stderr) {
		r.t.Errorf("the error should name the ledger %s and say it is locked: %s", r.ledgerPath(), res)
	}
	if res.took < 9*time.Second {
		r.t.Errorf("duban gave up after %v: the busy timeout is 10 s, so the lock was not what failed it: %s", res.took, res)
	}
}

// inboxWant is what one mailbox must have recorded once a fault has
// cleared: a reply of each unit, and, for the drop folder, the files moved
// to processed.
type inboxWant struct {
	mailbox string
	units   []string
	settled []string // file names in the drop folder's processed, sorted
}

// checkRecordedOnce asserts the end state after a fault has cleared and
// the command was run again (twice): each unit's reply recorded once,
// settled, accepted as version 1 and answered with exactly one receipt;
// nothing left queued; nothing left in the drop folder; the ledger sound.
func (r *faultRig) checkRecordedOnce(wants ...inboxWant) {
	r.t.Helper()
	total := 0
	var units []string
	for _, w := range wants {
		if n := r.count("SELECT count(*) FROM inbox WHERE mailbox = ?", w.mailbox); n != len(w.units) {
			r.t.Errorf("the inbox of %s holds %d messages, want %d", w.mailbox, n, len(w.units))
		}
		if n := r.count("SELECT count(*) FROM inbox WHERE mailbox = ? AND (settled = 0 OR outcome <> 'processed')", w.mailbox); n != 0 {
			r.t.Errorf("%d messages of %s are unsettled or not processed", n, w.mailbox)
		}
		if w.settled != nil {
			if got := emls(r.t, filepath.Join(r.dropDir(), "processed")); !slices.Equal(got, w.settled) {
				r.t.Errorf("the drop folder's processed holds %q, want %q", got, w.settled)
			}
		}
		total += len(w.units)
		units = append(units, w.units...)
	}
	if n := r.count("SELECT count(*) FROM inbox"); n != total {
		r.t.Errorf("the inbox holds %d messages in all, want %d", n, total)
	}
	if left := emls(r.t, r.dropDir()); len(left) != 0 {
		r.t.Errorf("the drop folder still holds %v", left)
	}
	receipts := r.sentOfKind("receipt")
	for _, id := range units {
		u, _ := r.plan.Unit(id)
		if n := r.count("SELECT count(*) FROM submissions WHERE unit = ? AND period = ? AND accepted = 1", id, faultPeriod); n != 1 {
			r.t.Errorf("%s has %d accepted submissions for %s, want 1", id, n, faultPeriod)
		}
		if n := r.count("SELECT count(*) FROM outbox WHERE unit = ? AND kind = 'receipt'", id); n != 1 {
			r.t.Errorf("%s has %d receipts in the outbox, want 1", id, n)
		}
		addr := strings.ToLower(u.Contacts[0].Email)
		n := 0
		for to, k := range receipts {
			if strings.Contains(to, addr) {
				n += k
			}
		}
		if n != 1 {
			r.t.Errorf("%s received %d receipts in mail-out, want 1 (all receipts: %v)", addr, n, receipts)
		}
	}
	if n := r.count("SELECT count(*) FROM outbox WHERE state <> 'sent'"); n != 0 {
		r.t.Errorf("%d messages in the outbox are not sent: %v", n, r.query("SELECT key, state, last_error FROM outbox WHERE state <> 'sent'"))
	}
	if n := r.count("SELECT count(*) FROM outbox WHERE kind NOT IN ('reminder', 'receipt')"); n != 0 {
		r.t.Errorf("the outbox holds %d messages besides reminders and receipts: %v", n, r.query("SELECT key, kind FROM outbox WHERE kind NOT IN ('reminder', 'receipt')"))
	}
	r.checkSound()
}

// writeFailure is what an error about a failed write must say.
var writeFailure = regexp.MustCompile(`(?i)disk is full|disk I/O error|no space left|file too large|SQLITE_FULL|SQLITE_IOERR`)

// diskFull is one way to fill the disk under the data directory.
type diskFull struct {
	name string
	// setup prepares the data directory before any duban runs, or skips.
	setup func(t *testing.T, r *faultRig)
	// collect runs `duban collect` with the disk full and returns how to
	// give the space back.
	collect func(t *testing.T, r *faultRig, now time.Time) (res cmdResult, free func())
}

// The disk fills up in the middle of a collect of several replies, on a
// ledger that already holds data: collect fails saying a write failed,
// nothing is lost, the ledger is sound, and a collect once there is space
// again processes and answers every reply exactly once.
//
// Two simulations: a file-size limit (RLIMIT_FSIZE) on the collect, which
// works anywhere and makes writes fail with EFBIG; and, where mounting is
// allowed (root with CAP_SYS_ADMIN), a real tmpfs filled up to a few
// hundred KiB, which fails them with ENOSPC. Each at several sizes, so the
// fault hits at different points: opening the ledger (no room for its
// 32 KiB -shm file), deciding the first reply, and after some replies are
// recorded but not yet moved out of the drop folder. The sizes suit the
// example's workbooks: with 1 MiB the six replies all fit.
func TestStorageDiskFull(t *testing.T) {
	var cases []diskFull
	// The WAL is empty at the start (the last duban checkpointed it), then
	// takes a few replies until it reaches the limit; above 32 KiB the -shm
	// file fits, and the receipts do.
	for _, limit := range []int64{16 << 10, 96 << 10, 192 << 10, 320 << 10} {
		cases = append(cases, diskFull{
			name:  fmt.Sprintf("file size limit %d KiB", limit>>10),
			setup: func(*testing.T, *faultRig) {},
			collect: func(t *testing.T, r *faultRig, now time.Time) (cmdResult, func()) {
				return r.dubanLimited(limit, now, "collect"), func() {}
			},
		})
	}
	for _, free := range []int64{0, 96 << 10, 192 << 10, 320 << 10} {
		cases = append(cases, diskFull{
			name:  fmt.Sprintf("tmpfs with %d KiB free", free>>10),
			setup: func(t *testing.T, r *faultRig) { mountTmpfs(t, r.dataDir, 32<<20) },
			collect: func(t *testing.T, r *faultRig, now time.Time) (cmdResult, func()) {
				filler := fillDisk(t, r.dataDir, free)
				return r.duban(now, "collect"), func() {
					if err := os.Remove(filler); err != nil {
						t.Fatalf("removing the filler: %v", err)
					}
				}
			},
		})
	}
	for _, df := range cases {
		t.Run(df.name, func(t *testing.T) {
			r := newFaultRig(t, "")
			df.setup(t, r)
			r.remind()
			// Some data: two replies collected before the fault.
			early := []string{"fgw", "jtj"}
			for _, u := range early {
				r.drop(u, faultJune1.Add(24*time.Hour))
			}
			if res := r.mustDuban(faultJune1.Add(25*time.Hour), "collect"); !strings.Contains(res.stdout, "2 fetched, 2 accepted") {
				t.Fatalf("collect before the fault: %s", res)
			}
			late := []string{"kjj", "jxj", "nyncj", "swj", "sthjj", "wjw"}
			for _, u := range late {
				r.drop(u, faultJune1.Add(26*time.Hour))
			}

			res, free := df.collect(t, r, faultJune1.Add(27*time.Hour))
			t.Logf("collect with the disk full: exit %d after %v\nstdout: %sstderr:\n%s", res.code, res.took.Round(time.Millisecond), res.stdout, res.stderr)
			if res.code == exitOK {
				t.Errorf("collect with the disk full: want a non-zero exit: %s", res)
			}
			if !writeFailure.MatchString(res.stderr) {
				t.Errorf("collect with the disk full: the error should say a write failed: %s", res)
			}
			left := map[string]bool{}
			for _, name := range emls(t, r.dropDir()) {
				left[name] = true
			}
			moved := map[string]string{}
			for _, sub := range []string{"processed", "rejected", "quarantine"} {
				for _, name := range emls(t, filepath.Join(r.dropDir(), sub)) {
					moved[name] = sub
				}
			}
			// The ledger is read once there is space again: even a
			// read-only connection needs room for the -shm file. Giving the
			// space back changes nothing in the files the collect left.
			free()
			// The drop folder knows a message by its content's hash.
			byKey := map[string]string{} // key → file name
			for _, sub := range []string{"", "processed", "rejected", "quarantine"} {
				dir := filepath.Join(r.dropDir(), sub)
				for _, name := range emls(t, dir) {
					raw, err := os.ReadFile(filepath.Join(dir, name))
					if err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(raw)
					byKey["drop:"+hex.EncodeToString(sum[:])] = name
				}
			}
			recorded := map[string]bool{}
			for _, row := range r.query("SELECT key FROM inbox") {
				recorded[byKey[row[0]]] = true
			}
			// Nothing lost: every reply is still in the drop folder or
			// recorded, and none was moved without being recorded.
			for _, u := range late {
				name := u + ".eml"
				if !left[name] && !recorded[name] {
					t.Errorf("the reply %s is neither in the drop folder nor recorded: lost", name)
				}
			}
			for name, sub := range moved {
				if !recorded[name] {
					t.Errorf("the reply %s was moved to %s without being recorded", name, sub)
				}
			}
			// A reply's steps (archive, submission, answer, inbox) are
			// separate transactions: the fault may leave a submission whose
			// message is not recorded yet. The next collect completes it
			// without a second version (checked at the end).
			ahead := r.count(`SELECT count(*) FROM submissions s WHERE NOT EXISTS
				(SELECT 1 FROM inbox i WHERE i.unit = s.unit AND i.period = s.period)`)
			t.Logf("after the fault: %d of %d new replies recorded, %d still in the drop folder, %d submissions recorded ahead of their message",
				len(recorded)-len(early), len(late), len(left), ahead)
			if len(left) == 0 {
				t.Errorf("the fault left no reply in the drop folder: it hit too late to test anything")
			}
			r.checkSound()

			res = r.mustDuban(faultJune1.Add(28*time.Hour), "collect")
			t.Logf("collect with space again: %s", strings.TrimSpace(res.stdout))
			res = r.mustDuban(faultJune1.Add(29*time.Hour), "collect")
			if !strings.Contains(res.stdout, "0 fetched") || !strings.Contains(res.stdout, "邮件：已发送0封") {
				t.Errorf("a second collect did something: %s", res)
			}
			all := append(append([]string{}, early...), late...)
			var names []string
			for _, u := range all {
				names = append(names, u+".eml")
			}
			r.checkRecordedOnce(inboxWant{mailbox: "drop:" + r.dropDir(), units: all, settled: slices.Sorted(slices.Values(names))})
		})
	}
}

// mountTmpfs mounts a tmpfs of size bytes at dir, or skips the test where
// mounting is not allowed (not root, or a container without
// CAP_SYS_ADMIN). The file-size-limit variant covers those.
func mountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the file-size-limit variant stands in", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fillDisk writes a file into dir that leaves free bytes free on its file
// system, and returns its path.
func fillDisk(t *testing.T, dir string, free int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * int64(st.Bsize)
	if avail < free {
		t.Fatalf("only %d bytes free on %s, want more than %d", avail, dir, free)
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for left := avail - free; left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := f.Write(chunk[:n]); errors.Is(err, syscall.ENOSPC) {
			break // the file system keeps a little for itself: full is full
		} else if err != nil {
			t.Fatalf("filling %s: %v", dir, err)
		}
		left -= n
	}
	if err := syscall.Statfs(dir, &st); err == nil {
		t.Logf("%s: %d bytes free after filling", dir, int64(st.Bavail)*int64(st.Bsize))
	}
	return path
}

// The mail passwords come from the environment and must stay there: run
// with -v against servers that refuse them or cannot be reached, duban
// must not print them, record them in the ledger, or write them to any
// file.
func TestSecretsStayOutOfOutputAndFiles(t *testing.T) {
	const user = "duban@metro.example"
	smtpSecret := fmt.Sprintf("smtp-S3cret-%d-Zq9", time.Now().UnixNano())
	imapSecret := fmt.Sprintf("imap-S3cret-%d-Xw7", time.Now().UnixNano())

	srv, err := mailserver.Start(context.Background(), mailserver.Options{
		Users: map[string]string{user: "the-right-password"}, RequireAuth: true,
	})
	if err != nil {
		t.Fatalf("starting the mail server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	closed := closedPort(t)

	for _, tc := range []struct {
		name       string
		smtp, imap string // host:port
		// want are texts the errors must contain, so that the test knows
		// the commands got as far as the servers.
		wantRemind, wantCollect string
	}{
		{"servers refuse the passwords", srv.SMTPAddr(), srv.IMAPAddr(), "mail.smtp.password", "authentication failed"},
		{"servers unreachable", closed, closed, "connection refused", "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dataDir := filepath.Join(dir, "data")
			cfgPath := filepath.Join(dir, "duban.yaml")
			if err := os.WriteFile(cfgPath, config.Example(), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"DUBAN_STORAGE_DATA_DIR=" + dataDir, "DUBAN_MAIL_SMTP_RATE_PER_SECOND=1000"}
			for _, s := range []struct{ section, addr, secret string }{{"SMTP", tc.smtp, smtpSecret}, {"IMAP", tc.imap, imapSecret}} {
				host, port, err := net.SplitHostPort(s.addr)
				if err != nil {
					t.Fatal(err)
				}
				p := "DUBAN_MAIL_" + s.section + "_"
				env = append(env, p+"HOST="+host, p+"PORT="+port, p+"TLS=implicit", p+"USERNAME="+user,
					p+"PASSWORD="+s.secret, p+"INSECURE_SKIP_VERIFY=true", p+"TIMEOUT_SECONDS=5")
			}
			var outputs []cmdResult
			for _, args := range [][]string{
				{"check", "-v"},
				{"remind", "-v", "--period", faultPeriod, "--unit", "jtj"},
				{"remind", "-v", "--period", faultPeriod},
				{"collect", "-v"},
				{"status", "-v", "--period", faultPeriod},
			} {
				res := runDuban(t, dir, env, faultJune1.Add(time.Hour), args...)
				t.Logf("%s", res)
				outputs = append(outputs, res)
			}
			// remind exits 0 when the messages are only to retry (server
			// unreachable), 1 when they were refused.
			if got := outputs[1]; !strings.Contains(got.stderr, tc.wantRemind) {
				t.Errorf("remind should log a failed send saying %q: %s", tc.wantRemind, got)
			}
			if got := outputs[3]; got.code == exitOK || !strings.Contains(strings.ToLower(got.stderr), tc.wantCollect) {
				t.Errorf("collect should fail saying %q: %s", tc.wantCollect, got)
			}
			if n := countFiles(t, dataDir); n == 0 {
				t.Fatalf("no file under %s: the commands did not get as far as the ledger", dataDir)
			}

			secrets := secretForms(user, smtpSecret, imapSecret)
			for _, res := range outputs {
				for form, s := range secrets {
					if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
						t.Errorf("duban %v printed %s", res.args, form)
					}
				}
			}
			// Every file of the data directory (the ledger, its -wal and
			// -shm, the outbox folder) and of the working directory.
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Errorf("walking %s: %v", path, err)
					return nil
				}
				if !d.Type().IsRegular() {
					return nil
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("reading %s: %v", path, err)
					return nil
				}
				for form, s := range secrets {
					if bytes.Contains(data, []byte(s)) {
						t.Errorf("%s holds %s", path, form)
					}
				}
				return nil
			})
		})
	}
}

// secretForms are the ways a password could leak: as itself, and base64
// encoded alone or as an AUTH PLAIN response.
func secretForms(user string, secrets ...string) map[string]string {
	forms := map[string]string{}
	for i, s := range secrets {
		name := fmt.Sprintf("password %d", i+1)
		forms[name] = s
		forms[name+" in base64"] = base64.StdEncoding.EncodeToString([]byte(s))
		forms[name+" as AUTH PLAIN"] = base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + s))
		forms[name+" as AUTH PLAIN with authzid"] = base64.StdEncoding.EncodeToString([]byte(user + "\x00" + user + "\x00" + s))
	}
	return forms
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}
