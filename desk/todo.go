package desk

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// 待办: the extension requests waiting for the office, and the tasks
// reported 已完成 waiting for 销号 (or closed, to reopen). A decision runs
// exactly what `duban extend` / `duban close` run, and is recorded with
// who made it.

type extensionRow struct {
	Unit      plan.Unit
	Requested time.Time
	Reason    string
	Deadline  time.Time
}

type todoData struct {
	page
	Extensions []extensionRow
	Done       []taskRow // reported 已完成, not closed
	Closed     []taskRow
}

func (s *Server) todoPage(w http.ResponseWriter, r *http.Request) {
	s.renderTodo(w, r, http.StatusOK, "", "")
}

func (s *Server) renderTodo(w http.ResponseWriter, r *http.Request, status int, notice, problem string) {
	d := todoData{page: s.pageOf(r, "todo", "待办")}
	d.Notice, d.Problem = notice, problem
	v, err := s.c.View(r.Context(), d.Period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range v.Units {
		if e := u.Extension; !e.Requested.IsZero() && e.Decision == reports.ExtensionPending {
			d.Extensions = append(d.Extensions, extensionRow{Unit: u.Unit, Requested: e.Requested, Reason: e.Reason, Deadline: v.Deadline})
		}
		for _, tc := range v.Colors[u.Unit.ID].Tasks {
			t, _ := s.c.Plan.Task(tc.TaskID)
			row := taskRow{Number: s.c.Plan.TaskNumber(t.ID), Task: t, Lead: u.Unit.Name, Status: tc.Status, Colour: tc.Color, Closed: tc.Closed}
			switch {
			case tc.Closed:
				d.Closed = append(d.Closed, row)
			case tc.Status == plan.StatusDone:
				d.Done = append(d.Done, row)
			}
		}
	}
	s.render(w, r, status, "todo", d)
}

// decided answers a decision: the todo page with its outcome. A refusal
// the office can fix (jobs.ErrDecision) is shown as such; anything else is
// a failure.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, action string, d jobs.Decided, err error) {
	u := userOf(r)
	switch {
	case errors.Is(err, jobs.ErrDecision):
		s.renderTodo(w, r, http.StatusUnprocessableEntity, "", strings.TrimPrefix(err.Error(), jobs.ErrDecision.Error()+": "))
	case err != nil:
		s.fail(w, r, err)
	default:
		s.audit(r, u.email, action, d.Summary)
		s.renderTodo(w, r, http.StatusOK, d.Summary, "")
	}
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request) {
	p, err := plan.ParsePeriod(r.PostForm.Get("period"))
	if err != nil {
		s.renderTodo(w, r, http.StatusBadRequest, "", "请选择报送月份。")
		return
	}
	var until time.Time
	if r.PostForm.Get("decision") != "refuse" {
		if until, err = time.Parse(time.DateOnly, r.PostForm.Get("until")); err != nil {
			s.renderTodo(w, r, http.StatusBadRequest, "", "请填写同意延期至的日期，例如 2023-06-20。")
			return
		}
	}
	d, err := s.c.Extend(r.Context(), r.PostForm.Get("unit"), p, until, strings.TrimSpace(r.PostForm.Get("note")))
	s.decided(w, r, "extend", d, err)
}

func (s *Server) closeTask(w http.ResponseWriter, r *http.Request) {
	d, err := s.c.CloseTask(r.Context(), r.PostForm.Get("task"), plan.Period{}, strings.TrimSpace(r.PostForm.Get("note")), false)
	s.decided(w, r, "close", d, err)
}

func (s *Server) reopenTask(w http.ResponseWriter, r *http.Request) {
	d, err := s.c.ReopenTask(r.Context(), r.PostForm.Get("task"), strings.TrimSpace(r.PostForm.Get("note")))
	s.decided(w, r, "reopen", d, err)
}
