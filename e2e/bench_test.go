package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/internal/selfsigned"
	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/jobs"
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/mailbox"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// benchPlan is a synthetic plan of n units, one contact each on a *.example
// domain (Postfix delivers those to its catch-all maildir), each leading
// scale.DefaultTasksPerUnit tasks with ~200-character requirements: a
// province's office (issue 16).
func benchPlan(n int) *plan.Plan {
	p := &plan.Plan{Title: "2023年推进全省一体化建设工作要点（规模测试）", Year: 2023}
	for c := 1; c <= 8; c++ {
		p.Categories = append(p.Categories, plan.Category{ID: fmt.Sprintf("C%d", c), Name: fmt.Sprintf("推进第%d类工作一体化", c)})
	}
	for u := 1; u <= n; u++ {
		id := fmt.Sprintf("u%04d", u)
		p.Units = append(p.Units, plan.Unit{
			ID: id, Name: fmt.Sprintf("第%d县发展改革局", u),
			Contacts: []plan.Contact{{Name: personName(u), Email: id + "@county.bench.example"}},
		})
		for range scale.DefaultTasksPerUnit {
			n := len(p.Tasks) + 1
			p.Tasks = append(p.Tasks, plan.Task{
				ID: fmt.Sprintf("T%05d", n), Category: fmt.Sprintf("C%d", n%8+1), Lead: id,
				Title:       fmt.Sprintf("推进重点事项%d", n),
				Requirement: strings.Repeat("围绕交通基础设施、科技创新等合作专题，组织圈内城市对口部门联席会，", 6),
			})
		}
	}
	return p.Freeze()
}

// personName makes the u-th of 1,000 distinct plausible names (张伟, 王芳 …).
func personName(u int) string {
	surnames := []rune("张王李赵刘陈杨黄周吴")
	given := []rune("伟芳娜敏静磊洋艳勇军")
	return string([]rune{surnames[u%10], given[(u/10)%10], given[(u/100)%10]})
}

// benchPhrases are what units write, recombined so that each answer is
// different text (a zipped workbook of one phrase repeated would be
// unrealistically small).
var benchPhrases = []string{
	"召开专题推进会", "协调解决项目前期问题", "完成可行性研究报告编制", "组织圈内城市对口部门联席会",
	"推进土地报批和环评手续", "签订合作框架协议", "开展实地调研", "梳理年度重点项目清单",
	"完成招标工作", "落实配套资金", "制定工作方案并印发", "建立月调度机制",
	"向省有关部门汇报对接", "完成初步设计审查", "启动征迁工作", "推动数据共享平台上线",
	"举办合作交流活动", "形成阶段性成果", "召开现场推进会", "完善考核评价办法",
}

// benchNames are characters that project and place names are drawn from.
var benchNames = []rune("东南西北中新华安平康泰宁和顺兴盛昌隆丰源河湖山江海湾港桥城镇乡村园区路街坊台门岭峰林泉石金银玉龙凤鹤鹿松柏竹梅兰菊荷桃李杏")

func benchText(r *rand.Rand, n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		name := make([]rune, 4+r.IntN(5))
		for i := range name {
			name[i] = benchNames[r.IntN(len(benchNames))]
		}
		fmt.Fprintf(&b, "%d月%d日在%s%s，涉及资金%d万元，", 5, r.IntN(31)+1, string(name), benchPhrases[r.IntN(len(benchPhrases))], r.IntN(9000)+100)
	}
	return strings.TrimSuffix(b.String(), "，") + "。"
}

// sinkProxy terminates TLS in front of smtp-sink, which speaks no TLS, so
// that mail.SMTP (which never sends in plain text) talks real SMTP to a
// real sink over implicit TLS. It returns the SMTP configuration to use.
// The proxy's TLS work runs in the benchmark's process: it is counted in
// the CPU time, not in duban's.
func sinkProxy(b *testing.B) mail.SMTPConfig {
	b.Helper()
	serverTLS, roots, err := selfsigned.New("127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				s, err := net.Dial("tcp", sinkAddr)
				if err != nil {
					return
				}
				defer s.Close()
				done := make(chan struct{})
				go func() { io.Copy(s, c); s.(*net.TCPConn).CloseWrite(); close(done) }()
				io.Copy(c, s)
				<-done
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	return mail.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "implicit", TLSConfig: &tls.Config{RootCAs: roots}}
}

// postfixSMTP is Postfix on port 25 with required STARTTLS and the snakeoil
// certificate verified: a real MTA that queues and delivers every message.
func postfixSMTP(b *testing.B) mail.SMTPConfig {
	roots, name := snakeoil(b)
	return mail.SMTPConfig{Host: "127.0.0.1", Port: 25, TLS: "starttls", TLSConfig: &tls.Config{RootCAs: roots, ServerName: name}}
}

// newConnPerMessage sends every message over a connection of its own:
// dial, TLS, EHLO, one transaction, QUIT.
type newConnPerMessage struct{ cfg mail.SMTPConfig }

func (n newConnPerMessage) Send(ctx context.Context, from string, to []string, data []byte) error {
	s, err := mail.NewSMTP(n.cfg, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Send(ctx, from, to, data)
}

// transportFor builds the transport a sub-benchmark names.
func transportFor(b *testing.B, server string, perMessage bool) jobs.Transport {
	b.Helper()
	var cfg mail.SMTPConfig
	switch server {
	case "sink":
		cfg = sinkProxy(b)
	case "postfix":
		cfg = postfixSMTP(b)
	default:
		b.Fatalf("unknown server %q", server)
	}
	// No rate limit: the benchmark measures duban, not the configured
	// courtesy to the server (mail.smtp.rate_per_second, 10 by default).
	cfg.Timeout = 30 * time.Second
	if perMessage {
		return newConnPerMessage{cfg: cfg}
	}
	s, err := mail.NewSMTP(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchCycle is a cycle on the example configuration's schedule and mail
// settings with the synthetic plan, in a fresh data directory.
func benchCycle(b *testing.B, units int, transport jobs.Transport) (*jobs.Cycle, *clock) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "data")
	cfg := loopbackConfig(b, dir)
	clk := &clock{}
	c := newCycle(b, cfg, dir, transport, clk, slog.New(slog.DiscardHandler))
	c.Plan = benchPlan(units)
	return c, clk
}

var benchPeriod = plan.Period{Year: 2023, Month: time.May}

// The timed calls run under a pprof label, so that a profile of the whole
// run (go test -cpuprofile, setup included) can be narrowed to them:
// go tool pprof -tagfocus=phase=collect e2e.test cpu.out.

// BenchmarkFanOut2000 reminds scale.Units(b) units (2,000 by default,
// DUBAN_BENCH_UNITS in CI) of 15 tasks each: for each, its workbook is
// built, the message composed, archived, recorded in the outbox and sent
// over SMTP with TLS, then marked sent. Sub-benchmarks: smtp-sink (behind a
// TLS terminator) or Postfix (STARTTLS, queued and delivered for real),
// with one connection for the whole fan-out (as duban does) or one per
// message.
func BenchmarkFanOut2000(b *testing.B) {
	needServers(b, sinkAddr, postfixAddr)
	units := scale.Units(b)
	for _, server := range []string{"sink", "postfix"} {
		for _, perMessage := range []bool{false, true} {
			name := server + "/reuse"
			if perMessage {
				name = server + "/conn-per-message"
			}
			b.Run(name, func(b *testing.B) {
				transport := &timedTransport{Transport: transportFor(b, server, perMessage)}
				b.ReportAllocs()
				var elapsed time.Duration
				var rss peakRSS
				testtools.ReportPeak(b, func() {
					for b.Loop() {
						b.StopTimer()
						c, clk := benchCycle(b, units, transport)
						clk.Set(c.Schedule.RemindAt(benchPeriod))
						rss.reset()
						start := time.Now()
						b.StartTimer()
						var res jobs.RemindResult
						var err error
						pprof.Do(b.Context(), pprof.Labels("phase", "remind"), func(ctx context.Context) {
							res, err = c.Remind(ctx, benchPeriod, jobs.RemindOptions{})
						})
						b.StopTimer()
						elapsed += time.Since(start)
						rss.read(b)
						if err != nil || res.Flush.Sent != units {
							b.Fatalf("Remind = %+v, %v; want %d sent", res.Flush, err, units)
						}
						b.StartTimer()
					}
				})
				b.ReportMetric(float64(units*b.N)/elapsed.Seconds(), "msgs/s")
				b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/fan-out")
				b.ReportMetric(seconds(transport.spent.Load())/float64(b.N), "s-in-send/op")
				rss.report(b)
			})
		}
	}
}

// BenchmarkCollect2000 collects scale.Units(b) replies (2,000 by default,
// DUBAN_BENCH_UNITS in CI), each with its unit's template of 15 tasks
// filled with ~200-character answers attached, the reminder quoted,
// threaded to it, APPENDed to a Dovecot inbox beforehand: fetch, parse,
// archive, read and check each workbook, record it, queue and send a
// receipt each to smtp-sink (behind a TLS terminator, one connection), and
// move every message to duban/processed. The peak memory reported is the
// Go runtime's over the whole run (the replies are built in the process
// too); rss-MB is the process's peak resident set during the collect
// alone.
func BenchmarkCollect2000(b *testing.B) {
	needServers(b, sinkAddr, dovecotAddr)
	units := scale.Units(b)
	transport := &timedTransport{Transport: transportFor(b, "sink", false)}
	b.ReportAllocs()
	var elapsed time.Duration
	var bytes int
	var fetch, settle, commits, queries int64
	var firstSend, lastSend, lastMove int64 // from the collect's start
	var rss peakRSS
	testtools.ReportPeak(b, func() {
		for b.Loop() {
			b.StopTimer()
			c, clk, size := prepareReplies(b, units, transport)
			bytes = size
			cfg := loopbackConfig(b, b.TempDir())
			cfg.Mail.IMAP.Username = benchAddr
			box := &timedMailbox{Mailbox: dialMailbox(b, cfg, nil)}
			clk.Set(c.Schedule.RemindAt(benchPeriod).Add(26 * time.Hour))
			rss.reset()
			commits0, queries0 := c.Ledger.Commits(), c.Ledger.Queries()
			transport.first.Store(0)
			start := time.Now()
			b.StartTimer()
			var res jobs.CollectResult
			var err error
			pprof.Do(b.Context(), pprof.Labels("phase", "collect"), func(ctx context.Context) {
				res, err = c.Collect(ctx, box)
			})
			b.StopTimer()
			elapsed += time.Since(start)
			rss.read(b)
			commits += c.Ledger.Commits() - commits0
			queries += c.Ledger.Queries() - queries0
			fetch += box.fetch.Load()
			settle += box.settle.Load()
			firstSend += transport.first.Load() - start.UnixNano()
			lastSend += transport.last.Load() - start.UnixNano()
			lastMove += box.lastSettle.Load() - start.UnixNano()
			if err != nil || res.Fetched != units || res.Processed != units || res.Settled != units || res.Flush.Sent != units {
				b.Fatalf("Collect = %+v, %v; want %d fetched, accepted, moved and answered", res, err, units)
			}
			if n := login(b, benchAddr).count("duban/processed"); n != units {
				b.Fatalf("duban/processed holds %d messages, want %d", n, units)
			}
			b.StartTimer()
		}
	})
	b.ReportMetric(float64(units*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(bytes)/float64(units)/1024, "KB/reply")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/collect")
	b.ReportMetric(seconds(fetch)/float64(b.N), "s-in-fetch/op")
	b.ReportMetric(seconds(settle)/float64(b.N), "s-in-move/op")
	b.ReportMetric(seconds(transport.spent.Load())/float64(b.N), "s-in-send/op")
	b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
	// The timeline: when the first receipt left, when the last message was
	// moved (every decision made), and when the last receipt left.
	b.ReportMetric(seconds(firstSend)/float64(b.N), "s-first-send/op")
	b.ReportMetric(seconds(lastMove)/float64(b.N), "s-last-move/op")
	b.ReportMetric(seconds(lastSend)/float64(b.N), "s-last-send/op")
	rss.report(b)
}

// prepareReplies reminds every unit into a folder (so that replies thread
// to recorded reminders), has each fill its template with ~200-character
// answers and reply, and APPENDs the replies to the benchmark user's
// emptied INBOX. It returns the cycle, now sending through transport, and
// the replies' total size.
func prepareReplies(b *testing.B, units int, transport jobs.Transport) (*jobs.Cycle, *clock, int) {
	b.Helper()
	ctx := b.Context()
	outDir := filepath.Join(b.TempDir(), "out")
	c, clk := benchCycle(b, units, &mail.Folder{Dir: outDir})
	clk.Set(c.Schedule.RemindAt(benchPeriod))
	res, err := c.Remind(ctx, benchPeriod, jobs.RemindOptions{})
	if err != nil || res.Flush.Sent != units {
		b.Fatalf("Remind into a folder = %+v, %v", res.Flush, err)
	}
	c.Mail.Transport = transport
	// Replies quote the reminder, as mail clients do.
	quoted := map[string]string{}
	emls, err := filepath.Glob(filepath.Join(outDir, "*.eml"))
	if err != nil || len(emls) != units {
		b.Fatalf("%d reminders written to %s, want %d (%v)", len(emls), outDir, units, err)
	}
	for _, path := range emls {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		m := mustParse(b, raw)
		quoted[m.MessageID] = m.Text
	}

	u := login(b, benchAddr)
	u.reset()
	when := c.Schedule.RemindAt(benchPeriod).Add(24 * time.Hour)
	total := 0
	for i, l := range res.Lines {
		tpl, err := c.BuildTemplate(ctx, l.Unit.ID, benchPeriod)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(i), 2023))
		answers := answersFor(c.Plan, l.Unit.ID, false)
		for j := range answers { // ~200 characters of progress, shorter issues and next steps
			answers[j].Progress += benchText(r, 5)
			answers[j].Issues = benchText(r, 2)
			answers[j].NextSteps = benchText(r, 3)
		}
		book, err := reader.Fill(tpl.Data, l.Unit.Contacts[0].Name, "0551-63500000", answers)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := mail.Compose(mail.Message{
			MessageID: fmt.Sprintf("reply.%d.%d@county.bench.example", i, time.Now().UnixNano()),
			Date:      when,
			From:      mail.Address{Name: l.Unit.Contacts[0].Name, Email: l.Unit.Contacts[0].Email},
			To:        []mail.Address{{Name: "都市圈办公室", Email: benchAddr}},
			Subject:   "回复：" + l.Unit.Name + "2023年5月推进情况",
			Text: "您好！推进情况表已填好，见附件，请查收。\n\n" + l.Unit.Contacts[0].Name +
				"\n\n------------------ 原始邮件 ------------------\n> " + strings.ReplaceAll(quoted[l.MessageID], "\n", "\n> "),
			HTML:      "<div>您好！推进情况表已填好，见附件，请查收。</div><div>" + html.EscapeString(l.Unit.Contacts[0].Name) + "</div>",
			InReplyTo: l.MessageID, References: []string{l.MessageID},
			Attachments: []mail.Attachment{{Name: tpl.FileName, Data: book}},
		})
		if err != nil {
			b.Fatal(err)
		}
		u.appendRaw("INBOX", raw, when.Add(time.Duration(i)*time.Second))
		total += len(raw)
	}
	u.close()
	return c, clk, total
}

// peakRSS is the process's peak resident set during the timed calls: the
// kernel's high-water mark (VmHWM), reset before each call once the set-up's
// garbage is returned to the system.
type peakRSS struct{ max int64 }

func (p *peakRSS) reset() {
	runtime.GC()
	debug.FreeOSMemory()
	// "5" resets VmHWM to the current RSS (Linux 4.0 and later).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func (p *peakRSS) read(b *testing.B) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return // not Linux: nothing reported
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(rest, &kb); err != nil {
				b.Fatalf("reading VmHWM from %q: %v", line, err)
			}
			p.max = max(p.max, kb<<10)
		}
	}
}

func (p *peakRSS) report(b *testing.B) {
	if p.max > 0 {
		b.ReportMetric(float64(p.max)/(1<<20), "rss-MB")
	}
}

// Make sure the IMAP mailbox type satisfies the cycle's interface, so a
// change there shows here at compile time rather than in a benchmark run.
var _ jobs.Mailbox = (*mailbox.IMAP)(nil)

// timedTransport and timedMailbox add up the wall time spent inside the
// network calls (the servers' share, and the round trips), so that a
// benchmark can say how much of its time is duban's own work.
type timedTransport struct {
	jobs.Transport
	spent atomic.Int64
	// first and last are when the first send began and the last one
	// ended (Unix nanoseconds), since reset: where the sender sits on the
	// collect's timeline.
	first, last atomic.Int64
}

func (t *timedTransport) Send(ctx context.Context, from string, to []string, data []byte) error {
	start := time.Now()
	t.first.CompareAndSwap(0, start.UnixNano())
	defer func() {
		t.spent.Add(int64(time.Since(start)))
		t.last.Store(time.Now().UnixNano())
	}()
	return t.Transport.Send(ctx, from, to, data)
}

type timedMailbox struct {
	jobs.Mailbox
	fetch, settle atomic.Int64
	lastSettle    atomic.Int64 // when the last move ended, Unix nanoseconds
}

func (m *timedMailbox) FetchHeaders(ctx context.Context, after mailbox.Cursor, max int) ([]mailbox.Incoming, uint32, error) {
	start := time.Now()
	defer func() { m.fetch.Add(int64(time.Since(start))) }()
	return m.Mailbox.FetchHeaders(ctx, after, max)
}

func (m *timedMailbox) Load(ctx context.Context, in *mailbox.Incoming, limit int64) error {
	start := time.Now()
	defer func() { m.fetch.Add(int64(time.Since(start))) }()
	return m.Mailbox.Load(ctx, in, limit)
}

// LoadAll passes the batch read on, as duban would call it on the mailbox
// itself.
func (m *timedMailbox) LoadAll(ctx context.Context, ins []*mailbox.Incoming, limit int64) ([]error, error) {
	start := time.Now()
	defer func() { m.fetch.Add(int64(time.Since(start))) }()
	return m.Mailbox.(*mailbox.IMAP).LoadAll(ctx, ins, limit)
}

func (m *timedMailbox) SettleAll(ctx context.Context, ins []mailbox.Incoming, out mailbox.Outcome) error {
	start := time.Now()
	defer func() {
		m.settle.Add(int64(time.Since(start)))
		m.lastSettle.Store(time.Now().UnixNano())
	}()
	return m.Mailbox.SettleAll(ctx, ins, out)
}

func seconds(ns int64) float64 { return time.Duration(ns).Seconds() }
