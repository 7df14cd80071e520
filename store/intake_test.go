package store

import (
	"context"
	"errors"

	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestUpgradeFromRelease4 opens a ledger written by the release before the
// intake-safety work (schema 4: duban demo's data directory, committed under
// testdata) with this binary: it migrates, every record reads back as it
// was, the new columns have their neutral values, and it keeps working.
func TestUpgradeFromRelease4(t *testing.T) {
	ctx := context.Background()
	l := openRelease(t, "testdata/ledger-release4.db")
	in, err := l.Inbound(ctx, "imap:127.0.0.1:INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if len(in) == 0 {
		// The demo's mailbox name carries its port: find it.
		var name string
		if err := l.reads.QueryRowContext(ctx, `SELECT mailbox FROM inbox LIMIT 1`).Scan(&name); err != nil {
			t.Fatalf("no inbox rows in the release-4 ledger: %v", err)
		}
		if in, err = l.Inbound(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if len(in) < 20 {
		t.Fatalf("Inbound = %d messages, want the demo's (at least 20)", len(in))
	}
	quarantined := 0
	for _, m := range in {
		if m.Stranger || m.Office != "" || m.Digest != "" || !m.PurgedAt.IsZero() {
			t.Errorf("upgraded message %s = %+v; want the new fields neutral", m.Key, m)
		}
		if m.Outcome == InQuarantine {
			quarantined++
		}
		if _, err := l.ReadArchived(ctx, m.RawSHA256); err != nil {
			t.Errorf("ReadArchived(%s) of upgraded message %s: %v", m.RawSHA256, m.Key, err)
		}
	}
	if quarantined == 0 {
		t.Error("the release-4 ledger holds no quarantined message; the demo's stranger was expected")
	}
	subs, err := l.Submissions(ctx, "2023-05")
	if err != nil || len(subs) < 13 {
		t.Fatalf("Submissions(2023-05) = %d, %v; want the demo's", len(subs), err)
	}
	// Old messages were told to the office one by one: no digest lists them.
	if pending, err := l.PendingDigest(ctx); err != nil || len(pending) != 0 {
		t.Errorf("PendingDigest after upgrade = %d, %v; want none", len(pending), err)
	}
	// It keeps working: a new message is recorded with the new fields.
	sha := archiveText(t, l, "after the upgrade")
	m, _, err := l.RecordInbound(ctx, InMessage{Mailbox: "cli", Key: "k", RawSHA256: sha, ReceivedAt: t0,
		From: "x@y.example", Outcome: InQuarantine, Stranger: true, Office: "未登记发件人", Size: 1234})
	if err != nil || !m.Stranger || m.Office != "未登记发件人" || m.Size != 1234 {
		t.Fatalf("RecordInbound after upgrade = %+v, %v", m, err)
	}
}

func TestSenderMessages(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	for i := range 5 {
		sha := archiveText(t, l, "m"+string(rune('a'+i)))
		at := t0.Add(time.Duration(i) * 20 * time.Minute) // 0, 20, 40, 60, 80 min
		if _, _, err := l.RecordInbound(ctx, InMessage{Mailbox: "m", Key: sha, RawSHA256: sha, ReceivedAt: at,
			From: "a@b.example", Outcome: InProcessed}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		from, until time.Duration
		want        int
	}{
		{-time.Minute, 80 * time.Minute, 5},
		{20 * time.Minute, 80 * time.Minute, 3}, // after 20 (excluded) up to 80 (included)
		{time.Hour, 2 * time.Hour, 1},
		{2 * time.Hour, 3 * time.Hour, 0},
	} {
		got, err := l.SenderMessages(ctx, "a@b.example", t0.Add(tc.from), t0.Add(tc.until))
		if err != nil || got != tc.want {
			t.Errorf("SenderMessages(%v, %v] = %d, %v; want %d", tc.from, tc.until, got, err, tc.want)
		}
	}
	if got, _ := l.SenderMessages(ctx, "other@b.example", t0.Add(-time.Hour), t0.Add(time.Hour)); got != 0 {
		t.Errorf("SenderMessages(other) = %d, want 0", got)
	}
}

func TestClaimDigest(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	record := func(key, office string, at time.Time) {
		t.Helper()
		sha := archiveText(t, l, key)
		if _, _, err := l.RecordInbound(ctx, InMessage{Mailbox: "m", Key: key, RawSHA256: sha, ReceivedAt: at,
			Outcome: InQuarantine, Office: office}); err != nil {
			t.Fatal(err)
		}
	}
	record("a", "未登记发件人", t0)
	record("b", "", t0.Add(time.Minute)) // nothing to tell
	record("c", "退信", t0.Add(2*time.Minute))
	got, err := l.ClaimDigest(ctx, "digest/2023-06-01")
	if err != nil || len(got) != 2 || got[0].Key != "a" || got[1].Key != "c" || got[0].Digest != "digest/2023-06-01" {
		t.Fatalf("ClaimDigest = %+v, %v; want a and c", got, err)
	}
	// Claimed again (a crash before the mail was queued): the same ones.
	again, err := l.ClaimDigest(ctx, "digest/2023-06-01")
	if err != nil || len(again) != 2 {
		t.Errorf("ClaimDigest again = %d, %v; want the same 2", len(again), err)
	}
	record("d", "未登记发件人", t0.Add(3*time.Hour))
	pending, _ := l.PendingDigest(ctx)
	if len(pending) != 1 || pending[0].Key != "d" {
		t.Errorf("PendingDigest = %+v; want d", pending)
	}
	next, _ := l.ClaimDigest(ctx, "digest/2023-06-02")
	if len(next) != 1 || next[0].Key != "d" {
		t.Errorf("next day's ClaimDigest = %+v; want d only", next)
	}
}

func TestPurgeStrangers(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	old, recent := t0, t0.Add(100*24*time.Hour)
	cutoff := t0.Add(10 * 24 * time.Hour)
	rec := func(key, raw string, at time.Time, stranger bool) string {
		t.Helper()
		f, _, err := l.Archive(ctx, []byte(raw), "message.eml", "test", at)
		if err != nil {
			t.Fatal(err)
		}
		out := InQuarantine
		if !stranger {
			out = InProcessed
		}
		if _, _, err := l.RecordInbound(ctx, InMessage{Mailbox: "m", Key: key, RawSHA256: f.SHA256, ReceivedAt: at,
			Outcome: out, Stranger: stranger}); err != nil {
			t.Fatal(err)
		}
		return f.SHA256
	}
	gone := rec("old-stranger", "spam", old, true)
	young := rec("young-stranger", "newer spam", recent, true)
	unit := rec("old-unit", "a unit's report", old, false)
	shared := rec("old-stranger-shared", "same bytes", old, true)
	rec("unit-shared", "same bytes", old, false) // the office ingested it again from a unit

	n, err := l.PurgeStrangers(ctx, cutoff, recent)
	if err != nil || n != 2 {
		t.Fatalf("PurgeStrangers = %d, %v; want 2 (the old strangers' messages)", n, err)
	}
	if _, err := l.ReadArchived(ctx, gone); !errors.Is(err, ErrNotArchived) {
		t.Errorf("ReadArchived(old stranger) = %v, want ErrNotArchived", err)
	}
	for name, sha := range map[string]string{"young stranger": young, "unit": unit, "shared with a unit": shared} {
		if _, err := l.ReadArchived(ctx, sha); err != nil {
			t.Errorf("ReadArchived(%s) after purge = %v, want kept", name, err)
		}
	}
	m, _, _ := l.InboundByKey(ctx, "m", "old-stranger")
	if m.PurgedAt.IsZero() {
		t.Errorf("purged message has no PurgedAt: %+v", m)
	}
	if n, _ := l.PurgeStrangers(ctx, cutoff, recent); n != 0 {
		t.Errorf("PurgeStrangers again = %d, want 0", n)
	}
}

// TestLockExcludes: two holders of one named lock never overlap, whether
// goroutines of one process or not; a second name is independent.
func TestLockExcludes(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := l.Lock(ctx, LockIntake, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Errorf("%d overlapping holders of the intake lock", overlaps.Load())
	}
	unlock, err := l.Lock(ctx, LockIntake, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	other, err := l.Lock(ctx, LockSend, nil)
	if err != nil {
		t.Fatalf("Lock(send) while intake is held: %v", err)
	}
	other()
	waited := false
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(short, LockIntake, func() { waited = true }); err == nil || !waited {
		t.Errorf("Lock(intake) while held = %v (waited %v); want a timeout after waiting", err, waited)
	}
}

func TestArchiveReceivedCountsAttempts(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	raw := []byte("Subject: x\n\nbody")
	for want := 1; want <= 3; want++ {
		f, n, err := l.ArchiveReceived(ctx, raw, "mail:m:k", t0, "m", "k")
		if err != nil || n != want || f.Size != int64(len(raw)) {
			t.Fatalf("ArchiveReceived #%d = %+v, %d, %v; want attempt %d", want, f, n, err, want)
		}
	}
	f, _, _ := l.ArchiveReceived(ctx, raw, "mail:m:k", t0, "m", "other")
	if _, _, err := l.RecordInbound(ctx, InMessage{Mailbox: "m", Key: "k", RawSHA256: f.SHA256, ReceivedAt: t0, Outcome: InProcessed}); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := l.ArchiveReceived(ctx, raw, "mail:m:k", t0, "m", "k"); n != 1 {
		t.Errorf("attempts after the decision was recorded = %d, want 1 (forgotten)", n)
	}
	if _, n, _ := l.ArchiveReceived(ctx, raw, "mail:m:k", t0, "m", "other"); n != 2 {
		t.Errorf("attempts of another key = %d, want 2", n)
	}
}
