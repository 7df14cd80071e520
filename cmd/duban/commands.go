package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

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
			if today := a.now().In(sched.Location); today.Year() != p.Year {
				fmt.Fprintf(w, "注意：今天（%s）不在计划年度（%d年）内，守护进程不会为计划年度以外的月份发送任何邮件；新的年度请配置新的 plan.year 和任务。\n\n", plan.DateCN(today), p.Year)
			}
			fmt.Fprintf(w, "配置文件 %s 校验通过\n", cfg.Source)
			fmt.Fprintf(w, "计划：%s（%d项任务，分%d类，%d个牵头单位报送）\n", p.Title, len(p.Tasks), len(p.Categories), len(p.LeadUnits()))
			fmt.Fprintf(w, "数据目录：%s\n", cfg.Storage.DataDir)
			fmt.Fprintf(w, "时区：%s\n", sched.Location)
			for _, warn := range cfg.Warnings() {
				fmt.Fprintf(w, "配置提示：%s\n", warn)
			}
			fmt.Fprintln(w)
			if err := printSchedule(w, p, sched, start, cfg.Office.Leader.Email != ""); err != nil {
				return err
			}
			fmt.Fprintln(w)
			printJobRuns(w, cfg, sched, start)
			warned := map[int]bool{}
			for _, y := range []int{start.Year(), start.Year() + 1} {
				if !sched.Calendar.HasData(y) && !warned[y] {
					warned[y] = true
					fmt.Fprintf(w, "\n注意：没有%d年的法定节假日数据，工作日暂按周一至周五及 calendar.extra_holidays/extra_workdays 计算，以上日期不一定准确；国务院公布当年放假安排后请补入配置。\n", y)
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
func printSchedule(w io.Writer, p *plan.Plan, sched plan.Schedule, start time.Time, leader bool) error {
	period := plan.PeriodOf(start).Prev()
	for n := 0; n < 3; period = period.Next() {
		if sched.RemindAt(period).Before(start) {
			continue
		}
		n++
		note := ""
		if period.Year != p.Year {
			note = fmt.Sprintf("（不在计划年度%d年内，不发送任何邮件）", p.Year)
		}
		fmt.Fprintf(w, "%s%s\n", period.Label(), note)
		var t table
		t.add(plan.MomentCN(sched.RemindAt(period)), "向各牵头单位发送报送提醒")
		rungs := sched.Rungs(period)
		for _, r := range rungs {
			if r.Overdue == 0 {
				t.add(plan.MomentCN(r.At), r.Describe(leader))
			}
		}
		t.add(plan.MomentCN(sched.DueBy(period).Add(-time.Minute)),
			fmt.Sprintf("报送截止（%s当日24时前），此后报送计为逾期", plan.WeekdayCN(sched.Deadline(period))))
		compiled := false
		compile := func() {
			t.add(plan.MomentCN(sched.CompileAt(period)), "生成汇总表并发送办公室")
			compiled = true
		}
		for _, r := range rungs {
			if r.Overdue == 0 {
				continue
			}
			if !compiled && !sched.CompileAt(period).After(r.At) {
				compile()
			}
			t.add(plan.MomentCN(r.At), r.Describe(leader))
		}
		if !compiled {
			compile()
		}
		t.add(plan.MomentCN(sched.RemindAt(period.Next())), "本期结束，下一期开始")
		if err := t.write(w, "  "); err != nil {
			return err
		}
	}
	return nil
}

// printJobRuns prints when each of the daemon's jobs runs next.
func printJobRuns(w io.Writer, cfg *config.Config, sched plan.Schedule, start time.Time) {
	fmt.Fprintln(w, "守护进程（duban run）各项任务的下次运行时间：")
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
		fmt.Fprintf(w, "  %-9s %s  (%s)\n", j.name, plan.MomentCN(s.Next(start.In(sched.Location))), j.spec)
	}
	fmt.Fprintln(w, "  （remind、chase、compile 只在上表有事项到期时才动作；digest 在办公时间每天至多向办公室发送一次隔离邮件清单；")
	fmt.Fprintf(w, "   retention 删除存档满 retention.quarantine_days（%d天）的陌生发件人邮件；守护进程启动时每项任务各运行一次）\n", cfg.Retention.QuarantineDays)
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
			// Loading a large configuration leaves garbage that sets the
			// heap's next goal at twice the load's peak; collected now, a
			// long run of workbooks stays within the memory the load took.
			runtime.GC()
			failed := 0
			for i := 0; i < len(files); {
				path := files[i]
				if !isMessage(path) {
					// A run of workbooks is ingested together (jobs.IngestFiles).
					j := i + 1
					for j < len(files) && !isMessage(files[j]) {
						j++
					}
					n, err := a.ingestWorkbooks(cmd.Context(), c, files[i:j], cfg.Limits.MaxAttachmentBytes)
					failed += n
					if err != nil {
						return err
					}
					i = j
					continue
				}
				i++
				// Read as mail from the mailbox is: its header first, the
				// rest only as far as the sender's judgement allows.
				head, size, sum, err := headAndSum(path, int64(cfg.Limits.MaxHeaderBytes)+1)
				if err != nil {
					fmt.Fprintf(a.stdout, "无法读取  %s：%v\n", path, err)
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
				if err := a.printMessage(cmd.Context(), c, path, rec); err != nil {
					return err
				}
				if rec.Outcome != store.InProcessed {
					failed++
				}
			}
			if failed > 0 {
				return &exitError{code: exitRejected, err: fmt.Errorf("%d个文件中有%d个被退回或无法读取", len(files), failed)}
			}
			return nil
		},
	}
}

func isMessage(path string) bool { return strings.EqualFold(filepath.Ext(path), ".eml") }

// tooLarge is a workbook over the attachment limit: refused unread.
type tooLarge struct{ size, limit int64 }

func (e *tooLarge) Error() string { return "too large" }

// ingestWorkbooks ingests workbooks from disk together and prints what
// became of each, in order; it returns how many were refused or could not
// be read. Never more than the attachment limit's worth of a file is read.
func (a *app) ingestWorkbooks(ctx context.Context, c *jobs.Cycle, paths []string, limit int64) (failed int, err error) {
	files := make([]jobs.IngestFile, len(paths))
	for i, path := range paths {
		files[i] = jobs.IngestFile{Name: filepath.Base(path), Read: func() ([]byte, error) {
			data, size, err := readHead(path, limit)
			if err == nil && size > limit {
				return nil, &tooLarge{size: size, limit: limit}
			}
			return data, err
		}}
	}
	err = c.IngestFiles(ctx, files, "cli", func(i int, r jobs.IngestResult) error {
		path := paths[i]
		var big *tooLarge
		switch {
		case errors.As(r.Err, &big):
			fmt.Fprintf(a.stdout, "退回      %s：文件大小 %s，超过附件上限 %s（limits.max_attachment_bytes），未读取\n", path, reports.SizeText(big.size), reports.SizeText(big.limit))
			failed++
		case r.Err != nil:
			fmt.Fprintf(a.stdout, "无法读取  %s：%v\n", path, r.Err)
			failed++
		default:
			printDecision(a.stdout, path, r.Decision)
			if !r.Decision.Accepted {
				failed++
			}
		}
		return nil
	})
	if err != nil {
		return failed, fmt.Errorf("ingesting %d files: %w", len(paths), err)
	}
	return failed, nil
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

// printDecision prints what became of one workbook, with every problem
// under it, in the words of the receipt and the rejection.
func printDecision(w io.Writer, path string, d jobs.Decision) {
	who := "未能确定报送单位和月份"
	if d.Unit.ID != "" {
		who = fmt.Sprintf("%s（%s）%s", d.Unit.Name, d.Unit.ID, d.Period.Label())
	}
	verdict := "退回"
	detail := fmt.Sprintf("%d处问题：", len(d.Problems))
	switch {
	case d.Accepted:
		verdict = "已采用"
		detail = fmt.Sprintf("本期第%d次报送", d.Version)
		if d.Late {
			detail += "，逾期报送"
		} else {
			detail += "，按时报送"
		}
	case d.Submission.RequestOnly():
		verdict, detail = "延期申请", "已登记，待办公室审核"
	}
	if d.Duplicate {
		detail += "（此文件此前已导入，本次未重复登记）"
	}
	fmt.Fprintf(w, "%s %s：%s，%s\n", runewidth.FillRight(verdict, 8), path, who, detail)
	printProblems(w, d.Problems)
	for _, p := range d.Warnings { // accepted all the same: the receipt says so
		fmt.Fprintf(w, "         提醒：%s%s\n", problemWhere(p), p.Message)
	}
}

// printProblems lists problems as the rejection mail does: 1. 单元格 G6（任务 T04）：…
func printProblems(w io.Writer, problems []reports.Problem) {
	for i, p := range problems {
		fmt.Fprintf(w, "         %d. %s%s\n", i+1, problemWhere(p), p.Message)
	}
}

// problemWhere says where a problem is: 单元格 G6（任务 T04）：, or less.
func problemWhere(p reports.Problem) string {
	switch {
	case p.Cell != "" && p.TaskID != "":
		return fmt.Sprintf("单元格 %s（任务 %s）：", p.Cell, p.TaskID)
	case p.Cell != "":
		return fmt.Sprintf("单元格 %s：", p.Cell)
	case p.TaskID != "":
		return fmt.Sprintf("任务 %s：", p.TaskID)
	}
	return ""
}

// printMessage prints what became of a message ingested from an .eml
// file, with the problems of each workbook it carried.
func (a *app) printMessage(ctx context.Context, c *jobs.Cycle, path string, rec store.InMessage) error {
	verdict := map[string]string{store.InProcessed: "已处理", store.InRejected: "退回", store.InQuarantine: "已隔离"}[rec.Outcome]
	who := "未能确定报送单位"
	if rec.Unit != "" {
		who = c.Plan.UnitName(rec.Unit)
	}
	fmt.Fprintf(a.stdout, "%s %s：发件人 %s，%s", runewidth.FillRight(orDash(verdict), 8), path, orDash(rec.From), who)
	if p, err := plan.ParsePeriod(rec.Period); err == nil {
		fmt.Fprintf(a.stdout, "，%s", p.Label())
	}
	fmt.Fprintln(a.stdout)
	if rec.Outcome == store.InQuarantine {
		fmt.Fprintf(a.stdout, "         未读取附件，未回复发件人（%s）\n", rec.Note)
		return nil
	}
	if rec.Period == "" {
		return nil
	}
	subs, err := c.Ledger.Submissions(ctx, rec.Period)
	if err != nil {
		return err
	}
	// The workbooks this message recorded; a workbook recorded before (the
	// same file from another message) is the unit's latest of that name.
	var mine []store.Submission
	byName := map[string]store.Submission{}
	for _, s := range subs {
		switch {
		case s.Source == "mail:"+rec.Mailbox+":"+rec.Key:
			mine = append(mine, s)
		case s.Unit == rec.Unit && strings.Contains(rec.Note, s.FileName+":"):
			byName[s.FileName] = s
		}
	}
	if len(mine) == 0 {
		for _, s := range byName {
			mine = append(mine, s)
		}
		if len(mine) > 0 {
			fmt.Fprintln(a.stdout, "         （附件此前已收到，本次未重复登记）")
		}
	}
	for _, s := range mine {
		switch {
		case s.Accepted:
			fmt.Fprintf(a.stdout, "         附件“%s”：已采用，本期第%d次报送\n", s.FileName, s.Version)
		case s.RequestOnly():
			fmt.Fprintf(a.stdout, "         附件“%s”：延期申请已登记\n", s.FileName)
		default:
			fmt.Fprintf(a.stdout, "         附件“%s”：退回，%d处问题：\n", s.FileName, len(s.Problems))
			ps := make([]reports.Problem, len(s.Problems))
			for i, p := range s.Problems {
				ps[i] = reports.Problem{Cell: p.Cell, TaskID: p.TaskID, Message: p.Message}
			}
			printProblems(a.stdout, ps)
		}
	}
	return nil
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
			return a.withPeriodReadOnly(cmd.Context(), period, func(c *jobs.Cycle, p plan.Period, note string) error {
				if note != "" && !asJSON {
					fmt.Fprintln(a.stdout, "注意："+note+"。")
				}
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
	return a.printStatusTable(p, st, out)
}

// printStatusTable prints a period's status for a person, in the words of
// the office's workbook.
func (a *app) printStatusTable(p plan.Period, st jobs.StatusView, out statusJSON) error {
	w := a.stdout
	fmt.Fprintf(w, "%s报送情况：%s发出报送提醒，截止时间%s24时\n", p.Label(), plan.MomentCN(st.RemindAt), dayCN(st.Deadline))
	counts := map[reports.SubmissionState]int{}
	for _, u := range st.Units {
		counts[u.State]++
	}
	fmt.Fprintf(w, "应报%d个单位：按时报送%d个，逾期报送%d个，未报送%d个", len(st.Units), counts[reports.StateSubmitted], counts[reports.StateLate],
		counts[reports.StateMissing]+counts[reports.StateRejected])
	if n := counts[reports.StateRejected]; n > 0 {
		fmt.Fprintf(w, "（其中%d个报送后被退回，尚未改正）", n)
	}
	fmt.Fprintln(w, "。")
	if out.Note != "" {
		fmt.Fprintln(w, "说明："+out.Note)
	}
	fmt.Fprintln(w)
	var t table
	t.add("代码", "单位", "状态", "预警", "最近报送时间", "报送次数", "退回次数", "延期")
	for _, u := range st.Units {
		at := ""
		if !u.SubmittedAt.IsZero() {
			at = plan.MomentCN(u.SubmittedAt.In(st.RemindAt.Location()))
		}
		t.add(u.Unit.ID, u.Unit.Name, u.State.Label(), orDash(string(st.Colors[u.Unit.ID].Timeliness)), orDash(at),
			fmt.Sprint(u.Versions), fmt.Sprint(u.Rejected), orDash(extensionCN(u.Extension)))
	}
	return t.write(w, "")
}

// extensionCN is how status shows a unit's extension for a person.
func extensionCN(e reports.Extension) string {
	asked := ""
	if !e.Requested.IsZero() {
		asked = "申请延期至" + plan.DateCN(e.Requested)
	}
	switch e.Decision {
	case reports.ExtensionGranted:
		return "同意延期至" + plan.DateCN(e.Until)
	case reports.ExtensionRefused:
		if asked != "" {
			return "不同意（" + asked + "）"
		}
		return "不同意"
	}
	return asked
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
