package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// fillPeriod records one accepted submission of answersEach answers for each
// of units units in period. The files rows are inserted directly: archiving
// 2,000 files would measure fsync, not the ledger.
func fillPeriod(b *testing.B, l *Ledger, period string, units, answersEach int) {
	b.Helper()
	ctx := context.Background()
	shas := make([]string, units)
	tx, err := l.write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range shas {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s unit %d", period, i))
		shas[i] = hex.EncodeToString(sum[:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO files (sha256, size, name, source, first_seen) VALUES (?, 1, 'x.xlsx', 'bench', 0)`, shas[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for i, sha := range shas {
		unit := fmt.Sprintf("u%04d", i)
		if _, _, err := l.AddSubmission(ctx, Submission{Period: period, Unit: unit, FileSHA256: sha,
			FileName: unit + ".xlsx", Source: "bench", ReceivedAt: t0, Accepted: true, Answers: answers(unit, answersEach)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLatest2000 loads the latest submissions of a province-wide
// period: 2,000 units × 15 answers.
func BenchmarkLatest2000(b *testing.B) {
	ctx := context.Background()
	l := openTest(b)
	fillPeriod(b, l, "2023-05", 2000, 15)
	b.ResetTimer()
	for b.Loop() {
		got, err := l.Latest(ctx, "2023-05")
		if err != nil || len(got) != 2000 {
			b.Fatalf("Latest() = %d, %v; want 2000", len(got), err)
		}
	}
}

// BenchmarkAddSubmission measures one recorded decision (15 answers).
func BenchmarkAddSubmission(b *testing.B) {
	ctx := context.Background()
	l := openTest(b)
	sha := archiveText(b, l, "bench file")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// A fresh file hash each time would need archiving; a duplicate would
		// write nothing. Insert the row directly, then time AddSubmission.
		b.StopTimer()
		sum := sha256.Sum256(fmt.Appendf(nil, "%s %d", sha, i))
		h := hex.EncodeToString(sum[:])
		if _, err := l.write.ExecContext(ctx, `INSERT INTO files (sha256, size, name, source, first_seen) VALUES (?, 1, 'x', 'bench', 0)`, h); err != nil {
			b.Fatal(err)
		}
		i++
		b.StartTimer()
		if _, _, err := l.AddSubmission(ctx, Submission{Period: "2023-05", Unit: "fgw", FileSHA256: h,
			ReceivedAt: t0, Accepted: true, Answers: answers("fgw", 15)}); err != nil {
			b.Fatal(err)
		}
	}
}
