// Command guestbook is the demo web application run by the reference
// architecture's web tier: a tiny guestbook backed by PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Version is reported in the X-App-Version header and the startup log. Keep it
// in step with the image tag (refarch-guestbook:0.1.0). A variable so that a build
// can set it at link time (-ldflags "-X main.Version=..."): the e2e upgrade step
// rolls the web tier to a second build made that way (cluster/images.sh).
var Version = "0.1.0"

// shutdownTimeout bounds http.Server.Shutdown after SHUTDOWN_DELAY.
const shutdownTimeout = 10 * time.Second

func main() {
	os.Exit(run(os.Getenv, os.Stdout))
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func run(getenv func(string) string, stdout io.Writer) int {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		log := newLogger(stdout, slog.LevelInfo)
		log.Error("invalid configuration: "+joinLines(err), "version", Version)
		return 1
	}
	log := newLogger(stdout, cfg.Level())
	slog.SetDefault(log)

	store, err := NewPGStore(cfg)
	if err != nil {
		log.Error("invalid database configuration", "error", err.Error())
		return 1
	}
	defer store.Close()

	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		log.Error("cannot listen", "port", cfg.Port, "error", err.Error())
		return 1
	}

	hostname, _ := os.Hostname()
	srv := NewServer(cfg, store, log, hostname)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	log.Info("starting guestbook",
		"version", Version, "addr", ln.Addr().String(), "appEnv", cfg.AppEnv, "appTitle", cfg.AppTitle,
		"logLevel", cfg.LogLevel, "dbHost", cfg.DBHost, "dbReadHost", cfg.DBReadHost, "dbPort", cfg.DBPort, "dbName", cfg.DBName,
		"dbUser", cfg.DBUser, "dbSslMode", cfg.DBSSLMode, "dbSslRootCert", cfg.DBSSLRootCert, "shutdownDelay", cfg.ShutdownDelay.String())

	go warmUp(ctx, store, log)

	if err := serve(ctx, stop, ln, srv, log, cfg.ShutdownDelay); err != nil {
		log.Error("server failed", "error", err.Error())
		return 1
	}
	store.Close()
	log.Info("shutdown complete")
	return 0
}

// warmUp contacts the database in the background until it answers once, so the
// table is created and "database ready" is logged even before the first probe.
// Readiness checks and requests retry on their own as well; this is a nicety.
func warmUp(ctx context.Context, store Store, log *slog.Logger) {
	backoff := time.Second
	for {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := store.Ping(pctx)
		cancel()
		if err == nil {
			log.Info("database ready")
			return
		}
		if ctx.Err() != nil {
			return
		}
		log.Warn("database not ready yet; will retry", "error", err.Error(), "retryIn", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 30*time.Second {
			backoff *= 2
		}
	}
}

// serve runs the HTTP server on ln until ctx is cancelled (SIGTERM/SIGINT), then
// drains: /readyz fails at once while everything else keeps being served for
// delay (long enough for the endpoints to drop this pod), after which the
// server shuts down gracefully within shutdownTimeout. stopSignals is called
// when draining starts, so a second Ctrl-C kills a local run at once.
func serve(ctx context.Context, stopSignals func(), ln net.Listener, s *Server, log *slog.Logger, delay time.Duration) error {
	httpSrv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errCh := make(chan error, 1)
	go func() { errCh <- httpSrv.Serve(ln) }()

	select {
	case err := <-errCh:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	if stopSignals != nil {
		stopSignals()
	}
	s.StartDraining()
	log.Info("shutdown signal received: failing readiness, still serving", "shutdownDelay", delay.String())

	t := time.NewTimer(delay)
	select {
	case <-t.C:
	case err := <-errCh:
		t.Stop()
		return fmt.Errorf("http server: %w", err)
	}

	log.Info("shutdown delay elapsed: stopping http server", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("graceful shutdown incomplete; closing remaining connections", "error", err.Error())
		_ = httpSrv.Close()
	}
	if err := <-errCh; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

func joinLines(err error) string {
	// errors.Join separates with newlines; keep the log line on one line.
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
