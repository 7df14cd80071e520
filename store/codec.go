package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/duban/duban/plan"
)

// Times are stored as UTC unix nanoseconds and returned in UTC; callers
// convert to the schedule's zone.
func toNanos(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// answerRecord is the stored form of a plan.Answer. The JSON keys are part
// of the ledger format: they must not change when plan's field names do.
type answerRecord struct {
	TaskID    string         `json:"task"`
	Progress  string         `json:"progress,omitempty"`
	Status    string         `json:"status,omitempty"`
	Issues    string         `json:"issues,omitempty"`
	NextSteps string         `json:"next,omitempty"`
	Counts    map[string]int `json:"counts,omitempty"`
	Before    map[string]int `json:"before,omitempty"` // added with template version 2; absent before
}

// problemRecord is the stored form of a Problem.
type problemRecord struct {
	Cell    string `json:"cell,omitempty"`
	TaskID  string `json:"task,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func encodeAnswers(as []plan.Answer) (string, error) {
	recs := make([]answerRecord, len(as))
	for i, a := range as {
		recs[i] = answerRecord{
			TaskID:    a.TaskID,
			Progress:  a.Progress,
			Status:    string(a.Status),
			Issues:    a.Issues,
			NextSteps: a.NextSteps,
			Counts:    a.Counts,
			Before:    a.Before,
		}
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return "", fmt.Errorf("encode answers: %w", err)
	}
	return string(b), nil
}

func decodeAnswers(b []byte) ([]plan.Answer, error) {
	if string(b) == "[]" {
		return nil, nil
	}
	var recs []answerRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("decode answers: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	as := make([]plan.Answer, len(recs))
	for i, r := range recs {
		as[i] = plan.Answer{
			TaskID:    r.TaskID,
			Progress:  r.Progress,
			Status:    plan.Status(r.Status),
			Issues:    r.Issues,
			NextSteps: r.NextSteps,
			Counts:    r.Counts,
			Before:    r.Before,
		}
	}
	return as, nil
}

func encodeProblems(ps []Problem) (string, error) {
	recs := make([]problemRecord, len(ps))
	for i, p := range ps {
		recs[i] = problemRecord(p)
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return "", fmt.Errorf("encode problems: %w", err)
	}
	return string(b), nil
}

func decodeProblems(b []byte) ([]Problem, error) {
	if string(b) == "[]" {
		return nil, nil
	}
	var recs []problemRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("decode problems: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	ps := make([]Problem, len(recs))
	for i, r := range recs {
		ps[i] = Problem(r)
	}
	return ps, nil
}

// extensionRecord is the stored form of the extension a unit asked for in
// its workbook.
type extensionRecord struct {
	Until  string `json:"until,omitempty"` // YYYY-MM-DD, or as written when unreadable
	Reason string `json:"reason,omitempty"`
}

func encodeExtension(until, reason string) (string, error) {
	if until == "" && reason == "" {
		return "", nil
	}
	b, err := json.Marshal(extensionRecord{Until: until, Reason: reason})
	if err != nil {
		return "", fmt.Errorf("encode extension: %w", err)
	}
	return string(b), nil
}

func decodeExtension(b []byte) (until, reason string, err error) {
	if len(b) == 0 {
		return "", "", nil
	}
	var r extensionRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return "", "", fmt.Errorf("decode extension: %w", err)
	}
	return r.Until, r.Reason, nil
}
