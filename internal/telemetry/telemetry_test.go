package telemetry

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// scrape fetches /metrics and returns the exposition text.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics status = %d, body %q", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// testLabels are a daemon's labels, as cmd/duban takes them from jobs.
var testLabels = Labels{
	MailKinds:     []string{"reminder", "receipt", "digest"},
	ReplyOutcomes: []string{"processed", "rejected", "quarantine", "ignored"},
	Jobs:          []string{"remind", "collect", "digest"},
}

func TestSeriesExistAtZero(t *testing.T) {
	body := scrape(t, New(testLabels).Handler())
	var want []string
	for _, k := range testLabels.MailKinds {
		want = append(want, `duban_mail_sent_total{kind="`+k+`"} 0`, `duban_mail_failed_total{kind="`+k+`"} 0`)
	}
	for _, o := range testLabels.ReplyOutcomes {
		want = append(want, `duban_replies_total{outcome="`+o+`"} 0`)
	}
	for _, j := range testLabels.Jobs {
		want = append(want,
			`duban_job_runs_total{job="`+j+`"} 0`,
			`duban_job_failures_total{job="`+j+`"} 0`,
			`duban_job_duration_seconds_count{job="`+j+`"} 0`,
			`duban_job_last_success_timestamp_seconds{job="`+j+`"} 0`)
	}
	want = append(want,
		"duban_reminders_sent_total 0",
		"duban_last_successful_collect_timestamp_seconds 0",
		"go_goroutines ",                 // Go collector
		"process_resident_memory_bytes ", // process collector
	)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}

func TestCountersAfterCalls(t *testing.T) {
	m := New(testLabels)
	m.RemindersSent(3)
	m.RemindersSent(2)
	m.RemindersSent(-1) // ignored: counters never go down
	m.MailSent("reminder", 5)
	m.MailSent("chase", 1)
	m.MailSent("chase", 0)
	m.MailFailed("receipt", 2)
	m.Replies("processed", 7)
	m.Replies("quarantine", 1)
	m.JobRun("collect", nil, 1500*time.Millisecond)
	m.JobRun("collect", errors.New("imap down"), 200*time.Millisecond)
	m.JobRun("remind", errors.New("smtp down"), time.Second)
	collectedAt := time.Date(2026, 11, 26, 9, 0, 1, 0, time.UTC)
	m.CollectSucceeded(collectedAt)

	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"reminders", testutil.ToFloat64(m.remindersSent), 5},
		{"mail sent reminder", testutil.ToFloat64(m.mailSent.WithLabelValues("reminder")), 5},
		{"mail sent chase", testutil.ToFloat64(m.mailSent.WithLabelValues("chase")), 1},
		{"mail sent compiled", testutil.ToFloat64(m.mailSent.WithLabelValues("compiled")), 0},
		{"mail failed receipt", testutil.ToFloat64(m.mailFailed.WithLabelValues("receipt")), 2},
		{"replies processed", testutil.ToFloat64(m.replies.WithLabelValues("processed")), 7},
		{"replies quarantine", testutil.ToFloat64(m.replies.WithLabelValues("quarantine")), 1},
		{"replies rejected", testutil.ToFloat64(m.replies.WithLabelValues("rejected")), 0},
		{"collect runs", testutil.ToFloat64(m.jobRuns.WithLabelValues("collect")), 2},
		{"collect failures", testutil.ToFloat64(m.jobFailures.WithLabelValues("collect")), 1},
		{"remind runs", testutil.ToFloat64(m.jobRuns.WithLabelValues("remind")), 1},
		{"remind failures", testutil.ToFloat64(m.jobFailures.WithLabelValues("remind")), 1},
		{"remind last success (never)", testutil.ToFloat64(m.jobLastSuccess.WithLabelValues("remind")), 0},
		{"last collect", testutil.ToFloat64(m.lastCollect), float64(collectedAt.Unix())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}

	if ts := testutil.ToFloat64(m.jobLastSuccess.WithLabelValues("collect")); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("collect last success = %v, want about now", ts)
	}

	// The same values, as a scraper sees them.
	body := scrape(t, m.Handler())
	for _, line := range []string{
		"duban_reminders_sent_total 5",
		`duban_mail_sent_total{kind="reminder"} 5`,
		`duban_mail_failed_total{kind="receipt"} 2`,
		`duban_replies_total{outcome="processed"} 7`,
		`duban_job_runs_total{job="collect"} 2`,
		`duban_job_failures_total{job="collect"} 1`,
		`duban_job_duration_seconds_count{job="collect"} 2`,
		`duban_job_duration_seconds_sum{job="collect"} 1.7`,
		`duban_job_duration_seconds_bucket{job="collect",le="2.5"} 2`,
		`duban_job_duration_seconds_bucket{job="collect",le="1"} 1`,
		"duban_last_successful_collect_timestamp_seconds 1.795683601e+09",
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks line %q", line)
		}
	}
}

func TestHealthz(t *testing.T) {
	m := New(testLabels)
	h := m.Handler()
	var failing error
	tests := []struct {
		name     string
		setup    func()
		wantCode int
		wantBody string
	}{
		{"no check installed", func() {}, http.StatusOK, "ok\n"},
		{"check passes", func() { m.SetHealth(func() error { return failing }) }, http.StatusOK, "ok\n"},
		{"check fails", func() { failing = errors.New("last collect was 3h ago (limit 1h)") },
			http.StatusServiceUnavailable, "last collect was 3h ago (limit 1h)\n"},
		{"multi-line reason is flattened", func() { failing = errors.New("ledger unreachable:\n  disk full") },
			http.StatusServiceUnavailable, "ledger unreachable: disk full\n"},
		{"recovers", func() { failing = nil }, http.StatusOK, "ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.wantCode || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}
