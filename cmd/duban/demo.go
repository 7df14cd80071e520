package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/templates"
)

func (a *app) demoCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Play two reporting periods end to end with files instead of mail, and show where everything is",
		Long: `demo needs no setup: with the embedded example configuration it writes every
unit's template, simulates the units' replies (one unit late, one whose first
reply is invalid and then corrected), ingests them, writes the receipts and
rejections the units would get, and compiles the consolidated workbooks.
Everything goes under DIR, including its own ledger; a later demo run may
clear DIR again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := jobs.PrepareDemoDir(dir); err != nil {
				return usageErr("%v", err)
			}
			clock := &jobs.DemoClock{}
			a.now = clock.Now
			c, closeAll, err := a.cycleFor(cmd.Context(), cfg, filepath.Join(dir, "data"))
			if err != nil {
				return err
			}
			defer closeAll()
			replies, err := templates.Load(cfg.Mail.TemplatesDir)
			if err != nil {
				return usageErr("%v", err)
			}
			d := &jobs.Demo{Cycle: c, Replies: replies, Office: cfg.Office.Name, Dir: dir, Out: a.stdout}
			if err := d.Run(cmd.Context(), clock); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "duban-demo", "folder for everything the demo writes")
	return cmd
}
