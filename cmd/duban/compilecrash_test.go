//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/mail/mailtest"
)

// TestCompileCrash kills `duban compile` with SIGKILL at each step between
// numbering a version and mailing it, then runs it again: the office gets
// version 1 exactly once, and no second version is made of the same reports.
func TestCompileCrash(t *testing.T) {
	bin := dubanBinary(t)
	june8 := time.Date(2023, 6, 8, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, crashAt := range []string{"compile.after-issue", "send.before-data"} {
		t.Run(crashAt, func(t *testing.T) {
			dir := inTempDir(t)
			// One unit's report, accepted.
			good := fill(t, jtjTemplate(t, dir, june8), jtjAnswers("继续推进"))
			os.WriteFile(filepath.Join(dir, "good.xlsx"), good, 0o644)
			if code, out, _ := cli(t, june8, "ingest", "good.xlsx"); code != exitOK {
				t.Fatalf("ingest: exit %d\n%s", code, out)
			}

			compile := func(at time.Time, env ...string) (string, error) {
				cmd := exec.Command(bin, "compile", "--period", "2023-05", "-o", dir)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), append(env, clockEnv+"="+at.Format(time.RFC3339))...)
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := compile(june8, crashpoint.Env+"="+crashAt)
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("compile with %s=%s: %v, want killed\n%s", crashpoint.Env, crashAt, err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("compile with %s=%s ended with %v, want SIGKILL\n%s", crashpoint.Env, crashAt, err, out)
			}
			if n := len(officeCompiled(t, dir)); n != 0 {
				t.Fatalf("the killed compile mailed the office %d times, want 0", n)
			}

			// Run again, twice: the queued version 1 goes out once; nothing new is made.
			for run := 1; run <= 2; run++ {
				out, err := compile(june8.Add(time.Duration(run) * time.Minute))
				if err != nil || !strings.Contains(out, "自第1版以来没有新的报送") {
					t.Fatalf("compile run %d after the kill: %v\n%s", run, err, out)
				}
			}
			got := officeCompiled(t, dir)
			if len(got) != 1 || !strings.Contains(got[0], "第1版") {
				t.Errorf("the office received %q; want version 1, once", got)
			}
		})
	}
}

// officeCompiled lists the subjects of the compiled workbooks the office
// was mailed, read from the outbox folder of the embedded configuration.
func officeCompiled(t *testing.T, dir string) []string {
	t.Helper()
	var subjects []string
	for _, s := range mailtest.Folder(t, filepath.Join(dir, "data", "mail-out")) {
		if strings.HasPrefix(s.Msg.Subject, "【汇总】") {
			subjects = append(subjects, s.Msg.Subject)
		}
	}
	return subjects
}
