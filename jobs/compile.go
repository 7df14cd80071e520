package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/duban/duban/bulletin"
	"github.com/duban/duban/internal/crashpoint"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/compile"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// ErrNoOffice is Compile without office recipients: a version is a
// workbook the office is sent, so none can be made; a draft can.
var ErrNoOffice = errors.New("no office recipients (office.recipients): a version is made only to be mailed to the office; write a draft instead")

// Compiled is a period's consolidated workbook with its bulletin draft: a
// version the office was sent (numbered), or a draft (Version 0) that
// nobody was sent.
type Compiled struct {
	FileName string
	Data     []byte
	// Version is the number of a workbook the office was sent; 0 for a draft.
	Version int
	// New is true for a version this call made and queued to the office;
	// false for a draft, and for the last version returned as it was sent
	// because nothing was accepted since.
	New bool
	// Previous is the last version the office was sent before this one (0
	// when none), and Changes names, unit by unit, the reports new or
	// corrected since then.
	Previous int
	Changes  []string
	// BulletinName and Bulletin are the 情况通报 draft that goes with it.
	BulletinName string
	Bulletin     []byte
	// MessageID is the message that carries a version to the office.
	MessageID string
	Status    PeriodStatus
	view      compileView // the colours and the year behind the workbook
}

// Draft reports whether c is a draft rather than a version.
func (c Compiled) Draft() bool { return c.Version == 0 }

// Red lists, sorted, the units and tasks the workbook marks 红.
func (c Compiled) Red() []string {
	var red []string
	for unit, color := range c.view.Timeliness {
		if color == plan.ColorRed {
			red = append(red, unit)
		}
	}
	for id, color := range c.view.Progress {
		if color == plan.ColorRed {
			red = append(red, id)
		}
	}
	slices.Sort(red)
	return red
}

// CompiledFileName names the consolidated workbook:
// 2023年5月推进情况汇总-v2.xlsx, or 2023年5月推进情况汇总-草稿.xlsx.
func CompiledFileName(p plan.Period, version int) string {
	return fmt.Sprintf("%s推进情况汇总-%s.xlsx", p.Label(), versionTag(version))
}

func versionTag(version int) string {
	if version == 0 {
		return "草稿"
	}
	return fmt.Sprintf("v%d", version)
}

// Draft builds period p's consolidated workbook and bulletin as they stand,
// unnumbered: nothing is recorded and nobody is mailed. Its Changes are
// counted from the last version the office was sent.
func (c *Cycle) Draft(ctx context.Context, p plan.Period) (Compiled, error) {
	s, last, found, err := c.periodAndLastVersion(ctx, p)
	if err != nil {
		return Compiled{}, err
	}
	out, err := c.build(ctx, s, 0)
	if err != nil {
		return Compiled{}, err
	}
	if found {
		out.Previous, out.Changes = last.Version, c.changes(last.Note, s.Submissions)
	}
	return out, nil
}

// Compile makes the next version of period p's consolidated workbook and
// queues it, with its bulletin, to the office — recording the version and
// queueing its message in one ledger transaction, so a crash at any point
// either leaves nothing (the next run makes it again) or a queued message
// that the next Flush sends once. When nothing was accepted since the last
// version, that version is returned as the office was sent it (New false):
// a version, once mailed, is never rebuilt.
func (c *Cycle) Compile(ctx context.Context, p plan.Period) (Compiled, error) {
	s, last, found, err := c.periodAndLastVersion(ctx, p)
	if err != nil {
		return Compiled{}, err
	}
	inputs := fingerprint(s.Submissions)
	if found && last.Note == inputs {
		return c.sentVersion(ctx, s, last)
	}
	if c.Mail == nil || len(c.Mail.OfficeTo) == 0 {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, ErrNoOffice)
	}
	out, err := c.build(ctx, s, last.Version+1)
	if err != nil {
		return Compiled{}, err
	}
	if found {
		out.Previous, out.Changes = last.Version, c.changes(last.Note, s.Submissions)
	}
	o, err := c.compiledMail(ctx, out)
	if err != nil {
		return Compiled{}, err
	}
	m, eml, err := c.compose(o)
	if err != nil {
		return Compiled{}, err
	}
	_, queued, err := c.Ledger.IssueCompilation(ctx, store.Issue{
		Compilation: store.Compilation{Period: p.String(), Version: out.Version, CreatedAt: c.now(), Note: inputs},
		Workbook:    store.Attachment{Name: out.FileName, Data: out.Data},
		Bulletin:    store.Attachment{Name: out.BulletinName, Data: out.Bulletin},
		Mail:        m, MailData: eml,
	})
	if errors.Is(err, store.ErrVersionTaken) {
		return Compiled{}, fmt.Errorf("compiling %s: version %d was made meanwhile by another run; run compile again", p, out.Version)
	}
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	crashpoint.Hit("compile.after-issue") // test hook: recorded and queued, not sent
	out.New, out.MessageID = true, queued.MessageID
	c.log().Info("compiled", "period", p.String(), "version", out.Version)
	return out, nil
}

// periodAndLastVersion reads period p's state and its last version the
// office was sent (found false when none).
func (c *Cycle) periodAndLastVersion(ctx context.Context, p plan.Period) (periodState, store.Compilation, bool, error) {
	s, err := c.readPeriod(ctx, p, store.PeriodWants{})
	if err != nil {
		return periodState{}, store.Compilation{}, false, err
	}
	last, found, err := c.Ledger.LatestCompilation(ctx, p.String())
	if err != nil {
		return periodState{}, store.Compilation{}, false, fmt.Errorf("reading %s's last compilation: %w", p, err)
	}
	return s, last, found, nil
}

// build writes the workbook and the bulletin of a period's state as
// version (0: a draft).
func (c *Cycle) build(ctx context.Context, s periodState, version int) (Compiled, error) {
	p := s.Period
	st := c.statusOf(s)
	view, err := c.view(ctx, s, st)
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	out := Compiled{FileName: CompiledFileName(p, version), Version: version, Status: st, view: view}
	// The bulletin reads only the status and the view: it is written
	// meanwhile, on the core the workbook leaves idle at times.
	var (
		wg          sync.WaitGroup
		bulletinErr error
	)
	wg.Go(func() { out.BulletinName, out.Bulletin, bulletinErr = c.Bulletin(out) })
	data, err := compile.Bytes(reports.CompileInput{
		Office: c.officeName(),
		Plan:   c.Plan, Period: p, Deadline: st.Deadline, GeneratedAt: c.now(), Version: version, Units: st.Units,
		Timeliness: view.Timeliness, Progress: view.Progress, Reasons: view.Reasons, Chases: view.Chases,
		Previous: view.Previous, Closed: view.Closed, Year: view.Year, Indicators: view.Indicators,
	})
	wg.Wait()
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	if bulletinErr != nil {
		return Compiled{}, bulletinErr
	}
	out.Data = data
	return out, nil
}

// sentVersion is the last version of a period as the office was sent it,
// read back from the archive. A version recorded before the bulletin was
// archived with it (release 5 and earlier) has its bulletin written again.
func (c *Cycle) sentVersion(ctx context.Context, s periodState, last store.Compilation) (Compiled, error) {
	p := s.Period
	st := c.statusOf(s)
	view, err := c.view(ctx, s, st)
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	out := Compiled{FileName: CompiledFileName(p, last.Version), Version: last.Version, Status: st, view: view}
	if out.Data, err = c.Ledger.ReadArchived(ctx, last.FileSHA256); err != nil {
		return Compiled{}, fmt.Errorf("reading version %d of %s: %w", last.Version, p, err)
	}
	if last.BulletinSHA256 == "" {
		out.BulletinName, out.Bulletin, err = c.Bulletin(out)
	} else {
		out.BulletinName = bulletin.FileName(p.Label(), last.Version)
		out.Bulletin, err = c.Ledger.ReadArchived(ctx, last.BulletinSHA256)
	}
	if err != nil {
		return Compiled{}, fmt.Errorf("reading version %d of %s's bulletin: %w", last.Version, p, err)
	}
	if sent, found, err := c.Ledger.OutboxByKey(ctx, compiledKey(p, last.Version)); err != nil {
		return Compiled{}, err
	} else if found {
		out.MessageID = sent.MessageID
	}
	return out, nil
}

// compiledMail is the message that carries a new version to the office.
func (c *Cycle) compiledMail(ctx context.Context, out Compiled) (outgoing, error) {
	p := out.Status.Period
	data := templates.CompiledData{
		Office: c.Mail.Office, Period: p.Label(), FileName: out.FileName, Version: out.Version,
		GeneratedAt: timeCN(c.now()), Deadline: dueByCN(c.Schedule.DueBy(p)),
		Changes: out.Changes, PreviousVersion: out.Previous, Bulletin: out.BulletinName,
	}
	for _, u := range out.Status.Units {
		data.Expected++
		switch u.State {
		case reports.StateSubmitted:
			data.Submitted++
		case reports.StateLate:
			data.Submitted++
			data.Late++
		default:
			data.Missing = append(data.Missing, u.Unit.Name)
		}
		if out.view.Timeliness[u.Unit.ID] == plan.ColorRed {
			data.RedUnits = append(data.RedUnits, u.Unit.Name)
		}
	}
	for i, t := range c.Plan.Tasks {
		switch out.view.Progress[t.ID] {
		case plan.ColorRed:
			data.RedTasks = append(data.RedTasks, fmt.Sprintf("%d.%s（%s）", i+1, t.Title, c.Plan.UnitName(t.Lead)))
		case plan.ColorYellow:
			data.YellowTasks++
		}
	}
	r, err := c.Mail.Texts.Render(templates.Compiled, data)
	if err != nil {
		return outgoing{}, err
	}
	msg := mail.Message{
		To: c.Mail.OfficeTo, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Attachments: []mail.Attachment{
			{Name: out.FileName, ContentType: mail.XLSXType, Data: out.Data},
			{Name: out.BulletinName, ContentType: docxType, Data: out.Bulletin},
		},
	}
	// Every version threads to the first, so the office sees one conversation.
	if first, found, err := c.Ledger.OutboxByKey(ctx, compiledKey(p, 1)); err != nil {
		return outgoing{}, err
	} else if found {
		msg.InReplyTo, msg.References = first.MessageID, []string{first.MessageID}
	}
	return outgoing{key: compiledKey(p, out.Version), kind: kindCompiled, period: p.String(), msg: msg}, nil
}

// changes describes, unit by unit, what the accepted submissions add to
// the compilation whose fingerprint is before.
func (c *Cycle) changes(before string, subs []store.Submission) []string {
	had := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(before, "submissions:"), ",") {
		if unit, id, ok := strings.Cut(part, ":"); ok {
			had[unit] = id
		}
	}
	latest := map[string]store.Submission{}
	var order []string
	for _, s := range subs {
		if !s.Accepted {
			continue
		}
		if _, seen := latest[s.Unit]; !seen {
			order = append(order, s.Unit)
		}
		latest[s.Unit] = s
	}
	var out []string
	for _, unit := range order {
		s := latest[unit]
		when := shortTimeCN(s.ReceivedAt.In(c.Schedule.Location))
		switch id, ok := had[unit]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s：补报（%s）", c.Plan.UnitName(unit), when))
		case id != fmt.Sprint(s.ID):
			out = append(out, fmt.Sprintf("%s：更正，第%d次报送（%s）", c.Plan.UnitName(unit), s.Version, when))
		}
	}
	return out
}

// fingerprint names the accepted submissions a compilation is built from
// (the latest per unit), so an unchanged set does not make a new version.
func fingerprint(subs []store.Submission) string {
	latest := map[string]int64{}
	for _, s := range subs {
		if s.Accepted {
			latest[s.Unit] = s.ID // oldest first: the last one wins
		}
	}
	parts := make([]string, 0, len(latest))
	for unit, id := range latest {
		parts = append(parts, fmt.Sprintf("%s:%d", unit, id))
	}
	sort.Strings(parts)
	return "submissions:" + strings.Join(parts, ",")
}
