package desk

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

var funcs = template.FuncMap{
	"day":    func(t time.Time) string { return dayCN(t) },
	"moment": func(t time.Time) string { return momentCN(t) },
	"state":  stateCN,
	"colour": colourClass,
	"kind":   func(k string) string { return jobs.MailKind(k).Label() },
}

// dayCN writes 2023年6月7日; momentCN 2023年6月7日 09:30 ("" for zero).
func dayCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

func momentCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dayCN(t) + t.Format(" 15:04")
}

func stateCN(s reports.SubmissionState) string {
	switch s {
	case reports.StateSubmitted:
		return "按时报送"
	case reports.StateLate:
		return "逾期报送"
	case reports.StateRejected:
		return "退回待改"
	}
	return "未报送"
}

// colourClass names the CSS class of a colour: c-红 is not a class name a
// stylesheet can rely on, so each gets a Latin one.
func colourClass(c plan.Color) string {
	return map[plan.Color]string{plan.ColorRed: "red", plan.ColorYellow: "yellow", plan.ColorBlue: "blue", plan.ColorGreen: "green"}[c]
}

// page is what every page's layout needs.
type page struct {
	Office    string
	Title     string
	Nav       string // the current section
	User      string
	FormToken string
	Period    plan.Period
	Periods   []plan.Period // the selector's choices
	Notice    string        // the outcome of a decision
	Problem   string
}

// period reads ?period=YYYY-MM, defaulting to the period being collected
// now (within the plan year).
func (s *Server) period(r *http.Request) (plan.Period, []plan.Period) {
	first := plan.Period{Year: s.c.Plan.Year, Month: time.January}
	last := plan.Period{Year: s.c.Plan.Year, Month: time.December}
	cur := s.c.Schedule.CurrentPeriod(s.c.Clock())
	if last.Before(cur) {
		cur = last
	}
	if cur.Before(first) {
		cur = first
	}
	var all []plan.Period
	for p := first; !cur.Before(p); p = p.Next() {
		all = append(all, p)
	}
	if q, err := plan.ParsePeriod(r.URL.Query().Get("period")); err == nil && q.Year == s.c.Plan.Year {
		return q, all
	}
	return cur, all
}

func (s *Server) pageOf(r *http.Request, nav, title string) page {
	u := userOf(r)
	p, all := s.period(r)
	return page{Office: s.officeName(), Title: title, Nav: nav, User: u.email, FormToken: u.formToken, Period: p, Periods: all}
}

// unitRow is one line of 本期概览's unit table.
type unitRow struct {
	reports.UnitReport
	Colour           plan.Color
	First, Latest    time.Time
	Chases           int
	Contact, Phone   string
	ExtensionPending bool
}

type overviewData struct {
	page
	Expected, Reported, OnTime, Late, Missing int
	Rate, OnTimeRate                          string
	Units                                     []unitRow
	Tasks                                     []taskRow
	Note                                      string
}

// taskRow is one task of the period with its progress colour.
type taskRow struct {
	Number int
	Task   plan.Task
	Lead   string
	Status plan.Status
	Colour plan.Color
	Closed bool
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	d := overviewData{page: s.pageOf(r, "overview", "本期概览")}
	v, err := s.c.View(r.Context(), d.Period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	subs, err := s.c.Ledger.Submissions(r.Context(), d.Period.String())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	first := map[string]time.Time{}
	reported := map[string]store.Submission{} // the latest accepted: who filled it in
	for _, sub := range subs {
		if sub.Accepted && first[sub.Unit].IsZero() {
			first[sub.Unit] = sub.ReceivedAt
		}
		if sub.Accepted {
			reported[sub.Unit] = sub
		}
	}
	chases, err := s.chaseCounts(r, d.Period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := s.c.Schedule.Location
	d.Note = v.Note
	for _, u := range v.Units {
		row := unitRow{UnitReport: u, Colour: v.Colors[u.Unit.ID].Timeliness, First: first[u.Unit.ID].In(loc),
			Latest: u.SubmittedAt.In(loc), Chases: chases[u.Unit.ID]}
		if first[u.Unit.ID].IsZero() {
			row.First = time.Time{}
		}
		if u.SubmittedAt.IsZero() {
			row.Latest = time.Time{}
		}
		switch sub, ok := reported[u.Unit.ID]; {
		case ok:
			row.Contact, row.Phone = sub.Contact, sub.Phone
		case len(u.Unit.Contacts) > 0:
			row.Contact, row.Phone = u.Unit.Contacts[0].Name, u.Unit.Contacts[0].Email
		}
		d.Expected++
		switch u.State {
		case reports.StateSubmitted:
			d.OnTime++
		case reports.StateLate:
			d.Late++
		default:
			d.Missing++
		}
		d.Units = append(d.Units, row)
		for _, tc := range v.Colors[u.Unit.ID].Tasks {
			t, _ := s.c.Plan.Task(tc.TaskID)
			d.Tasks = append(d.Tasks, taskRow{Number: s.c.Plan.TaskNumber(t.ID), Task: t, Lead: u.Unit.Name, Status: tc.Status, Colour: tc.Color, Closed: tc.Closed})
		}
	}
	slices.SortFunc(d.Tasks, func(a, b taskRow) int { return a.Number - b.Number })
	d.Reported = d.OnTime + d.Late
	d.Rate, d.OnTimeRate = percent(d.Reported, d.Expected), percent(d.OnTime, d.Expected)
	s.render(w, r, http.StatusOK, "overview", d)
}

func percent(n, of int) string {
	if of == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
}

// chaseCounts counts, by unit, the chases and overdue notices of period p.
func (s *Server) chaseCounts(r *http.Request, p plan.Period) (map[string]int, error) {
	out := map[string]int{}
	for _, kind := range []string{"chase", "overdue"} {
		msgs, err := s.c.Ledger.OutboxOf(r.Context(), p.String(), kind)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			out[m.Unit]++
		}
	}
	return out, nil
}

type unitData struct {
	page
	Unit        plan.Unit
	Received    []store.InMessage
	Submissions []store.Submission
	Sent        []store.OutMessage
	Loc         *time.Location
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) {
	u, ok := s.c.Plan.Unit(r.PathValue("unit"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	d := unitData{page: s.pageOf(r, "overview", u.Name), Unit: u, Loc: s.c.Schedule.Location}
	m, err := s.c.UnitMailOf(r.Context(), u.ID, d.Period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Received, d.Submissions, d.Sent = m.Received, m.Submissions, m.Sent
	s.render(w, r, http.StatusOK, "unit", d)
}

type versionsData struct {
	page
	Versions []jobs.Version
}

func (s *Server) versionsPage(w http.ResponseWriter, r *http.Request) {
	d := versionsData{page: s.pageOf(r, "versions", "汇总")}
	var err error
	if d.Versions, err = s.c.Versions(r.Context(), d.Period); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "versions", d)
}

// download hands out an archived file the desk may show (see
// jobs.Cycle.Downloadable) of the period in ?period=.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	p, _ := s.period(r)
	sha := strings.ToLower(r.PathValue("sha"))
	name, ok, err := s.c.Downloadable(r.Context(), p, sha)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := s.c.Ledger.ReadArchived(r.Context(), sha)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if strings.HasSuffix(name, ".docx") {
		ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = w.Write(data)
}

type logData struct {
	page
	Entries []store.AuditEntry
	Loc     *time.Location
}

func (s *Server) logPage(w http.ResponseWriter, r *http.Request) {
	d := logData{page: s.pageOf(r, "log", "操作记录"), Loc: s.c.Schedule.Location}
	var err error
	if d.Entries, err = s.c.Ledger.AuditLog(r.Context(), 500); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "log", d)
}
