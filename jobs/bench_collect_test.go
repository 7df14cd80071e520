package jobs

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/duban/duban/internal/mailserver"
	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
	"github.com/duban/duban/templates"
)

// benchOffice is the office's mailbox in the in-process benchmarks.
const benchOffice = "duban@metro.example"

// BenchmarkCollectIMAP collects scale.Units(b) replies (2,000 by default,
// DUBAN_BENCH_UNITS in CI), each the unit's template of 15 tasks filled with
// ~200-character answers, threaded to its reminder, from the in-process IMAP
// server (internal/mailserver): fetch, archive, parse, check, record, a
// receipt each queued and sent (to a sink: the mail server's share is the
// e2e benchmark's), every message moved. The
// e2e package has the same against Dovecot (BenchmarkCollect2000).
func BenchmarkCollectIMAP(b *testing.B) {
	units := scale.Units(b)
	texts, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	period := plan.Period{Year: 2023, Month: time.May}
	b.ReportAllocs()
	var elapsed time.Duration
	var commits int64
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			b.StopTimer()
			ctx := b.Context()
			c, clock := newCycle(b, scalePlan(units, scale.DefaultTasksPerUnit))
			clock.Set(c.Schedule.RemindAt(period))
			c.Mail = &Mail{Transport: &mail.Folder{Dir: filepath.Join(b.TempDir(), "out")}, From: mail.Address{Email: benchOffice},
				Domain: "metro.example", Office: "都市圈办公室", Texts: texts}
			srv, err := mailserver.Start(ctx, mailserver.Options{Users: map[string]string{benchOffice: "secret"}, Clock: clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			appendReplies(b, c, srv, period)
			box, err := mailbox.DialIMAP(ctx, mailbox.IMAPConfig{Host: "127.0.0.1", Port: portOf(b, srv.IMAPAddr()), TLS: mail.TLSImplicit,
				Username: benchOffice, Password: "secret", Timeout: time.Minute, TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			clock.Set(c.Schedule.RemindAt(period).Add(26 * time.Hour))
			c.Mail.Transport = sink{}
			commits0 := c.Ledger.Commits()
			start := time.Now()
			b.StartTimer()
			res, err := c.Collect(ctx, box)
			b.StopTimer()
			elapsed += time.Since(start)
			commits += c.Ledger.Commits() - commits0
			if err != nil || res.Processed != units || res.Settled != units || res.Flush.Sent != units {
				b.Fatalf("Collect = %+v, %v; want %d accepted, moved and answered", res, err, units)
			}
			box.Close()
			srv.Close()
			b.StartTimer()
		}
	})
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/collect")
	b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
}

// appendReplies reminds every lead unit, fills each one's template with
// ~200-character answers and APPENDs its reply to the office's INBOX.
func appendReplies(b *testing.B, c *Cycle, srv *mailserver.Server, p plan.Period) {
	b.Helper()
	ctx := b.Context()
	res, err := c.Remind(ctx, p, RemindOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cl, err := imapclient.DialTLS(srv.IMAPAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Login(benchOffice, "secret").Wait(); err != nil {
		b.Fatal(err)
	}
	when := c.Schedule.RemindAt(p).Add(24 * time.Hour)
	for i, l := range res.Lines {
		tpl, err := c.BuildTemplate(ctx, l.Unit.ID, p)
		if err != nil {
			b.Fatal(err)
		}
		var answers []plan.Answer
		for j, t := range c.Plan.TasksLedBy(l.Unit.ID) {
			answers = append(answers, plan.Answer{TaskID: t.ID, Status: plan.StatusOnTrack,
				Progress:  benchProgress(i, j),
				Issues:    fmt.Sprintf("第%d项任务前期手续办理进度慢于预期，需协调相关部门加快审批。", j+1),
				NextSteps: fmt.Sprintf("%s下月继续按序时推进第%d项任务，加强与圈内城市对口部门沟通对接。", l.Unit.Name, j+1)})
		}
		contact := l.Unit.Contacts[0]
		book, err := reader.Fill(tpl.Data, "张伟", "0551-63500000", answers)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := mail.Compose(mail.Message{
			MessageID: fmt.Sprintf("reply.%d@%s", i, strings.SplitN(contact.Email, "@", 2)[1]), Date: when,
			From: mail.Address{Name: contact.Name, Email: contact.Email}, To: []mail.Address{{Email: benchOffice}},
			Subject: "回复：" + l.Unit.Name + "2023年5月推进情况", Text: "您好！推进情况表已填好，见附件，请查收。",
			InReplyTo: l.MessageID, References: []string{l.MessageID},
			Attachments: []mail.Attachment{{Name: tpl.FileName, Data: book}},
		})
		if err != nil {
			b.Fatal(err)
		}
		cmd := cl.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Time: when.Add(time.Duration(i) * time.Second)})
		if _, err := cmd.Write(raw); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchProgress is a ~200-character progress text, different for each
// unit i and task j.
func benchProgress(i, j int) string {
	return fmt.Sprintf("本月第%d单位围绕第%d项任务召开专题推进会%d次，协调解决项目前期问题%d个，完成可行性研究报告编制和土地报批手续，"+
		"组织圈内城市对口部门联席会，签订合作框架协议%d份，落实配套资金%d万元，梳理年度重点项目清单，建立月调度机制，"+
		"向省有关部门汇报对接，形成阶段性成果，推动数据共享平台上线运行，完善考核评价办法。", i, j+1, i%5+1, j%4+1, i%3+1, 100+i*7%900)
}

// sink accepts every message and keeps none, as smtp-sink does.
type sink struct{}

func (sink) Send(context.Context, string, []string, []byte) error { return nil }

func portOf(b *testing.B, addr string) int {
	var port int
	if _, err := fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &port); err != nil {
		b.Fatal(err)
	}
	return port
}
