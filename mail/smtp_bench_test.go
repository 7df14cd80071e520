package mail

import (
	"context"
	"testing"
)

// benchMessage is a composed ~25 KB message with a workbook-sized attachment.
func benchMessage(b *testing.B) []byte {
	b.Helper()
	m := reminder()
	att := make([]byte, 17<<10) // base64 makes ~23 KB of it
	for i := range att {
		att[i] = byte(i * 31)
	}
	m.Attachments = []Attachment{{Name: reminderFile, ContentType: XLSXType, Data: att}}
	data, err := Compose(m)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func reportRate(b *testing.B, n int, data []byte) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	b.SetBytes(int64(len(data)))
}

// BenchmarkSendReuse: one SMTP (one TLS connection) for every message.
func BenchmarkSendReuse(b *testing.B) {
	ts := startServer(b, serverOpts{mode: "implicit"})
	data := benchMessage(b)
	s := newTestSMTP(b, ts.config("implicit"), nil)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		if err := s.Send(ctx, testFrom, []string{testTo}, data); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportRate(b, n, data)
	if c := ts.be.connections(); c != 1 {
		b.Errorf("connections = %d, want 1", c)
	}
}

// BenchmarkSendNewConnection: a new SMTP, so a new TCP+TLS connection and
// EHLO, for every message, closed with QUIT.
func BenchmarkSendNewConnection(b *testing.B) {
	ts := startServer(b, serverOpts{mode: "implicit"})
	data := benchMessage(b)
	cfg := ts.config("implicit")
	ctx := context.Background()
	n := 0
	for b.Loop() {
		s, err := NewSMTP(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Send(ctx, testFrom, []string{testTo}, data); err != nil {
			b.Fatal(err)
		}
		s.Close()
		n++
	}
	reportRate(b, n, data)
}
