//go:build unix

package crashpoint

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		n       int64
		wantErr bool
	}{
		{"send.after-data", "send.after-data", 1, false},
		{"send.after-data:3", "send.after-data", 3, false},
		{" ingest.after-move:1 ", "ingest.after-move", 1, false},
		{"a:b:2", "a:b", 2, false},
		{"x:0", "", 0, true},
		{"x:-1", "", 0, true},
		{"x:three", "", 0, true},
		{":2", "", 0, true},
		{"x:", "", 0, true},
	}
	for _, tt := range tests {
		name, n, err := parse(tt.in)
		if (err != nil) != tt.wantErr || name != tt.name || n != tt.n {
			t.Errorf("parse(%q) = %q, %d, %v; want %q, %d, error %v", tt.in, name, n, err, tt.name, tt.n, tt.wantErr)
		}
	}
}

// helperEnv makes the test binary run helper instead of the tests.
const helperEnv = "CRASHPOINT_TEST_HELPER"

// TestMain runs the helper process: three hits of "step", each announced
// on stdout first, then a clean exit.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		for range 3 {
			os.Stdout.WriteString("step\n")
			Hit("other")
			Hit("step")
		}
		os.Stdout.WriteString("done\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestHitKills(t *testing.T) {
	tests := []struct {
		crashAt    string
		wantSteps  int // "step" lines printed before the end
		wantKilled bool
	}{
		{"", 3, false},
		{"step", 1, true},
		{"step:2", 2, true},
		{"step:3", 3, true},
		{"step:4", 3, false},
		{"elsewhere", 3, false},
		{"step:zero", 3, false}, // unreadable: reported and ignored
	}
	for _, tt := range tests {
		t.Run(tt.crashAt, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=1", Env+"="+tt.crashAt)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			steps := strings.Count(string(out), "step\n")
			var ee *exec.ExitError
			killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() &&
				ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
			if killed != tt.wantKilled || steps != tt.wantSteps {
				t.Errorf("%s=%q: killed by SIGKILL %v after %d steps (err %v); want %v after %d\nstdout:\n%s\nstderr:\n%s",
					Env, tt.crashAt, killed, steps, err, tt.wantKilled, tt.wantSteps, out, stderr.String())
			}
			if !tt.wantKilled && err != nil {
				t.Errorf("helper failed: %v\n%s", err, stderr.String())
			}
		})
	}
}

// BenchmarkHitUnset is the cost of a crash point in production, where
// DUBAN_CRASH_AT is unset.
func BenchmarkHitUnset(b *testing.B) {
	for b.Loop() {
		Hit("send.after-data")
	}
}
