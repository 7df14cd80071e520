// Package jobs is where the plan, the workbooks and the ledger meet: it runs
// each step of the monthly cycle (templates, ingest, status, compile) against
// the ledger, given the current time.
package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/template"
	"github.com/duban/duban/store"
)

// Cycle runs the steps of the monthly reporting cycle. Every step reads what
// it needs from the ledger, so running one twice does no harm.
type Cycle struct {
	Plan     *plan.Plan
	Schedule plan.Schedule
	Limits   reports.Limits
	Ledger   *store.Ledger
	Log      *slog.Logger
	Now      func() time.Time // injected so tests and the demo control time

	Mail    *Mail          // nil where only files are handled (no reminders, no answers)
	Inbound inbound.Limits // bounds on received mail: its MIME
	Intake  IntakeLimits   // bounds on received mail: what a collect reads and answers
	// TokenSecret, when set (security.token_secret), signs and checks the
	// templates' tokens instead of the key the ledger generated.
	TokenSecret []byte
	// PublicURL is where the desk is reached (http.public_url): when set,
	// reminders and chases carry each unit's upload link.
	PublicURL string
	// ColorRules are the thresholds of the warning colours; zero means
	// plan.DefaultColorRules.
	ColorRules plan.ColorRules
}

// secret is the key of the templates' tokens.
func (c *Cycle) secret(ctx context.Context) ([]byte, error) {
	if len(c.TokenSecret) > 0 {
		return c.TokenSecret, nil
	}
	return c.Ledger.Secret(ctx)
}

func (c *Cycle) now() time.Time {
	if c.Now == nil {
		return time.Now().In(c.Schedule.Location)
	}
	return c.Now().In(c.Schedule.Location)
}

// Logger is the cycle's logger, never nil.
func (c *Cycle) Logger() *slog.Logger { return c.log() }

func (c *Cycle) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// leadUnit returns the unit if it exists and leads at least one task.
func (c *Cycle) leadUnit(id string) (plan.Unit, []plan.Task, error) {
	u, ok := c.Plan.Unit(id)
	tasks := c.Plan.TasksLedBy(id)
	if ok && len(tasks) > 0 {
		return u, tasks, nil
	}
	var ids []string
	for _, lu := range c.Plan.LeadUnits() {
		ids = append(ids, lu.ID)
	}
	if !ok {
		return plan.Unit{}, nil, fmt.Errorf("unknown unit %q; units that report: %s", id, strings.Join(ids, ", "))
	}
	return plan.Unit{}, nil, fmt.Errorf("unit %q leads no task of the plan, so it has nothing to report; units that report: %s", id, strings.Join(ids, ", "))
}

// Template is a unit's pre-filled workbook for one period.
type Template struct {
	FileName string
	Data     []byte
}

// TemplateFileName is how a unit's workbook is named, in mail and on disk:
// 市交通运输局-2023年5月推进情况.xlsx.
func TemplateFileName(u plan.Unit, p plan.Period) string {
	return fmt.Sprintf("%s-%s推进情况.xlsx", u.Name, p.Label())
}

// BuildTemplate builds unit's template for period p, carrying forward the
// unit's last accepted answers from an earlier period.
func (c *Cycle) BuildTemplate(ctx context.Context, unitID string, p plan.Period) (Template, error) {
	if _, _, err := c.leadUnit(unitID); err != nil {
		return Template{}, err
	}
	secret, err := c.secret(ctx)
	if err != nil {
		return Template{}, fmt.Errorf("reading the template key: %w", err)
	}
	// One unit's carried-forward answers, not every unit's.
	wants := c.templateWants()
	wants.CarriedForward = false
	s, err := c.readPeriod(ctx, p, wants)
	if err != nil {
		return Template{}, err
	}
	prev, found, err := c.Ledger.LatestBefore(ctx, unitID, p.String())
	if err != nil {
		return Template{}, fmt.Errorf("reading %s's earlier answers: %w", unitID, err)
	}
	s.CarriedForward = map[string]store.Submission{}
	if found {
		s.CarriedForward[unitID] = prev
	}
	return c.templateFrom(s, unitID, secret)
}

// templateFrom builds unit's template from period state s, read with
// templateWants.
func (c *Cycle) templateFrom(s periodState, unitID string, secret []byte) (Template, error) {
	return c.templateFromBase(s, unitID, secret, template.NewBase())
}

// templateFromBase is templateFrom with what base holds for every unit:
// a fan-out builds its templates from one Base.
func (c *Cycle) templateFromBase(s periodState, unitID string, secret []byte, base *template.Base) (Template, error) {
	u, tasks, err := c.leadUnit(unitID)
	if err != nil {
		return Template{}, err
	}
	p := s.Period
	last := s.CarriedForward[u.ID]
	previous := map[string]plan.Answer{}
	for _, a := range last.Answers {
		previous[a.TaskID] = a
	}
	in := reports.TemplateInput{
		Office: c.officeName(),
		Plan:   c.Plan, Period: p, Unit: u, Tasks: tasks,
		Deadline: s.deadlineOf(u.ID), Previous: previous, Secret: secret,
		Closed: map[string]reports.Closure{},
	}
	in.Contact, in.Phone = contactOf(u, last)
	for _, t := range tasks {
		if cl, ok := s.Closed[t.ID]; ok {
			in.Closed[t.ID] = cl
		}
	}
	in.Indicators = c.indicatorLines(s, c.openTasks(u.ID, s.Closed), last)
	var b bytes.Buffer
	err = base.Build(&b, in)
	if err != nil {
		return Template{}, fmt.Errorf("building %s's template for %s: %w", u.ID, p, err)
	}
	return Template{FileName: TemplateFileName(u, p), Data: b.Bytes()}, nil
}

// contactOf is who a unit's template names at its foot before the unit
// does (填报人, 联系电话): the contact and phone of its last accepted report
// (last, zero when none), or else its first configured contact, whose
// phone the configuration does not know.
func contactOf(u plan.Unit, last store.Submission) (contact, phone string) {
	if last.Contact != "" {
		return last.Contact, last.Phone
	}
	if len(u.Contacts) > 0 {
		return u.Contacts[0].Name, ""
	}
	return "", ""
}
