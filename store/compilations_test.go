package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAddCompilation(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	a, b := archiveText(t, l, "compiled A"), archiveText(t, l, "compiled B")
	if _, ok, err := l.LatestCompilation(ctx, "2023-05"); ok || err != nil {
		t.Fatalf("LatestCompilation() before any = %v, %v; want none", ok, err)
	}
	for i, tc := range []struct {
		name        string
		period, sha string
		wantVersion int
		wantAt      int // index of the step whose time the result carries
	}{
		{"first", "2023-05", a, 1, 0},
		{"unchanged content keeps v1", "2023-05", a, 1, 0},
		{"new content", "2023-05", b, 2, 2},
		{"back to old content is new again", "2023-05", a, 3, 3},
		{"other period", "2023-06", b, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := t0.Add(time.Duration(i) * time.Hour)
			got, err := l.AddCompilation(ctx, Compilation{Period: tc.period, Version: 77, FileSHA256: tc.sha, CreatedAt: at, Note: tc.name})
			wantAt := t0.Add(time.Duration(tc.wantAt) * time.Hour)
			if err != nil || got.Version != tc.wantVersion || got.FileSHA256 != tc.sha || !got.CreatedAt.Equal(wantAt) {
				t.Errorf("AddCompilation(%s, %.8s) = v%d %.8s at %v, %v; want v%d at %v",
					tc.period, tc.sha, got.Version, got.FileSHA256, got.CreatedAt, err, tc.wantVersion, wantAt)
			}
			latest, ok, err := l.LatestCompilation(ctx, tc.period)
			if err != nil || !ok || latest != got {
				t.Errorf("LatestCompilation(%s) = %+v, %v, %v; want %+v", tc.period, latest, ok, err, got)
			}
		})
	}
}

func TestAddCompilationInvalid(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	sha := archiveText(t, l, "compiled")
	for _, tc := range []struct {
		name string
		c    Compilation
		want string
	}{
		{"bad period", Compilation{Period: "2023", FileSHA256: sha, CreatedAt: t0}, "want YYYY-MM"},
		{"bad hash", Compilation{Period: "2023-05", FileSHA256: "zz", CreatedAt: t0}, "not a sha256"},
		{"no time", Compilation{Period: "2023-05", FileSHA256: sha}, "creation time"},
		{"not archived", Compilation{Period: "2023-05", FileSHA256: strings.Repeat("ef", 32), CreatedAt: t0}, ErrNotArchived.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.AddCompilation(ctx, tc.c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AddCompilation(%+v) error = %v, want it to mention %q", tc.c, err, tc.want)
			}
			if tc.name == "not archived" && !errors.Is(err, ErrNotArchived) {
				t.Errorf("AddCompilation(unarchived) error = %v, want ErrNotArchived", err)
			}
		})
	}
}
