package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

// t0 is a fixed instant the tests count from.
var t0 = time.Date(2023, 6, 1, 9, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *Ledger {
	t.Helper()
	return openAt(t, t.TempDir())
}

func openAt(t testing.TB, dir string) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// archiveText archives a small distinct file and returns its hash.
func archiveText(t testing.TB, l *Ledger, text string) string {
	t.Helper()
	return archiveTextIn(t, l, context.Background(), text).SHA256
}

// archiveTextIn archives text as the file text+".xlsx" within ctx (a batch's).
func archiveTextIn(t testing.TB, l *Ledger, ctx context.Context, text string) File {
	t.Helper()
	f, _, err := l.Archive(ctx, []byte(text), text+".xlsx", "test", t0)
	if err != nil {
		t.Fatalf("Archive(%q): %v", text, err)
	}
	return f
}

// answers makes n answers for a unit, distinct per task.
func answers(unit string, n int) []plan.Answer {
	out := make([]plan.Answer, n)
	for i := range out {
		out[i] = plan.Answer{
			TaskID:    fmt.Sprintf("T%02d", i+1),
			Progress:  fmt.Sprintf("%s 第%d项任务本月完成了调研、方案起草和征求意见，正在按计划推进。", unit, i+1),
			Status:    plan.Statuses[i%len(plan.Statuses)],
			Issues:    "资金到位较慢",
			NextSteps: "下月完成方案报批",
		}
	}
	return out
}

// addAccepted records an accepted submission of a fresh file.
func addAccepted(t testing.TB, l *Ledger, period, unit string, at time.Time) Submission {
	t.Helper()
	sha := archiveText(t, l, fmt.Sprintf("%s %s %d", period, unit, at.UnixNano()))
	s, dup, err := l.AddSubmission(context.Background(), Submission{
		Period: period, Unit: unit, FileSHA256: sha, FileName: unit + ".xlsx", Source: "test",
		ReceivedAt: at, Accepted: true, Answers: answers(unit, 2),
	})
	if err != nil || dup {
		t.Fatalf("AddSubmission(%s, %s) = dup %v, err %v", period, unit, dup, err)
	}
	return s
}

// openRelease opens a copy of a ledger an earlier release wrote (under
// testdata) with this binary, and checks that it migrated to the latest
// schema.
func openRelease(t *testing.T, path string) *Ledger {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ledgerFile), src, 0o600); err != nil {
		t.Fatal(err)
	}
	l := openAt(t, dir)
	if v, err := l.SchemaVersion(context.Background()); err != nil || v != len(migrations()) {
		t.Fatalf("SchemaVersion() of %s after upgrade = %d, %v; want %d", path, v, err, len(migrations()))
	}
	return l
}
