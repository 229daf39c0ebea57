package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Entry is one guestbook entry.
type Entry struct {
	ID        int64
	Name      string
	Message   string
	CreatedAt time.Time
}

// Store is what the HTTP handlers need from persistence. The PostgreSQL
// implementation is below; tests use an in-memory fake.
type Store interface {
	// Ping succeeds only when the database answers and the schema exists.
	Ping(ctx context.Context) error
	// ListEntries returns at most limit entries, newest first.
	ListEntries(ctx context.Context, limit int) ([]Entry, error)
	// CreateEntry stores an entry and returns it with its id and timestamp.
	CreateEntry(ctx context.Context, name, message string) (Entry, error)
}

const createTableSQL = `CREATE TABLE IF NOT EXISTS entries (id bigserial primary key, name text not null, message text not null, created_at timestamptz not null default now())`

// PGStore is the PostgreSQL Store. Creating it never contacts the database:
// the pool dials lazily, and the table is created on the first successful use
// (readiness check or request) and retried on every later use until it works,
// so the process starts, serves /healthz and reports not-ready while the
// database is still coming up instead of crash-looping.
type PGStore struct {
	pool     *pgxpool.Pool
	schemaMu sync.Mutex
	schemaOK atomic.Bool
}

func NewPGStore(cfg Config) (*PGStore, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL())
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	pc.MaxConns = 10
	pc.MinConns = 0 // no eager dialing: the DB may not be up yet
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	return &PGStore{pool: pool}, nil
}

func (s *PGStore) Close() { s.pool.Close() }

func (s *PGStore) ensureSchema(ctx context.Context) error {
	if s.schemaOK.Load() {
		return nil
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if s.schemaOK.Load() {
		return nil
	}
	if _, err := s.pool.Exec(ctx, createTableSQL); err != nil {
		return fmt.Errorf("create table entries: %w", err)
	}
	s.schemaOK.Store(true)
	return nil
}

// noteErr forgets that the schema exists when the table has vanished (e.g. the
// database was recreated on an empty volume), so the next use recreates it.
func (s *PGStore) noteErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		s.schemaOK.Store(false)
	}
	return err
}

func (s *PGStore) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("select 1: %w", err)
	}
	return s.ensureSchema(ctx)
}

func (s *PGStore) ListEntries(ctx context.Context, limit int) ([]Entry, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx,
		`SELECT id, name, message, created_at FROM entries ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, s.noteErr(err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.Name, &e.Message, &e.CreatedAt)
		return e, err
	})
	if err != nil {
		return nil, s.noteErr(err)
	}
	return entries, nil
}

func (s *PGStore) CreateEntry(ctx context.Context, name, message string) (Entry, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return Entry{}, err
	}
	e := Entry{Name: name, Message: message}
	err := s.pool.QueryRow(ctx,
		`INSERT INTO entries (name, message) VALUES ($1, $2) RETURNING id, created_at`, name, message).
		Scan(&e.ID, &e.CreatedAt)
	if err != nil {
		return Entry{}, s.noteErr(err)
	}
	return e, nil
}
