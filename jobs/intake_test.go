package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/clock"
	"github.com/duban/duban/internal/testtools"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/store"
)

// intakeRun is a mail cycle with jtj reminded for May 2023, and li.na's
// filled template ready to send.
type intakeRun struct {
	t        *testing.T
	ctx      context.Context
	c        *Cycle
	clock    *clock.Manual
	out      string
	drop     *mailbox.Drop
	reminder *inbound.Message
	lina     mail.Address
}

var intakeMay = plan.Period{Year: 2023, Month: time.May}

func newIntakeRun(t *testing.T) *intakeRun {
	t.Helper()
	c, clock, out, drop := mailCycle(t)
	r := &intakeRun{t: t, ctx: t.Context(), c: c, clock: clock, out: out, drop: drop,
		lina: mail.Address{Name: "李娜", Email: "li.na@jtj.metro.example"}}
	r.reminder = remindLina(t, c, clock, out, RemindOptions{Unit: "jtj"})
	clock.Set(at(t, c, "2023-06-02 11:00"))
	return r
}

// book is jtj's May template filled in; tag makes each one distinct.
func (r *intakeRun) book(tag string) []byte {
	r.t.Helper()
	data, err := reader.Fill(r.reminder.Workbooks()[0].Data, "李娜", "0551-63001234", answersFor(r.c, "jtj", "五月进展"+tag))
	if err != nil {
		r.t.Fatal(err)
	}
	return data
}

// reply drops a reply to jtj's reminder from `from` carrying the files.
func (r *intakeRun) reply(name string, from mail.Address, subject string, headers map[string]string, files ...[]byte) {
	r.t.Helper()
	m := mail.Message{From: from, Subject: subject, InReplyTo: r.reminder.MessageID}
	for k, v := range headers {
		if k == "Auto-Submitted" {
			m.AutoSubmitted = v
			continue
		}
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		m.Headers[k] = v
	}
	for i, f := range files {
		m.Attachments = append(m.Attachments, mail.Attachment{Name: fmt.Sprintf("市交通运输局-%d.xlsx", i+1), Data: f})
	}
	// Compose writes ASCII addresses only; a look-alike (RFC 6532 UTF-8) is
	// put into the header afterwards, as such a client would write it.
	real := from.Email
	if !isASCII(real) {
		m.From.Email = "placeholder@lookalike.example"
	}
	dropMail(r.t, r.drop, name, m)
	if real != m.From.Email {
		path := filepath.Join(r.drop.Dir, name+".eml")
		raw, err := os.ReadFile(path)
		if err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Replace(raw, []byte(m.From.Email), []byte(real), 1), 0o600); err != nil {
			r.t.Fatal(err)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (r *intakeRun) collect() CollectResult {
	r.t.Helper()
	res, err := r.c.Collect(r.ctx, r.drop)
	if err != nil {
		r.t.Fatalf("Collect: %v", err)
	}
	return res
}

// answers are the messages sent to addr other than reminders.
func (r *intakeRun) answers(addr string) []*inbound.Message {
	var out []*inbound.Message
	for _, m := range sent(r.t, r.out)[addr] {
		if !strings.HasPrefix(m.Subject, "【报送提醒】") {
			out = append(out, m)
		}
	}
	return out
}

func (r *intakeRun) inbox() []store.InMessage {
	recs, err := r.c.Ledger.Inbound(r.ctx, r.drop.Name())
	if err != nil {
		r.t.Fatal(err)
	}
	return recs
}

func (r *intakeRun) submissions() []store.Submission {
	subs, err := r.c.Ledger.Submissions(r.ctx, intakeMay.String())
	if err != nil {
		r.t.Fatal(err)
	}
	return subs
}

// wideRows is the hostile workbook of the issue: one cell in column XFD on
// each of rows 20 … 20+n-1, a few dozen kilobytes zipped.
func wideRows(t *testing.T, book []byte, n int) []byte {
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" {
			return nil
		}
		var rows strings.Builder
		for i := 20; i < 20+n; i++ {
			fmt.Fprintf(&rows, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, i, i)
		}
		return bytes.Replace(b, []byte("</sheetData>"), []byte(rows.String()+"</sheetData>"), 1)
	})
}

// nestedElements is the other one: n nested elements inside one cell.
func nestedElements(t *testing.T, book []byte, n int) []byte {
	return testtools.RewriteZip(t, book, func(name string, b []byte) []byte {
		if name != "xl/worksheets/sheet1.xml" {
			return nil
		}
		cell := `<row r="60"><c r="A60" t="inlineStr"><is>` + strings.Repeat("<r>", n) + strings.Repeat("</r>", n) + `</is></c></row>`
		return bytes.Replace(b, []byte("</sheetData>"), []byte(cell+"</sheetData>"), 1)
	})
}

// TestCollectJudgesTheSenderFirst: a stranger's message is set aside from
// its header alone. Only its first limits.quarantine_bytes are read and
// archived, its hostile workbook is never opened, nobody is answered, and
// the office's digest will list it.
func TestCollectJudgesTheSenderFirst(t *testing.T) {
	r := newIntakeRun(t)
	r.c.Intake.QuarantineBytes = 4096
	poison := wideRows(t, r.book(""), 10000)
	stranger := mail.Address{Name: "小王", Email: "xiaowang@qq.example"}
	r.reply("stranger", stranger, "5月推进情况", nil, poison)
	raw, _ := os.ReadFile(filepath.Join(r.drop.Dir, "stranger.eml"))

	res := r.collect()
	if res.Quarantine != 1 || res.Fetched != 1 || res.Flush.Sent != 0 {
		t.Errorf("Collect = %+v; want one message quarantined, nothing sent", res)
	}
	recs := r.inbox()
	if len(recs) != 1 || !recs[0].Stranger || recs[0].Office != "未登记的发件人" || recs[0].Size != int64(len(raw)) {
		t.Fatalf("inbox = %+v; want the stranger's message, set aside for the digest", recs)
	}
	got, err := r.c.Ledger.ReadArchived(r.ctx, recs[0].RawSHA256)
	if err != nil || !bytes.Equal(got, raw[:4096]) {
		t.Errorf("archived copy = %d bytes, %v; want the message's first 4096 of %d", len(got), err, len(raw))
	}
	if subs := r.submissions(); len(subs) != 0 {
		t.Errorf("submissions = %d; the stranger's workbook must never be read", len(subs))
	}
	if n := len(sent(t, r.out)["xiaowang@qq.example"]) + len(sent(t, r.out)["office@metro.example"]); n != 0 {
		t.Errorf("%d messages sent to the stranger or the office; want none (the digest comes once a day)", n)
	}
	if _, err := os.Stat(filepath.Join(r.drop.Dir, "quarantine", "stranger.eml")); err != nil {
		t.Errorf("the whole message should stay in the drop folder's quarantine: %v", err)
	}
}

// TestCollectPoisonFirst: hostile messages at the head of the mailbox
// cannot keep a good report behind them: each gets its answer or its
// quarantine, and the good reply placed last is accepted in the same run.
func TestCollectPoisonFirst(t *testing.T) {
	r := newIntakeRun(t)
	good := r.book("")
	r.reply("1-wide", r.lina, "回复：报送提醒", nil, wideRows(t, r.book("宽"), 10000))
	r.reply("2-nested", r.lina, "回复：报送提醒", nil, nestedElements(t, r.book("深"), 200000))
	big := mail.Message{From: mail.Address{Email: "flood@spam.example"}, Subject: "大附件",
		Attachments: []mail.Attachment{{Name: "big.bin", Data: bytes.Repeat([]byte{0x5a}, 25<<20)}}}
	dropMail(t, r.drop, "3-stranger-25mb", big)
	var headers bytes.Buffer
	for i := 0; headers.Len() < 2<<20; i++ {
		fmt.Fprintf(&headers, "Received: from relay%06d.example by mx.metro.example; Fri, 02 Jun 2023 10:00:00 +0800\r\n", i)
	}
	if err := os.WriteFile(filepath.Join(r.drop.Dir, "4-headers.eml"), append(headers.Bytes(), "Subject: x\r\n\r\nbody"...), 0o600); err != nil {
		t.Fatal(err)
	}
	r.reply("5-good", r.lina, "回复：报送提醒", nil, good)
	os.Chtimes(filepath.Join(r.drop.Dir, "5-good.eml"), r.clock.Now(), r.clock.Now()) // last

	res := r.collect()
	if res.Fetched != 5 || res.Processed != 1 || res.Rejected != 2 || res.Quarantine != 2 {
		t.Errorf("Collect = %+v; want 5 fetched: the good one accepted, 2 rejected, 2 quarantined", res)
	}
	var texts []string
	for _, m := range r.answers("li.na@jtj.metro.example") {
		texts = append(texts, m.Subject+"\n"+m.Text)
	}
	joined := strings.Join(texts, "\n----\n")
	for _, want := range []string{"表格以外", "【回执】"} {
		if !strings.Contains(joined, want) {
			t.Errorf("li.na's answers do not say %q:\n%s", want, joined)
		}
	}
	if len(texts) != 3 {
		t.Errorf("li.na got %d answers, want 3 (two rejections and a receipt)", len(texts))
	}
	subs := r.submissions()
	accepted := 0
	for _, s := range subs {
		if s.Accepted {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d accepted submissions, want the good reply's", accepted)
	}
	left, _ := filepath.Glob(filepath.Join(r.drop.Dir, "*.eml"))
	if len(left) != 0 {
		t.Errorf("left in the drop folder: %v", left)
	}
}

// TestCollectDropFolderKeyedByContent: a reply saved under a name used
// before is a new message, and the same bytes dropped again are recognised
// and moved out again, never processed twice nor left behind.
func TestCollectDropFolderKeyedByContent(t *testing.T) {
	r := newIntakeRun(t)
	r.reply("reply", r.lina, "回复：报送提醒", nil, r.book("一"))
	first, _ := os.ReadFile(filepath.Join(r.drop.Dir, "reply.eml"))
	if res := r.collect(); res.Processed != 1 {
		t.Fatalf("first Collect = %+v", res)
	}
	r.reply("reply", r.lina, "回复：报送提醒（更正）", nil, r.book("二"))
	res := r.collect()
	if res.Fetched != 1 || res.Processed != 1 || res.Known != 0 {
		t.Errorf("Collect of a second reply under a used name = %+v; want it processed as new", res)
	}
	if subs := r.submissions(); len(subs) != 2 || subs[1].Version != 2 {
		t.Errorf("submissions = %+v; want the correction as version 2", subs)
	}
	if err := os.WriteFile(filepath.Join(r.drop.Dir, "copy.eml"), first, 0o600); err != nil {
		t.Fatal(err)
	}
	sentBefore := len(r.answers("li.na@jtj.metro.example"))
	res = r.collect()
	if res.Fetched != 1 || res.Known != 1 || res.Processed != 0 || res.Flush.Sent != 0 {
		t.Errorf("Collect of the first reply dropped again = %+v; want it known and moved out, nothing sent", res)
	}
	if n := len(r.answers("li.na@jtj.metro.example")); n != sentBefore {
		t.Errorf("%d more answers sent for a message already answered", n-sentBefore)
	}
	for _, name := range []string{"reply.eml", "reply-1.eml", "copy.eml"} {
		if _, err := os.Stat(filepath.Join(r.drop.Dir, "processed", name)); err != nil {
			t.Errorf("processed/%s: %v", name, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(r.drop.Dir, "*.eml")); len(left) != 0 {
		t.Errorf("left in the drop folder: %v", left)
	}
}

// unreadableBox is a drop folder whose mailbox refuses to give one message.
type unreadableBox struct {
	*mailbox.Drop
	refuse string // key
}

func (b *unreadableBox) Load(ctx context.Context, in *mailbox.Incoming, limit int64) error {
	if in.Key == b.refuse {
		return fmt.Errorf("load %s: %w: NO [SERVERBUG] cannot read the message", in.Key, mailbox.ErrUnreadable)
	}
	return b.Drop.Load(ctx, in, limit)
}

// TestCollectSetsAsideWhatCannotBeRead: a message the mailbox cannot give is
// quarantined with its reason, not tried again at every poll, and the
// messages after it are handled.
func TestCollectSetsAsideWhatCannotBeRead(t *testing.T) {
	r := newIntakeRun(t)
	r.reply("a-broken", r.lina, "回复：报送提醒", nil, r.book("坏"))
	r.reply("b-good", r.lina, "回复：报送提醒", nil, r.book(""))
	raw, _ := os.ReadFile(filepath.Join(r.drop.Dir, "a-broken.eml"))
	box := &unreadableBox{Drop: r.drop, refuse: dropKey(raw)}
	res, err := r.c.Collect(r.ctx, box)
	if err != nil {
		t.Fatal(err)
	}
	if res.Quarantine != 1 || res.Processed != 1 {
		t.Errorf("Collect = %+v; want the unreadable one quarantined and the good one accepted", res)
	}
	reason, err := os.ReadFile(filepath.Join(r.drop.Dir, "quarantine", "a-broken.eml.reason.txt"))
	if err != nil || !bytes.Contains(reason, []byte("SERVERBUG")) {
		t.Errorf("reason beside the quarantined file = %q, %v", reason, err)
	}
	if res, err := r.c.Collect(r.ctx, box); err != nil || res.Fetched != 0 {
		t.Errorf("second Collect = %+v, %v; want nothing left to try", res, err)
	}
}

// TestCollectSetsAsideAStuckMessage: a message that ended the process
// while it was read (three tries recorded, none decided) is quarantined
// unread at the next try, so every report behind it still gets through.
func TestCollectSetsAsideAStuckMessage(t *testing.T) {
	r := newIntakeRun(t)
	r.reply("stuck", r.lina, "回复：报送提醒", nil, r.book(""))
	raw, _ := os.ReadFile(filepath.Join(r.drop.Dir, "stuck.eml"))
	for range maxIntakeAttempts {
		if _, _, err := r.c.Ledger.ArchiveReceived(r.ctx, raw, "test", r.clock.Now(), r.drop.Name(), dropKey(raw)); err != nil {
			t.Fatal(err)
		}
	}
	res := r.collect()
	if res.Quarantine != 1 || res.Flush.Sent != 0 {
		t.Errorf("Collect = %+v; want the stuck message set aside, nothing sent", res)
	}
	recs := r.inbox()
	if len(recs) != 1 || !strings.Contains(recs[0].Note, "set aside") || !strings.Contains(recs[0].Office, "中断") || recs[0].Unit != "jtj" {
		t.Errorf("inbox = %+v", recs)
	}
	if subs := r.submissions(); len(subs) != 0 {
		t.Errorf("a stuck message was read: %d submissions", len(subs))
	}
}

// TestCollectSenderLimit: beyond limits.sender_messages_per_hour a sender's
// messages are archived unanswered and listed for the office; an hour
// later the sender is answered again.
func TestCollectSenderLimit(t *testing.T) {
	r := newIntakeRun(t)
	r.c.Intake.SenderPerHour = 5
	base := time.Date(2023, 6, 2, 10, 0, 0, 0, time.UTC)
	for i := range 8 {
		dropMail(t, r.drop, fmt.Sprintf("m%02d", i), mail.Message{From: r.lina, Subject: "询问", Date: base.Add(time.Duration(i) * time.Minute)})
	}
	res := r.collect()
	if res.Rejected != 5 || res.Quarantine != 3 {
		t.Errorf("Collect = %+v; want 5 answered (asked for the workbook), 3 over the limit", res)
	}
	if n := len(r.answers("li.na@jtj.metro.example")); n != 5 {
		t.Errorf("li.na got %d answers, want 5", n)
	}
	pending, _ := r.c.Ledger.PendingDigest(r.ctx)
	if len(pending) != 3 || !strings.Contains(pending[0].Office, "超过 5 封") {
		t.Errorf("pending for the digest = %+v; want the 3 over the limit", pending)
	}
	dropMail(t, r.drop, "later", mail.Message{From: r.lina, Subject: "询问", Date: base.Add(2 * time.Hour)})
	if res := r.collect(); res.Rejected != 1 {
		t.Errorf("an hour later: %+v; want answered again", res)
	}
}

// TestOneAnswerPerMessage: a message is judged as a whole and answered
// once, however many workbooks it carries.
func TestOneAnswerPerMessage(t *testing.T) {
	tests := []struct {
		name     string
		files    func(r *intakeRun) [][]byte
		accepted int // submissions accepted
		recorded int // submissions recorded
		kind     string
		says     []string
	}{
		{
			name: "fifty distinct copies",
			files: func(r *intakeRun) [][]byte {
				var out [][]byte
				for i := range 50 {
					out = append(out, r.book(fmt.Sprint(i)))
				}
				return out
			},
			accepted: 0, recorded: 10, kind: "【退回】",
			says: []string{"无法确定以哪一份为准", "另有 40 个附件未读取"},
		},
		{
			name: "one valid, one not",
			files: func(r *intakeRun) [][]byte {
				bad := answersFor(r.c, "jtj", "五月")
				bad[0].Status = "完成"
				b, err := reader.Fill(r.reminder.Workbooks()[0].Data, "李娜", "0551-63001234", bad)
				if err != nil {
					r.t.Fatal(err)
				}
				return [][]byte{b, r.book("")}
			},
			accepted: 1, recorded: 2, kind: "【回执】",
			says: []string{"本邮件中的其他附件", "附件“市交通运输局-1.xlsx”：未采用"},
		},
		{
			name:     "the same file twice",
			files:    func(r *intakeRun) [][]byte { b := r.book(""); return [][]byte{b, b} },
			accepted: 1, recorded: 1, kind: "【回执】",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newIntakeRun(t)
			r.reply("many", r.lina, "回复：报送提醒", nil, tt.files(r)...)
			r.collect()
			answers := r.answers("li.na@jtj.metro.example")
			if len(answers) != 1 || !strings.HasPrefix(answers[0].Subject, tt.kind) {
				var subjects []string
				for _, a := range answers {
					subjects = append(subjects, a.Subject)
				}
				t.Fatalf("answers = %q; want one %s", subjects, tt.kind)
			}
			for _, want := range tt.says {
				if !strings.Contains(answers[0].Text, want) {
					t.Errorf("the answer does not say %q:\n%s", want, answers[0].Text)
				}
			}
			subs := r.submissions()
			accepted := 0
			for _, s := range subs {
				if s.Accepted {
					accepted++
				}
			}
			if len(subs) != tt.recorded || accepted != tt.accepted {
				t.Errorf("submissions = %d (%d accepted); want %d (%d accepted)", len(subs), accepted, tt.recorded, tt.accepted)
			}
		})
	}
}

// TestNoReportDroppedByAHeuristic: a subject is never enough to ignore a
// message that carries a workbook; mail marked automatic by its headers is
// judged as a report too, but never answered.
func TestNoReportDroppedByAHeuristic(t *testing.T) {
	tests := []struct {
		name     string
		subject  string
		headers  map[string]string
		book     bool
		outcome  string // processed, rejected, quarantine, ignored
		accepted bool
		answered bool
	}{
		{"外出 in a real report's subject", "外出调研期间报送5月推进情况", nil, true, outProcessed, true, true},
		{"auto-reply subject with a workbook", "自动回复：报送提醒", nil, true, outProcessed, true, true},
		{"auto-reply subject without one", "自动回复：我正在休假", nil, false, outIgnored, false, false},
		{"Auto-Submitted with a workbook", "回复：报送提醒", map[string]string{"Auto-Submitted": "auto-generated"}, true, outProcessed, true, false},
		{"Precedence: list is not automatic", "回复：报送提醒", map[string]string{"Precedence": "list", "List-Id": "<bureau.jtj.metro.example>"}, true, outProcessed, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newIntakeRun(t)
			var files [][]byte
			if tt.book {
				files = append(files, r.book(""))
			}
			r.reply("m", r.lina, tt.subject, tt.headers, files...)
			r.collect()
			recs := r.inbox()
			if len(recs) != 1 {
				t.Fatalf("inbox = %+v", recs)
			}
			outcome := recs[0].Outcome
			if outcome == store.InProcessed && strings.HasPrefix(recs[0].Note, noteIgnored) {
				outcome = outIgnored
			}
			subs := r.submissions()
			if outcome != tt.outcome || (len(subs) == 1 && subs[0].Accepted) != tt.accepted {
				t.Errorf("outcome %s (note %q), %d submissions; want %s, accepted %v", outcome, recs[0].Note, len(subs), tt.outcome, tt.accepted)
			}
			if answered := len(r.answers("li.na@jtj.metro.example")) > 0; answered != tt.answered {
				t.Errorf("answered = %v, want %v", answered, tt.answered)
			}
			if tt.book && !tt.answered && !strings.Contains(recs[0].Office, "未自动回复") {
				t.Errorf("a report left unanswered must be listed for the office: %+v", recs[0])
			}
		})
	}
}

// TestWhoSentIt: look-alike addresses are strangers; a DMARC failure on a
// contact's address is set aside; an exact contact wins over a domain.
func TestWhoSentIt(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		headers map[string]string
		domains map[string][]string // unit → domains, added to the plan
		outcome string
		unit    string
		office  string
	}{
		{"Kelvin sign in the domain", "li.na@jtj.metro.exampl\u212A", nil, nil, outQuarantine, "", "未登记的发件人"},
		{"Cyrillic a in the name", "li.n\u0430@jtj.metro.example", nil, nil, outQuarantine, "", "未登记的发件人"},
		{"capital I with dot", "L\u0130.NA@jtj.metro.example", nil, nil, outQuarantine, "", "未登记的发件人"},
		{"ASCII capitals are the contact", "LI.NA@JTJ.metro.example", nil, nil, outProcessed, "jtj", ""},
		{"dmarc=fail", "li.na@jtj.metro.example",
			map[string]string{"Authentication-Results": "mx.metro.example; spf=fail smtp.mailfrom=jtj.metro.example; dmarc=fail (p=none dis=none) header.from=jtj.metro.example"},
			nil, outQuarantine, "", "DMARC"},
		{"dmarc=pass", "li.na@jtj.metro.example",
			map[string]string{"Authentication-Results": "mx.metro.example; dmarc=pass header.from=jtj.metro.example"},
			nil, outProcessed, "jtj", ""},
		{"exact contact over another unit's domain", "li.na@jtj.metro.example", nil,
			map[string][]string{"fgw": {"jtj.metro.example"}}, outProcessed, "jtj", ""},
		{"a domain speaks for its unit", "colleague@jtj.metro.example", nil,
			map[string][]string{"jtj": {"jtj.metro.example"}}, outProcessed, "jtj", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newIntakeRun(t)
			if tt.domains != nil {
				p := *r.c.Plan
				p.Units = append([]plan.Unit(nil), p.Units...)
				for i, u := range p.Units {
					p.Units[i].Domains = tt.domains[u.ID]
				}
				r.c.Plan = p.Freeze()
			}
			r.reply("m", mail.Address{Email: tt.from}, "回复：报送提醒", tt.headers, r.book(""))
			r.collect()
			recs := r.inbox()
			if len(recs) != 1 {
				t.Fatalf("inbox = %+v", recs)
			}
			if recs[0].Outcome != tt.outcome || (tt.outcome == outProcessed && recs[0].Unit != tt.unit) || !strings.Contains(recs[0].Office, tt.office) {
				t.Errorf("record = outcome %s, unit %q, office %q, note %q; want %s, %q, office %q", recs[0].Outcome, recs[0].Unit, recs[0].Office, recs[0].Note, tt.outcome, tt.unit, tt.office)
			}
			if tt.outcome == outQuarantine {
				if subs := r.submissions(); len(subs) != 0 {
					t.Errorf("%d submissions from a message set aside", len(subs))
				}
				for addr, msgs := range sent(t, r.out) {
					for _, m := range msgs {
						if !strings.HasPrefix(m.Subject, "【报送提醒】") {
							t.Errorf("%s got %q for a message set aside", addr, m.Subject)
						}
					}
				}
			}
		})
	}
}

// TestDigestDue: the office hears of what was set aside once a day, in
// office hours, in one mail; never once per message.
func TestDigestDue(t *testing.T) {
	r := newIntakeRun(t)
	r.c.Schedule.OfficeStart, r.c.Schedule.OfficeEnd = 8*60+30, 17*60+30
	for i := range 3 {
		r.reply(fmt.Sprintf("s%d", i), mail.Address{Email: fmt.Sprintf("x%d@spam.example", i)}, "广告", nil)
	}
	dropMail(t, r.drop, "bounce", mail.Message{From: mail.Address{Email: "MAILER-DAEMON@jtj.metro.example"},
		Subject: "Undelivered Mail Returned to Sender"})
	r.clock.Set(at(t, r.c, "2023-06-02 20:00")) // evening: collected, not yet told
	r.collect()
	if res, err := r.c.DigestDue(r.ctx); err != nil || res.Idle == "" || res.Messages != 0 {
		t.Errorf("DigestDue outside office hours = %+v, %v; want idle", res, err)
	}
	r.clock.Set(at(t, r.c, "2023-06-05 08:40")) // Monday morning
	res, err := r.c.DigestDue(r.ctx)
	if err != nil || res.Messages != 4 || res.Flush.Sent != 1 {
		t.Fatalf("DigestDue = %+v, %v; want one digest of 4 messages", res, err)
	}
	office := sent(t, r.out)["office@metro.example"]
	if len(office) != 1 || !strings.Contains(office[0].Subject, "隔离邮件日报") ||
		!strings.Contains(office[0].Text, "一、未登记的发件人（3封）") || !strings.Contains(office[0].Text, "二、退信") ||
		!strings.Contains(office[0].Text, "x2@spam.example") {
		t.Fatalf("the office got %d messages; the digest:\n%v", len(office), office)
	}
	// Later the same day, another stranger: it waits for the next digest.
	r.reply("later", mail.Address{Email: "late@spam.example"}, "广告", nil)
	r.clock.Set(at(t, r.c, "2023-06-05 10:00"))
	r.collect()
	if res, _ := r.c.DigestDue(r.ctx); res.Messages != 0 || res.Flush.Sent != 0 {
		t.Errorf("a second DigestDue the same day = %+v; want nothing", res)
	}
	r.clock.Set(at(t, r.c, "2023-06-06 09:00"))
	if res, _ := r.c.DigestDue(r.ctx); res.Messages != 1 {
		t.Errorf("the next day's digest = %+v; want the one message since", res)
	}
	if n := len(sent(t, r.out)["office@metro.example"]); n != 2 {
		t.Errorf("the office got %d messages in two days; want 2 digests", n)
	}
}

// TestPurgeDue: strangers' messages leave the archive after the retention
// period; units' messages stay.
func TestPurgeDue(t *testing.T) {
	r := newIntakeRun(t)
	r.reply("stranger", mail.Address{Email: "x@spam.example"}, "广告", nil)
	r.reply("unit", r.lina, "回复：报送提醒", nil, r.book(""))
	r.collect()
	recs := r.inbox()
	if len(recs) != 2 {
		t.Fatalf("inbox = %+v", recs)
	}
	r.clock.Set(r.clock.Now().AddDate(0, 0, 89))
	if res, err := r.c.PurgeDue(r.ctx); err != nil || res.Purged != 0 {
		t.Errorf("PurgeDue after 89 days = %+v, %v; want nothing yet", res, err)
	}
	r.clock.Set(r.clock.Now().AddDate(0, 0, 2))
	if res, err := r.c.PurgeDue(r.ctx); err != nil || res.Purged != 1 {
		t.Errorf("PurgeDue after 91 days = %+v, %v; want the stranger's message", res, err)
	}
	for _, rec := range recs {
		_, err := r.c.Ledger.ReadArchived(r.ctx, rec.RawSHA256)
		if rec.Stranger != (err != nil) {
			t.Errorf("%s (stranger %v): ReadArchived = %v", rec.From, rec.Stranger, err)
		}
	}
}

// dropKey is the drop folder's key of a file: its content's SHA-256.
func dropKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "drop:" + hex.EncodeToString(sum[:])
}
