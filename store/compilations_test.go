package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// issueOf is version v of period's workbook with content book, carried to
// the office by its own message.
func issueOf(period string, v int, book string, at time.Time) Issue {
	key := "compiled/" + period + "/v" + string(rune('0'+v))
	return Issue{
		Compilation: Compilation{Period: period, Version: v, CreatedAt: at, Note: "submissions:" + book},
		Workbook:    Attachment{Name: "汇总.xlsx", Data: []byte(book)},
		Bulletin:    Attachment{Name: "通报.docx", Data: []byte("bulletin " + book)},
		Mail:        OutMessage{Key: key, MessageID: key + "@metro.example", Kind: "compiled", Period: period, From: "duban@metro.example", To: []string{"office@metro.example"}, CreatedAt: at},
		MailData:    []byte("message of " + book),
	}
}

func TestIssueCompilation(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	if _, ok, err := l.LatestCompilation(ctx, "2023-05"); ok || err != nil {
		t.Fatalf("LatestCompilation() before any = %v, %v; want none", ok, err)
	}
	for i, tc := range []struct {
		name    string
		period  string
		version int
		book    string
		want    string // error, or "" for success
	}{
		{"first", "2023-05", 1, "A", ""},
		{"the same number again", "2023-05", 1, "B", ErrVersionTaken.Error()},
		{"a gap", "2023-05", 3, "B", "would skip 2"},
		{"second", "2023-05", 2, "B", ""},
		{"back to old content is a new version", "2023-05", 3, "A", ""},
		{"other period", "2023-06", 1, "B", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := t0.Add(time.Duration(i) * time.Hour)
			is := issueOf(tc.period, tc.version, tc.book, at)
			got, out, err := l.IssueCompilation(ctx, is)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("IssueCompilation() error = %v, want it to mention %q", err, tc.want)
				}
				// Nothing of it was written: not the message, not the workbook.
				if _, err := l.ReadArchived(ctx, newFile(is.Workbook.Data, "", "", at).SHA256); !errors.Is(err, ErrNotArchived) {
					t.Errorf("a refused issue archived its workbook: %v", err)
				}
				return
			}
			if err != nil || got.Version != tc.version || !got.CreatedAt.Equal(at) || got.OutboxKey != is.Mail.Key {
				t.Fatalf("IssueCompilation() = %+v, %v", got, err)
			}
			if out.State != OutQueued || out.Key != is.Mail.Key {
				t.Errorf("queued message = %+v; want %s queued", out, is.Mail.Key)
			}
			for what, sha := range map[string]string{"workbook": got.FileSHA256, "bulletin": got.BulletinSHA256, "message": out.FileSHA256} {
				if _, err := l.ReadArchived(ctx, sha); err != nil {
					t.Errorf("the %s is not archived: %v", what, err)
				}
			}
			latest, ok, err := l.LatestCompilation(ctx, tc.period)
			if err != nil || !ok || latest != got {
				t.Errorf("LatestCompilation(%s) = %+v, %v, %v; want %+v", tc.period, latest, ok, err, got)
			}
		})
	}
	all, err := l.Compilations(ctx, "2023-05")
	if err != nil || len(all) != 3 || all[0].Version != 1 || all[2].Version != 3 {
		t.Fatalf("Compilations(2023-05) = %+v, %v; want versions 1, 2, 3", all, err)
	}
}

func TestIssueCompilationInvalid(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	for _, tc := range []struct {
		name string
		edit func(*Issue)
		want string
	}{
		{"bad period", func(is *Issue) { is.Compilation.Period = "2023" }, "want YYYY-MM"},
		{"version 0", func(is *Issue) { is.Compilation.Version = 0 }, "want 1 or more"},
		{"no time", func(is *Issue) { is.Compilation.CreatedAt = time.Time{} }, "creation time"},
		{"no workbook", func(is *Issue) { is.Workbook.Data = nil }, "workbook and the message are required"},
		{"no recipient", func(is *Issue) { is.Mail.To = nil }, "recipients are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := issueOf("2023-05", 1, "A", t0)
			tc.edit(&is)
			_, _, err := l.IssueCompilation(ctx, is)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("IssueCompilation() error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, ok, _ := l.LatestCompilation(ctx, "2023-05"); ok {
		t.Error("an invalid issue recorded a version")
	}
}

// TestUpgradeFromRelease5 opens a ledger written by the release before
// versions were tied to the office's mail (schema 5: duban demo's data
// directory, committed under testdata): its versions read back as they
// were, with no bulletin or message recorded, and the next version is
// issued after them.
func TestUpgradeFromRelease5(t *testing.T) {
	ctx := context.Background()
	l := openRelease(t, "testdata/ledger-release5.db")
	all, err := l.Compilations(ctx, "2023-05")
	if err != nil || len(all) != 2 {
		t.Fatalf("Compilations(2023-05) = %+v, %v; want the demo's two versions", all, err)
	}
	for _, c := range all {
		if c.BulletinSHA256 != "" || c.OutboxKey != "" || !strings.HasPrefix(c.Note, "submissions:") {
			t.Errorf("upgraded version %+v; want no bulletin or message, the fingerprint kept", c)
		}
		if _, err := l.ReadArchived(ctx, c.FileSHA256); err != nil {
			t.Errorf("version %d's workbook: %v", c.Version, err)
		}
	}
	got, _, err := l.IssueCompilation(ctx, issueOf("2023-05", 3, "after the upgrade", t0))
	if err != nil || got.Version != 3 {
		t.Fatalf("IssueCompilation after upgrade = %+v, %v; want version 3", got, err)
	}
	if _, _, err := l.IssueCompilation(ctx, issueOf("2023-05", 3, "again", t0)); !errors.Is(err, ErrVersionTaken) {
		t.Errorf("issuing version 3 twice: %v; want ErrVersionTaken", err)
	}
}
