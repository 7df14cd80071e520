package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	wiring "github.com/duban/duban/internal/app"

	"github.com/spf13/cobra"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
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
	// cpuProfile and memProfile name pprof files to write (hidden flags).
	cpuProfile, memProfile string
	stopProfiles           func() error
	stdout                 io.Writer
	stderr                 io.Writer
	now                    func() time.Time
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.stopProfiles != nil {
		if perr := a.stopProfiles(); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
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
		// DUBAN_CLOCK_START (tests, demos of a past year) applies to every command.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if a.cpuProfile != "" || a.memProfile != "" {
				stop, err := startProfiles(a.cpuProfile, a.memProfile)
				if err != nil {
					return err
				}
				a.stopProfiles = stop
			}
			return a.setClockFromEnv()
		},
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "configuration file (default ./duban.yaml, else the embedded example)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log what each step does (to stderr)")
	// For measuring a path at the operator's own scale (docs/performance.md).
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the command to this file")
	root.PersistentFlags().StringVar(&a.memProfile, "memprofile", "", "write an allocation profile (pprof) of the command to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	_ = root.PersistentFlags().MarkHidden("memprofile")
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

// openCycle loads the configuration and opens the wired cycle. The caller
// calls closeAll when done.
func (a *app) openCycle(ctx context.Context) (c *jobs.Cycle, cfg *config.Config, closeAll func(), err error) {
	w, closeAll, err := a.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return w.Cycle, w.Config, closeAll, nil
}

// open loads the configuration and wires it (internal/app).
func (a *app) open(ctx context.Context) (*wiring.App, func(), error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	return a.assemble(ctx, cfg, cfg.Storage.DataDir, wiring.Options{})
}

// assemble wires cfg on the data directory with the command's clock,
// logger and notices.
func (a *app) assemble(ctx context.Context, cfg *config.Config, dataDir string, opts wiring.Options) (*wiring.App, func(), error) {
	opts.Now, opts.Log, opts.Notice = a.now, a.logger(), a.stderr
	w, err := wiring.Open(ctx, cfg, dataDir, opts)
	var ce *wiring.ConfigError
	if errors.As(err, &ce) {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	if err != nil {
		return nil, nil, err
	}
	return w, func() {
		if err := w.Close(); err != nil {
			a.logger().Error("closing the ledger and the mail connection", "err", err)
		}
	}, nil
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

// withPeriodReadOnly is withPeriod for a command that only reads: a data
// directory that does not exist is not created — an empty ledger in a
// temporary folder, removed afterwards, stands in for it. --period
// defaults to the period being collected now, or, outside the plan year,
// to the plan's nearest period, which fn is told about in note.
func (a *app) withPeriodReadOnly(ctx context.Context, period string, fn func(c *jobs.Cycle, p plan.Period, note string) error) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	dataDir := cfg.Storage.DataDir
	if _, err := os.Stat(dataDir); errors.Is(err, fs.ErrNotExist) {
		tmp, err := os.MkdirTemp("", "duban-empty-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintf(a.stderr, "duban: 数据目录 %s 尚不存在：还没有任何记录（本命令只读，不创建该目录）\n", dataDir)
		dataDir = tmp
	}
	w, closeAll, err := a.assemble(ctx, cfg, dataDir, wiring.Options{NoTransport: true})
	if err != nil {
		return err
	}
	defer closeAll()
	c := w.Cycle
	note := ""
	var p plan.Period
	if period != "" {
		if p, err = a.periodFlag(period, c.Schedule); err != nil {
			return err
		}
		return fn(c, p, note)
	}
	p = c.Schedule.CurrentPeriod(a.now())
	first, last := plan.Period{Year: c.Plan.Year, Month: time.January}, plan.Period{Year: c.Plan.Year, Month: time.December}
	switch {
	case last.Before(p):
		note = fmt.Sprintf("计划年度（%d年）已结束，显示最后一期%s；其他月份请用 --period YYYY-MM", c.Plan.Year, last.Label())
		p = last
	case p.Before(first):
		note = fmt.Sprintf("计划年度（%d年）尚未开始，显示第一期%s", c.Plan.Year, first.Label())
		p = first
	}
	return fn(c, p, note)
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
