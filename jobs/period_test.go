package jobs

import (
	"testing"
	"time"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/store"
)

// The chase decides from a period's state alone: these cases build the
// state by hand, with no ledger, and read each unit's line.
func TestChaseStepsDecideFromState(t *testing.T) {
	c := &Cycle{Plan: testPlan(), Schedule: testSchedule(t)}
	c.Schedule.Chase = plan.Chase{BeforeDeadline: 1, OverdueEveryDays: 3, MaxOverdueNotices: 3}
	p := plan.Period{Year: 2023, Month: time.May}
	var overdue plan.Rung
	for _, r := range c.Schedule.Rungs(p) {
		if r.Overdue == 1 {
			overdue = r
		}
	}
	now := overdue.At // the working day after the deadline (June 7, the fifth working day)
	if want := "2023-06-08 09:00"; now.Format(layoutMinute) != want {
		t.Fatalf("first overdue notice at %s; want %s", now.Format(layoutMinute), want)
	}
	reminded := func(unit string, at time.Time) store.OutMessage {
		return store.OutMessage{Key: reminderKey(p, unit), Kind: string(kindReminder), MessageID: "rem-" + unit, CreatedAt: at}
	}
	remindAt := c.Schedule.RemindAt(p)
	tests := []struct {
		name       string
		records    store.PeriodRecords
		wantAction string // "" when the chase is to be queued
		wantRung   string
		wantDay    string // the deadline day the chase states
	}{
		{
			name:     "reminded, no report: chased",
			records:  store.PeriodRecords{Outbox: map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)}},
			wantRung: "overdue-1", wantDay: "2023-06-07",
		},
		{
			name: "this rung already went out",
			records: store.PeriodRecords{Outbox: map[string]store.OutMessage{
				reminderKey(p, "jtj"):           reminded("jtj", remindAt),
				chaseKey(p, "jtj", "overdue-1"): {Key: chaseKey(p, "jtj", "overdue-1"), MessageID: "chase-jtj"},
			}},
			wantAction: "already sent", wantRung: "overdue-1",
		},
		{
			name: "an accepted report came",
			records: store.PeriodRecords{
				Outbox:      map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Submissions: []store.Submission{{ID: 7, Period: p.String(), Unit: "jtj", Accepted: true, Version: 1}},
			},
			wantAction: "submitted", wantRung: "overdue-1",
		},
		{
			name: "only a rejected file came: still chased",
			records: store.PeriodRecords{
				Outbox:      map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Submissions: []store.Submission{{ID: 7, Period: p.String(), Unit: "jtj", Problems: []store.Problem{{Cell: "C4", Message: "进展为空"}}}},
			},
			wantRung: "overdue-1", wantDay: "2023-06-07",
		},
		{
			name: "every task it leads is closed out",
			records: store.PeriodRecords{
				Outbox: map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Closures: []store.ClosureEvent{
					{ID: 1, Task: "T04", Action: store.ActionClose, Period: "2023-04"},
					{ID: 2, Task: "T05", Action: store.ActionClose, Period: "2023-04"},
				},
			},
			wantAction: "all tasks closed", wantRung: "overdue-1",
		},
		{
			name:       "never reminded (the daemon was down)",
			records:    store.PeriodRecords{Outbox: map[string]store.OutMessage{}},
			wantAction: "reminded after this rung was due", wantRung: "overdue-1",
		},
		{
			name:       "reminded after the rung fell due",
			records:    store.PeriodRecords{Outbox: map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", now.Add(time.Minute))}},
			wantAction: "reminded after this rung was due", wantRung: "overdue-1",
		},
		{
			name: "extended to June 12 (Monday): nothing due on its own ladder yet",
			records: store.PeriodRecords{
				Outbox:     map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Extensions: []store.ExtensionDecision{{ID: 1, Period: p.String(), Unit: "jtj", Decision: store.ExtensionGranted, Until: "2023-06-12"}},
			},
			wantAction: "extended",
		},
		{
			name: "extended to June 9: its own pre-deadline reminder is due",
			records: store.PeriodRecords{
				Outbox:     map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Extensions: []store.ExtensionDecision{{ID: 1, Period: p.String(), Unit: "jtj", Decision: store.ExtensionGranted, Until: "2023-06-09"}},
			},
			wantRung: "before", wantDay: "2023-06-09",
		},
		{
			name: "extension refused: the period's ladder",
			records: store.PeriodRecords{
				Outbox:     map[string]store.OutMessage{reminderKey(p, "jtj"): reminded("jtj", remindAt)},
				Extensions: []store.ExtensionDecision{{ID: 1, Period: p.String(), Unit: "jtj", Decision: store.ExtensionRefused}},
			},
			wantRung: "overdue-1", wantDay: "2023-06-07",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.records.Period = p.String()
			s := c.stateOf(p, tt.records)
			var got *chaseStep
			for _, st := range c.chaseSteps(s, overdue, now) {
				if st.Unit.ID == "jtj" {
					got = &st
				}
			}
			if got == nil {
				t.Fatal("no line for jtj")
			}
			if got.Action != tt.wantAction || got.rung.Name != tt.wantRung {
				t.Errorf("jtj: action %q on rung %q; want %q on %q", got.Action, got.rung.Name, tt.wantAction, tt.wantRung)
			}
			if tt.wantAction != "" {
				return
			}
			if want := chaseKey(p, "jtj", tt.wantRung); got.key != want {
				t.Errorf("key %q; want %q", got.key, want)
			}
			if day := got.deadline.Format(time.DateOnly); day != tt.wantDay {
				t.Errorf("deadline %s; want %s", day, tt.wantDay)
			}
		})
	}
}
