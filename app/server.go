package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

const (
	maxEntries        = 100
	maxNameRunes      = 64
	maxMessageRunes   = 500
	maxBodyBytes      = 16 << 10
	defaultReadyWait  = 1 * time.Second
	defaultStoreWait  = 5 * time.Second
	headerAppVersion  = "X-App-Version"
	contentTypeJSON   = "application/json; charset=utf-8"
	contentTypeHTML   = "text/html; charset=utf-8"
	contentTypeText   = "text/plain; charset=utf-8"
	reasonShutdown    = "shutting down"
	reasonDBUnhealthy = "database not ready"
)

// Server holds the HTTP handlers and the readiness state.
type Server struct {
	cfg      Config
	store    Store
	log      *slog.Logger
	hostname string

	readyTimeout time.Duration // budget for the readiness DB check
	storeTimeout time.Duration // budget for DB work in API/page requests

	draining atomic.Bool
	lastOK   atomic.Int32 // 0 unknown, 1 ready, 2 not ready: only to log transitions
}

func NewServer(cfg Config, store Store, log *slog.Logger, hostname string) *Server {
	return &Server{
		cfg: cfg, store: store, log: log, hostname: hostname,
		readyTimeout: defaultReadyWait,
		storeTimeout: defaultStoreWait,
	}
}

// StartDraining makes /readyz fail from now on and asks every later response's
// connection to close, so clients reconnect (through the Service) to another pod.
func (s *Server) StartDraining() { s.draining.Store(true) }

func (s *Server) Draining() bool { return s.draining.Load() }

// Handler returns the routed handler wrapped in the version/logging middleware.
// Routing uses Go 1.22 ServeMux patterns: a known path with a wrong method is
// answered 405 (with an Allow header), an unknown path 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("GET /api/entries", s.handleListEntries)
	mux.HandleFunc("POST /api/entries", s.handleCreateEntry)
	mux.HandleFunc("GET /api/config", s.handleConfig)
	return s.middleware(mux)
}

// ---- middleware -------------------------------------------------------------

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set(headerAppVersion, Version)
		h.Set("X-Content-Type-Options", "nosniff")
		if s.Draining() {
			// Per-response graceful close: the client will not reuse this
			// connection and opens a new one, which the Service routes elsewhere.
			h.Set("Connection", "close")
		}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes),
				slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
				slog.String("remote", r.RemoteAddr),
				slog.String("userAgent", r.UserAgent()),
			)
		}
	})
}

// ---- helpers ----------------------------------------------------------------

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", contentTypeText)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// entryJSON is the wire form of an Entry: createdAt is RFC 3339 in UTC.
type entryJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Message   string `json:"message"`
	CreatedAt string `json:"createdAt"`
}

func toJSON(e Entry) entryJSON {
	return entryJSON{ID: e.ID, Name: e.Name, Message: e.Message, CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339)}
}

// validateEntry trims surrounding white space and checks lengths in characters
// (runes). The error message names the offending field.
func validateEntry(name, message string) (string, string, error) {
	name, message = strings.TrimSpace(name), strings.TrimSpace(message)
	check := func(field, v string, max int) error {
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s must be valid UTF-8", field)
		}
		if n := utf8.RuneCountInString(v); n < 1 || n > max {
			return fmt.Errorf("%s must be 1-%d characters", field, max)
		}
		return nil
	}
	if err := check("name", name, maxNameRunes); err != nil {
		return "", "", err
	}
	if err := check("message", message, maxMessageRunes); err != nil {
		return "", "", err
	}
	return name, message, nil
}

// ---- handlers ---------------------------------------------------------------

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.Draining() {
		writeText(w, http.StatusServiceUnavailable, reasonShutdown)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		if s.lastOK.Swap(2) != 2 {
			s.log.Warn("not ready: database check failed", "error", err.Error())
		}
		writeText(w, http.StatusServiceUnavailable, reasonDBUnhealthy)
		return
	}
	if s.lastOK.Swap(1) != 1 {
		s.log.Info("ready: database reachable and schema present")
	}
	writeText(w, http.StatusOK, "ready")
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Public())
}

func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.log.Warn("database operation failed", "op", op, "error", err.Error())
	writeError(w, http.StatusServiceUnavailable, "database unavailable")
}

func (s *Server) handleListEntries(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.storeTimeout)
	defer cancel()
	entries, err := s.store.ListEntries(ctx, maxEntries)
	if err != nil {
		s.storeFailed(w, r, "list", err)
		return
	}
	out := make([]entryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, toJSON(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// handleCreateEntry accepts a JSON body (the API: 201 + the entry) or, for the
// HTML page's plain <form>, application/x-www-form-urlencoded (303 back to /).
// A form-typed body that starts with "{" is read as JSON, so `curl -d '{..}'`
// without a Content-Type header works as expected.
func (s *Server) handleCreateEntry(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "could not read request body")
		return
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isForm := mediaType == "application/x-www-form-urlencoded" &&
		!strings.HasPrefix(strings.TrimSpace(string(body)), "{")

	var in struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	if isForm {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid form body")
			return
		}
		in.Name, in.Message = form.Get("name"), form.Get("message")
	} else if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "request body must be a JSON object {\"name\":\"..\",\"message\":\"..\"}")
		return
	}
	name, message, err := validateEntry(in.Name, in.Message)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), s.storeTimeout)
	defer cancel()
	e, err := s.store.CreateEntry(ctx, name, message)
	if err != nil {
		s.storeFailed(w, r, "create", err)
		return
	}
	if isForm {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(e))
}

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}.meta{color:#666;font-size:.85rem}
form{display:grid;gap:.5rem;margin:1.5rem 0;padding:1rem;background:#f4f4f4;border-radius:6px}
input,textarea,button{font:inherit;padding:.4rem}
ul{list-style:none;padding:0}li{border-bottom:1px solid #ddd;padding:.6rem 0}
.who{font-weight:600}.when{color:#888;font-size:.8rem}.err{color:#a00}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Env}}env: {{.Env}} &middot; {{end}}version {{.Version}} &middot; served by {{.Hostname}}</p>
<form method="post" action="/api/entries">
<input name="name" placeholder="Your name" maxlength="64" required>
<textarea name="message" placeholder="Your message" maxlength="500" rows="3" required></textarea>
<button type="submit">Sign the guestbook</button>
</form>
{{if .Error}}<p class="err">{{.Error}}</p>{{else if not .Entries}}<p>No entries yet. Be the first!</p>{{end}}
<ul>
{{range .Entries}}<li><span class="who">{{.Name}}</span> <span class="when">{{.CreatedAt}}</span><br>{{.Message}}</li>
{{end}}</ul>
</body>
</html>
`))

type indexData struct {
	Title, Env, Version, Hostname, Error string
	Entries                              []entryJSON
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	data := indexData{Title: s.cfg.AppTitle, Env: s.cfg.AppEnv, Version: Version, Hostname: s.hostname}
	status := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), s.storeTimeout)
	defer cancel()
	entries, err := s.store.ListEntries(ctx, maxEntries)
	if err != nil {
		s.log.Warn("database operation failed", "op", "index", "error", err.Error())
		status = http.StatusServiceUnavailable
		data.Error = "The database is unavailable right now; please try again shortly."
	}
	for _, e := range entries {
		data.Entries = append(data.Entries, toJSON(e))
	}
	var buf strings.Builder
	if err := indexTmpl.Execute(&buf, data); err != nil {
		s.log.Error("render index", "error", err.Error())
		writeText(w, http.StatusInternalServerError, "internal error")
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeHTML)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, buf.String())
}
