package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	now := time.Date(2023, 6, 1, 1, 0, 0, 0, time.UTC)
	msg := func(key string) OutMessage {
		return OutMessage{
			Key: key, MessageID: strings.ReplaceAll(key, "/", ".") + "@metro.example", Kind: "reminder",
			Period: "2023-05", Unit: "jtj", From: "duban@metro.example", To: []string{"li.na@jtj.metro.example"},
			FileSHA256: archiveText(t, l, key), CreatedAt: now,
		}
	}
	first, existed, err := l.Enqueue(ctx, msg("reminder/2023-05/jtj"))
	if err != nil || existed || first.State != OutQueued || first.Attempts != 0 {
		t.Fatalf("Enqueue = %+v, existed %v, err %v; want a new queued message", first, existed, err)
	}
	again, existed, err := l.Enqueue(ctx, msg("reminder/2023-05/jtj"))
	if err != nil || !existed || again.ID != first.ID {
		t.Errorf("Enqueue(same key) = id %d existed %v err %v; want the first (id %d) back", again.ID, existed, err, first.ID)
	}
	second, _, err := l.Enqueue(ctx, msg("reminder/2023-05/fgw"))
	if err != nil {
		t.Fatal(err)
	}

	due, err := l.DueOutbox(ctx, now, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("DueOutbox = %d messages, %v; want 2", len(due), err)
	}
	if err := l.MarkRetry(ctx, first.ID, "451 try later", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkFailed(ctx, second.ID, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if due, _ := l.DueOutbox(ctx, now, 10); len(due) != 0 {
		t.Errorf("DueOutbox right after a retry was scheduled = %d messages, want 0", len(due))
	}
	due, _ = l.DueOutbox(ctx, now.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != first.ID || due[0].Attempts != 1 || due[0].LastError != "451 try later" {
		t.Fatalf("DueOutbox a minute later = %+v; want the retried message with 1 attempt", due)
	}
	if err := l.MarkSent(ctx, first.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A second mark (another process sent it first) changes nothing and
	// is no error; marking a failed message sent is one.
	if err := l.MarkSent(ctx, first.ID, now.Add(2*time.Minute)); err != nil {
		t.Errorf("MarkSent of a message already sent = %v, want nil", err)
	}
	if err := l.MarkSent(ctx, second.ID, now.Add(time.Minute)); err == nil {
		t.Error("MarkSent of a failed message: want an error, the message is no longer queued")
	}
	got, ok, err := l.OutboxByMessageID(ctx, "<reminder.2023-05.jtj@metro.example>")
	if err != nil || !ok || got.State != OutSent || got.SentAt.IsZero() || got.Attempts != 2 {
		t.Errorf("OutboxByMessageID = %+v, %v, %v; want the sent message", got, ok, err)
	}
	failed, _, _ := l.OutboxByKey(ctx, "reminder/2023-05/fgw")
	if failed.State != OutFailed || failed.LastError != "550 no such user" {
		t.Errorf("failed message = %+v", failed)
	}
	all, err := l.OutboxOf(ctx, "2023-05", "reminder")
	if err != nil || len(all) != 2 {
		t.Errorf("OutboxOf = %d, %v; want 2", len(all), err)
	}
	if _, _, err := l.Enqueue(ctx, OutMessage{Key: "x"}); err == nil {
		t.Error("Enqueue without recipients: want an error")
	}
}

func TestInboxAndCursor(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	now := time.Date(2023, 6, 2, 2, 0, 0, 0, time.UTC)
	in := func(validity, uid uint32) InMessage {
		return InMessage{
			Mailbox: "imap://duban@imap.metro.example/INBOX", Key: keyOf(validity, uid), UIDValidity: validity, UID: uid,
			RawSHA256: archiveText(t, l, keyOf(validity, uid)), ReceivedAt: now, From: "li.na@jtj.metro.example", Outcome: InProcessed,
		}
	}
	mb := "imap://duban@imap.metro.example/INBOX"
	steps := []struct {
		msg                   InMessage
		wantValidity, wantUID uint32
	}{
		{in(7, 3), 7, 3},
		{in(7, 5), 7, 5},
		{in(7, 4), 7, 5}, // never backwards
		{in(9, 1), 9, 1}, // a new UIDVALIDITY starts over
	}
	for _, s := range steps {
		if _, existed, err := l.RecordInbound(ctx, s.msg); err != nil || existed {
			t.Fatalf("RecordInbound(%s) existed %v err %v", s.msg.Key, existed, err)
		}
		v, u, err := l.Cursor(ctx, mb)
		if err != nil || v != s.wantValidity || u != s.wantUID {
			t.Errorf("after %s Cursor = %d/%d %v, want %d/%d", s.msg.Key, v, u, err, s.wantValidity, s.wantUID)
		}
	}
	if _, existed, _ := l.RecordInbound(ctx, in(7, 3)); !existed {
		t.Error("RecordInbound of a recorded key: want existed")
	}
	uns, err := l.Unsettled(ctx, mb)
	if err != nil || len(uns) != 4 {
		t.Fatalf("Unsettled = %d, %v; want 4", len(uns), err)
	}
	if err := l.MarkSettled(ctx, uns[0].ID); err != nil {
		t.Fatal(err)
	}
	if uns, _ := l.Unsettled(ctx, mb); len(uns) != 3 {
		t.Errorf("Unsettled after settling one = %d, want 3", len(uns))
	}
	bad := in(9, 2)
	bad.Outcome = "deleted"
	if _, _, err := l.RecordInbound(ctx, bad); err == nil {
		t.Error("RecordInbound with an unknown outcome: want an error")
	}
}

func keyOf(validity, uid uint32) string {
	return fmt.Sprintf("imap:%d:%d", validity, uid)
}

// A composed message is archived and queued in one step; queuing the same
// key again archives nothing new and returns the first message.
func TestEnqueueComposed(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	m := OutMessage{Key: "receipt/abc", MessageID: "r.abc@metro.example", Kind: "receipt",
		From: "duban@metro.example", To: []string{"a@b.example"}, CreatedAt: t0}
	first, existed, err := l.EnqueueComposed(ctx, m, []byte("From: x\r\n\r\nfirst"), "r.eml")
	if err != nil || existed {
		t.Fatalf("EnqueueComposed() = %+v, %v, %v", first, existed, err)
	}
	if got, err := l.ReadArchived(ctx, first.FileSHA256); err != nil || string(got) != "From: x\r\n\r\nfirst" {
		t.Errorf("archived message = %q, %v", got, err)
	}
	again, existed, err := l.EnqueueComposed(ctx, m, []byte("From: x\r\n\r\nsecond"), "r.eml")
	if err != nil || !existed || again.ID != first.ID || again.FileSHA256 != first.FileSHA256 {
		t.Errorf("again = %+v, existed %v, %v; want the first message", again, existed, err)
	}
	second := newFile([]byte("From: x\r\n\r\nsecond"), "", "", t0).SHA256
	if _, found, err := l.ArchivedFile(ctx, second); found || err != nil {
		t.Errorf("the refused second message was archived (found %v, %v)", found, err)
	}
	if _, _, err := l.EnqueueComposed(ctx, OutMessage{Key: "k"}, nil, ""); err == nil {
		t.Error("EnqueueComposed without a message: no error")
	}
}
