package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

// Exit codes, as the design's command-line contract sets them.
const (
	exitOK       = 0
	exitRejected = 1 // the work was done, but something was rejected or failed
	exitFailed   = 1 // the work could not be done (the ledger, a mail server, the disk)
	exitUsage    = 2 // usage or configuration error
)

// exitError carries an exit code up to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app holds what every command shares: the global flags and the outputs.
type app struct {
	configPath string
	verbose    bool
	stdout     io.Writer
	stderr     io.Writer
	now        func() time.Time
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		return exitCodeOf(err, stderr)
	}
	return exitOK
}

// exitCodeOf reports err on stderr and returns the exit code it stands for.
func exitCodeOf(err error, stderr io.Writer) int {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "duban:", ee.err)
		}
		return ee.code
	}
	// Anything cobra itself refuses (unknown command or flag) is a usage error.
	fmt.Fprintln(stderr, "duban:", err)
	fmt.Fprintln(stderr, "run 'duban --help' for usage")
	return exitUsage
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "duban",
		Short: "Monthly progress reporting of a work plan by email and Excel (督办)",
		Long: `duban runs a work plan's monthly progress reporting: it writes each lead unit's
pre-filled template, reads the workbooks the units send back, checks them cell by
cell, and compiles the consolidated monthly workbook for the office.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "configuration file (default ./duban.yaml, else the embedded example)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log what each step does (to stderr)")
	root.AddCommand(
		a.checkCommand(),
		a.templateCommand(),
		a.ingestCommand(),
		a.remindCommand(),
		a.collectCommand(),
		a.compileCommand(),
		a.statusCommand(),
		a.demoCommand(),
		a.runCommand(),
		a.chaseCommand(),
		a.closeCommand(),
		a.extendCommand(),
	)
	failuresExitOne(root)
	return root
}

// failuresExitOne makes an error a command returns without an exit code of
// its own (the ledger, a mail server, the disk failed) exit 1: exit 2 and
// the usage hint are for what cobra refuses and for configuration errors.
func failuresExitOne(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if cmd.RunE == nil {
			continue
		}
		runE := cmd.RunE
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			err := runE(cmd, args)
			var ee *exitError
			if err == nil || errors.As(err, &ee) {
				return err
			}
			return &exitError{code: exitFailed, err: err}
		}
	}
}

func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig loads and validates the configuration; every problem is
// reported at once and is a usage error.
func (a *app) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(a.configPath)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if cfg.Embedded {
		fmt.Fprintln(a.stderr, "duban: no --config given and ./duban.yaml not found: using the embedded example configuration (config/examples/metro-2023.yaml)")
	}
	if problems := cfg.Validate(); len(problems) > 0 {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("configuration %s has %d problem(s):\n%s", cfg.Source, len(problems), problems.Error())}
	}
	return cfg, nil
}

// openCycle loads the configuration, opens the ledger and the outgoing
// mail. The caller calls closeAll when done.
func (a *app) openCycle(ctx context.Context) (c *jobs.Cycle, cfg *config.Config, closeAll func(), err error) {
	cfg, err = a.loadConfig()
	if err != nil {
		return nil, nil, nil, err
	}
	c, closeAll, err = a.cycleFor(ctx, cfg, cfg.Storage.DataDir)
	return c, cfg, closeAll, err
}

func (a *app) cycleFor(ctx context.Context, cfg *config.Config, dataDir string) (*jobs.Cycle, func(), error) {
	c, closeLedger, err := a.baseCycle(ctx, cfg, dataDir)
	if err != nil {
		return nil, nil, err
	}
	transport, closeTransport, err := a.transportFor(cfg, dataDir)
	if err != nil {
		closeLedger()
		return nil, nil, err
	}
	c.Mail.Transport = transport
	closeAll := func() {
		if err := closeTransport(); err != nil {
			a.logger().Warn("closing the mail connection", "err", err)
		}
		closeLedger()
	}
	return c, closeAll, nil
}

// baseCycle opens the ledger under dataDir and builds the cycle with the
// configured sender, office and texts, but no mail transport.
func (a *app) baseCycle(ctx context.Context, cfg *config.Config, dataDir string) (*jobs.Cycle, func(), error) {
	sched, err := cfg.Schedule()
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	m, err := mailSettings(cfg)
	if err != nil {
		return nil, nil, err
	}
	ledger, err := store.Open(ctx, dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the data directory: %w", err)
	}
	c := &jobs.Cycle{
		Plan:     cfg.Plan(),
		Schedule: sched,
		Limits:   limitsOf(cfg),
		Ledger:   ledger,
		Log:      a.logger(),
		Now:      a.now,
		Mail:     m,
		Inbound:  inboundLimits(cfg),
		Intake:   intakeLimits(cfg),

		ColorRules: cfg.ColorRules(),
	}
	if cfg.Security.TokenSecret != "" {
		c.TokenSecret = []byte(cfg.Security.TokenSecret)
	}
	closeLedger := func() {
		if err := ledger.Close(); err != nil {
			a.logger().Error("closing the ledger", "err", err)
		}
	}
	return c, closeLedger, nil
}

func limitsOf(cfg *config.Config) reports.Limits {
	l := cfg.Limits
	return reports.Limits{
		MaxFileBytes:     l.MaxAttachmentBytes,
		MaxUnzipBytes:    l.MaxUnzipBytes,
		MaxTextChars:     l.MaxTextChars,
		MaxRows:          l.MaxSheetRows,
		MaxColumns:       l.MaxSheetColumns,
		MaxCellsOutside:  l.MaxCellsOutside,
		MaxXMLDepth:      l.MaxXMLDepth,
		MaxXMLElements:   l.MaxXMLElements,
		MaxSharedStrings: l.MaxSharedStrings,
		MaxTextBytes:     l.MaxWorkbookTextBytes,
	}
}

func intakeLimits(cfg *config.Config) jobs.IntakeLimits {
	l := cfg.Limits
	return jobs.IntakeLimits{
		Attachments:     l.MaxAttachments,
		BatchBytes:      l.MaxBatchBytes,
		QuarantineBytes: l.QuarantineBytes,
		SenderPerHour:   l.SenderMessagesPerHour,
		RetentionDays:   cfg.Retention.QuarantineDays,
	}
}

// withPeriod opens the ledger, resolves --period and runs fn.
func (a *app) withPeriod(ctx context.Context, period string, fn func(*jobs.Cycle, plan.Period) error) error {
	c, _, closeAll, err := a.openCycle(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	p, err := a.periodFlag(period, c.Schedule)
	if err != nil {
		return err
	}
	return fn(c, p)
}

// periodFlag parses --period, defaulting to the period being collected now.
func (a *app) periodFlag(s string, sched plan.Schedule) (plan.Period, error) {
	if s == "" {
		return sched.CurrentPeriod(a.now()), nil
	}
	p, err := plan.ParsePeriod(s)
	if err != nil {
		return plan.Period{}, usageErr("--period: %v", err)
	}
	return p, nil
}
