package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeStore is an in-memory Store. pingErr/failOps simulate a broken database;
// blockPing makes Ping wait for its context (a hung database).
type fakeStore struct {
	mu        sync.Mutex
	entries   []Entry
	nextID    int64
	now       time.Time
	pingErr   error
	blockPing bool
	failOps   error
	lastLimit int
}

func newFakeStore() *fakeStore {
	return &fakeStore{nextID: 1, now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeStore) Ping(ctx context.Context) error {
	f.mu.Lock()
	block, err := f.blockPing, f.pingErr
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (f *fakeStore) ListEntries(ctx context.Context, limit int) ([]Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastLimit = limit
	if f.failOps != nil {
		return nil, f.failOps
	}
	out := append([]Entry(nil), f.entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeStore) CreateEntry(ctx context.Context, name, message string) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failOps != nil {
		return Entry{}, f.failOps
	}
	f.now = f.now.Add(time.Minute)
	e := Entry{ID: f.nextID, Name: name, Message: message, CreatedAt: f.now}
	f.nextID++
	f.entries = append(f.entries, e)
	return e, nil
}

func testConfig() Config {
	return Config{
		Port: "8080", DBHost: "db", DBPort: "5432", DBName: "gb", DBUser: "app", DBPassword: "s3cret",
		DBSSLMode: "disable", LogLevel: "info", AppTitle: "Guestbook", AppEnv: "test", ShutdownDelay: 0,
	}
}

func newTestServer(t *testing.T, store Store) (*Server, http.Handler) {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := NewServer(testConfig(), store, log, "pod-1")
	s.readyTimeout = 50 * time.Millisecond
	return s, s.Handler()
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON; body %q", ct, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return v
}

func TestHealthzIgnoresDatabase(t *testing.T) {
	fs := newFakeStore()
	fs.pingErr = errors.New("connection refused")
	_, h := newTestServer(t, fs)
	rec := do(t, h, "GET", "/healthz", "", "")
	if rec.Code != 200 || rec.Body.String() != "ok" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	if v := rec.Header().Get("X-App-Version"); v != "0.1.0" {
		t.Fatalf("X-App-Version = %q", v)
	}
}

func TestReadyz(t *testing.T) {
	fs := newFakeStore()
	s, h := newTestServer(t, fs)

	rec := do(t, h, "GET", "/readyz", "", "")
	if rec.Code != 200 || rec.Body.String() != "ready" {
		t.Fatalf("healthy store: got %d %q", rec.Code, rec.Body.String())
	}

	fs.mu.Lock()
	fs.pingErr = errors.New("connection refused")
	fs.mu.Unlock()
	rec = do(t, h, "GET", "/readyz", "", "")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "database") {
		t.Fatalf("failing ping: got %d %q", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "refused") {
		t.Fatalf("readyz leaks driver error: %q", rec.Body.String())
	}

	fs.mu.Lock()
	fs.pingErr = nil
	fs.blockPing = true
	fs.mu.Unlock()
	start := time.Now()
	rec = do(t, h, "GET", "/readyz", "", "")
	if rec.Code != 503 {
		t.Fatalf("hung database: got %d", rec.Code)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("readiness check not bounded by its timeout: took %v", el)
	}

	fs.mu.Lock()
	fs.blockPing = false
	fs.mu.Unlock()
	if rec = do(t, h, "GET", "/readyz", "", ""); rec.Code != 200 {
		t.Fatalf("recovered: got %d", rec.Code)
	}

	s.StartDraining()
	rec = do(t, h, "GET", "/readyz", "", "")
	if rec.Code != 503 || rec.Body.String() != "shutting down" {
		t.Fatalf("draining: got %d %q", rec.Code, rec.Body.String())
	}
	// Everything else keeps working while draining, but asks to close the connection.
	rec = do(t, h, "GET", "/healthz", "", "")
	if rec.Code != 200 || rec.Header().Get("Connection") != "close" {
		t.Fatalf("healthz while draining: %d, Connection=%q", rec.Code, rec.Header().Get("Connection"))
	}
	if rec = do(t, h, "GET", "/api/entries", "", ""); rec.Code != 200 {
		t.Fatalf("entries while draining: %d", rec.Code)
	}
}

func TestReadyzDefaultTimeoutIsOneSecond(t *testing.T) {
	s := NewServer(testConfig(), newFakeStore(), slog.New(slog.NewJSONHandler(io.Discard, nil)), "x")
	if s.readyTimeout != time.Second {
		t.Fatalf("readyTimeout = %v", s.readyTimeout)
	}
}

func TestCreateAndListEntries(t *testing.T) {
	fs := newFakeStore()
	_, h := newTestServer(t, fs)

	rec := do(t, h, "GET", "/api/entries", "", "")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"entries":[]}` {
		t.Fatalf("empty list: %d %q", rec.Code, rec.Body.String())
	}

	rec = do(t, h, "POST", "/api/entries", "application/json", `{"name":"  Ada ","message":"Hello <world>"}`)
	if rec.Code != 201 {
		t.Fatalf("create: %d %q", rec.Code, rec.Body.String())
	}
	created := decode[map[string]any](t, rec)
	if created["id"] != float64(1) || created["name"] != "Ada" || created["message"] != "Hello <world>" ||
		created["createdAt"] != "2024-05-01T12:01:00Z" {
		t.Fatalf("created = %v", created)
	}
	if len(created) != 4 {
		t.Fatalf("unexpected fields in %v", created)
	}

	// No Content-Type: JSON is assumed.
	if rec = do(t, h, "POST", "/api/entries", "", `{"name":"Bob","message":"second"}`); rec.Code != 201 {
		t.Fatalf("second create: %d %q", rec.Code, rec.Body.String())
	}

	rec = do(t, h, "GET", "/api/entries", "", "")
	type listResp struct {
		Entries []struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			Message   string `json:"message"`
			CreatedAt string `json:"createdAt"`
		} `json:"entries"`
	}
	list := decode[listResp](t, rec)
	if len(list.Entries) != 2 || list.Entries[0].Name != "Bob" || list.Entries[1].Name != "Ada" {
		t.Fatalf("list not newest first: %+v", list)
	}
	if _, err := time.Parse(time.RFC3339, list.Entries[0].CreatedAt); err != nil {
		t.Fatalf("createdAt not RFC3339: %v", err)
	}
	if fs.lastLimit != 100 {
		t.Fatalf("list limit = %d, want 100", fs.lastLimit)
	}
}

func TestListCapsAt100(t *testing.T) {
	fs := newFakeStore()
	_, h := newTestServer(t, fs)
	for i := 0; i < 105; i++ {
		if rec := do(t, h, "POST", "/api/entries", "application/json", `{"name":"n","message":"m"}`); rec.Code != 201 {
			t.Fatalf("create %d: %d", i, rec.Code)
		}
	}
	list := decode[struct {
		Entries []entryJSON `json:"entries"`
	}](t, do(t, h, "GET", "/api/entries", "", ""))
	if len(list.Entries) != 100 || list.Entries[0].ID != 105 {
		t.Fatalf("got %d entries, first id %d", len(list.Entries), list.Entries[0].ID)
	}
}

func TestCreateValidation(t *testing.T) {
	cases := []struct {
		desc, body, field string
		status            int
	}{
		{"missing name", `{"message":"hi"}`, "name", 400},
		{"blank name", `{"name":"   ","message":"hi"}`, "name", 400},
		{"name too long", `{"name":"` + strings.Repeat("a", 65) + `","message":"hi"}`, "name", 400},
		{"missing message", `{"name":"Ada"}`, "message", 400},
		{"empty message", `{"name":"Ada","message":""}`, "message", 400},
		{"message too long", `{"name":"Ada","message":"` + strings.Repeat("m", 501) + `"}`, "message", 400},
		{"not json", `name=Ada`, "JSON", 400},
		{"json array", `[1,2]`, "JSON", 400},
		{"wrong types", `{"name":1,"message":true}`, "JSON", 400},
		{"too large", `{"name":"Ada","message":"` + strings.Repeat("x", 20000) + `"}`, "too large", 413},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			fs := newFakeStore()
			_, h := newTestServer(t, fs)
			rec := do(t, h, "POST", "/api/entries", "application/json", tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %q", rec.Code, tc.status, rec.Body.String())
			}
			body := decode[map[string]string](t, rec)
			if !strings.Contains(body["error"], tc.field) {
				t.Fatalf("error %q does not mention %q", body["error"], tc.field)
			}
			if len(fs.entries) != 0 {
				t.Fatalf("invalid entry was stored")
			}
		})
	}
}

func TestCreateLengthLimitsCountCharacters(t *testing.T) {
	_, h := newTestServer(t, newFakeStore())
	// 64 and 500 multi-byte characters are allowed (they are > 64/500 bytes).
	body := `{"name":"` + strings.Repeat("é", 64) + `","message":"` + strings.Repeat("ü", 500) + `"}`
	if rec := do(t, h, "POST", "/api/entries", "application/json", body); rec.Code != 201 {
		t.Fatalf("boundary lengths rejected: %d %q", rec.Code, rec.Body.String())
	}
	body = `{"name":"` + strings.Repeat("é", 65) + `","message":"x"}`
	if rec := do(t, h, "POST", "/api/entries", "application/json", body); rec.Code != 400 {
		t.Fatalf("65 characters accepted: %d", rec.Code)
	}
}

func TestCreateFromHTMLForm(t *testing.T) {
	fs := newFakeStore()
	_, h := newTestServer(t, fs)
	form := url.Values{"name": {"Eve"}, "message": {"from the form"}}.Encode()
	rec := do(t, h, "POST", "/api/entries", "application/x-www-form-urlencoded", form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("form post: %d Location=%q", rec.Code, rec.Header().Get("Location"))
	}
	if len(fs.entries) != 1 || fs.entries[0].Name != "Eve" {
		t.Fatalf("form entry not stored: %+v", fs.entries)
	}
	// curl -d '{...}' sends a form Content-Type: a JSON-looking body is read as JSON.
	rec = do(t, h, "POST", "/api/entries", "application/x-www-form-urlencoded", `{"name":"Json","message":"via curl -d"}`)
	if rec.Code != 201 || decode[entryJSON](t, rec).Name != "Json" {
		t.Fatalf("JSON body with form Content-Type: %d %q", rec.Code, rec.Body.String())
	}
	rec = do(t, h, "POST", "/api/entries", "application/x-www-form-urlencoded", "name=&message=x")
	if rec.Code != 400 {
		t.Fatalf("invalid form accepted: %d", rec.Code)
	}
}

func TestStoreFailureIs503JSON(t *testing.T) {
	fs := newFakeStore()
	fs.failOps = errors.New("password authentication failed for user app")
	_, h := newTestServer(t, fs)
	for _, rec := range []*httptest.ResponseRecorder{
		do(t, h, "GET", "/api/entries", "", ""),
		do(t, h, "POST", "/api/entries", "application/json", `{"name":"a","message":"b"}`),
	} {
		if rec.Code != 503 {
			t.Fatalf("status %d, want 503", rec.Code)
		}
		body := decode[map[string]string](t, rec)
		if body["error"] == "" || strings.Contains(body["error"], "password") {
			t.Fatalf("bad error body %q", rec.Body.String())
		}
	}
	rec := do(t, h, "GET", "/", "", "")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "unavailable") {
		t.Fatalf("index with failing DB: %d", rec.Code)
	}
}

func TestMethodNotAllowedAndNotFound(t *testing.T) {
	_, h := newTestServer(t, newFakeStore())
	cases := []struct {
		method, path string
		status       int
	}{
		{"DELETE", "/api/entries", 405},
		{"PUT", "/api/entries", 405},
		{"POST", "/healthz", 405},
		{"POST", "/readyz", 405},
		{"POST", "/api/config", 405},
		{"PATCH", "/", 405},
		{"GET", "/nope", 404},
		{"GET", "/api/nope", 404},
		{"GET", "/api/entries/1", 404},
		{"POST", "/nope", 404},
	}
	for _, tc := range cases {
		rec := do(t, h, tc.method, tc.path, "", "")
		if rec.Code != tc.status {
			t.Errorf("%s %s: got %d want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if rec.Header().Get("X-App-Version") != Version {
			t.Errorf("%s %s: missing X-App-Version", tc.method, tc.path)
		}
	}
	if rec := do(t, h, "HEAD", "/healthz", "", ""); rec.Code != 200 {
		t.Errorf("HEAD /healthz: %d", rec.Code)
	}
}

func TestConfigEndpoint(t *testing.T) {
	_, h := newTestServer(t, newFakeStore())
	rec := do(t, h, "GET", "/api/config", "", "")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "s3cret") {
		t.Fatalf("password leaked: %s", rec.Body.String())
	}
	got := decode[map[string]any](t, rec)
	want := map[string]any{
		"dbHost": "db", "dbPort": "5432", "dbName": "gb", "dbUser": "app", "dbSslMode": "disable", "dbSslRootCert": "",
		"logLevel": "info", "appTitle": "Guestbook", "appEnv": "test",
		// echo -n s3cret | sha256sum
		"passwordSha256": "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0",
	}
	if len(got) != len(want) {
		t.Fatalf("fields: got %v want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestIndexPageEscapes(t *testing.T) {
	fs := newFakeStore()
	s, _ := newTestServer(t, fs)
	s.cfg.AppTitle = `Guest<script>alert(1)</script>`
	h := s.Handler()
	if rec := do(t, h, "POST", "/api/entries", "application/json", `{"name":"<b>Mallory</b>","message":"<img src=x onerror=alert(1)>"}`); rec.Code != 201 {
		t.Fatalf("create: %d", rec.Code)
	}
	rec := do(t, h, "GET", "/", "", "")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, bad := range []string{"<script>alert", "<b>Mallory", "<img src=x"} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped %q in page", bad)
		}
	}
	for _, good := range []string{"Guest&lt;script&gt;", "&lt;b&gt;Mallory&lt;/b&gt;", `action="/api/entries"`, "env: test", "pod-1", "0.1.0"} {
		if !strings.Contains(body, good) {
			t.Errorf("page lacks %q", good)
		}
	}
}

func TestRequestLogAtDebug(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	for _, tc := range []struct {
		level slog.Level
		want  bool
	}{{slog.LevelDebug, true}, {slog.LevelInfo, false}} {
		buf.Reset()
		s := NewServer(testConfig(), newFakeStore(), newLogger(w, tc.level), "x")
		do(t, s.Handler(), "GET", "/healthz", "", "")
		line := buf.String()
		if got := strings.Contains(line, `"msg":"request"`); got != tc.want {
			t.Fatalf("level %v: request logged=%v: %q", tc.level, got, line)
		}
		if tc.want {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not one JSON line: %q", line)
			}
			if m["path"] != "/healthz" || m["status"] != float64(200) || m["method"] != "GET" {
				t.Fatalf("log fields: %v", m)
			}
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
