package reader

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Fill writes a unit's answers into its template the way a person would:
// into the cells found by their labels and header texts, leaving the rest
// untouched; an indicator's count (量化指标) is written when the answer
// carries it, and the total before the period, where the template asks
// for it, from the answer's Before (0 when it has none). The demo and the
// end-to-end tests use it to play the units.
func Fill(template []byte, contact, phone string, answers []plan.Answer) ([]byte, error) {
	r := Parse(template, reports.Limits{})
	if r.Fatal {
		return nil, fmt.Errorf("filling a template: %s", r.Problems[0].Message)
	}
	rows := make(map[string]Row, len(r.Rows))
	for _, row := range r.Rows {
		rows[row.Answer.TaskID] = row
	}
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		return nil, fmt.Errorf("opening the template: %w", err)
	}
	defer f.Close()
	set := func(ref, v string) {
		if err == nil && ref != "" {
			err = f.SetCellStr(r.Sheet, ref, v)
		}
	}
	set(r.ContactCell, contact)
	set(r.PhoneCell, phone)
	for _, a := range answers {
		row, ok := rows[a.TaskID]
		if !ok {
			return nil, fmt.Errorf("filling a template: task %s is not in it", a.TaskID)
		}
		set(row.Cells[reports.HeaderProgress], a.Progress)
		set(row.Cells[reports.HeaderStatus], string(a.Status))
		set(row.Cells[reports.HeaderIssues], a.Issues)
		set(row.Cells[reports.HeaderNextSteps], a.NextSteps)
	}
	byTask := make(map[string]plan.Answer, len(answers))
	for _, a := range answers {
		byTask[a.TaskID] = a
	}
	for _, c := range r.Counts {
		a, answered := byTask[c.TaskID]
		if n, ok := a.Counts[c.Name]; ok {
			set(c.Cell, fmt.Sprint(n))
		}
		if answered && c.Before == "" { // asked: the template shows the total otherwise
			set(c.BeforeCell, fmt.Sprint(a.Before[c.Name]))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("filling a template: %w", err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("writing the filled template: %w", err)
	}
	return b.Bytes(), nil
}

// FillExtensionRequest writes a request for more time (申请延期至, 延期理由)
// and the contact into a template, leaving the task rows empty: what a unit
// sends when it cannot report by the deadline.
func FillExtensionRequest(template []byte, contact, phone, until, reason string) ([]byte, error) {
	r := parse(template, reports.Limits{}, true)
	if r.Fatal {
		return nil, fmt.Errorf("filling a template: %s", r.Problems[0].Message)
	}
	if r.ExtensionCell == "" || r.ReasonCell == "" {
		return nil, fmt.Errorf("filling a template: it has no extension request cells")
	}
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		return nil, fmt.Errorf("opening the template: %w", err)
	}
	defer f.Close()
	for _, c := range [][2]string{{r.ContactCell, contact}, {r.PhoneCell, phone}, {r.ExtensionCell, until}, {r.ReasonCell, reason}} {
		if c[0] == "" {
			continue
		}
		if err := f.SetCellStr(r.Sheet, c[0], c[1]); err != nil {
			return nil, fmt.Errorf("filling a template: %w", err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("writing the filled template: %w", err)
	}
	return b.Bytes(), nil
}
