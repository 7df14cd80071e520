package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/templates"
)

// demoMarker marks a folder the demo made, so a second run may clear it and
// nothing else is ever deleted.
const demoMarker = ".duban-demo"

// Demo plays two whole reporting periods with files instead of mail:
// templates for every lead unit, simulated replies (in the second period one
// unit late, one whose first reply is invalid and then corrected), ingest,
// receipts and rejections, and the compiled workbooks.
type Demo struct {
	Cycle   *Cycle // its Now is driven by the demo
	Replies *templates.Set
	Office  string // office name, signs receipts
	Dir     string
	Out     io.Writer
}

// PrepareDemoDir makes dir ready for a demo: created if missing, cleared if
// an earlier demo made it, refused if it holds anything else.
func PrepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading %s: %w", dir, err)
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not made by the demo; name an empty or new folder with --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clearing the previous demo in %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by duban demo; the next demo run may delete this folder\n"), 0o644)
}

// DemoClock is a settable clock for the demo.
type DemoClock struct{ t time.Time }

// Now returns the clock's time.
func (c *DemoClock) Now() time.Time { return c.t }

// Set moves the clock.
func (c *DemoClock) Set(t time.Time) { c.t = t }

// Run plays the demo. clock must be the one the Cycle reads.
func (d *Demo) Run(ctx context.Context, clock *DemoClock) error {
	c := d.Cycle
	lead := c.Plan.LeadUnits()
	if len(lead) < 3 {
		return fmt.Errorf("the demo needs a plan with at least 3 reporting units, this one has %d", len(lead))
	}
	cur := plan.Period{Year: c.Plan.Year, Month: time.May}
	prev := cur.Prev()
	fmt.Fprintf(d.Out, "duban demo: plan %q, %d reporting units, %d tasks\n", c.Plan.Title, len(lead), len(c.Plan.Tasks))

	// The earlier period: everybody answers on the second working day.
	if err := d.period(ctx, clock, prev, nil, nil); err != nil {
		return err
	}
	// The period of interest: one unit invalid first, one late.
	invalid, late := lead[1].ID, lead[2].ID
	if err := d.period(ctx, clock, cur, map[string]bool{invalid: true}, map[string]bool{late: true}); err != nil {
		return err
	}
	st, err := c.Status(ctx, cur)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "\nstatus of %s (deadline %s):\n", cur, st.Deadline.Format(plan.DateLayout))
	for _, u := range st.Units {
		fmt.Fprintf(d.Out, "  %-8s %-16s %-9s versions=%d rejected=%d\n", u.Unit.ID, u.Unit.Name, u.State, u.Versions, u.Rejected)
	}
	fmt.Fprintf(d.Out, "\neverything is under %s:\n", d.Dir)
	for _, sub := range []string{"templates", "replies", "answers", "compiled", "data"} {
		fmt.Fprintf(d.Out, "  %-10s %s\n", sub, filepath.Join(d.Dir, sub))
	}
	return nil
}

// period plays one period: remind, replies, compile at the deadline, late
// replies, compile again.
func (d *Demo) period(ctx context.Context, clock *DemoClock, p plan.Period, invalidFirst, late map[string]bool) error {
	c := d.Cycle
	sched := c.Schedule
	remind := sched.RemindAt(p)
	clock.Set(remind)
	fmt.Fprintf(d.Out, "\n== %s: reminders at %s, deadline %s\n", p, remind.Format("2006-01-02 15:04"), sched.Deadline(p).Format(plan.DateLayout))

	tplDir := filepath.Join(d.Dir, "templates", p.String())
	templatesByUnit := map[string][]byte{}
	for _, u := range c.Plan.LeadUnits() {
		tpl, err := c.BuildTemplate(ctx, u.ID, p)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(tplDir, tpl.FileName), tpl.Data); err != nil {
			return err
		}
		templatesByUnit[u.ID] = tpl.Data
	}
	fmt.Fprintf(d.Out, "   %d templates written to %s\n", len(templatesByUnit), tplDir)

	// Replies come in on the next working day from 10:00; the units whose
	// first reply was rejected send a corrected one the working day after.
	at := sched.Calendar.NextWorkday(remind).Add(10 * time.Hour)
	for i, u := range c.Plan.LeadUnits() {
		if late[u.ID] {
			continue
		}
		clock.Set(at.Add(time.Duration(i) * 7 * time.Minute))
		if err := d.reply(ctx, p, u, templatesByUnit[u.ID], 1, invalidFirst[u.ID]); err != nil {
			return err
		}
	}
	clock.Set(sched.Calendar.NextWorkday(at).Add(9*time.Hour + 30*time.Minute))
	for _, u := range c.Plan.LeadUnits() {
		if invalidFirst[u.ID] {
			if err := d.reply(ctx, p, u, templatesByUnit[u.ID], 2, false); err != nil {
				return err
			}
		}
	}

	clock.Set(sched.DueBy(p))
	if err := d.compile(ctx, p); err != nil {
		return err
	}
	if len(late) == 0 {
		return nil
	}
	clock.Set(sched.Calendar.NextWorkday(sched.DueBy(p)).Add(11 * time.Hour))
	for _, u := range c.Plan.LeadUnits() {
		if late[u.ID] {
			if err := d.reply(ctx, p, u, templatesByUnit[u.ID], 1, false); err != nil {
				return err
			}
		}
	}
	return d.compile(ctx, p)
}

// reply simulates unit u filling its template and mailing it back, then
// ingests it and writes the receipt or rejection the unit would get.
func (d *Demo) reply(ctx context.Context, p plan.Period, u plan.Unit, template []byte, attempt int, invalid bool) error {
	c := d.Cycle
	contact, phone := "联系人", "0551-63000000"
	if len(u.Contacts) > 0 {
		contact = u.Contacts[0].Name
	}
	answers := demoAnswers(p, c.Plan.TasksLedBy(u.ID))
	if invalid {
		answers[0].Progress = ""
		answers[len(answers)-1].Status = "进行中"
		phone = ""
	}
	filled, err := reports.Fill(template, contact, phone, answers)
	if err != nil {
		return fmt.Errorf("filling %s's template: %w", u.ID, err)
	}
	name := fmt.Sprintf("%s-%s推进情况-第%d次.xlsx", u.Name, p.Label(), attempt)
	if err := writeFile(filepath.Join(d.Dir, "replies", p.String(), name), filled); err != nil {
		return err
	}
	dec, err := c.Ingest(ctx, filled, name, "demo")
	if err != nil {
		return err
	}
	msg, err := d.Replies.Render(replyTemplate(dec), ReplyData(dec, d.Office, c.Schedule))
	if err != nil {
		return err
	}
	kind := "回执"
	if !dec.Accepted {
		kind = "退回"
	}
	answerFile := filepath.Join(d.Dir, "answers", p.String(), fmt.Sprintf("%s-%d-%s.txt", u.Name, attempt, kind))
	if err := writeFile(answerFile, []byte("主题："+msg.Subject+"\n\n"+msg.Text)); err != nil {
		return err
	}
	verdict := "accepted"
	if !dec.Accepted {
		verdict = fmt.Sprintf("REJECTED with %d problem(s)", len(dec.Problems))
	} else if dec.Late {
		verdict = "accepted, late"
	}
	fmt.Fprintf(d.Out, "   %s %-16s reply %d %s → %s\n", c.now().Format("01-02 15:04"), u.Name, attempt, verdict, answerFile)
	return nil
}

func (d *Demo) compile(ctx context.Context, p plan.Period) error {
	res, err := d.Cycle.Compile(ctx, p)
	if err != nil {
		return err
	}
	path := filepath.Join(d.Dir, "compiled", res.FileName)
	if err := writeFile(path, res.Data); err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "   %s compiled version %d → %s\n", d.Cycle.now().Format("01-02 15:04"), res.Version, path)
	return nil
}

// demoAnswers makes plausible answers: most tasks on track, some done, one
// behind with a problem raised.
func demoAnswers(p plan.Period, tasks []plan.Task) []plan.Answer {
	out := make([]plan.Answer, len(tasks))
	for i, t := range tasks {
		a := plan.Answer{
			TaskID:    t.ID,
			Progress:  fmt.Sprintf("%s，围绕“%s”召开专题推进会1次，对照年度目标逐项梳理，完成阶段性工作。", p.Label(), t.Title),
			Status:    plan.StatusOnTrack,
			NextSteps: "继续按序时推进，加强与圈内城市对口部门沟通对接。",
		}
		switch (i + int(p.Month)) % 5 {
		case 0:
			a.Status = plan.StatusDone
			a.NextSteps = "巩固工作成果，做好总结。"
		case 3:
			a.Status = plan.StatusBehind
			a.Issues = "部分前期手续办理进度慢于预期，需协调相关部门加快审批。"
		}
		out[i] = a
	}
	return out
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
