package testtools

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// peakChildEnv names the test a re-executed test binary is to measure.
const peakChildEnv = "DUBAN_PEAK_RSS_CHILD"

// PeakRSS measures the peak resident memory of work: the test binary runs
// again as a child process that runs only the calling test, calls work and
// reports its own high-water mark (VmHWM). A fresh process is the only
// honest measure: the parent's heap, other tests and the Go runtime's
// retained memory would all blur an in-process figure.
//
// The calling test must reach PeakRSS unconditionally (before any
// t.Parallel or skip that depends on the parent's state), because the child
// re-runs the test from its start; in the child, PeakRSS never returns.
// The child's environment is the parent's plus extra.
func PeakRSS(t *testing.T, work func(), extra ...string) int64 {
	t.Helper()
	if os.Getenv(peakChildEnv) == t.Name() {
		work()
		hwm, err := vmHWM()
		if err != nil {
			fmt.Printf("DUBAN_PEAK_RSS_ERROR=%v\n", err)
			os.Exit(3)
		}
		fmt.Printf("DUBAN_PEAK_RSS=%d\n", hwm)
		os.Exit(0)
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read from /proc/self/status (Linux only)")
	}
	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(run, "/"), "-test.count=1", "-test.v=false")
	cmd.Env = append(append(os.Environ(), peakChildEnv+"="+t.Name()), extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child process measuring %s: %v\nstdout:\n%s\nstderr:\n%s", t.Name(), err, out, stderr.Bytes())
	}
	m := regexp.MustCompile(`(?m)^DUBAN_PEAK_RSS=(\d+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child process measuring %s printed no peak:\n%s\nstderr:\n%s", t.Name(), out, stderr.Bytes())
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// vmHWM reads this process's peak resident set size in bytes.
func vmHWM() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("reading VmHWM %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/self/status")
}

// MB writes a byte count in mebibytes for test logs.
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
