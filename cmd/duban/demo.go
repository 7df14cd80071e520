package main

import (
	"fmt"
	"path/filepath"

	wiring "github.com/duban/duban/internal/app"

	"github.com/spf13/cobra"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/demo"
)

func (a *app) demoCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Play two reporting periods end to end over in-process mail servers, and show where everything is",
		Long: `demo needs no setup: with the embedded example configuration it starts an SMTP
and an IMAP server on loopback (implicit TLS, a throw-away certificate, mail
kept in memory) with a mailbox for duban, every unit contact and the office.
duban mails each unit its template; simulated units read it from their own
inbox and reply with the workbook filled in (one unit late, one whose first
reply is invalid and then corrected, plus an out-of-office auto-reply and a
message from a stranger); duban collects from its mailbox, answers with
receipts and rejections, and compiles the consolidated workbooks.
Everything goes under DIR — the templates, every mailbox as .eml files, the
compiled workbooks and its own ledger; a later demo run may clear DIR again.
The configured mail servers are never contacted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := demo.PrepareDir(dir); err != nil {
				return usageErr("%v", err)
			}
			clock := &clock.Manual{}
			a.now = clock.Now
			// The demo sends through its own mail server: no transport here.
			w, closeAll, err := a.assemble(cmd.Context(), cfg, filepath.Join(dir, "data"), wiring.Options{NoTransport: true})
			if err != nil {
				return err
			}
			defer closeAll()
			d := &demo.Demo{Cycle: w.Cycle, Dir: dir, Out: a.stdout}
			if err := d.Run(cmd.Context(), clock); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "duban-demo", "folder for everything the demo writes")
	return cmd
}
