package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/plan"
)

// Close-out (销号) and extension (延期) decisions of the office. Both are
// logs: nothing is updated in place, the latest entry is in force, and the
// history is what `duban status` and the docs call "logged".

// Closure actions.
const (
	ActionClose  = "close"
	ActionReopen = "reopen"
)

// ClosureEvent is one close-out or reopening of a task.
type ClosureEvent struct {
	ID     int64
	Task   string
	Action string // ActionClose or ActionReopen
	// Period: for a close, the period whose 已完成 report it confirms (the
	// task is not asked from the next period on); for a reopen, the first
	// period the task is asked again.
	Period string
	Note   string
	At     time.Time
}

// AddClosureEvent logs a close-out or a reopening.
func (l *Ledger) AddClosureEvent(ctx context.Context, e ClosureEvent) (ClosureEvent, error) {
	e.Task, e.Note = strings.TrimSpace(e.Task), strings.TrimSpace(e.Note)
	switch {
	case e.Task == "":
		return ClosureEvent{}, errors.New("log closure: no task")
	case e.Action != ActionClose && e.Action != ActionReopen:
		return ClosureEvent{}, fmt.Errorf("log closure of %s: unknown action %q", e.Task, e.Action)
	case e.At.IsZero():
		return ClosureEvent{}, fmt.Errorf("log closure of %s: no time", e.Task)
	}
	if _, err := plan.ParsePeriod(e.Period); err != nil {
		return ClosureEvent{}, fmt.Errorf("log closure of %s: %w", e.Task, err)
	}
	e.At = e.At.UTC()
	err := l.inTx(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO closures (task, action, period, note, at) VALUES (?, ?, ?, ?, ?)`,
			e.Task, e.Action, e.Period, e.Note, toNanos(e.At))
		if err != nil {
			return err
		}
		e.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return ClosureEvent{}, fmt.Errorf("log closure of %s: %w", e.Task, err)
	}
	return e, nil
}

// ClosureEvents returns every close-out and reopening, oldest first.
func (l *Ledger) ClosureEvents(ctx context.Context) ([]ClosureEvent, error) {
	return closureEvents(ctx, l.reads)
}

func closureEvents(ctx context.Context, q querier) ([]ClosureEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, task, action, period, note, at FROM closures ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading closures: %w", err)
	}
	defer rows.Close()
	var out []ClosureEvent
	for rows.Next() {
		var e ClosureEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.Task, &e.Action, &e.Period, &e.Note, &at); err != nil {
			return nil, fmt.Errorf("reading closures: %w", err)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading closures: %w", err)
	}
	return out, nil
}

// Extension decisions.
const (
	ExtensionGranted = "granted"
	ExtensionRefused = "refused"
)

// ExtensionDecision is the office's answer on a unit's deadline for a period.
type ExtensionDecision struct {
	ID       int64
	Period   string
	Unit     string
	Decision string // ExtensionGranted or ExtensionRefused
	Until    string // YYYY-MM-DD, the new deadline day; "" when refused
	Note     string
	At       time.Time
}

// AddExtensionDecision logs the office's decision; the latest one of a
// (period, unit) is in force.
func (l *Ledger) AddExtensionDecision(ctx context.Context, d ExtensionDecision) (ExtensionDecision, error) {
	d.Unit, d.Note = strings.TrimSpace(d.Unit), strings.TrimSpace(d.Note)
	if _, err := plan.ParsePeriod(d.Period); err != nil {
		return ExtensionDecision{}, fmt.Errorf("log extension for %s: %w", d.Unit, err)
	}
	switch {
	case d.Unit == "":
		return ExtensionDecision{}, errors.New("log extension: no unit")
	case d.At.IsZero():
		return ExtensionDecision{}, fmt.Errorf("log extension for %s: no time", d.Unit)
	case d.Decision == ExtensionRefused:
		d.Until = ""
	case d.Decision == ExtensionGranted:
		if _, err := time.Parse(time.DateOnly, d.Until); err != nil {
			return ExtensionDecision{}, fmt.Errorf("log extension for %s: until %q: %w", d.Unit, d.Until, err)
		}
	default:
		return ExtensionDecision{}, fmt.Errorf("log extension for %s: unknown decision %q", d.Unit, d.Decision)
	}
	d.At = d.At.UTC()
	err := l.inTx(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO extensions (period, unit, decision, until, note, at) VALUES (?, ?, ?, ?, ?, ?)`,
			d.Period, d.Unit, d.Decision, d.Until, d.Note, toNanos(d.At))
		if err != nil {
			return err
		}
		d.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return ExtensionDecision{}, fmt.Errorf("log extension for %s/%s: %w", d.Unit, d.Period, err)
	}
	return d, nil
}

// ExtensionDecisions returns a period's decisions, oldest first.
func (l *Ledger) ExtensionDecisions(ctx context.Context, period string) ([]ExtensionDecision, error) {
	return extensionDecisions(ctx, l.reads, period, period)
}

// extensionDecisions returns the decisions of the periods from first to
// last (YYYY-MM, inclusive), period by period, oldest first.
func extensionDecisions(ctx context.Context, q querier, first, last string) ([]ExtensionDecision, error) {
	period := first
	if last != first {
		period = first + " to " + last
	}
	rows, err := q.QueryContext(ctx, `SELECT id, period, unit, decision, until, note, at FROM extensions
		WHERE period >= ? AND period <= ? ORDER BY period, id`, first, last)
	if err != nil {
		return nil, fmt.Errorf("reading %s's extensions: %w", period, err)
	}
	defer rows.Close()
	var out []ExtensionDecision
	for rows.Next() {
		var d ExtensionDecision
		var at int64
		if err := rows.Scan(&d.ID, &d.Period, &d.Unit, &d.Decision, &d.Until, &d.Note, &at); err != nil {
			return nil, fmt.Errorf("reading %s's extensions: %w", period, err)
		}
		d.At = fromNanos(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s's extensions: %w", period, err)
	}
	return out, nil
}
