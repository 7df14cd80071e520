package store

import (
	"context"
	"testing"
	"time"
)

func TestClosureEventsLogged(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	events := []ClosureEvent{
		{Task: "T03", Action: ActionClose, Period: "2023-05", Note: "已核实", At: t0},
		{Task: "T03", Action: ActionReopen, Period: "2023-07", Note: "发现返工", At: t0.Add(time.Hour)},
		{Task: "T07", Action: ActionClose, Period: "2023-06", At: t0.Add(2 * time.Hour)},
	}
	for _, e := range events {
		if _, err := l.AddClosureEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.ClosureEvents(ctx)
	if err != nil || len(got) != len(events) {
		t.Fatalf("ClosureEvents = %d events, %v; want %d", len(got), err, len(events))
	}
	for i, e := range got {
		if e.Task != events[i].Task || e.Action != events[i].Action || e.Period != events[i].Period ||
			e.Note != events[i].Note || !e.At.Equal(events[i].At) || e.ID == 0 {
			t.Errorf("event %d = %+v; want %+v", i, e, events[i])
		}
	}
	for _, bad := range []ClosureEvent{
		{Action: ActionClose, Period: "2023-05", At: t0},
		{Task: "T01", Action: "delete", Period: "2023-05", At: t0},
		{Task: "T01", Action: ActionClose, Period: "2023-13", At: t0},
		{Task: "T01", Action: ActionClose, Period: "2023-05"},
	} {
		if _, err := l.AddClosureEvent(ctx, bad); err == nil {
			t.Errorf("AddClosureEvent(%+v) accepted", bad)
		}
	}
}

func TestExtensionDecisions(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	for _, d := range []ExtensionDecision{
		{Period: "2023-05", Unit: "jtj", Decision: ExtensionGranted, Until: "2023-06-20", Note: "同意", At: t0},
		{Period: "2023-05", Unit: "fgw", Decision: ExtensionRefused, Until: "2023-06-20", At: t0.Add(time.Minute)},
		{Period: "2023-06", Unit: "jtj", Decision: ExtensionGranted, Until: "2023-07-20", At: t0.Add(2 * time.Minute)},
	} {
		if _, err := l.AddExtensionDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.ExtensionDecisions(ctx, "2023-05")
	if err != nil || len(got) != 2 {
		t.Fatalf("ExtensionDecisions(2023-05) = %+v, %v; want 2", got, err)
	}
	if got[0].Unit != "jtj" || got[0].Until != "2023-06-20" || got[1].Decision != ExtensionRefused || got[1].Until != "" {
		t.Errorf("ExtensionDecisions(2023-05) = %+v; a refusal carries no date", got)
	}
	for _, bad := range []ExtensionDecision{
		{Period: "2023-05", Unit: "jtj", Decision: ExtensionGranted, Until: "6月20日", At: t0},
		{Period: "2023-05", Unit: "jtj", Decision: "maybe", At: t0},
		{Period: "2023-05", Decision: ExtensionRefused, At: t0},
		{Period: "x", Unit: "jtj", Decision: ExtensionRefused, At: t0},
	} {
		if _, err := l.AddExtensionDecision(ctx, bad); err == nil {
			t.Errorf("AddExtensionDecision(%+v) accepted", bad)
		}
	}
}

// A file that only asks for more time keeps its request across the ledger.
func TestSubmissionExtensionStored(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	s, _, err := l.AddSubmission(ctx, Submission{
		Period: "2023-05", Unit: "jtj", FileSHA256: archiveText(t, l, "request"), FileName: "x.xlsx",
		Source: "test", ReceivedAt: t0, ExtensionUntil: "2023-06-20", ExtensionReason: "数据待统计局核定",
	})
	if err != nil {
		t.Fatal(err)
	}
	until, reason, found, err := l.ExtensionAsked(ctx, "2023-05", "jtj")
	if err != nil || !found || until != "2023-06-20" || reason != "数据待统计局核定" {
		t.Errorf("ExtensionAsked = %q, %q, %v, %v; want the request", until, reason, found, err)
	}
	if all, err := l.Submissions(ctx, "2023-05"); err != nil || len(all) != 1 || all[0].Unit != "jtj" || all[0].ExtensionUntil != "2023-06-20" {
		t.Errorf("Submissions = %+v, %v; want jtj's request", all, err)
	}
	if _, _, found, err := l.ExtensionAsked(ctx, "2023-05", "fgw"); found || err != nil {
		t.Errorf("ExtensionAsked(unit that asked nothing) = found %v, %v", found, err)
	}
	back, ok, err := l.SubmissionByFile(ctx, s.FileSHA256)
	if err != nil || !ok || back.ExtensionUntil != "2023-06-20" || back.ExtensionReason != "数据待统计局核定" || !back.RequestOnly() {
		t.Errorf("SubmissionByFile = %+v, %v, %v; want the request kept and RequestOnly", back, ok, err)
	}
}
