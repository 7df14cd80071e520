package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/duban/duban/store"
)

// TestProcessesShareADataDirectory: any number of duban processes on one
// data directory never answer a message twice and never fail on each
// other. The real binary, against the in-process mail servers that log
// every delivery: while `duban run` collects the replies waiting in the
// IMAP inbox, two `duban collect` do the same, and two `duban ingest`
// take the same .eml files (the other units' replies) at once. Each
// process lingers inside the steps where two could collide
// (DUBAN_PAUSE_AT: before each message is decided, before each answer is
// handed to the server). Every reply is recorded once, every unit gets
// exactly one receipt, and every process succeeds.
func TestProcessesShareADataDirectory(t *testing.T) {
	r := newCrashRig(t)
	p := r.start("remind")
	r.remindEveryone(p)
	p.stop()

	// Half the units reply by mail; the others' replies are .eml files.
	byMail, byFile := r.leads[:6], r.leads[6:]
	replies := r.replies()
	var sends []func() error
	for _, u := range byMail {
		rp := replies[u.ID]
		sends = append(sends, func() error { return r.send(rp.from, rp.raw) })
	}
	for _, send := range sends {
		if err := send(); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	var files []string
	for _, u := range byFile {
		path := filepath.Join(dir, u.ID+".eml")
		if err := os.WriteFile(path, replies[u.ID].raw, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	reversed := slices.Clone(files)
	slices.Reverse(reversed)

	pause := os.Getenv("DUBAN_TEST_PAUSE") // another point, to try by hand
	if pause == "" {
		pause = "ingest.after-parse:40ms"
	}
	env := append(r.env(), "DUBAN_PAUSE_AT="+pause, clockEnv+"="+r.now().Format("2006-01-02T15:04:05-07:00"))
	type run struct {
		args []string
		out  bytes.Buffer
		err  error
	}
	runs := []*run{
		{args: []string{"collect"}}, {args: []string{"collect"}},
		{args: append([]string{"ingest"}, files...)}, {args: append([]string{"ingest"}, reversed...)},
	}
	daemon := r.launch("collecting beside the others", "DUBAN_PAUSE_AT="+pause)
	var wg sync.WaitGroup
	for _, c := range runs {
		wg.Go(func() {
			cmd := exec.Command(r.bin, append(c.args, "--config", r.cfgPath)...)
			cmd.Env = env
			cmd.Stdout, cmd.Stderr = &c.out, &c.out
			c.err = cmd.Run()
		})
	}
	wg.Wait()
	r.waitFor(daemon, "every reply by mail to be answered", func() bool { return crashTotal(r.received("receipt")) >= len(r.leads) })
	runsBefore := daemon.count(`msg="job done" job=collect`)
	r.waitFor(daemon, "one more collect", func() bool { return daemon.count(`msg="job done" job=collect`) > runsBefore })
	daemon.stop()

	for _, c := range runs {
		if c.err != nil || strings.Contains(c.out.String(), "no queued outbox message") {
			t.Errorf("duban %s: %v\n%s", strings.Join(c.args, " "), c.err, c.out.String())
		}
	}
	if out := daemon.out.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("the daemon logged errors:\n%s", out)
	}
	r.checkOnce("receipt", 0)

	ledger, err := store.Open(t.Context(), r.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ledger.Close()
	subs, err := ledger.Submissions(t.Context(), "2023-05")
	if err != nil {
		t.Fatal(err)
	}
	perUnit := map[string]int{}
	for _, s := range subs {
		perUnit[s.Unit]++
	}
	for _, u := range r.leads {
		if perUnit[u.ID] != 1 {
			t.Errorf("%s has %d submissions, want 1", u.ID, perUnit[u.ID])
		}
	}
	for _, name := range []string{"cli"} {
		recs, err := ledger.Inbound(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(byFile) {
			t.Errorf("%d messages recorded under %s, want %d", len(recs), name, len(byFile))
		}
	}
	if n := r.folderSize("duban/processed"); n != len(byMail) {
		t.Errorf("duban/processed holds %d messages, want %d", n, len(byMail))
	}
	if t.Failed() {
		for _, c := range runs {
			t.Logf("output of duban %s:\n%s", strings.Join(c.args, " "), c.out.String())
		}
	}
}

// crashReply is a unit's reply to its reminder, ready to send.
type crashReply struct {
	from string
	raw  []byte
}
