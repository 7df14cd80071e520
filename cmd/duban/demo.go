package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/duban/duban/desk"
	wiring "github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/telemetry"

	"github.com/spf13/cobra"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/demo"
)

func (a *app) demoCommand() *cobra.Command {
	var dir, listen string
	var serve bool
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR] [--serve [--listen HOST:PORT]]",
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
			if !serve {
				return nil
			}
			return a.serveDemoDesk(cmd.Context(), d, listen)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "duban-demo", "folder for everything the demo writes")
	cmd.Flags().BoolVar(&serve, "serve", false, "after the demo, keep the office's desk up on --listen (until Ctrl-C) and print a login link")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address of the desk with --serve (loopback)")
	return cmd
}

// serveDemoDesk keeps the office's desk up on the demo's ledger, as it
// stands at the end of the demo (its clock stays there), and prints where
// to log in and a unit's upload link.
func (a *app) serveDemoDesk(ctx context.Context, d *demo.Demo, listen string) error {
	c := d.Cycle
	c.Mail.Transport = d.DeskTransport()
	base := "http://" + listen
	c.PublicURL = base
	web, err := desk.New(desk.Options{Cycle: c, PublicURL: base, Log: a.logger()})
	if err != nil {
		return err
	}
	office := c.OfficeAddresses()
	if len(office) == 0 {
		return errors.New("demo --serve: the configuration has no office address to log in with")
	}
	link, err := web.LoginLink(ctx, base, office[0])
	if err != nil {
		return err
	}
	p := c.Schedule.CurrentPeriod(c.Clock())
	unit := c.Plan.LeadUnits()[0]
	upload, err := c.UploadPath(ctx, unit.ID, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n办公室工作台：%s\n", base)
	fmt.Fprintf(a.stdout, "  登录链接（%s，15分钟内有效，只能使用一次）：%s\n", office[0], link)
	fmt.Fprintf(a.stdout, "  %s上传链接（%s）：%s%s\n", unit.Name, p.Label(), base, upload)
	fmt.Fprintf(a.stdout, "  登录链接过期后，在登录页输入 %s，登录邮件写入 %s。按 Ctrl-C 结束。\n", office[0], filepath.Join(d.Dir, "mail", "from-desk"))
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return telemetry.Serve(ctx, listen, web.Handler(nil), false, a.logger())
}
