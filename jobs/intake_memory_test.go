package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/duban/duban/internal/clock"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
	"github.com/duban/duban/templates"
)

// peakDirEnv hands the prepared folders to the child process that measures.
const peakDirEnv = "DUBAN_TEST_PEAK_DIR"

// TestCollectPeakMemory measures the peak resident memory of one collect
// of hostile mail, in a process of its own that does nothing else (the
// messages are prepared by the parent test, in a drop folder). The bounds
// are the published ones: any single input at most 300 MB, a stranger's at
// most 150 MB; docs/reliability.md has the figures.
func TestCollectPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes some hundreds of megabytes of mail; skipped with -short")
	}
	tests := []struct {
		name  string
		bound int64
		write func(t *testing.T, c *Cycle, drop *mailbox.Drop, tpl inbound.File)
	}{
		{
			name: "ten strangers' 25 MB messages", bound: 150 << 20,
			write: func(t *testing.T, c *Cycle, drop *mailbox.Drop, tpl inbound.File) {
				for i := range 10 {
					dropMail(t, drop, fmt.Sprintf("stranger-%d", i), mail.Message{
						From: mail.Address{Email: fmt.Sprintf("x%d@spam.example", i)}, Subject: "报表",
						Attachments: []mail.Attachment{{Name: "big.xlsx", Data: noise(25<<20, uint64(i))}}})
				}
			},
		},
		{
			name: "a unit's 40 MB message of three 9.5 MB workbooks", bound: 300 << 20,
			write: func(t *testing.T, c *Cycle, drop *mailbox.Drop, tpl inbound.File) {
				var files []mail.Attachment
				for i := range 3 {
					book := filledBook(t, c, tpl, fmt.Sprint(i))
					files = append(files, mail.Attachment{Name: fmt.Sprintf("市交通运输局-%d.xlsx", i),
						Data: withPicture(t, book, 9500<<10)})
				}
				dropMail(t, drop, "big-reply", mail.Message{From: mail.Address{Email: "li.na@jtj.metro.example"},
					Subject: "回复：报送提醒", Attachments: files})
			},
		},
		{
			name: "a unit's hostile workbooks (wide rows, nested elements)", bound: 300 << 20,
			write: func(t *testing.T, c *Cycle, drop *mailbox.Drop, tpl inbound.File) {
				lina := mail.Address{Email: "li.na@jtj.metro.example"}
				dropMail(t, drop, "wide", mail.Message{From: lina, Subject: "回复",
					Attachments: []mail.Attachment{{Name: "wide.xlsx", Data: wideRows(t, filledBook(t, c, tpl, "w"), 10000)}}})
				dropMail(t, drop, "nested", mail.Message{From: lina, Subject: "回复",
					Attachments: []mail.Attachment{{Name: "nested.xlsx", Data: nestedElements(t, filledBook(t, c, tpl, "n"), 2_000_000)}}})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := os.Getenv(peakDirEnv)
			if dir == "" {
				dir = t.TempDir()
				c, drop, closeAll := peakCycle(t, dir)
				may := plan.Period{Year: 2023, Month: 5}
				if _, err := c.Remind(t.Context(), may, RemindOptions{Unit: "jtj"}); err != nil {
					t.Fatal(err)
				}
				tpl := sent(t, filepath.Join(dir, "out"))["li.na@jtj.metro.example"][0].Workbooks()[0]
				tt.write(t, c, drop, tpl)
				closeAll()
			}
			var res CollectResult
			peak := testtools.PeakRSS(t, func() {
				c, drop, closeAll := peakCycle(t, dir)
				defer closeAll()
				var err error
				if res, err = c.Collect(context.Background(), drop); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				fmt.Printf("collect: %+v\n", res)
			}, peakDirEnv+"="+dir)
			t.Logf("peak RSS of the collect: %s (bound %s)", testtools.MB(peak), testtools.MB(tt.bound))
			if peak > tt.bound && !testtools.RaceEnabled { // the race detector multiplies memory
				t.Errorf("peak RSS %s, over the bound of %s", testtools.MB(peak), testtools.MB(tt.bound))
			}
			// The work was done: nothing is left in the drop folder.
			if left, _ := filepath.Glob(filepath.Join(dir, "drop", "*.eml")); len(left) != 0 {
				t.Errorf("left in the drop folder after the collect: %v", left)
			}
		})
	}
}

// peakCycle is the mail cycle of TestCollectPeakMemory on fixed folders,
// so that the child process finds what the parent prepared.
func peakCycle(t *testing.T, dir string) (*Cycle, *mailbox.Drop, func()) {
	t.Helper()
	c, clock := newCycleAt(t, filepath.Join(dir, "data"))
	texts, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	drop, err := mailbox.OpenDrop(filepath.Join(dir, "drop"))
	if err != nil {
		t.Fatal(err)
	}
	c.Mail = &Mail{
		Transport: &mail.Folder{Dir: filepath.Join(dir, "out")},
		From:      mail.Address{Name: "都市圈办公室", Email: "duban@metro.example"},
		Domain:    "metro.example", Office: "都市圈办公室",
		OfficeTo: []mail.Address{{Name: "办公室", Email: "office@metro.example"}},
		Texts:    texts,
	}
	c.Inbound = inbound.Limits{MaxMessageBytes: 40 << 20, MaxFileBytes: 10 << 20}
	clock.Set(at(t, c, "2023-06-02 11:00"))
	return c, drop, func() { c.Ledger.Close() }
}

// newCycleAt is newCycle with the ledger in a given folder.
func newCycleAt(t *testing.T, data string) (*Cycle, *clock.Manual) {
	t.Helper()
	c, clock := newCycle(t, testPlan())
	c.Ledger.Close()
	ledger, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	c.Ledger = ledger
	return c, clock
}

// filledBook is the template filled in; tag makes it distinct.
func filledBook(t *testing.T, c *Cycle, tpl inbound.File, tag string) []byte {
	t.Helper()
	data, err := reader.Fill(tpl.Data, "李娜", "0551-63001234", answersFor(c, "jtj", "五月进展"+tag))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// noise is n incompressible bytes.
func noise(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 12))
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}
