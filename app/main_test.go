package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeDrainsOnShutdown runs the real HTTP server on a loopback port and
// checks the SIGTERM sequence: readiness fails at once, other requests keep
// being served for the delay, then the server stops and serve returns nil.
func TestServeDrainsOnShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	s := NewServer(testConfig(), newFakeStore(), slog.New(slog.NewJSONHandler(io.Discard, nil)), "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	const delay = 600 * time.Millisecond
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { done <- serve(ctx, func() { close(stopped) }, ln, s, s.log, delay) }()

	client := &http.Client{Timeout: 2 * time.Second}
	get := func(path string) (int, string, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}

	if code, body, err := get("/readyz"); err != nil || code != 200 {
		t.Fatalf("before shutdown: %d %q %v", code, body, err)
	}

	cancel() // what SIGTERM does
	select {
	case <-stopped:
	case <-time.After(time.Second):
		t.Fatal("signal handler not released")
	}
	signalled := time.Now()

	if code, body, err := get("/readyz"); err != nil || code != 503 || body != "shutting down" {
		t.Fatalf("readyz during drain: %d %q %v", code, body, err)
	}
	if code, body, err := get("/"); err != nil || code != 200 || !strings.Contains(body, "<h1>Guestbook</h1>") {
		t.Fatalf("/ during drain: %d %v", code, err)
	}
	if code, _, err := get("/api/entries"); err != nil || code != 200 {
		t.Fatalf("/api/entries during drain: %d %v", code, err)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(delay + 5*time.Second):
		t.Fatal("serve did not return after the shutdown delay")
	}
	if el := time.Since(signalled); el < delay-50*time.Millisecond {
		t.Fatalf("stopped after %v, before the %v delay", el, delay)
	}
	if _, _, err := get("/healthz"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once
	s := NewServer(testConfig(), newFakeStore(), slog.New(slog.NewJSONHandler(io.Discard, nil)), "x")
	if err := serve(context.Background(), nil, ln, s, s.log, time.Second); err == nil {
		t.Fatal("expected an error from a closed listener")
	}
}

func TestRunExitsOneOnBadConfig(t *testing.T) {
	var out strings.Builder
	code := run(envFrom(map[string]string{"DB_HOST": "x", "DB_NAME": "x", "DB_USER": "x", "PORT": "http"}), &out)
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	log := out.String()
	for _, want := range []string{`"level":"ERROR"`, "DB_PASSWORD", "PORT"} {
		if !strings.Contains(log, want) {
			t.Errorf("log %q lacks %q", log, want)
		}
	}
	if strings.Count(strings.TrimSpace(log), "\n") != 0 {
		t.Errorf("config error should be one JSON line: %q", log)
	}
}
