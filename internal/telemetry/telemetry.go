// Package telemetry exposes the daemon's Prometheus metrics and a health check
// over HTTP (/metrics and /healthz), on a private registry so nothing else in
// the process can add series behind our back.
package telemetry

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var jobDurationsSec = []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}

// Labels are the label values pre-registered at 0, so dashboards and
// alerts see every series from the first scrape instead of "no data". The
// caller gives them from the types they name (jobs.MailKinds, …), so that a
// new kind is never missing here.
type Labels struct {
	MailKinds     []string
	ReplyOutcomes []string
	Jobs          []string
}

// Metrics holds the daemon's counters and gauges on a private registry.
// All methods are safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry

	remindersSent  prometheus.Counter
	mailSent       *prometheus.CounterVec
	mailFailed     *prometheus.CounterVec
	replies        *prometheus.CounterVec
	jobRuns        *prometheus.CounterVec
	jobFailures    *prometheus.CounterVec
	jobDuration    *prometheus.HistogramVec
	jobLastSuccess *prometheus.GaugeVec
	lastCollect    prometheus.Gauge

	healthMu sync.RWMutex
	health   func() error
}

// New creates the metrics, registers them with the Go and process collectors
// on a fresh registry, and pre-creates every known label value at 0.
func New(labels Labels) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		remindersSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "duban_reminders_sent_total",
			Help: "Reminders sent to units.",
		}),
		mailSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_mail_sent_total",
			Help: "Emails sent successfully, by kind.",
		}, []string{"kind"}),
		mailFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_mail_failed_total",
			Help: "Emails that could not be sent, by kind.",
		}, []string{"kind"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_replies_total",
			Help: "Incoming replies handled, by outcome.",
		}, []string{"outcome"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_job_runs_total",
			Help: "Job runs, successful or not.",
		}, []string{"job"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duban_job_failures_total",
			Help: "Job runs that ended with an error.",
		}, []string{"job"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duban_job_duration_seconds",
			Help:    "How long job runs took.",
			Buckets: jobDurationsSec,
		}, []string{"job"}),
		jobLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duban_job_last_success_timestamp_seconds",
			Help: "Unix time of the job's last successful run (0 if none since start).",
		}, []string{"job"}),
		lastCollect: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "duban_last_successful_collect_timestamp_seconds",
			Help: "Unix time of the last successful collection of replies (0 if none since start).",
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.remindersSent, m.mailSent, m.mailFailed, m.replies,
		m.jobRuns, m.jobFailures, m.jobDuration, m.jobLastSuccess, m.lastCollect,
	)
	for _, kind := range labels.MailKinds {
		m.mailSent.WithLabelValues(kind)
		m.mailFailed.WithLabelValues(kind)
	}
	for _, outcome := range labels.ReplyOutcomes {
		m.replies.WithLabelValues(outcome)
	}
	for _, job := range labels.Jobs {
		m.jobRuns.WithLabelValues(job)
		m.jobFailures.WithLabelValues(job)
		m.jobDuration.WithLabelValues(job)
		m.jobLastSuccess.WithLabelValues(job)
	}
	return m
}

// Registry returns the private registry, for callers that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// RemindersSent counts n reminders sent. n <= 0 is ignored (counters only go up).
func (m *Metrics) RemindersSent(n int) {
	if n > 0 {
		m.remindersSent.Add(float64(n))
	}
}

// MailSent counts n emails of the given kind sent.
func (m *Metrics) MailSent(kind string, n int) { addTo(m.mailSent, kind, n) }

// MailFailed counts n emails of the given kind that could not be sent.
func (m *Metrics) MailFailed(kind string, n int) { addTo(m.mailFailed, kind, n) }

// Replies counts n incoming replies with the given outcome.
func (m *Metrics) Replies(outcome string, n int) { addTo(m.replies, outcome, n) }

// addTo adds n to one labelled counter. A negative Add panics in
// client_golang, so n <= 0 is ignored rather than crashing the daemon.
func addTo(v *prometheus.CounterVec, label string, n int) {
	if n > 0 {
		v.WithLabelValues(label).Add(float64(n))
	}
}

// JobRun records one run of job: it took took, and failed if err is not nil.
// A successful run also sets the job's last-success timestamp to now.
func (m *Metrics) JobRun(job string, err error, took time.Duration) {
	m.jobRuns.WithLabelValues(job).Inc()
	m.jobDuration.WithLabelValues(job).Observe(took.Seconds())
	if err != nil {
		m.jobFailures.WithLabelValues(job).Inc()
		return
	}
	m.jobLastSuccess.WithLabelValues(job).Set(unixSeconds(time.Now()))
}

// CollectSucceeded records when replies were last collected successfully.
func (m *Metrics) CollectSucceeded(at time.Time) {
	m.lastCollect.Set(unixSeconds(at))
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

// SetHealth installs the check /healthz runs on each request; nil means
// always healthy. The check should be quick: a scraper is waiting.
func (m *Metrics) SetHealth(check func() error) {
	m.healthMu.Lock()
	defer m.healthMu.Unlock()
	m.health = check
}

func (m *Metrics) checkHealth() error {
	m.healthMu.RLock()
	check := m.health
	m.healthMu.RUnlock()
	if check == nil {
		return nil
	}
	return check()
}

// Handler serves /metrics (Prometheus text format, private registry only)
// and /healthz (200 "ok", or 503 with a one-line reason).
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry: m.registry, // count scrape errors too
	}))
	mux.HandleFunc("/healthz", m.serveHealth)
	return mux
}

func (m *Metrics) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := m.checkHealth(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(oneLine(err) + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// oneLine flattens an error message so /healthz always answers one line.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if s == "" {
		return "unhealthy"
	}
	return s
}

// ErrPublicAddr is returned by Serve for a non-loopback address without allowPublic.
var ErrPublicAddr = errors.New("telemetry address is not loopback")
