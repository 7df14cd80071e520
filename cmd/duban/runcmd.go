package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/duban/duban/desk"
	wiring "github.com/duban/duban/internal/app"

	"github.com/spf13/cobra"

	"github.com/duban/duban/internal/datalock"
	"github.com/duban/duban/internal/telemetry"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/store"
)

// clockEnv starts the clock of any command at a given instant (RFC 3339),
// from which it runs at the real pace. It exists for the end-to-end tests and
// demonstrations of a plan year that is not the current one.
const clockEnv = "DUBAN_CLOCK_START"

func (a *app) runCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: remind, collect, chase and compile on schedule until stopped",
		Long: `run is the product: it reminds the units when a period opens, polls the
mailbox (daemon.collect), chases units that have not submitted and compiles the
consolidated workbook for the office (checked every daemon.tick), all on the
working-day calendar of schedule.timezone. Every job does what is due and not
yet done, so a restart or a stretch of downtime is made up at start without
mailing anyone twice. SIGINT or SIGTERM stops it after the message in flight.
With no configuration file it runs the embedded example with mail in folders
under the data directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDaemon(cmd.Context())
		},
	}
}

func (a *app) runDaemon(ctx context.Context) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := a.setClockFromEnv(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for _, w := range cfg.Warnings() {
		log.Warn(w.String())
	}
	if cfg.HTTP.AllowPublic && cfg.HTTP.Listen != "" {
		log.Warn("http.allow_public is set: /metrics and /healthz answer on " + cfg.HTTP.Listen + "; make sure a firewall guards it")
	}
	dataDir := cfg.Storage.DataDir
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	lock, err := datalock.Acquire(dataDir)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	defer func() {
		if err := lock.Release(); err != nil {
			a.logger().Warn("releasing the data directory lock", "err", err)
		}
	}()

	w, closeAll, err := a.assemble(ctx, cfg, dataDir, wiring.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	c := w.Cycle
	c.Log = log
	// Loading a large configuration (a province's 20 MB plan) leaves
	// hundreds of MB of parser garbage: hand it back to the system now,
	// not over the next minutes, so that the idle daemon stays small.
	runtime.GC()
	debug.FreeOSMemory()

	metrics := telemetry.New(metricLabels())
	health := &daemonHealth{ledger: c.Ledger}
	metrics.SetHealth(health.check)
	d := &jobs.Daemon{
		Cycle: c,
		OpenMailbox: func(ctx context.Context) (jobs.Mailbox, func() error, error) {
			return w.OpenMailbox(ctx)
		},
		CollectSpec: cfg.Daemon.Collect,
		TickSpec:    cfg.Daemon.Tick,
		Log:         log,
		Observe: func(job string, res jobs.Result, err error, took time.Duration) {
			metrics.JobRun(job, err, took)
			observe(metrics, res)
			if job == jobs.JobCollect {
				health.collected(err)
				if err == nil {
					metrics.CollectSucceeded(time.Now())
				}
			}
		},
	}
	if cfg.Embedded {
		log.Info("embedded example configuration: mail goes to and comes from folders under the data directory", "data_dir", dataDir)
	}
	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	if cfg.HTTP.Listen != "" {
		web, err := desk.New(desk.Options{Cycle: c, PublicURL: cfg.HTTP.PublicURL, Log: log})
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		wg.Go(func() {
			serveErr <- telemetry.Serve(ctx, cfg.HTTP.Listen, web.Handler(metrics.Handler()), cfg.HTTP.AllowPublic, log)
		})
	}
	runErr := d.Run(ctx)
	wg.Wait()
	select {
	case err := <-serveErr:
		if err != nil && runErr == nil {
			runErr = fmt.Errorf("http endpoint: %w", err)
		}
	default:
	}
	return runErr
}

// setClockFromEnv applies DUBAN_CLOCK_START.
func (a *app) setClockFromEnv() error {
	v := os.Getenv(clockEnv)
	if v == "" {
		return nil
	}
	start, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return usageErr("%s=%q: want an RFC 3339 time such as 2023-06-01T09:30:00+08:00", clockEnv, v)
	}
	offset := time.Until(start)
	a.now = func() time.Time { return time.Now().Add(offset) }
	return nil
}

// observe counts what a job's result says into the metrics.
func observe(m *telemetry.Metrics, res jobs.Result) {
	if res == nil {
		return
	}
	if r, ok := res.(jobs.CollectResult); ok {
		for outcome, n := range r.Outcomes() {
			m.Replies(outcome, n)
		}
	}
	f := res.Flushed()
	for kind, n := range f.SentByKind {
		m.MailSent(string(kind), n)
	}
	for kind, n := range f.FailedByKind {
		m.MailFailed(string(kind), n)
	}
	m.RemindersSent(f.Reminders())
}

// metricLabels are the label values of the metrics, from the types that
// name them.
func metricLabels() telemetry.Labels {
	var kinds []string
	for _, k := range jobs.MailKinds() {
		kinds = append(kinds, string(k))
	}
	return telemetry.Labels{MailKinds: kinds, ReplyOutcomes: jobs.ReplyOutcomes(), Jobs: jobs.JobNames()}
}

// daemonHealth answers /healthz: the ledger answers, and the mailbox has
// not failed three polls running.
type daemonHealth struct {
	ledger *store.Ledger
	mu     sync.Mutex
	failed int
	last   error
}

func (h *daemonHealth) collected(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.failed, h.last = 0, nil
		return
	}
	h.failed++
	h.last = err
}

func (h *daemonHealth) check() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := h.ledger.SchemaVersion(ctx); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed >= 3 {
		return fmt.Errorf("the last %d collects failed: %w", h.failed, h.last)
	}
	return nil
}
