package main

import (
	"context"
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
--force, so running it again (or after a crash) mails nobody twice.
Without flags it does exactly what the daemon's tick does: the open period,
in office hours, nothing for a period outside the plan's year.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if period == "" && opts == (jobs.RemindOptions{}) {
				return a.remindDue(cmd.Context())
			}
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

func (a *app) chaseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "chase",
		Short: "Send the chase that is due now (before the deadline, or overdue) to units that have not submitted",
		Long: `chase does what the daemon's tick does: for the open period, it finds the
latest rung of the chase ladder (schedule.chase) that is due and sends it to
every lead unit without an accepted report, once per unit and rung, in office
hours. Run it twice and nobody gets a second notice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, closeAll, err := a.openCycle(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll()
			res, err := c.ChaseDue(cmd.Context())
			if res.Idle != "" {
				fmt.Fprintf(a.stdout, "%s: nothing to chase: %s\n", res.Period, res.Idle)
			} else {
				fmt.Fprintf(a.stdout, "%s: chase %s (due %s)\n", res.Period, res.Rung.Name, res.Rung.At.Format("2006-01-02 15:04"))
			}
			for _, l := range res.Lines {
				fmt.Fprintf(a.stdout, "%-16s %-8s %s\n", l.Action, l.Unit.ID, l.Unit.Name)
			}
			if err != nil {
				return err
			}
			return a.reportFlush(res.Flush)
		},
	}
}

func (a *app) collectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "collect",
		Short: "Poll the mailbox once: check every reply, answer it, and send what is queued",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, closeAll, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll()
			c := w.Cycle
			mb, closeMailbox, err := w.OpenMailbox(cmd.Context())
			if err != nil {
				return err
			}
			defer func() {
				if err := closeMailbox(); err != nil {
					a.logger().Warn("closing the mailbox", "err", err)
				}
			}()
			res, err := c.Collect(cmd.Context(), mb)
			known := ""
			if res.Known > 0 {
				known = fmt.Sprintf(", %d decided before and moved out again", res.Known)
			}
			fmt.Fprintf(a.stdout, "%s: %d fetched, %d accepted, %d rejected or asked for the workbook, %d quarantined, %d auto-replies ignored%s\n",
				mb.Name(), res.Fetched, res.Processed, res.Rejected, res.Quarantine, res.Ignored, known)
			if err != nil {
				return err
			}
			return a.reportFlush(res.Flush)
		},
	}
}

// remindDue is remind without flags: the daemon's remind job.
func (a *app) remindDue(ctx context.Context) error {
	c, _, closeAll, err := a.openCycle(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	res, p, idle, err := c.RemindDue(ctx)
	if idle != "" {
		fmt.Fprintf(a.stdout, "%s: no reminders sent: %s\n", p, idle)
		return err
	}
	for _, l := range res.Lines {
		fmt.Fprintf(a.stdout, "%-16s %-8s %s → %s\n", l.Action, l.Unit.ID, l.Unit.Name, strings.Join(l.To, ", "))
	}
	if err != nil {
		return err
	}
	return a.reportFlush(res.Flush)
}

// reportFlush prints what the outbox did; a message refused for good is a
// failure the operator must see in the exit code.
func (a *app) reportFlush(f jobs.FlushResult) error {
	fmt.Fprintf(a.stdout, "邮件：已发送%d封，待重试%d封，被拒收%d封\n", f.Sent, f.Retried, f.Failed)
	if f.Failed > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d封邮件无法投递，已告知办公室", f.Failed)}
	}
	return nil
}
