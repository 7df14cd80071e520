package desk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duban/duban/desk"
	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
)

// benchDesk is the desk of a plan of units × tasks with May 2023 reported
// by every unit, and a signed-in request for 本期概览.
func benchDesk(tb testing.TB, units, tasks int) (http.Handler, *http.Request, *store.Ledger) {
	tb.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	cal, err := plan.NewCalendar(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := store.Open(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	may := plan.Period{Year: 2023, Month: time.May}
	sched := plan.Schedule{Location: loc, Calendar: cal, RemindWorkday: 1, RemindHour: 9, DeadlineWorkday: 5}
	p := scale.Plan(units, tasks)
	scale.FillLedger(tb, l, p, may, sched.RemindAt(may).Add(24*time.Hour))
	now := sched.DueBy(may).Add(time.Hour)
	c := &jobs.Cycle{Plan: p, Schedule: sched, Ledger: l, Now: func() time.Time { return now }}
	d, err := desk.New(desk.Options{Cycle: c})
	if err != nil {
		tb.Fatal(err)
	}
	if err := l.AddSession(ctx, "bench", store.Session{Email: "office@metro.example", FormToken: "ft", CreatedAt: now, SeenAt: now}); err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/?period=2023-05", nil)
	req.AddCookie(&http.Cookie{Name: "desk_session", Value: "bench"})
	return d.Handler(nil), req, l
}

// BenchmarkOverview2000 renders 本期概览 for 2,000 units × 15 tasks
// (issue 15: ≤ 50 ms), as the office reads it again and again: the model
// is computed once per change of the ledger or of the minute.
func BenchmarkOverview2000(b *testing.B) {
	h, req, _ := benchDesk(b, 2000, 15)
	serve(b, h, req) // the first reading computes the model
	b.ReportAllocs()
	for b.Loop() {
		w := serve(b, h, req)
		b.ReportMetric(float64(w.Body.Len()), "bytes/page")
	}
}

// BenchmarkOverview2000AfterChange is the first reading after the ledger
// changed: the period read and its colours decided again.
func BenchmarkOverview2000AfterChange(b *testing.B) {
	h, req, l := benchDesk(b, 2000, 15)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := l.Audit(ctx, store.AuditEntry{At: time.Now(), Action: "bench"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		serve(b, h, req)
	}
}

func serve(b *testing.B, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("GET / = %d", w.Code)
	}
	return w
}
