// Package crashpoint is a test hook: it lets a test kill the process with
// SIGKILL at a named step of its work, to prove that a restart repairs
// whatever the crash left half done. It is not a feature: nothing in
// production sets DUBAN_CRASH_AT, and while it is unset Hit costs one
// atomic load and a comparison.
//
// DUBAN_CRASH_AT=NAME kills the process at the first Hit(NAME);
// DUBAN_CRASH_AT=NAME:N at the N-th, counted over the whole process (every
// goroutine). The points and what a restart must repair are listed beside
// the crash tests in cmd/duban.
//
// DUBAN_PAUSE_AT=NAME:DURATION (e.g. send.before-data:300ms) makes every
// Hit(NAME) sleep that long instead: it widens the window in which two
// processes could step on each other, for the tests that prove they do not.
package crashpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Env names the environment variable read, once, by the first Hit.
const Env = "DUBAN_CRASH_AT"

// PauseEnv names the environment variable of the pause, read with Env.
const PauseEnv = "DUBAN_PAUSE_AT"

var (
	once   sync.Once
	target string // "" when no crash is asked for
	nth    int64
	hits   atomic.Int64

	pauseAt  string // "" when no pause is asked for
	pauseFor time.Duration
)

// Hit marks that the process reached the step name. When DUBAN_CRASH_AT
// asks for this hit of name, the process dies here by SIGKILL: no deferred
// function runs, no file or connection is closed.
func Hit(name string) {
	once.Do(load)
	if pauseAt != "" && name == pauseAt {
		time.Sleep(pauseFor)
	}
	if target == "" || name != target {
		return
	}
	if hits.Add(1) != nth {
		return
	}
	fmt.Fprintf(os.Stderr, "crashpoint: %s=%s:%d reached: killing the process\n", Env, name, nth)
	kill()
	// SIGKILL to oneself takes effect before the call returns to user
	// space on Linux; wait for it anyway rather than run one step further.
	for {
		time.Sleep(time.Hour)
	}
}

// load reads DUBAN_CRASH_AT. A value it cannot read is reported and
// ignored: a test expecting the crash then fails on the process exiting
// normally.
func load() {
	if v := os.Getenv(PauseEnv); v != "" {
		i := strings.LastIndexByte(v, ':')
		d, err := time.ParseDuration(v[i+1:])
		if i <= 0 || err != nil {
			fmt.Fprintf(os.Stderr, "crashpoint: %s=%q: want NAME:DURATION; ignored\n", PauseEnv, v)
		} else {
			pauseAt, pauseFor = v[:i], d
		}
	}
	v := os.Getenv(Env)
	if v == "" {
		return
	}
	name, n, err := parse(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crashpoint: %v; ignored\n", err)
		return
	}
	target, nth = name, n
}

// parse reads NAME or NAME:N.
func parse(v string) (name string, n int64, err error) {
	name, n = strings.TrimSpace(v), 1
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		n, err = strconv.ParseInt(name[i+1:], 10, 64)
		name = name[:i]
	}
	if err != nil || n < 1 || name == "" {
		return "", 0, fmt.Errorf("%s=%q: want NAME or NAME:N with N ≥ 1", Env, v)
	}
	return name, n, nil
}
