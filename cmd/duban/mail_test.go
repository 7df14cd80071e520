package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/mail/mailtest"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// TestMailOfflineFromTheCommandLine runs remind, a reply in the drop folder,
// collect and ingest of an .eml with the embedded example, whose mail stays
// in folders under the data directory.
func TestMailOfflineFromTheCommandLine(t *testing.T) {
	dir := inTempDir(t)
	data := filepath.Join(dir, "data")
	june1 := time.Date(2023, 6, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

	code, out, errOut := cli(t, june1, "remind", "--period", "2023-05", "--unit", "jtj")
	if code != exitOK || !strings.Contains(out, "queued") || !strings.Contains(out, "已发送1封") {
		t.Fatalf("remind: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "mail-out") {
		t.Errorf("remind with the embedded example should say where mail goes; stderr %q", errOut)
	}
	code, out, _ = cli(t, june1, "remind", "--period", "2023-05", "--unit", "jtj")
	if code != exitOK || !strings.Contains(out, "already reminded") || !strings.Contains(out, "已发送0封") {
		t.Errorf("remind again: exit %d, %s; want nobody mailed twice", code, out)
	}

	files, _ := filepath.Glob(filepath.Join(data, "mail-out", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("mail-out holds %d messages, want 1", len(files))
	}
	reminder := mailtest.File(t, files[0], inbound.Limits{}).Msg
	if len(reminder.Workbooks()) != 1 {
		t.Fatalf("reminder: %d workbooks, want one", len(reminder.Workbooks()))
	}
	var answers []plan.Answer
	for _, id := range []string{"T04", "T05", "T06", "T07"} {
		answers = append(answers, plan.Answer{TaskID: id, Progress: "五月进展 " + id, Status: plan.StatusOnTrack})
	}
	filled, err := reader.Fill(reminder.Workbooks()[0].Data, "刘洋", "0551-63500201", answers)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := mail.Compose(mail.Message{
		MessageID: "reply-1@jtj.metro.example", Date: june1.Add(24 * time.Hour),
		From: mail.Address{Name: "刘洋", Email: "liu.yang@jtj.metro.example"}, To: []mail.Address{{Email: "duban@metro.example"}},
		Subject: "回复：" + reminder.Subject, Text: "请查收。", InReplyTo: reminder.MessageID,
		Attachments: []mail.Attachment{{Name: reminder.Workbooks()[0].Name, Data: filled}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(data, "mail-in"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "mail-in", "reply.eml"), reply, 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut = cli(t, june1.Add(25*time.Hour), "collect")
	if code != exitOK || !strings.Contains(out, "1 fetched, 1 accepted") {
		t.Fatalf("collect: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "mail-in", "processed", "reply.eml")); err != nil {
		t.Errorf("the reply was not moved to processed: %v", err)
	}
	files, _ = filepath.Glob(filepath.Join(data, "mail-out", "*.eml"))
	if len(files) != 2 {
		t.Errorf("mail-out holds %d messages after collect, want the reminder and one receipt", len(files))
	}

	// The same reply as a file on disk: recognised, nothing sent again.
	os.WriteFile(filepath.Join(dir, "reply.eml"), reply, 0o600)
	code, out, _ = cli(t, june1.Add(26*time.Hour), "ingest", "reply.eml")
	if code != exitOK || !strings.Contains(out, "已处理") || !strings.Contains(out, "此前已收到") || !strings.Contains(out, "已采用，本期第1次报送") {
		t.Errorf("ingest reply.eml: exit %d, %s", code, out)
	}
	files, _ = filepath.Glob(filepath.Join(data, "mail-out", "*.eml"))
	if len(files) != 2 {
		t.Errorf("ingesting the same reply again sent %d more messages", len(files)-2)
	}
}
