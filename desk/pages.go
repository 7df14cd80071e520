package desk

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
	"github.com/duban/duban/store"
)

var funcs = template.FuncMap{
	"day":    plan.DateCN,
	"moment": plan.MomentCN,
	"colour": colourClass,
	"kind":   func(k string) string { return jobs.MailKind(k).Label() },
	// The embedded stylesheet, trusted: it is ours, and the policy names
	// its hash.
	"stylesheet": func() template.CSS { return template.CSS(stylesheet) },
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
	State               string
	Colour, ColourClass string
	First, Latest       string
	Chases              int
	Contact, Phone      string
}

type overviewData struct {
	page
	*overviewModel
}

// overviewModel is what 本期概览 shows of a period, computed from the
// ledger: kept while neither the ledger nor the minute changes (colours
// follow the clock), so that reading the page again costs only its
// rendering.
type overviewModel struct {
	Expected, Reported, OnTime, Late, Missing int
	Rate, OnTimeRate                          string
	Units                                     []unitRow
	Tasks                                     []taskRow
	TaskCount, Omitted                        int // the tasks of the period, and those not listed
	// UnitRows and TaskRows are the tables' rows, rendered once with the
	// model: a province's 2,000 rows then cost a copy per reading.
	UnitRows, TaskRows template.HTML
	Note               string
}

// maxTaskRows bounds the tasks 本期概览 lists: a large plan (a province's,
// 30,000 tasks) lists its red ones, then yellow and closed ones, up to it,
// and says how many others there are.
const maxTaskRows = 300

// overviewCache holds the latest model of each period.
type overviewCache struct {
	mu      sync.Mutex
	entries map[plan.Period]cachedOverview
}

type cachedOverview struct {
	version int64
	minute  time.Time
	model   *overviewModel
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
	var err error
	if d.overviewModel, err = s.overviewOf(r, d.Period); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "overview", d)
}

// overviewOf returns period p's model, from the cache when neither the
// ledger nor the minute changed since it was computed.
func (s *Server) overviewOf(r *http.Request, p plan.Period) (*overviewModel, error) {
	version, err := s.c.Ledger.Version(r.Context())
	if err != nil {
		return nil, err
	}
	minute := s.c.Clock().Truncate(time.Minute)
	s.cache.mu.Lock()
	e, ok := s.cache.entries[p]
	s.cache.mu.Unlock()
	if ok && e.version == version && e.minute.Equal(minute) {
		return e.model, nil
	}
	m, err := s.computeOverview(r, p)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	if s.cache.entries == nil {
		s.cache.entries = map[plan.Period]cachedOverview{}
	}
	s.cache.entries[p] = cachedOverview{version: version, minute: minute, model: m}
	s.cache.mu.Unlock()
	return m, nil
}

func (s *Server) computeOverview(r *http.Request, p plan.Period) (*overviewModel, error) {
	d := &overviewModel{}
	v, err := s.c.View(r.Context(), p)
	if err != nil {
		return nil, err
	}
	first := map[string]time.Time{}
	reported := map[string]store.Submission{} // the latest accepted: who filled it in
	for _, sub := range v.Submissions {
		if sub.Accepted && first[sub.Unit].IsZero() {
			first[sub.Unit] = sub.ReceivedAt
		}
		if sub.Accepted {
			reported[sub.Unit] = sub
		}
	}
	chases, err := s.chaseCounts(r, p)
	if err != nil {
		return nil, err
	}
	loc := s.c.Schedule.Location
	d.Note = v.Note
	var tasks []taskRow
	for _, u := range v.Units {
		// Words are made here, once per model, not in the template on
		// every reading of the page.
		row := unitRow{UnitReport: u, Chases: chases[u.Unit.ID], State: u.State.Label()}
		if c := v.Colors[u.Unit.ID].Timeliness; c != "" {
			row.Colour, row.ColourClass = string(c), colourClass(c)
		}
		if t := first[u.Unit.ID]; !t.IsZero() {
			row.First = plan.MomentCN(t.In(loc))
		}
		if !u.SubmittedAt.IsZero() {
			row.Latest = plan.MomentCN(u.SubmittedAt.In(loc))
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
			tasks = append(tasks, taskRow{Number: s.c.Plan.TaskNumber(t.ID), Task: t, Lead: u.Unit.Name, Status: tc.Status, Colour: tc.Color, Closed: tc.Closed})
		}
	}
	d.TaskCount = len(tasks)
	if len(tasks) > maxTaskRows {
		// Red first, then yellow, then closed; green ones are not listed.
		rank := func(t taskRow) int {
			switch {
			case t.Colour == plan.ColorRed:
				return 0
			case t.Colour == plan.ColorYellow:
				return 1
			case t.Closed:
				return 2
			}
			return 3
		}
		slices.SortStableFunc(tasks, func(a, b taskRow) int { return rank(a) - rank(b) })
		n := 0
		for n < len(tasks) && n < maxTaskRows && rank(tasks[n]) < 3 {
			n++
		}
		tasks = tasks[:n]
	}
	slices.SortFunc(tasks, func(a, b taskRow) int { return a.Number - b.Number })
	d.Tasks, d.Omitted = tasks, d.TaskCount-len(tasks)
	d.Reported = d.OnTime + d.Late
	d.Rate, d.OnTimeRate = percent(d.Reported, d.Expected), percent(d.OnTime, d.Expected)
	rows := struct {
		Period plan.Period
		Units  []unitRow
		Tasks  []taskRow
	}{p, d.Units, d.Tasks}
	for name, out := range map[string]*template.HTML{"unitrows": &d.UnitRows, "taskrows": &d.TaskRows} {
		var b bytes.Buffer
		if err := s.pages["overview"].ExecuteTemplate(&b, name, rows); err != nil {
			return nil, fmt.Errorf("rendering %s: %w", name, err)
		}
		*out = template.HTML(b.String()) // escaped by html/template above
	}
	return d, nil
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
