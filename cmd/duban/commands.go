package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/duban/duban/config"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

func (a *app) checkCommand() *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and print the coming periods' reminder times and deadlines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			sched, err := cfg.Schedule()
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			start := a.now().In(sched.Location)
			if from != "" {
				if start, err = time.ParseInLocation(plan.DateLayout, from, sched.Location); err != nil {
					return usageErr("--from %q: want YYYY-MM-DD", from)
				}
			}
			p := cfg.Plan()
			w := a.stdout
			fmt.Fprintf(w, "configuration %s is valid\n", cfg.Source)
			fmt.Fprintf(w, "plan: %s (%d tasks in %d categories, %d units report)\n", p.Title, len(p.Tasks), len(p.Categories), len(p.LeadUnits()))
			fmt.Fprintf(w, "data directory: %s\n", cfg.Storage.DataDir)
			fmt.Fprintf(w, "time zone: %s\n", sched.Location)
			for _, warn := range cfg.Warnings() {
				fmt.Fprintf(w, "warning: %s\n", warn)
			}
			fmt.Fprintln(w)
			printSchedule(w, p, sched, start, cfg.Office.Leader.Email != "")
			fmt.Fprintln(w)
			printJobRuns(w, cfg, sched, start)
			warned := map[int]bool{}
			for _, y := range []int{start.Year(), start.Year() + 1} {
				if !sched.Calendar.HasData(y) && !warned[y] {
					warned[y] = true
					fmt.Fprintf(w, "\nwarning: no official holiday data for %d: working days fall back to Monday–Friday plus calendar.extra_holidays/extra_workdays; the dates above are not guaranteed; add that year's holidays to the config once announced\n", y)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "list periods whose reminders go out after this date (YYYY-MM-DD; default today)")
	return cmd
}

// printSchedule prints, for the next three periods whose reminders go out
// after start, every scheduled event on the real calendar.
func printSchedule(w io.Writer, p *plan.Plan, sched plan.Schedule, start time.Time, leader bool) {
	const layout = "2006-01-02 15:04"
	period := plan.PeriodOf(start).Prev()
	for n := 0; n < 3; period = period.Next() {
		if sched.RemindAt(period).Before(start) {
			continue
		}
		n++
		note := ""
		if period.Year != p.Year {
			note = fmt.Sprintf("  (outside the plan year %d: the daemon sends nothing for it)", p.Year)
		}
		fmt.Fprintf(w, "period %s%s\n", period, note)
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\treminders to every lead unit\n", sched.RemindAt(period).Format(layout))
		rungs := sched.Rungs(period)
		for _, r := range rungs {
			if r.Overdue == 0 {
				fmt.Fprintf(tw, "  %s\t%s\n", r.At.Format(layout), r.Describe(leader))
			}
		}
		fmt.Fprintf(tw, "  %s\tdeadline: reports due by the end of %s; later ones count as late\n",
			sched.DueBy(period).Add(-time.Minute).Format(layout), sched.Deadline(period).Weekday())
		compiled := false
		for _, r := range rungs {
			if r.Overdue == 0 {
				continue
			}
			if !compiled && !sched.CompileAt(period).After(r.At) {
				fmt.Fprintf(tw, "  %s\tcompile and mail the consolidated workbook to the office\n", sched.CompileAt(period).Format(layout))
				compiled = true
			}
			fmt.Fprintf(tw, "  %s\t%s\n", r.At.Format(layout), r.Describe(leader))
		}
		if !compiled {
			fmt.Fprintf(tw, "  %s\tcompile and mail the consolidated workbook to the office\n", sched.CompileAt(period).Format(layout))
		}
		fmt.Fprintf(tw, "  %s\tthe period closes (the next one opens)\n", sched.RemindAt(period.Next()).Format(layout))
		tw.Flush()
	}
}

// printJobRuns prints when each of the daemon's jobs runs next.
func printJobRuns(w io.Writer, cfg *config.Config, sched plan.Schedule, start time.Time) {
	fmt.Fprintln(w, "next runs of duban run's jobs:")
	for _, j := range []struct{ name, spec string }{
		{jobs.JobRemind, cfg.Daemon.Tick}, {jobs.JobChase, cfg.Daemon.Tick},
		{jobs.JobCompile, cfg.Daemon.Tick}, {jobs.JobCollect, cfg.Daemon.Collect},
		{jobs.JobDigest, cfg.Daemon.Tick}, {jobs.JobRetention, cfg.Daemon.Tick},
	} {
		s, err := jobs.ParseSpec(j.spec)
		if err != nil {
			fmt.Fprintf(w, "  %-9s %q: %v\n", j.name, j.spec, err)
			continue
		}
		fmt.Fprintf(w, "  %-9s %s  (%s)\n", j.name, s.Next(start.In(sched.Location)).Format("2006-01-02 15:04"), j.spec)
	}
	fmt.Fprintln(w, "  (remind, chase and compile act only when something above is due; digest mails the office, in office hours,")
	fmt.Fprintln(w, "   at most one list a day of the messages set aside; retention deletes strangers' messages after")
	fmt.Fprintf(w, "   retention.quarantine_days (%d); every job also runs once when the daemon starts)\n", cfg.Retention.QuarantineDays)
}

func (a *app) templateCommand() *cobra.Command {
	var unit, period, out string
	cmd := &cobra.Command{
		Use:   "template --unit U [--period P] [-o FILE]",
		Short: "Write a unit's pre-filled template for a period",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unit == "" {
				return usageErr("--unit is required (a unit id from the config, e.g. jtj)")
			}
			return a.withPeriod(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period) error {
				tpl, err := c.BuildTemplate(cmd.Context(), unit, p)
				if err != nil {
					return usageErr("%v", err)
				}
				path := outputPath(out, tpl.FileName)
				if err := os.WriteFile(path, tpl.Data, 0o644); err != nil {
					return fmt.Errorf("writing %s: %w", path, err)
				}
				fmt.Fprintf(a.stdout, "wrote %s (%s, %s)\n", path, unit, p)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&unit, "unit", "", "unit id, e.g. jtj")
	cmd.Flags().StringVar(&period, "period", "", "reporting month YYYY-MM (default: the period being collected now)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file or directory to write (default: the template's own name in the current directory)")
	return cmd
}

// outputPath resolves -o: empty means name in the current directory, an
// existing directory means name inside it.
func outputPath(out, name string) string {
	if out == "" {
		return name
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return filepath.Join(out, name)
	}
	return out
}

func (a *app) ingestCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ingest FILE.xlsx|FILE.eml...",
		Short: "Ingest returned workbooks or whole messages from disk, exactly as if they had arrived by mail",
		Long: `ingest archives each file, reads and checks it, records the decision in the
ledger and prints it with every problem found. An .eml message goes through the
same path as mail from the mailbox: sender matched to a unit, workbooks checked,
the receipt or rejection sent. It exits 1 if any file was rejected or could not
be read. Ingesting the same file twice records nothing new.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			c, cfg, closeAll, err := a.openCycle(cmd.Context())
			if err != nil {
				return err
			}
			defer closeAll()
			failed := 0
			for _, path := range files {
				if strings.EqualFold(filepath.Ext(path), ".eml") {
					// Read as mail from the mailbox is: its header first, the
					// rest only as far as the sender's judgement allows.
					head, size, sum, err := headAndSum(path, int64(cfg.Limits.MaxHeaderBytes)+1)
					if err != nil {
						fmt.Fprintf(a.stdout, "FAILED    %s: %v\n", path, err)
						failed++
						continue
					}
					load := func(limit int64) ([]byte, error) {
						data, _, err := readHead(path, limit)
						return data, err
					}
					rec, _, err := c.IngestMessageFrom(cmd.Context(), head, size, sum, filepath.Base(path), load)
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "%-9s %s: from %s, unit %q, period %q: %s\n", strings.ToUpper(rec.Outcome), path, rec.From, rec.Unit, rec.Period, rec.Note)
					if rec.Outcome != store.InProcessed {
						failed++
					}
					continue
				}
				// Never more than the attachment limit's worth in memory.
				limit := cfg.Limits.MaxAttachmentBytes
				data, size, err := readHead(path, limit)
				if err != nil {
					fmt.Fprintf(a.stdout, "FAILED    %s: %v\n", path, err)
					failed++
					continue
				}
				if size > limit {
					fmt.Fprintf(a.stdout, "REJECTED  %s: %d bytes, over limits.max_attachment_bytes (%d); not read\n", path, size, limit)
					failed++
					continue
				}
				d, err := c.Ingest(cmd.Context(), data, filepath.Base(path), "cli")
				if err != nil {
					return fmt.Errorf("ingesting %s: %w", path, err)
				}
				printDecision(a.stdout, path, d)
				if !d.Accepted {
					failed++
				}
			}
			if failed > 0 {
				return &exitError{code: exitRejected, err: fmt.Errorf("%d of %d file(s) rejected or unreadable", failed, len(files))}
			}
			return nil
		},
	}
}

// readHead reads a file whole when it is at most limit bytes, else its
// first limit bytes; size is the file's.
func readHead(path string, limit int64) (data []byte, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err = io.ReadAll(io.LimitReader(f, min(info.Size(), limit)))
	return data, info.Size(), err
}

// headAndSum reads a file's first n bytes and hashes it whole, without
// holding more than the head.
func headAndSum(path string, n int64) (head []byte, size int64, sum [sha256.Size]byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, sum, err
	}
	defer f.Close()
	h := sha256.New()
	head, err = io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, 0, sum, err
	}
	h.Write(head)
	rest, err := io.Copy(h, f)
	if err != nil {
		return nil, 0, sum, err
	}
	copy(sum[:], h.Sum(nil))
	return head, int64(len(head)) + rest, sum, nil
}

func printDecision(w interface{ Write([]byte) (int, error) }, path string, d jobs.Decision) {
	who := "unattributed"
	if d.Unit.ID != "" {
		who = fmt.Sprintf("%s (%s) %s", d.Unit.Name, d.Unit.ID, d.Period)
	}
	verdict := "REJECTED"
	detail := fmt.Sprintf("%d problem(s)", len(d.Problems))
	if d.Accepted {
		verdict = "ACCEPTED"
		detail = fmt.Sprintf("version %d", d.Version)
		if d.Late {
			detail += ", late"
		}
	}
	if d.Duplicate {
		detail += "; already ingested, nothing new recorded"
	}
	fmt.Fprintf(w, "%-9s %s: %s, %s\n", verdict, path, who, detail)
	for _, p := range d.Problems {
		where := strings.TrimSpace(strings.Join([]string{p.Cell, p.TaskID}, " "))
		if where != "" {
			where += ": "
		}
		fmt.Fprintf(w, "          - %s%s\n", where, p.Message)
	}
}

func (a *app) compileCommand() *cobra.Command {
	var period, out string
	var noMail bool
	cmd := &cobra.Command{
		Use:   "compile [--period P] [-o FILE] [--no-mail]",
		Short: "Make the next version of a period's consolidated workbook and mail it to the office, or write a draft",
		Long: `compile makes the next version of the period's consolidated workbook and its
bulletin draft when reports were accepted since the last version, mails both to
the office and writes them to disk. A version number is given only to a
workbook the office is sent. When nothing is new, it writes the last version
exactly as the office received it. --no-mail writes a draft (草稿, unnumbered)
and mails nobody.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withPeriod(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period) error {
				var res jobs.Compiled
				var err error
				if noMail {
					res, err = c.Draft(cmd.Context(), p)
				} else {
					res, err = c.Compile(cmd.Context(), p)
				}
				if err != nil {
					return err
				}
				path := outputPath(out, res.FileName)
				docPath := filepath.Join(filepath.Dir(path), res.BulletinName)
				for _, f := range []struct {
					path string
					data []byte
				}{{path, res.Data}, {docPath, res.Bulletin}} {
					if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
						return fmt.Errorf("writing %s: %w", f.path, err)
					}
				}
				fmt.Fprintln(a.stdout, compiledNote(c, p, res))
				fmt.Fprintf(a.stdout, "  汇总表：%s\n  通报稿：%s\n", path, docPath)
				for _, ch := range res.Changes {
					fmt.Fprintf(a.stdout, "  %s\n", ch)
				}
				if res.Draft() {
					return nil
				}
				// Flush even when nothing is new: a version queued by a run
				// that died before sending it goes out now.
				flush, err := c.Flush(cmd.Context())
				if err != nil {
					return err
				}
				return a.reportFlush(flush)
			})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "reporting month YYYY-MM (default: the period being collected now)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file or directory to write (default: the workbook's own name in the current directory)")
	cmd.Flags().BoolVar(&noMail, "no-mail", false, "write a draft (草稿, unnumbered); record nothing and mail nobody")
	return cmd
}

// compiledNote says, for the office, what compile made of a period.
func compiledNote(c *jobs.Cycle, p plan.Period, res jobs.Compiled) string {
	since := ""
	if res.Previous > 0 {
		since = fmt.Sprintf("与第%d版相比，", res.Previous)
		if len(res.Changes) == 0 {
			since += "没有新的报送。"
		} else {
			since += fmt.Sprintf("有%d个单位补报或更正：", len(res.Changes))
		}
	}
	switch {
	case res.Draft():
		return fmt.Sprintf("已生成%s推进情况汇总草稿（不编号，未记录，未发送办公室）。%s", p.Label(), since)
	case res.New:
		return fmt.Sprintf("已生成%s推进情况汇总第%d版，发送%s。%s", p.Label(), res.Version, officeMailboxes(c), since)
	default:
		return fmt.Sprintf("自第%d版以来没有新的报送，不生成新版本；已写出办公室收到的第%d版。", res.Version, res.Version)
	}
}

// officeMailboxes names the office's addresses for a person: 张三 <a@b>、
// 李四 <c@d>. (It takes the cycle, not the addresses: cmd does not import
// mail, internal/arch.)
func officeMailboxes(c *jobs.Cycle) string {
	names := make([]string, len(c.Mail.OfficeTo))
	for i, a := range c.Mail.OfficeTo {
		names[i] = a.Email
		if a.Name != "" {
			names[i] = a.Name + " <" + a.Email + ">"
		}
	}
	return strings.Join(names, "、")
}

// statusJSON is the stable JSON shape of `duban status --json`.
type statusJSON struct {
	Period   string           `json:"period"`
	RemindAt string           `json:"remind_at"`
	Deadline string           `json:"deadline"`
	Note     string           `json:"note,omitempty"` // why the daemon sends nothing for the period, if so
	Units    []unitStatusJSON `json:"units"`
}

type unitStatusJSON struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	State       string  `json:"state"`
	SubmittedAt *string `json:"submitted_at"`
	Versions    int     `json:"versions"`
	Rejected    int     `json:"rejected"`
	// Color is the timeliness colour: 蓝, 黄, 红, or "" for none (on time,
	// or the deadline not near yet). See plan/colors.go.
	Color string `json:"color"`
	// Extension describes the unit's extension for the period (延期): asked,
	// granted or refused; "" when none.
	Extension string           `json:"extension,omitempty"`
	Tasks     []taskStatusJSON `json:"tasks"`
}

// taskStatusJSON is one of a unit's tasks: the status in its latest
// accepted report ("" when none) and the progress colour (绿, 黄, 红 or "").
type taskStatusJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Color  string `json:"color"`
	Closed bool   `json:"closed,omitempty"` // closed out (销号): not asked any more
}

func (a *app) statusCommand() *cobra.Command {
	var period string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--period P] [--json]",
		Short: "Show who submitted, who is late and who is missing for a period",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withPeriod(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period) error {
				return a.printStatus(cmd.Context(), c, p, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "reporting month YYYY-MM (default: the period being collected now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printStatus prints period p's status, as a table or as JSON.
func (a *app) printStatus(ctx context.Context, c *jobs.Cycle, p plan.Period, asJSON bool) error {
	st, err := c.View(ctx, p)
	if err != nil {
		return err
	}
	out := statusJSON{
		Period:   p.String(),
		RemindAt: st.RemindAt.Format(time.RFC3339),
		Deadline: st.Deadline.Format(plan.DateLayout),
		Note:     st.Note,
		Units:    []unitStatusJSON{},
	}
	for _, u := range st.Units {
		uc := st.Colors[u.Unit.ID]
		j := unitStatusJSON{
			ID: u.Unit.ID, Name: u.Unit.Name, State: string(u.State), Versions: u.Versions, Rejected: u.Rejected,
			Color: string(uc.Timeliness), Tasks: []taskStatusJSON{}, Extension: extensionText(u.Extension),
		}
		for _, t := range uc.Tasks {
			j.Tasks = append(j.Tasks, taskStatusJSON{ID: t.TaskID, Status: string(t.Status), Color: string(t.Color), Closed: t.Closed})
		}
		if !u.SubmittedAt.IsZero() {
			s := u.SubmittedAt.Format(time.RFC3339)
			j.SubmittedAt = &s
		}
		out.Units = append(out.Units, j)
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	fmt.Fprintf(a.stdout, "period %s: reminders %s, deadline %s (end of day)\n", out.Period, st.RemindAt.Format("2006-01-02 15:04"), out.Deadline)
	if out.Note != "" {
		fmt.Fprintln(a.stdout, "note: "+out.Note)
	}
	fmt.Fprintln(a.stdout)
	tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "unit\tname\tstate\tcolour\tsubmitted at\tversions\trejected\textension")
	for _, u := range out.Units {
		at := "-"
		if u.SubmittedAt != nil {
			at = (*u.SubmittedAt)[:16]
		}
		color := u.Color
		if color == "" {
			color = "-"
		}
		ext := u.Extension
		if ext == "" {
			ext = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", u.ID, u.Name, u.State, color, strings.Replace(at, "T", " ", 1), u.Versions, u.Rejected, ext)
	}
	return tw.Flush()
}

// extensionText is how status shows a unit's extension: "asked until
// 2023-06-20", "granted until 2023-06-20", "refused (asked until …)".
func extensionText(e reports.Extension) string {
	asked := ""
	if !e.Requested.IsZero() {
		asked = "asked until " + e.Requested.Format(time.DateOnly)
	}
	switch e.Decision {
	case reports.ExtensionGranted:
		return "granted until " + e.Until.Format(time.DateOnly)
	case reports.ExtensionRefused:
		if asked != "" {
			return "refused (" + asked + ")"
		}
		return "refused"
	}
	return asked
}
