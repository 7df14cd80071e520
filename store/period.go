package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/duban/duban/plan"
)

// PeriodRecords is what the ledger holds about one period, read in one
// read transaction with a handful of queries whatever the number of units:
// the jobs decide from it without going back to the ledger, then write.
type PeriodRecords struct {
	Period      string
	Submissions []Submission          // the period's files, accepted and rejected, oldest first
	Outbox      map[string]OutMessage // the period's messages by key, without recipients, sender or error (outboxHeads)
	Closures    []ClosureEvent        // every close-out and reopening, oldest first
	Extensions  []ExtensionDecision   // the period's extension decisions, oldest first
	// YearSoFar holds, by period then unit, the latest accepted report of
	// each period of the plan year before this one: the month before's
	// statuses and the indicators' totals (PeriodWants.YearSoFar).
	YearSoFar map[string]map[string]Submission
	// CarriedForward holds, by unit, its latest accepted report of any
	// period before this one: the answers a template carries forward
	// (PeriodWants.CarriedForward).
	CarriedForward map[string]Submission
}

// PeriodWants names the earlier reports a ReadPeriod reads besides the
// period's own records: each costs a query over many reports.
type PeriodWants struct {
	YearSoFar      bool
	CarriedForward bool
}

// ReadPeriod reads period's records, and the earlier reports wants names,
// in one read transaction.
func (l *Ledger) ReadPeriod(ctx context.Context, period string, wants PeriodWants) (PeriodRecords, error) {
	p, err := plan.ParsePeriod(period)
	if err != nil {
		return PeriodRecords{}, fmt.Errorf("read period: %w", err)
	}
	r := PeriodRecords{Period: period, Outbox: map[string]OutMessage{}}
	err = l.inReadTx(ctx, func(tx *writeTx) error {
		var err error
		if r.Submissions, err = submissionsOf(ctx, tx, period); err != nil {
			return err
		}
		if err := outboxHeads(ctx, tx, period, r.Outbox); err != nil {
			return err
		}
		if r.Closures, err = closureEvents(ctx, tx); err != nil {
			return err
		}
		if r.Extensions, err = extensionDecisions(ctx, tx, period, period); err != nil {
			return err
		}
		if wants.YearSoFar && p.Month > 1 {
			first := plan.Period{Year: p.Year, Month: 1}
			if r.YearSoFar, err = latestBetween(ctx, tx, first.String(), p.Prev().String()); err != nil {
				return err
			}
		}
		if wants.CarriedForward {
			r.CarriedForward, err = latestEachBefore(ctx, tx, period)
		}
		return err
	})
	if err != nil {
		return PeriodRecords{}, fmt.Errorf("reading %s from the ledger: %w", period, err)
	}
	return r, nil
}

// Decisions is the office's supervision log of a span of periods.
type Decisions struct {
	Closures   []ClosureEvent      // every close-out and reopening, oldest first
	Extensions []ExtensionDecision // the span's extension decisions, period by period, oldest first
}

// ReadDecisions reads the close-outs and the extension decisions of the
// periods first to last (YYYY-MM, inclusive) in one read transaction.
func (l *Ledger) ReadDecisions(ctx context.Context, first, last string) (Decisions, error) {
	var d Decisions
	err := l.inReadTx(ctx, func(tx *writeTx) error {
		var err error
		if d.Closures, err = closureEvents(ctx, tx); err != nil {
			return err
		}
		d.Extensions, err = extensionDecisions(ctx, tx, first, last)
		return err
	})
	if err != nil {
		return Decisions{}, fmt.Errorf("reading the decisions of %s to %s: %w", first, last, err)
	}
	return d, nil
}

// OutboxByKeys returns, by key, the messages recorded for any of keys, in
// one query.
func (l *Ledger) OutboxByKeys(ctx context.Context, keys []string) (map[string]OutMessage, error) {
	out := map[string]OutMessage{}
	if len(keys) == 0 {
		return out, nil
	}
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("outbox messages: %w", err)
	}
	msgs, err := queryOut(ctx, l.reads, `WHERE key IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		out[m.Key] = m
	}
	return out, nil
}

// latestBetween returns, by period then unit, the latest accepted
// submission of every unit in each period from first to last (inclusive).
func latestBetween(ctx context.Context, q querier, first, last string) (map[string]map[string]Submission, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions s
		WHERE period >= ?1 AND period <= ?2 AND accepted = 1 AND version = (
			SELECT MAX(version) FROM submissions m
			WHERE m.period = s.period AND m.unit = s.unit AND m.accepted = 1)`, first, last)
	if err != nil {
		return nil, fmt.Errorf("latest submissions of %s to %s: %w", first, last, err)
	}
	list, err := scanSubmissions(rows)
	if err != nil {
		return nil, fmt.Errorf("latest submissions of %s to %s: %w", first, last, err)
	}
	out := map[string]map[string]Submission{}
	for _, s := range list {
		if out[s.Period] == nil {
			out[s.Period] = map[string]Submission{}
		}
		out[s.Period][s.Unit] = s
	}
	return out, nil
}

// latestEachBefore returns, by unit, the latest accepted submission of the
// newest period before period: LatestBefore for every unit at once.
func latestEachBefore(ctx context.Context, q querier, period string) (map[string]Submission, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions s
		WHERE accepted = 1 AND period < ?1 AND id = (
			SELECT m.id FROM submissions m
			WHERE m.unit = s.unit AND m.accepted = 1 AND m.period < ?1
			ORDER BY m.period DESC, m.version DESC LIMIT 1)`, period)
	if err != nil {
		return nil, fmt.Errorf("latest submissions before %s: %w", period, err)
	}
	list, err := scanSubmissions(rows)
	if err != nil {
		return nil, fmt.Errorf("latest submissions before %s: %w", period, err)
	}
	out := make(map[string]Submission, len(list))
	for _, s := range list {
		out[s.Unit] = s
	}
	return out, nil
}

// outboxHeads adds the period's messages to out by key, with only what a
// job decides from: what each is (key, kind, unit), its Message-ID, its
// state and when it was queued and sent. Decoding every message's
// recipients would cost more than the rest of a chase tick.
func outboxHeads(ctx context.Context, q querier, period string, out map[string]OutMessage) error {
	rows, err := q.QueryContext(ctx, `SELECT id, key, message_id, kind, unit, state, created_at, sent_at
		FROM outbox WHERE period = ?`, period)
	if err != nil {
		return fmt.Errorf("reading %s's outbox: %w", period, err)
	}
	defer rows.Close()
	for rows.Next() {
		m := OutMessage{Period: period}
		var created, sent int64
		if err := rows.Scan(&m.ID, &m.Key, &m.MessageID, &m.Kind, &m.Unit, &m.State, &created, &sent); err != nil {
			return fmt.Errorf("reading %s's outbox: %w", period, err)
		}
		m.CreatedAt = fromNanos(created)
		if sent != 0 {
			m.SentAt = fromNanos(sent)
		}
		out[m.Key] = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s's outbox: %w", period, err)
	}
	return nil
}
