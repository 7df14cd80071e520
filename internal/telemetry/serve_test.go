package telemetry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// addrRecorder is a slog handler that remembers the "addr" of the
// "telemetry listening" record, so a test can reach a server bound to port 0.
type addrRecorder struct {
	once sync.Once
	addr chan string
}

func (r *addrRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *addrRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *addrRecorder) WithGroup(string) slog.Handler            { return r }
func (r *addrRecorder) Handle(_ context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" {
			r.once.Do(func() { r.addr <- a.Value.String() })
			return false
		}
		return true
	})
	return nil
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr        string
		allowPublic bool
		wantPublic  bool // want ErrPublicAddr
		wantErr     bool // want some other error
	}{
		{addr: "127.0.0.1:9464"},
		{addr: "127.1.2.3:9464"},
		{addr: "[::1]:9464"},
		{addr: "localhost:9464"},
		{addr: "0.0.0.0:9464", wantPublic: true},
		{addr: ":9464", wantPublic: true},
		{addr: "[::]:9464", wantPublic: true},
		{addr: "192.0.2.1:80", wantPublic: true},
		{addr: "example.org:80", wantPublic: true},
		{addr: "0.0.0.0:9464", allowPublic: true},
		{addr: ":9464", allowPublic: true},
		{addr: "127.0.0.1", wantErr: true}, // no port
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := checkAddr(tt.addr, tt.allowPublic)
			switch {
			case tt.wantPublic:
				if !errors.Is(err, ErrPublicAddr) {
					t.Errorf("got %v, want ErrPublicAddr", err)
				}
			case tt.wantErr:
				if err == nil || errors.Is(err, ErrPublicAddr) {
					t.Errorf("got %v, want a parse error", err)
				}
			default:
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
			}
		})
	}
}

func TestServeRefusesPublicAddr(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "192.0.2.1:80"} {
		t.Run(addr, func(t *testing.T) {
			err := Serve(context.Background(), addr, http.NotFoundHandler(), false, nil)
			if !errors.Is(err, ErrPublicAddr) {
				t.Fatalf("Serve(%q) = %v, want ErrPublicAddr", addr, err)
			}
		})
	}
}

func TestServeEmptyAddrIsOff(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), "", http.NotFoundHandler(), false, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve(\"\") = %v, want nil", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Serve(\"\") did not return at once")
	}
}

func TestServeLoopbackAndStop(t *testing.T) {
	tests := []struct {
		addr     string
		network  string // to probe whether the machine has it
		hostPart string
	}{
		{addr: "127.0.0.1:0", network: "tcp4", hostPart: "127.0.0.1:0"},
		{addr: "[::1]:0", network: "tcp6", hostPart: "[::1]:0"},
		{addr: "localhost:0", network: "tcp", hostPart: "localhost:0"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			probe, err := net.Listen(tt.network, tt.hostPart)
			if err != nil {
				t.Skipf("cannot listen on %s here: %v", tt.addr, err)
			}
			probe.Close()

			m := New(testLabels)
			rec := &addrRecorder{addr: make(chan string, 1)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, tt.addr, m.Handler(), false, slog.New(rec)) }()

			var bound string
			select {
			case bound = <-rec.addr:
			case err := <-done:
				t.Fatalf("Serve returned early: %v", err)
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not start listening")
			}

			client := &http.Client{Timeout: 5 * time.Second}
			resp, err := client.Get("http://" + bound + "/healthz")
			if err != nil {
				t.Fatalf("GET /healthz on %s: %v", bound, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
				t.Fatalf("GET /healthz = %d %q", resp.StatusCode, body)
			}
			client.CloseIdleConnections()

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Serve after cancel = %v, want nil", err)
				}
			case <-time.After(time.Second):
				t.Fatal("Serve did not return within 1s of cancel")
			}
		})
	}
}

func TestServeReportsListenError(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = Serve(context.Background(), busy.Addr().String(), http.NotFoundHandler(), false, nil)
	if err == nil || errors.Is(err, ErrPublicAddr) {
		t.Fatalf("Serve on a busy port = %v, want a listen error", err)
	}
}
