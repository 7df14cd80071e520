package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// shutdownGrace bounds how long Serve waits for in-flight requests on exit.
const shutdownGrace = 5 * time.Second

// Serve listens on addr and serves h until ctx is done, then shuts down
// gracefully (at most 5 s). An empty addr means telemetry is off: it returns
// nil at once.
//
// Metrics reveal activity, so the endpoint binds to loopback by default: an
// addr whose host is not a loopback IP or "localhost" (including an empty
// host such as ":9464", which means every interface) is refused with an error
// wrapping ErrPublicAddr unless allowPublic is true. The caller should log a
// loud warning when it sets allowPublic.
func Serve(ctx context.Context, addr string, h http.Handler, allowPublic bool, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkAddr(addr, allowPublic); err != nil {
		return err
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("telemetry: listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("telemetry listening", "addr", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve only returns early on a real failure (it closed the listener).
		return fmt.Errorf("telemetry: serving on %s: %w", addr, err)
	case <-ctx.Done():
	}

	// ctx is already done: shut down on a fresh deadline.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("telemetry: shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("telemetry: serving on %s: %w", addr, err)
	}
	log.Info("telemetry stopped")
	return nil
}

// checkAddr accepts host:port whose host is "localhost" or a loopback IP;
// anything else only with allowPublic.
func checkAddr(addr string, allowPublic bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("telemetry: address %q: %w", addr, err)
	}
	if allowPublic || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	what := host
	if host == "" {
		what = "every interface"
	}
	return fmt.Errorf("%w: %s listens on %s; use 127.0.0.1, [::1] or localhost, or allow a public address explicitly",
		ErrPublicAddr, addr, what)
}
