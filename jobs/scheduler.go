package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/duban/duban/store"
)

// Names of the daemon's jobs, as logs and metrics show them.
const (
	JobRemind    = "remind"
	JobChase     = "chase"
	JobCompile   = "compile"
	JobCollect   = "collect"
	JobDigest    = "digest"    // the office's daily digest of the messages set aside
	JobRetention = "retention" // strangers' messages deleted after retention.quarantine_days
)

// Daemon runs the cycle's jobs on a cron in the schedule's time zone. Cron
// only wakes the jobs: each is a reconciler (see daemon.go), and all run
// once at start, so nothing missed while the daemon was down stays missed.
type Daemon struct {
	Cycle *Cycle
	// OpenMailbox connects to the mailbox for one collect; close is called
	// when the collect is over. Nil: no collect job.
	OpenMailbox func(ctx context.Context) (mb Mailbox, close func() error, err error)
	CollectSpec string // cron spec, e.g. "@every 5m"
	TickSpec    string // cron spec of remind, chase and compile
	// Grace is how long a running job may finish after shutdown begins
	// before its context is cancelled. Zero means 30 s.
	Grace time.Duration
	Log   *slog.Logger
	// Observe, when set, is told of every job run (for metrics).
	Observe func(job string, result Result, err error, took time.Duration)

	mu sync.Mutex // one job at a time: they share the ledger and the SMTP connection
}

// ParseSpec parses a cron spec as the daemon does: five fields or a
// descriptor such as "@every 5m".
func ParseSpec(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}

// Run starts the jobs and blocks until ctx is done, then stops taking new
// runs, lets the running job finish (up to Grace) and returns.
func (d *Daemon) Run(ctx context.Context) error {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc := d.Cycle.Schedule.Location
	// Jobs get their own context, cancelled only after the grace period, so
	// that a shutdown lets the message in flight finish.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	cl := cronLogger{log}
	c := cron.New(cron.WithLocation(loc), cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	jobs := d.jobs()
	for _, j := range jobs {
		spec := d.TickSpec
		if j.name == JobCollect {
			spec = d.CollectSpec
		}
		if _, err := c.AddFunc(spec, func() { d.run(jobCtx, log, j) }); err != nil {
			return fmt.Errorf("scheduling %s (%q): %w", j.name, spec, err)
		}
	}
	log.Info("daemon started", "timezone", loc.String(), "collect", d.CollectSpec, "tick", d.TickSpec)
	// Catch up at once: whatever fell due while the daemon was down.
	d.runAll(ctx, jobCtx, log, jobs)
	c.Start()
	<-ctx.Done()
	log.Info("shutting down: no new job runs; waiting for the running one")
	stopped := c.Stop().Done()
	grace := d.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	select {
	case <-stopped:
	case <-time.After(grace):
		log.Warn("a job is still running after the grace period; cancelling it", "grace", grace)
		cancelJobs()
		<-stopped
	}
	// The catch-up above may still hold the lock when ctx ended during it.
	d.mu.Lock()
	defer d.mu.Unlock()
	log.Info("daemon stopped")
	return nil
}

// RunOnce runs every job once, in order, as the daemon does at start and
// as its ticks do over time: what an end-to-end test drives with its own
// clock.
func (d *Daemon) RunOnce(ctx context.Context) {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d.runAll(ctx, ctx, log, d.jobs())
}

func (d *Daemon) runAll(ctx, jobCtx context.Context, log *slog.Logger, jobs []job) {
	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		d.run(jobCtx, log, j)
	}
}

type job struct {
	name string
	fn   func(ctx context.Context) (Result, error)
}

// jobs are the daemon's jobs in the order the catch-up at start runs them.
// Collect comes first: replies that arrived while the daemon was down must
// be in the ledger before chase decides who has not reported and compile
// decides what the first version holds.
func (d *Daemon) jobs() []job {
	c := d.Cycle
	var out []job
	if d.OpenMailbox != nil {
		out = append(out, job{JobCollect, d.collect})
	}
	return append(out,
		job{JobRemind, func(ctx context.Context) (Result, error) {
			res, p, idle, err := c.RemindDue(ctx)
			return RemindRun{res, p.String(), idle}, err
		}},
		job{JobChase, func(ctx context.Context) (Result, error) { return c.ChaseDue(ctx) }},
		job{JobCompile, func(ctx context.Context) (Result, error) { return c.CompileDue(ctx) }},
		job{JobDigest, func(ctx context.Context) (Result, error) { return c.DigestDue(ctx) }},
		job{JobRetention, func(ctx context.Context) (Result, error) { return c.PurgeDue(ctx) }},
	)
}

// RemindRun is what the daemon's remind job reports.
type RemindRun struct {
	RemindResult
	Period string
	Idle   string
}

func (d *Daemon) collect(ctx context.Context) (Result, error) {
	mb, closeMB, err := d.OpenMailbox(ctx)
	if err != nil {
		return CollectResult{}, fmt.Errorf("opening the mailbox: %w", err)
	}
	res, err := d.Cycle.Collect(ctx, mb)
	if cerr := closeMB(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the mailbox: %w", cerr)
	}
	return res, err
}

// run runs one job under the daemon's lock and reports it. A panic is
// recovered by the cron chain for scheduled runs; this recovers the
// catch-up runs, so one bad job never takes the daemon down.
func (d *Daemon) run(ctx context.Context, log *slog.Logger, j job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	var res Result
	var err error
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		res, err = j.fn(ctx)
	}()
	took := time.Since(start)
	if d.Observe != nil {
		d.Observe(j.name, res, err, took)
	}
	attrs := []any{"job", j.name, "took", took.Round(time.Millisecond)}
	if res != nil {
		attrs = append(attrs, res.LogAttrs()...)
	}
	switch {
	case errors.Is(err, context.Canceled):
		log.Warn("job interrupted by shutdown", attrs...)
	case err != nil:
		log.Error("job failed", append(attrs, "err", err)...)
	default:
		log.Info("job done", attrs...)
	}
}

// Result is what one run of one of the daemon's jobs did.
type Result interface {
	// Flushed is the mail the run sent, or failed to send.
	Flushed() FlushResult
	// LogAttrs are the run's figures for the daemon's log line.
	LogAttrs() []any
}

// JobNames lists the daemon's jobs.
func JobNames() []string {
	return []string{JobCollect, JobRemind, JobChase, JobCompile, JobDigest, JobRetention}
}

// ReplyOutcomes are what becomes of a received message, as the metrics
// count it: the three folders, and the auto-replies ignored.
func ReplyOutcomes() []string {
	return []string{store.InProcessed, store.InRejected, store.InQuarantine, outcomeIgnored}
}

const outcomeIgnored = "ignored"

func (r RemindRun) Flushed() FlushResult { return r.Flush }
func (r RemindRun) LogAttrs() []any {
	return []any{"period", r.Period, "idle", r.Idle, "queued", queuedLines(r.Lines), "sent", r.Flush.Sent}
}

func (r ChaseResult) Flushed() FlushResult { return r.Flush }
func (r ChaseResult) LogAttrs() []any {
	return []any{"period", r.Period.String(), "rung", r.Rung.Name, "idle", r.Idle, "queued", queuedLines(r.Lines), "sent", r.Flush.Sent}
}

func (r CompileDueResult) Flushed() FlushResult { return r.Flush }
func (r CompileDueResult) LogAttrs() []any {
	var versions []string
	for _, d := range r.Delivered {
		versions = append(versions, fmt.Sprintf("%s v%d", d.Period, d.Version))
	}
	return []any{"delivered", versions, "idle", r.Idle, "sent", r.Flush.Sent}
}

func (r CollectResult) Flushed() FlushResult { return r.Flush }

// Outcomes counts the messages by what became of them (ReplyOutcomes).
func (r CollectResult) Outcomes() map[string]int {
	return map[string]int{store.InProcessed: r.Processed, store.InRejected: r.Rejected,
		store.InQuarantine: r.Quarantine, outcomeIgnored: r.Ignored}
}
func (r CollectResult) LogAttrs() []any {
	return []any{"fetched", r.Fetched, "processed", r.Processed, "rejected", r.Rejected,
		"quarantine", r.Quarantine, "ignored", r.Ignored, "known", r.Known, "sent", r.Flush.Sent}
}

func (r DigestResult) Flushed() FlushResult { return r.Flush }
func (r DigestResult) LogAttrs() []any {
	return []any{"idle", r.Idle, "digest", r.Key, "messages", r.Messages, "sent", r.Flush.Sent}
}

func (r RetentionResult) Flushed() FlushResult { return FlushResult{} }
func (r RetentionResult) LogAttrs() []any      { return []any{"purged", r.Purged} }

// cronLogger hands robfig/cron's log lines to slog (cron.Recover needs a
// real logger: Recover(nil) panics).
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// queuedLines counts the lines of a run that queued a message.
func queuedLines[L interface{ queued() bool }](lines []L) int {
	n := 0
	for _, l := range lines {
		if l.queued() {
			n++
		}
	}
	return n
}

func (l RemindLine) queued() bool { return l.Action == "queued" }
func (l ChaseLine) queued() bool  { return l.Action == "queued" }
