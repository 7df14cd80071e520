package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
)

// The office's supervision commands: close-out (销号) and extension (延期).

func (a *app) closeCommand() *cobra.Command {
	var task, period, note string
	var force, reopen bool
	cmd := &cobra.Command{
		Use:   "close --task T [--period P] [--note TEXT] [--force] | close --task T --reopen [--note TEXT]",
		Short: "Close a task out (销号) once its lead unit reports it done, or reopen it",
		Long: `close confirms that a task its lead unit reported 已完成 is done. From the
period after the confirmed one, the task is shown locked in the unit's
template (not asked), and the unit is never chased for it; a unit whose
every task is closed gets no reminders at all. The unit is told by mail.

--period names the period whose report is confirmed (default: the unit's
latest report up to the period being collected now). A task whose report
does not say 已完成 is refused unless --force.

--reopen undoes a close-out: the task is asked and chased again from the
period being collected now, and the unit gets a fresh template. Every
close-out and reopening is logged in the ledger.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if task == "" {
				return usageErr("--task is required, e.g. --task T01")
			}
			if reopen && (period != "" || force) {
				return usageErr("--reopen takes only --task and --note")
			}
			c, _, closeAll, err := a.openCycle(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll()
			var d jobs.Decided
			if reopen {
				d, err = c.ReopenTask(cmd.Context(), task, note)
			} else {
				var p plan.Period
				if period != "" {
					if p, err = a.periodFlag(period, c.Schedule); err != nil {
						return err
					}
				}
				d, err = c.CloseTask(cmd.Context(), task, p, note, force)
			}
			return a.reportDecision(d, err)
		},
	}
	cmd.Flags().StringVar(&task, "task", "", "task id, e.g. T01")
	cmd.Flags().StringVar(&period, "period", "", "the period YYYY-MM whose 已完成 report is confirmed (default: the latest report)")
	cmd.Flags().StringVar(&note, "note", "", "the office's note, shown to the unit")
	cmd.Flags().BoolVar(&force, "force", false, "close even though the latest report does not say 已完成")
	cmd.Flags().BoolVar(&reopen, "reopen", false, "reopen a closed task")
	return cmd
}

func (a *app) extendCommand() *cobra.Command {
	var unit, period, until, note string
	var refuse bool
	cmd := &cobra.Command{
		Use:   "extend --unit U [--period P] (--until YYYY-MM-DD | --refuse) [--note TEXT]",
		Short: "Grant or refuse a unit more time (延期) for a period's report",
		Long: `extend records the office's answer to a unit's request for more time
(units ask in the 申请延期至 / 延期理由 cells of their template; duban
acknowledges the request and copies the office). With --until the unit's
deadline for the period moves to that day: the chase ladder and the colours
count from it, a report by the end of it is on time, and the unit gets the
decision with a template showing the new deadline. --refuse keeps the
deadline and tells the unit so. The latest decision for a unit and period
is the one in force; all are logged.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unit == "" {
				return usageErr("--unit is required, e.g. --unit jtj")
			}
			if (until == "") == !refuse {
				return usageErr("give either --until YYYY-MM-DD (grant) or --refuse")
			}
			var day time.Time
			if until != "" {
				var err error
				if day, err = time.Parse(time.DateOnly, until); err != nil {
					return usageErr("--until %q: write a date as YYYY-MM-DD, e.g. 2023-06-20", until)
				}
			}
			return a.withPeriod(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period) error {
				return a.reportDecision(c.Extend(cmd.Context(), unit, p, day, note))
			})
		},
	}
	cmd.Flags().StringVar(&unit, "unit", "", "unit id, e.g. jtj")
	cmd.Flags().StringVar(&period, "period", "", "reporting month YYYY-MM (default: the period being collected now)")
	cmd.Flags().StringVar(&until, "until", "", "grant: the new deadline day, YYYY-MM-DD")
	cmd.Flags().BoolVar(&refuse, "refuse", false, "refuse the request: the deadline stays")
	cmd.Flags().StringVar(&note, "note", "", "the office's note, shown to the unit")
	return cmd
}

// reportDecision prints an office command's outcome.
func (a *app) reportDecision(d jobs.Decided, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, d.Summary)
	if d.MessageID != "" {
		fmt.Fprintf(a.stdout, "已邮件通知该单位（Message-ID %s）\n", d.MessageID)
	}
	return a.reportFlush(d.Flush)
}
