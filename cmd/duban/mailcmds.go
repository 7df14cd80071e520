package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
)

func (a *app) remindCommand() *cobra.Command {
	var period string
	var opts jobs.RemindOptions
	cmd := &cobra.Command{
		Use:   "remind [--period P] [--unit U] [--dry-run] [--force]",
		Short: "Mail each lead unit its pre-filled template for a period (once per unit)",
		Long: `remind queues one reminder per lead unit, with the unit's template attached,
and sends them. A unit already reminded for the period is skipped unless
--force, so running it again (or after a crash) mails nobody twice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withPeriod(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period) error {
				res, err := c.Remind(cmd.Context(), p, opts)
				for _, l := range res.Lines {
					fmt.Fprintf(a.stdout, "%-16s %-8s %s → %s\n", l.Action, l.Unit.ID, l.Unit.Name, strings.Join(l.To, ", "))
				}
				if err != nil {
					return err
				}
				return a.reportFlush(res.Flush)
			})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "reporting month YYYY-MM (default: the period being collected now)")
	cmd.Flags().StringVar(&opts.Unit, "unit", "", "only this unit")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be sent; send nothing")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "remind units that were already reminded for the period again")
	return cmd
}

func (a *app) collectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "collect",
		Short: "Poll the mailbox once: check every reply, answer it, and send what is queued",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, cfg, closeAll, err := a.openCycle(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll()
			mb, closeMailbox, err := a.openMailbox(cmd.Context(), cfg, cfg.Storage.DataDir)
			if err != nil {
				return err
			}
			defer closeMailbox()
			res, err := c.Collect(cmd.Context(), mb)
			fmt.Fprintf(a.stdout, "%s: %d fetched, %d accepted, %d rejected or asked for the workbook, %d quarantined, %d auto-replies ignored\n",
				mb.Name(), res.Fetched, res.Processed, res.Rejected, res.Quarantine, res.Ignored)
			if err != nil {
				return err
			}
			return a.reportFlush(res.Flush)
		},
	}
}

// reportFlush prints what the outbox did; a message refused for good is a
// failure the operator must see in the exit code.
func (a *app) reportFlush(f jobs.FlushResult) error {
	fmt.Fprintf(a.stdout, "mail: %d sent, %d to retry, %d refused for good\n", f.Sent, f.Retried, f.Failed)
	if f.Failed > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d message(s) could not be delivered; the office was told", f.Failed)}
	}
	return nil
}
