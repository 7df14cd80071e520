package jobs

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/reports/compile"
	"github.com/duban/duban/store"
)

// Compiled is one version of a period's consolidated workbook.
type Compiled struct {
	FileName string
	Data     []byte
	Version  int
	// New is false when nothing was accepted since the last compilation: the
	// workbook is rebuilt with the same version number.
	New bool
	// Changes name, for a new version after the first, each unit whose
	// report is new or updated since the previous version.
	Changes []string
	Status  PeriodStatus
	view    compileView // the colours and the year behind the workbook, for the bulletin
}

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
// 2023年5月推进情况汇总-v2.xlsx.
func CompiledFileName(p plan.Period, version int) string {
	return fmt.Sprintf("%s推进情况汇总-v%d.xlsx", p.Label(), version)
}

// Compile builds the consolidated workbook of period p from the latest
// accepted submission of every lead unit, archives it and records it as a
// new version when the set of submissions changed since the last one.
func (c *Cycle) Compile(ctx context.Context, p plan.Period) (Compiled, error) {
	s, err := c.readPeriod(ctx, p, store.PeriodWants{})
	if err != nil {
		return Compiled{}, err
	}
	st, subs := c.statusOf(s), s.Submissions
	inputs := fingerprint(subs)
	last, found, err := c.Ledger.LatestCompilation(ctx, p.String())
	if err != nil {
		return Compiled{}, fmt.Errorf("reading %s's last compilation: %w", p, err)
	}
	version, isNew := 1, true
	if found {
		version = last.Version + 1
		if last.Note == inputs {
			version, isNew = last.Version, false
		}
	}

	now := c.now()
	view, err := c.view(ctx, s, st)
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	var b bytes.Buffer
	err = compile.Compile(&b, reports.CompileInput{
		Plan: c.Plan, Period: p, Deadline: st.Deadline, GeneratedAt: now, Version: version, Units: st.Units,
		Timeliness: view.Timeliness, Progress: view.Progress, Previous: view.Previous, Closed: view.Closed,
		Year: view.Year, Indicators: view.Indicators,
	})
	if err != nil {
		return Compiled{}, fmt.Errorf("compiling %s: %w", p, err)
	}
	out := Compiled{FileName: CompiledFileName(p, version), Data: b.Bytes(), Version: version, New: isNew, Status: st, view: view}
	if !isNew {
		return out, nil
	}
	if found {
		out.Changes = c.changes(last.Note, subs)
	}
	f, _, err := c.Ledger.Archive(ctx, out.Data, out.FileName, "compile", now)
	if err != nil {
		return Compiled{}, fmt.Errorf("archiving %s: %w", out.FileName, err)
	}
	saved, err := c.Ledger.AddCompilation(ctx, store.Compilation{Period: p.String(), FileSHA256: f.SHA256, CreatedAt: now, Note: inputs})
	if err != nil {
		return Compiled{}, fmt.Errorf("recording %s: %w", out.FileName, err)
	}
	if saved.Version != version {
		// Another process compiled in between; name the file by what was recorded.
		return Compiled{}, fmt.Errorf("compiling %s: version %d was recorded meanwhile; run compile again", p, saved.Version)
	}
	c.log().Info("compiled", "period", p.String(), "version", version)
	return out, nil
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
		when := s.ReceivedAt.In(c.Schedule.Location).Format("1月2日 15:04")
		switch id, ok := had[unit]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s：补报（%s）", c.Plan.UnitName(unit), when))
		case id != fmt.Sprint(s.ID):
			out = append(out, fmt.Sprintf("%s：更正，第%d版（%s）", c.Plan.UnitName(unit), s.Version, when))
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
