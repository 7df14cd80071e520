package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLoginLinkIsSpentOnce(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	if err := l.AddLogin(ctx, "tok", "Office@Metro.example", t0, t0.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := l.AddLogin(ctx, "old", "office@metro.example", t0, t0.Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token string
		at          time.Time
		want        string // email, or "" for ErrLoginInvalid
	}{
		{"unknown", "nope", t0, ""},
		{"first use", "tok", t0.Add(time.Minute), "office@metro.example"},
		{"replayed", "tok", t0.Add(2 * time.Minute), ""},
		{"expired", "old", t0.Add(15 * time.Minute), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.UseLogin(ctx, tc.token, tc.at)
			if tc.want == "" {
				if !errors.Is(err, ErrLoginInvalid) {
					t.Errorf("UseLogin = %q, %v; want ErrLoginInvalid", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("UseLogin = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	var stored string
	if err := l.reads.QueryRowContext(ctx, `SELECT token_hash FROM desk_logins LIMIT 1`).Scan(&stored); err != nil || stored == "tok" || len(stored) != 64 {
		t.Errorf("the login token is stored as %q, %v; want its SHA-256", stored, err)
	}
}

func TestSessionIdleAndEnd(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	s := Session{Email: "office@metro.example", FormToken: "ft", CreatedAt: t0, SeenAt: t0}
	if err := l.AddSession(ctx, "sid", s); err != nil {
		t.Fatal(err)
	}
	idle := 8 * time.Hour
	for _, tc := range []struct {
		name string
		at   time.Time
		live bool
	}{
		{"fresh", t0.Add(time.Hour), true},
		{"seen an hour ago: still live after 7h more", t0.Add(8 * time.Hour), true},
		{"idle past 8 hours", t0.Add(17 * time.Hour), false},
	} {
		got, live, err := l.SessionOf(ctx, "sid", tc.at, idle)
		if err != nil || live != tc.live || (live && got.FormToken != "ft") {
			t.Errorf("%s: SessionOf = %+v, %v, %v; want live %v", tc.name, got, live, err, tc.live)
		}
	}
	if err := l.AddSession(ctx, "sid2", s); err != nil {
		t.Fatal(err)
	}
	if err := l.EndSession(ctx, "sid2", t0); err != nil {
		t.Fatal(err)
	}
	if _, live, _ := l.SessionOf(ctx, "sid2", t0, idle); live {
		t.Error("an ended session is still live")
	}
	if _, live, _ := l.SessionOf(ctx, "unknown", t0, idle); live {
		t.Error("an unknown session id is live")
	}
}

// TestVersionSeesEveryCommit: the version moves on a commit of this
// ledger's writer and on one by another process's ledger (another Open),
// and stays put otherwise.
func TestVersionSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, other := openAt(t, dir), openAt(t, dir)
	v0, err := l.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Version(ctx); v != v0 {
		t.Errorf("the version moved without a commit: %d → %d", v0, v)
	}
	if err := l.Audit(ctx, AuditEntry{At: t0, Action: "test"}); err != nil {
		t.Fatal(err)
	}
	v1, _ := l.Version(ctx)
	if v1 == v0 {
		t.Error("the version did not move on this ledger's own commit")
	}
	if err := other.Audit(ctx, AuditEntry{At: t0, Action: "test"}); err != nil {
		t.Fatal(err)
	}
	if v2, _ := l.Version(ctx); v2 == v1 {
		t.Error("the version did not move on another ledger's commit")
	}
}
