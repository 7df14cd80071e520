package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

func TestAddSubmissionRoundTrip(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	sha := archiveText(t, l, "fgw may")
	shanghai := time.FixedZone("CST", 8*3600)
	in := Submission{
		ID: 999, Version: 42, // ignored
		Period: "2023-05", Unit: "fgw", FileSHA256: strings.ToUpper(sha), FileName: "发改委\n5月.xlsx",
		Source: "imap:INBOX:1234", ReceivedAt: time.Date(2023, 6, 5, 23, 59, 59, 999999999, shanghai),
		Accepted: true, Late: true, Contact: "张三", Phone: "0571-8888 8888",
		Answers: []plan.Answer{
			{TaskID: "T01", Progress: "=SUM(A1)\n第二行", Status: plan.StatusOnTrack, Issues: "\"引号\"", NextSteps: "下步"},
			{TaskID: "T02", Status: plan.StatusDone},
		},
		Problems: []Problem{{Cell: "G7", TaskID: "T02", Kind: "late_note", Message: "请补充说明"}},
	}
	saved, dup, err := l.AddSubmission(ctx, in)
	if err != nil || dup {
		t.Fatalf("AddSubmission() = dup %v, err %v", dup, err)
	}
	want := in
	want.ID, want.Version = saved.ID, 1
	want.FileSHA256, want.FileName = sha, "发改委 5月.xlsx"
	want.ReceivedAt = in.ReceivedAt.UTC()
	if saved.ID == 999 || !reflect.DeepEqual(saved, want) {
		t.Errorf("AddSubmission() = %+v, want %+v", saved, want)
	}
	got, ok, err := l.SubmissionByFile(ctx, sha)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("SubmissionByFile() = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if got.ReceivedAt.Location() != time.UTC || !got.ReceivedAt.Equal(in.ReceivedAt) {
		t.Errorf("ReceivedAt = %v, want %v in UTC", got.ReceivedAt, in.ReceivedAt)
	}
	if _, ok, err := l.SubmissionByFile(ctx, strings.Repeat("0", 64)); ok || err != nil {
		t.Errorf("SubmissionByFile(unknown) = %v, %v; want not found", ok, err)
	}
}

// Every field of plan.Answer survives the ledger. Fails when plan.Answer
// gains a field the stored form does not carry.
func TestAnswerFieldsAllStored(t *testing.T) {
	var a plan.Answer
	v := reflect.ValueOf(&a).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(fmt.Sprintf("值%d", i))
		case reflect.Map: // Counts
			f.Set(reflect.ValueOf(map[string]int{fmt.Sprintf("指标%d", i): i}))
		default:
			t.Fatalf("plan.Answer.%s is a %v; teach store's answerRecord about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	enc, err := encodeAnswers([]plan.Answer{a})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := decodeAnswers([]byte(enc))
	if err != nil || len(dec) != 1 || !reflect.DeepEqual(dec[0], a) {
		t.Errorf("decodeAnswers(encodeAnswers(%+v)) = %+v, %v (stored as %s)", a, dec, err, enc)
	}
}

func TestAddSubmissionVersions(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	for i, tc := range []struct {
		name         string
		period, unit string
		accepted     bool
		wantVersion  int
	}{
		{"first", "2023-05", "fgw", true, 1},
		{"rejected gets 0", "2023-05", "fgw", false, 0},
		{"second accepted", "2023-05", "fgw", true, 2},
		{"other unit starts at 1", "2023-05", "jtj", true, 1},
		{"other period starts at 1", "2023-06", "fgw", true, 1},
		{"unattributed rejection", "", "", false, 0},
		{"third accepted", "2023-05", "fgw", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dup, err := l.AddSubmission(ctx, Submission{
				Period: tc.period, Unit: tc.unit, FileSHA256: archiveText(t, l, tc.name), FileName: "x.xlsx",
				Source: "test", ReceivedAt: t0.Add(time.Duration(i) * time.Minute), Accepted: tc.accepted,
			})
			if err != nil || dup || s.Version != tc.wantVersion {
				t.Errorf("AddSubmission(%s/%s accepted=%v) = version %d, dup %v, err %v; want version %d",
					tc.unit, tc.period, tc.accepted, s.Version, dup, err, tc.wantVersion)
			}
		})
	}
}

// The same file twice is one submission: the second call writes nothing,
// whatever else it says.
func TestAddSubmissionDuplicateFile(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	first := addAccepted(t, l, "2023-05", "fgw", t0)
	again := first
	again.ReceivedAt = t0.Add(time.Hour)
	again.Source = "imap:INBOX:2"
	again.Accepted = false
	got, dup, err := l.AddSubmission(ctx, again)
	if err != nil || !dup || !reflect.DeepEqual(got, first) {
		t.Errorf("AddSubmission(same file) = %+v, dup %v, err %v; want %+v, dup true", got, dup, err, first)
	}
	all, err := l.Submissions(ctx, "2023-05")
	if err != nil || len(all) != 1 {
		t.Errorf("Submissions() = %d, %v; want 1", len(all), err)
	}
	next := addAccepted(t, l, "2023-05", "fgw", t0.Add(2*time.Hour))
	if next.Version != 2 {
		t.Errorf("version after a duplicate = %d, want 2", next.Version)
	}
}

func TestAddSubmissionInvalid(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	sha := archiveText(t, l, "valid file")
	valid := Submission{Period: "2023-05", Unit: "fgw", FileSHA256: sha, ReceivedAt: t0, Accepted: true}
	for _, tc := range []struct {
		name   string
		change func(*Submission)
		want   string
	}{
		{"bad hash", func(s *Submission) { s.FileSHA256 = "abc" }, "not a sha256"},
		{"bad period", func(s *Submission) { s.Period = "2023-5" }, "want YYYY-MM"},
		{"accepted without unit", func(s *Submission) { s.Unit = "" }, "needs a period and a unit"},
		{"accepted without period", func(s *Submission) { s.Period = "" }, "needs a period and a unit"},
		{"no time", func(s *Submission) { s.ReceivedAt = time.Time{} }, "received time"},
		{"not archived", func(s *Submission) { s.FileSHA256 = strings.Repeat("cd", 32) }, ErrNotArchived.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := valid
			tc.change(&s)
			_, _, err := l.AddSubmission(ctx, s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AddSubmission(%s) error = %v, want it to mention %q", tc.name, err, tc.want)
			}
		})
	}
	if _, _, err := l.AddSubmission(ctx, Submission{Period: "2023-05", Unit: "fgw", FileSHA256: strings.Repeat("cd", 32), ReceivedAt: t0}); !errors.Is(err, ErrNotArchived) {
		t.Errorf("AddSubmission(unarchived) error = %v, want ErrNotArchived", err)
	}
	if all, err := l.Submissions(ctx, "2023-05"); err != nil || len(all) != 0 {
		t.Errorf("Submissions() after only invalid adds = %d, %v; want none", len(all), err)
	}
}

// Concurrent accepted submissions of one (period, unit) get versions 1..n,
// with no SQLITE_BUSY: within one process (one write connection) and across
// two (busy_timeout plus BEGIN IMMEDIATE).
func TestConcurrentVersions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		processes int
	}{
		{"one process", 1},
		{"two processes", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			var ledgers []*Ledger
			for range tc.processes {
				ledgers = append(ledgers, openAt(t, dir))
			}
			const n = 8
			shas := make([]string, n)
			for i := range shas {
				shas[i] = archiveText(t, ledgers[0], fmt.Sprintf("concurrent %d", i))
			}
			versions := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					s, _, err := ledgers[i%len(ledgers)].AddSubmission(ctx, Submission{
						Period: "2023-05", Unit: "fgw", FileSHA256: shas[i], ReceivedAt: t0, Accepted: true,
						Answers: answers("fgw", 15),
					})
					if err != nil {
						t.Errorf("AddSubmission %d: %v", i, err)
					}
					versions[i] = s.Version
				})
			}
			close(start)
			wg.Wait()
			slices.Sort(versions)
			if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(versions, want) {
				t.Errorf("versions = %v, want %v", versions, want)
			}
		})
	}
}

func TestLatest(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	addAccepted(t, l, "2023-05", "fgw", t0)
	fgw2 := addAccepted(t, l, "2023-05", "fgw", t0.Add(time.Hour))
	jtj1 := addAccepted(t, l, "2023-05", "jtj", t0.Add(2*time.Hour))
	addAccepted(t, l, "2023-06", "fgw", t0.Add(3*time.Hour)) // another period
	// A rejection after an acceptance does not replace it, and a unit with
	// only rejections is absent.
	for _, unit := range []string{"jtj", "kjj"} {
		if _, _, err := l.AddSubmission(ctx, Submission{Period: "2023-05", Unit: unit,
			FileSHA256: archiveText(t, l, "rejected "+unit), ReceivedAt: t0.Add(4 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	got, err := l.Latest(ctx, "2023-05")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Submission{"fgw": fgw2, "jtj": jtj1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Latest(2023-05) = %v, want %v", versionsOf(got), versionsOf(want))
	}
	if got, err := l.Latest(ctx, "2023-07"); err != nil || len(got) != 0 {
		t.Errorf("Latest(2023-07) = %v, %v; want empty", got, err)
	}
	if _, err := l.Latest(ctx, "May"); err == nil {
		t.Error("Latest(May) succeeded, want a period error")
	}
}

func versionsOf(m map[string]Submission) map[string]string {
	out := map[string]string{}
	for k, s := range m {
		out[k] = fmt.Sprintf("id %d v%d", s.ID, s.Version)
	}
	return out
}

func TestSubmissionsOldestFirst(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	// Recorded out of order: a mail fetched late can carry an earlier time.
	late := addAccepted(t, l, "2023-05", "fgw", t0.Add(2*time.Hour))
	early := addAccepted(t, l, "2023-05", "jtj", t0)
	rejected, _, err := l.AddSubmission(ctx, Submission{Period: "2023-05", Unit: "kjj",
		FileSHA256: archiveText(t, l, "bad"), ReceivedAt: t0.Add(time.Hour),
		Problems: []Problem{{Cell: "G5", Kind: "status_invalid", Message: "完成状态请从下拉列表中选择"}}})
	if err != nil {
		t.Fatal(err)
	}
	stray, _, err := l.AddSubmission(ctx, Submission{FileSHA256: archiveText(t, l, "photo"), ReceivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	addAccepted(t, l, "2023-06", "fgw", t0)

	for _, tc := range []struct {
		period string
		want   []int64
	}{
		{"2023-05", []int64{early.ID, rejected.ID, late.ID}},
		{"", []int64{stray.ID}},
		{"2022-01", nil},
	} {
		got, err := l.Submissions(ctx, tc.period)
		var ids []int64
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("Submissions(%q) ids = %v, %v; want %v", tc.period, ids, err, tc.want)
		}
	}
	got, _ := l.Submissions(ctx, "2023-05")
	if len(got) == 3 && !reflect.DeepEqual(got[1], rejected) {
		t.Errorf("rejected submission read back as %+v, want %+v", got[1], rejected)
	}
}

func TestLatestBefore(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	addAccepted(t, l, "2023-03", "fgw", t0)
	mar2 := addAccepted(t, l, "2023-03", "fgw", t0.Add(time.Hour))
	dec := addAccepted(t, l, "2022-12", "fgw", t0) // the year before
	may := addAccepted(t, l, "2023-05", "fgw", t0.Add(2*time.Hour))
	apr := addAccepted(t, l, "2023-04", "jtj", t0)                                  // another unit
	if _, _, err := l.AddSubmission(ctx, Submission{Period: "2023-04", Unit: "fgw", // rejected only
		FileSHA256: archiveText(t, l, "fgw april rejected"), ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		unit, period string
		want         *Submission
	}{
		{"fgw", "2023-06", &may},
		{"fgw", "2023-05", &mar2}, // April has only a rejection
		{"fgw", "2023-04", &mar2},
		{"fgw", "2023-03", &dec},
		{"fgw", "2022-12", nil},
		{"jtj", "2023-06", &apr}, // its own April, not fgw's May
		{"jtj", "2023-04", nil},
		{"kjj", "2023-06", nil},
	} {
		got, ok, err := l.LatestBefore(ctx, tc.unit, tc.period)
		switch {
		case err != nil:
			t.Errorf("LatestBefore(%s, %s): %v", tc.unit, tc.period, err)
		case tc.want == nil && ok:
			t.Errorf("LatestBefore(%s, %s) = %s v%d, want none", tc.unit, tc.period, got.Period, got.Version)
		case tc.want != nil && (!ok || !reflect.DeepEqual(got, *tc.want)):
			t.Errorf("LatestBefore(%s, %s) = %s v%d (found %v), want %s v%d",
				tc.unit, tc.period, got.Period, got.Version, ok, tc.want.Period, tc.want.Version)
		}
	}
}
