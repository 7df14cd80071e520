package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"
)

// periodLedger is a ledger with reports over several periods and years,
// a rejected file, messages of two periods, close-outs and extensions.
func periodLedger(t *testing.T) *Ledger {
	t.Helper()
	ctx := context.Background()
	l := openTest(t)
	at := t0
	next := func() time.Time { at = at.Add(time.Hour); return at }
	addAccepted(t, l, "2022-12", "kjj", next()) // last year: carried forward, not in the year so far
	addAccepted(t, l, "2023-03", "fgw", next())
	addAccepted(t, l, "2023-04", "fgw", next())
	addAccepted(t, l, "2023-04", "jtj", next())
	addAccepted(t, l, "2023-04", "jtj", next()) // a corrected version
	addAccepted(t, l, "2023-05", "fgw", next())
	sha := archiveText(t, l, "rejected")
	if _, _, err := l.AddSubmission(ctx, Submission{Period: "2023-05", Unit: "jtj", FileSHA256: sha, FileName: "jtj.xlsx", Source: "test",
		ReceivedAt: next(), Problems: []Problem{{Cell: "C4", Message: "进展为空"}}, ExtensionUntil: "2023-06-12", ExtensionReason: "数据未齐"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []OutMessage{
		{Key: "reminder/2023-05/fgw", Kind: "reminder", Period: "2023-05", Unit: "fgw"},
		{Key: "reminder/2023-05/jtj", Kind: "reminder", Period: "2023-05", Unit: "jtj"},
		{Key: "chase/2023-05/jtj/overdue-1", Kind: "overdue", Period: "2023-05", Unit: "jtj"},
		{Key: "reminder/2023-04/jtj", Kind: "reminder", Period: "2023-04", Unit: "jtj"},
	} {
		m.MessageID, m.From, m.To, m.CreatedAt = m.Key+"@metro.example", "duban@metro.example", []string{m.Unit + "@metro.example"}, next()
		m.FileSHA256 = archiveText(t, l, m.Key)
		if _, _, err := l.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.AddClosureEvent(ctx, ClosureEvent{Task: "T06", Action: ActionClose, Period: "2023-04", At: next()}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []ExtensionDecision{
		{Period: "2023-04", Unit: "kjj", Decision: ExtensionRefused, At: next()},
		{Period: "2023-05", Unit: "jtj", Decision: ExtensionGranted, Until: "2023-06-12", At: next()},
	} {
		if _, err := l.AddExtensionDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// ReadPeriod reads in one transaction what the single reads return one by one.
func TestReadPeriodMatchesTheSingleReads(t *testing.T) {
	ctx := context.Background()
	l := periodLedger(t)
	before := l.Queries()
	r, err := l.ReadPeriod(ctx, "2023-05", PeriodWants{YearSoFar: true, CarriedForward: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := l.Queries() - before; n != 6 {
		t.Errorf("ReadPeriod ran %d statements; want 6", n)
	}

	subs, _ := l.Submissions(ctx, "2023-05")
	if !reflect.DeepEqual(r.Submissions, subs) || len(subs) != 2 {
		t.Errorf("Submissions = %+v; want %+v", r.Submissions, subs)
	}
	out, _ := l.OutboxOf(ctx, "2023-05", "")
	if len(r.Outbox) != len(out) || len(out) != 3 {
		t.Errorf("Outbox has %d messages; want %d", len(r.Outbox), len(out))
	}
	for _, m := range out {
		got := r.Outbox[m.Key]
		if got.MessageID != m.MessageID || got.Kind != m.Kind || got.Unit != m.Unit || got.State != m.State || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("Outbox[%s] = %+v; want %+v", m.Key, got, m)
		}
	}
	closures, _ := l.ClosureEvents(ctx)
	if !reflect.DeepEqual(r.Closures, closures) || len(closures) != 1 {
		t.Errorf("Closures = %+v; want %+v", r.Closures, closures)
	}
	exts, _ := l.ExtensionDecisions(ctx, "2023-05")
	if !reflect.DeepEqual(r.Extensions, exts) || len(exts) != 1 {
		t.Errorf("Extensions = %+v; want %+v", r.Extensions, exts)
	}

	if got := slices.Sorted(maps.Keys(r.YearSoFar)); !slices.Equal(got, []string{"2023-03", "2023-04"}) {
		t.Errorf("YearSoFar periods = %v; want 2023-03 and 2023-04", got)
	}
	for period, got := range r.YearSoFar {
		want, _ := l.Latest(ctx, period)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("YearSoFar[%s] = %+v; want %+v", period, got, want)
		}
	}
	for _, unit := range []string{"fgw", "jtj", "kjj"} {
		want, found, _ := l.LatestBefore(ctx, unit, "2023-05")
		got, ok := r.CarriedForward[unit]
		if ok != found || !reflect.DeepEqual(got, want) {
			t.Errorf("CarriedForward[%s] = %+v, %v; want %+v, %v", unit, got, ok, want, found)
		}
	}
	if len(r.CarriedForward) != 3 || r.CarriedForward["jtj"].Version != 2 {
		t.Errorf("CarriedForward = %d units, jtj version %d; want 3 units, jtj's corrected version 2", len(r.CarriedForward), r.CarriedForward["jtj"].Version)
	}

	// Without wants, nothing but the period's own records.
	r, err = l.ReadPeriod(ctx, "2023-05", PeriodWants{})
	if err != nil || r.YearSoFar != nil || r.CarriedForward != nil || len(r.Submissions) != 2 {
		t.Errorf("ReadPeriod without wants = %+v, %v; want the period's records only", r, err)
	}
	if _, err := l.ReadPeriod(ctx, "2023-13", PeriodWants{}); err == nil {
		t.Error("ReadPeriod(2023-13) succeeded")
	}
}

// What commits while a read transaction runs is not seen by it: the
// decisions of one job are taken on one state of the ledger.
func TestReadTransactionSeesOneState(t *testing.T) {
	ctx := context.Background()
	l := periodLedger(t)
	err := l.inReadTx(ctx, func(tx *writeTx) error {
		first, err := submissionsOf(ctx, tx, "2023-05")
		if err != nil {
			return err
		}
		addAccepted(t, l, "2023-05", "kjj", t0.Add(100*time.Hour)) // committed meanwhile
		if now, _ := l.Submissions(ctx, "2023-05"); len(now) != len(first)+1 {
			t.Errorf("outside the transaction: %d submissions; want %d", len(now), len(first)+1)
		}
		again, err := submissionsOf(ctx, tx, "2023-05")
		if len(again) != len(first) {
			t.Errorf("inside the transaction: %d submissions, then %d; want the same", len(first), len(again))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadDecisionsAndOutboxByKeys(t *testing.T) {
	ctx := context.Background()
	l := periodLedger(t)
	d, err := l.ReadDecisions(ctx, "2023-01", "2023-12")
	if err != nil || len(d.Closures) != 1 || len(d.Extensions) != 2 || d.Extensions[0].Period != "2023-04" {
		t.Errorf("ReadDecisions = %+v, %v; want 1 close-out and 2 extensions, April's first", d, err)
	}
	before := l.Queries()
	got, err := l.OutboxByKeys(ctx, []string{"reminder/2023-05/jtj", "reminder/2023-04/jtj", "closure/1", `it's "quoted"`})
	if err != nil {
		t.Fatal(err)
	}
	if n := l.Queries() - before; n != 1 {
		t.Errorf("OutboxByKeys ran %d statements; want 1", n)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"reminder/2023-04/jtj", "reminder/2023-05/jtj"}) {
		t.Errorf("OutboxByKeys = %v; want the two reminders", keys)
	}
	if m := got["reminder/2023-05/jtj"]; m.MessageID != "reminder/2023-05/jtj@metro.example" || fmt.Sprint(m.To) != "[jtj@metro.example]" {
		t.Errorf("OutboxByKeys message = %+v", m)
	}
	if got, err := l.OutboxByKeys(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("OutboxByKeys(nil) = %v, %v", got, err)
	}
}
