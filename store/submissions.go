package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/plan"
)

// Problem is one thing wrong with a received workbook, as it was told to
// the unit.
type Problem struct {
	Cell, TaskID, Kind, Message string
}

// Submission is one received workbook and the decision taken on it.
type Submission struct {
	ID         int64
	Period     string // YYYY-MM; "" for a file that could not be attributed
	Unit       string // unit id; may be ""
	FileSHA256 string
	FileName   string
	Source     string // e.g. "cli", "demo", "imap:INBOX:1234"
	ReceivedAt time.Time
	Accepted   bool
	Late       bool
	Version    int // 1, 2, … among accepted submissions of (period, unit); 0 when rejected
	Contact    string
	Phone      string
	Answers    []plan.Answer
	Problems   []Problem
	// ExtensionUntil and ExtensionReason are the extension (延期) the unit
	// asked for in the file: the date (YYYY-MM-DD) and its reason. A file
	// that only asks for time is recorded not accepted, with no problems.
	ExtensionUntil  string
	ExtensionReason string
}

// RequestOnly reports whether the file only asked for an extension: not
// accepted, nothing wrong with it, and a request in it.
func (s Submission) RequestOnly() bool {
	return !s.Accepted && len(s.Problems) == 0 && s.ExtensionUntil != ""
}

const submissionColumns = `id, period, unit, file_sha256, file_name, source, received_at,
	accepted, late, version, contact, phone, answers, problems, extension`

// AddSubmission records a decision in one IMMEDIATE transaction and returns
// it with its ID and Version filled in (the ID and Version passed in are
// ignored). A file already recorded (same FileSHA256) is recognised: the
// earlier submission comes back with duplicate=true and nothing is written.
// An accepted submission gets Version = 1 + the number of accepted ones of
// its (period, unit). The file must have been archived first. FileName is
// sanitised like the names Archive records; times come back in UTC.
func (l *Ledger) AddSubmission(ctx context.Context, s Submission) (saved Submission, duplicate bool, err error) {
	return l.addSubmission(ctx, s, nil, time.Time{})
}

// AddSubmissionOf is AddSubmission for a file not archived yet: the file is
// archived in the same transaction (s.FileSHA256 is set from data). Use it
// only for bytes whose container is archived already (a workbook taken
// from an archived message), so that nothing is parsed before it is kept.
func (l *Ledger) AddSubmissionOf(ctx context.Context, s Submission, data []byte, now time.Time) (saved Submission, duplicate bool, err error) {
	if data == nil {
		return Submission{}, false, fmt.Errorf("add submission: no file")
	}
	return l.addSubmission(ctx, s, data, now)
}

func (l *Ledger) addSubmission(ctx context.Context, s Submission, data []byte, now time.Time) (saved Submission, duplicate bool, err error) {
	n, err := newSubmission(s, data, now)
	if err != nil {
		return Submission{}, false, err
	}
	err = l.inTx(ctx, func(tx *writeTx) error {
		saved, duplicate, err = n.addIn(ctx, tx)
		return err
	})
	if err != nil {
		return Submission{}, false, n.wrap(err)
	}
	return saved, duplicate, nil
}

// newSub is a submission checked and encoded, ready to be added in a
// transaction (addIn), with its file when it is archived with it.
type newSub struct {
	s                            Submission
	file                         File
	data                         []byte
	answers, problems, extension string
}

func newSubmission(s Submission, data []byte, now time.Time) (newSub, error) {
	n := newSub{data: data}
	if data != nil {
		n.file = newFile(data, s.FileName, s.Source, now)
		s.FileSHA256 = n.file.SHA256
	}
	s, err := checkSubmission(s)
	if err != nil {
		return n, fmt.Errorf("add submission: %w", err)
	}
	n.s = s
	if n.answers, err = encodeAnswers(s.Answers); err != nil {
		return n, fmt.Errorf("add submission: %w", err)
	}
	if n.problems, err = encodeProblems(s.Problems); err != nil {
		return n, fmt.Errorf("add submission: %w", err)
	}
	if n.extension, err = encodeExtension(s.ExtensionUntil, s.ExtensionReason); err != nil {
		return n, fmt.Errorf("add submission: %w", err)
	}
	return n, nil
}

func (n newSub) wrap(err error) error {
	return fmt.Errorf("add submission of %s for %s/%s: %w", n.s.FileSHA256, n.s.Unit, n.s.Period, err)
}

// addIn adds the submission in tx: once per file.
func (n newSub) addIn(ctx context.Context, tx *writeTx) (saved Submission, duplicate bool, err error) {
	s := n.s
	prev, found, err := submissionByFile(ctx, tx, s.FileSHA256)
	if err != nil {
		return Submission{}, false, err
	}
	if found {
		return prev, true, nil
	}
	if n.data != nil {
		if _, _, err := archiveIn(ctx, tx, n.file, n.data); err != nil {
			return Submission{}, false, err
		}
	}
	var archived bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)`, s.FileSHA256).Scan(&archived); err != nil {
		return Submission{}, false, err
	}
	if !archived {
		return Submission{}, false, fmt.Errorf("%w: %s (archive it before recording the submission)", ErrNotArchived, s.FileSHA256)
	}
	s.Version = 0
	if s.Accepted {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) + 1 FROM submissions
			WHERE period = ? AND unit = ? AND accepted = 1`, s.Period, s.Unit).Scan(&s.Version); err != nil {
			return Submission{}, false, err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO submissions (period, unit, file_sha256, file_name, source,
			received_at, accepted, late, version, contact, phone, answers, problems, extension)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Period, s.Unit, s.FileSHA256, s.FileName, s.Source, toNanos(s.ReceivedAt),
		boolInt(s.Accepted), boolInt(s.Late), s.Version, s.Contact, s.Phone, n.answers, n.problems, n.extension)
	if err != nil {
		return Submission{}, false, err
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return Submission{}, false, err
	}
	return s, false, nil
}

// checkSubmission validates s and returns it normalised as it will be
// stored.
func checkSubmission(s Submission) (Submission, error) {
	hash, err := normaliseHash(s.FileSHA256)
	if err != nil {
		return s, fmt.Errorf("file: %w", err)
	}
	s.FileSHA256 = hash
	s.Period = strings.TrimSpace(s.Period)
	s.Unit = strings.TrimSpace(s.Unit)
	if s.Period != "" {
		if _, err := plan.ParsePeriod(s.Period); err != nil {
			return s, err
		}
	}
	if s.Accepted && (s.Period == "" || s.Unit == "") {
		return s, errors.New("an accepted submission needs a period and a unit")
	}
	if s.ReceivedAt.IsZero() {
		return s, errors.New("received time is missing")
	}
	s.ReceivedAt = s.ReceivedAt.UTC()
	s.FileName = SanitiseName(s.FileName)
	s.Source = strings.TrimSpace(s.Source)
	return s, nil
}

// SubmissionByFile returns the submission recorded for the file, if any.
func (l *Ledger) SubmissionByFile(ctx context.Context, sha256sum string) (Submission, bool, error) {
	hash, err := normaliseHash(sha256sum)
	if err != nil {
		return Submission{}, false, fmt.Errorf("look up submission: %w", err)
	}
	s, ok, err := submissionByFile(ctx, l.reads, hash)
	if err != nil {
		return Submission{}, false, fmt.Errorf("look up submission of file %s: %w", hash, err)
	}
	return s, ok, nil
}

// Latest returns, by unit id, the latest accepted submission of every unit
// that has one for the period.
func (l *Ledger) Latest(ctx context.Context, period string) (map[string]Submission, error) {
	if _, err := plan.ParsePeriod(period); err != nil {
		return nil, fmt.Errorf("latest submissions: %w", err)
	}
	return latestSubmissions(ctx, l.reads, period)
}

func latestSubmissions(ctx context.Context, q querier, period string) (map[string]Submission, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions s
		WHERE period = ?1 AND accepted = 1 AND version = (
			SELECT MAX(version) FROM submissions m
			WHERE m.period = ?1 AND m.unit = s.unit AND m.accepted = 1)`, period)
	if err != nil {
		return nil, fmt.Errorf("latest submissions of %s: %w", period, err)
	}
	list, err := scanSubmissions(rows)
	if err != nil {
		return nil, fmt.Errorf("latest submissions of %s: %w", period, err)
	}
	out := make(map[string]Submission, len(list))
	for _, s := range list {
		out[s.Unit] = s
	}
	return out, nil
}

// Submissions returns every submission of the period, accepted and
// rejected, oldest first. Period "" lists the files that could not be
// attributed to a period.
func (l *Ledger) Submissions(ctx context.Context, period string) ([]Submission, error) {
	if period != "" {
		if _, err := plan.ParsePeriod(period); err != nil {
			return nil, fmt.Errorf("list submissions: %w", err)
		}
	}
	return submissionsOf(ctx, l.reads, period)
}

func submissionsOf(ctx context.Context, q querier, period string) ([]Submission, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE period = ? ORDER BY received_at, id`, period)
	if err != nil {
		return nil, fmt.Errorf("list submissions of %q: %w", period, err)
	}
	list, err := scanSubmissions(rows)
	if err != nil {
		return nil, fmt.Errorf("list submissions of %q: %w", period, err)
	}
	return list, nil
}

// ExtensionAsked returns the extension the unit asked for most recently
// in a file of the period: the date (YYYY-MM-DD) and the reason; found is
// false when it asked for none.
func (l *Ledger) ExtensionAsked(ctx context.Context, period, unit string) (until, reason string, found bool, err error) {
	var raw []byte
	err = l.reads.QueryRowContext(ctx, `SELECT extension FROM submissions
		WHERE period = ? AND unit = ? AND extension <> '' ORDER BY received_at DESC, id DESC LIMIT 1`, period, unit).Scan(&raw)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", "", false, nil
	case err != nil:
		return "", "", false, fmt.Errorf("reading %s's extension request for %s: %w", unit, period, err)
	}
	until, reason, err = decodeExtension(raw)
	return until, reason, err == nil, err
}

// LatestBefore returns the unit's latest accepted submission of the newest
// period strictly before period: the answers to carry forward.
func (l *Ledger) LatestBefore(ctx context.Context, unit, period string) (Submission, bool, error) {
	if _, err := plan.ParsePeriod(period); err != nil {
		return Submission{}, false, fmt.Errorf("previous submission: %w", err)
	}
	rows, err := l.reads.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions
		WHERE unit = ? AND accepted = 1 AND period < ?
		ORDER BY period DESC, version DESC LIMIT 1`, unit, period)
	if err != nil {
		return Submission{}, false, fmt.Errorf("previous submission of %s before %s: %w", unit, period, err)
	}
	list, err := scanSubmissions(rows)
	if err != nil {
		return Submission{}, false, fmt.Errorf("previous submission of %s before %s: %w", unit, period, err)
	}
	if len(list) == 0 {
		return Submission{}, false, nil
	}
	return list[0], true, nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func submissionByFile(ctx context.Context, q querier, hash string) (Submission, bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE file_sha256 = ?`, hash)
	if err != nil {
		return Submission{}, false, err
	}
	list, err := scanSubmissions(rows)
	if err != nil || len(list) == 0 {
		return Submission{}, false, err
	}
	return list[0], true, nil
}

// scanSubmissions reads and closes rows of submissionColumns. The JSON
// columns are scanned into reused buffers and decoded at once.
func scanSubmissions(rows *sql.Rows) ([]Submission, error) {
	defer rows.Close()
	var (
		out                          []Submission
		answers, problems, extension sql.RawBytes
	)
	for rows.Next() {
		var (
			s              Submission
			received       int64
			accepted, late int
		)
		if err := rows.Scan(&s.ID, &s.Period, &s.Unit, &s.FileSHA256, &s.FileName, &s.Source, &received,
			&accepted, &late, &s.Version, &s.Contact, &s.Phone, &answers, &problems, &extension); err != nil {
			return nil, err
		}
		s.ReceivedAt = fromNanos(received)
		s.Accepted, s.Late = accepted == 1, late == 1
		var err error
		if s.Answers, err = decodeAnswers(answers); err != nil {
			return nil, fmt.Errorf("submission %d: %w", s.ID, err)
		}
		if s.Problems, err = decodeProblems(problems); err != nil {
			return nil, fmt.Errorf("submission %d: %w", s.ID, err)
		}
		if s.ExtensionUntil, s.ExtensionReason, err = decodeExtension(extension); err != nil {
			return nil, fmt.Errorf("submission %d: %w", s.ID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Answer returns the submission's answer for the task; zero when it has
// none (a task it did not report, a closed one).
func (s Submission) Answer(taskID string) plan.Answer {
	for _, a := range s.Answers {
		if a.TaskID == taskID {
			return a
		}
	}
	return plan.Answer{}
}
