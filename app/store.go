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
	// Ping succeeds when the app can serve: the primary answers and the schema
	// exists, or (with a read host) a replica answers while the primary does not.
	Ping(ctx context.Context) error
	// ListEntries returns at most limit entries, newest first.
	ListEntries(ctx context.Context, limit int) ([]Entry, error)
	// CreateEntry stores an entry and returns it with its id and timestamp.
	CreateEntry(ctx context.Context, name, message string) (Entry, error)
}

const createTableSQL = `CREATE TABLE IF NOT EXISTS entries (id bigserial primary key, name text not null, message text not null, created_at timestamptz not null default now())`

const listSQL = `SELECT id, name, message, created_at FROM entries ORDER BY created_at DESC, id DESC LIMIT $1`

// primaryQuietPeriod is how long reads go to the replicas first after the
// primary failed to answer: a failover takes seconds, and each read would
// otherwise wait for the primary's timeout first.
const primaryQuietPeriod = 5 * time.Second

// pool is the part of *pgxpool.Pool the store uses; tests pass fakes.
type pool interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Reset()
	Close()
}

// PGStore is the PostgreSQL Store. Creating it never contacts the database:
// the pools dial lazily, and the table is created on the first successful use
// (readiness check or request) and retried on every later use until it works,
// so the process starts, serves /healthz and reports not-ready while the
// database is still coming up instead of crash-looping.
//
// Writes go to the primary (DB_HOST, which always names the current leader).
// Reads go there too, so a client reads its own writes; with DB_READ_HOST (the
// replicas' Service) a read the primary cannot answer is answered by a replica,
// so reads go on while the database fails over.
type PGStore struct {
	primary  pool
	replicas pool // nil without DB_READ_HOST
	schemaMu sync.Mutex
	schemaOK atomic.Bool
	// primaryDownUntil (unix nanoseconds): until then reads try the replicas first.
	primaryDownUntil atomic.Int64
	now              func() time.Time
}

func NewPGStore(cfg Config) (*PGStore, error) {
	primary, err := newPool(cfg.DatabaseURL())
	if err != nil {
		return nil, err
	}
	s := &PGStore{primary: primary, now: time.Now}
	if cfg.DBReadHost != "" {
		replicas, err := newPool(cfg.ReadDatabaseURL())
		if err != nil {
			primary.Close()
			return nil, err
		}
		s.replicas = replicas
	}
	return s, nil
}

func newPool(url string) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	pc.MaxConns = 10
	pc.MinConns = 0 // no eager dialing: the DB may not be up yet
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	p, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	return p, nil
}

func (s *PGStore) Close() {
	s.primary.Close()
	if s.replicas != nil {
		s.replicas.Close()
	}
}

func (s *PGStore) ensureSchema(ctx context.Context) error {
	if s.schemaOK.Load() {
		return nil
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if s.schemaOK.Load() {
		return nil
	}
	if _, err := s.primary.Exec(ctx, createTableSQL); err != nil {
		return s.noteErr(fmt.Errorf("create table entries: %w", err))
	}
	s.schemaOK.Store(true)
	return nil
}

// noteErr reacts to what an error of the primary says about it:
//   - the table has vanished (the database was recreated on an empty volume):
//     the next use recreates it;
//   - the server is read-only (a demoted primary, SQLSTATE 25006), shutting down,
//     not reachable or not answering: every pooled connection is dropped (pgx's
//     Reset: idle ones now, busy ones when returned), since they all lead to the
//     server that is no longer the primary, or to a lost node whose packets
//     vanish and would each cost a request its full timeout; new ones go through
//     DB_HOST to the current leader. Reads go to the replicas first for a while.
func (s *PGStore) noteErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		s.schemaOK.Store(false)
	}
	if primaryGone(err) {
		s.primaryDownUntil.Store(s.now().Add(primaryQuietPeriod).UnixNano())
		s.primary.Reset()
	}
	return err
}

// primaryGone: the error says the server cannot take this work now (it is
// read-only, shutting down, starting, unreachable, gone mid-query or too slow),
// not that the request was wrong. The server reports a wrong request as a
// PgError; any other error is the connection's.
func primaryGone(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "25006", // read_only_sql_transaction: a standby, or a demoted primary
			"57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"08000", "08003", "08006": // connection_exception, connection_does_not_exist, connection_failure
			return true
		}
		return false
	}
	var scanErr pgx.ScanArgError
	// The client went away, or the answer did not fit: nothing about the server.
	return !errors.Is(err, context.Canceled) && !errors.Is(err, pgx.ErrNoRows) && !errors.As(err, &scanErr)
}

func (s *PGStore) primaryDown() bool { return s.now().UnixNano() < s.primaryDownUntil.Load() }

// primaryBudget: with replicas to fall back to, the primary gets half of the
// remaining time, so a primary that does not answer (a lost node drops packets)
// leaves time to ask a replica.
func (s *PGStore) primaryBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.replicas == nil {
		return ctx, func() {}
	}
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithTimeout(ctx, time.Until(deadline)/2)
	}
	return context.WithTimeout(ctx, 2*time.Second)
}

func (s *PGStore) Ping(ctx context.Context) error {
	pctx, cancel := s.primaryBudget(ctx)
	err := s.pingPrimary(pctx)
	cancel()
	if err == nil || s.replicas == nil {
		return err
	}
	// The primary does not answer, a replica does: reads can be served, so this
	// pod stays in the Service while the database fails over.
	var one int
	if rerr := s.replicas.QueryRow(ctx, "SELECT 1 FROM entries LIMIT 1").Scan(&one); rerr != nil && !errors.Is(rerr, pgx.ErrNoRows) {
		return fmt.Errorf("primary: %w; replicas: %v", err, rerr)
	}
	return nil
}

func (s *PGStore) pingPrimary(ctx context.Context) error {
	var one int
	if err := s.primary.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.noteErr(fmt.Errorf("select 1: %w", err))
	}
	return s.ensureSchema(ctx)
}

func (s *PGStore) ListEntries(ctx context.Context, limit int) ([]Entry, error) {
	if s.replicas != nil && s.primaryDown() {
		if entries, err := listFrom(ctx, s.replicas, limit); err == nil {
			return entries, nil
		}
	}
	pctx, cancel := s.primaryBudget(ctx)
	entries, err := s.listPrimary(pctx, limit)
	cancel()
	if err == nil || s.replicas == nil || !primaryGone(err) {
		return entries, err
	}
	entries, rerr := listFrom(ctx, s.replicas, limit)
	if rerr != nil {
		return nil, fmt.Errorf("primary: %w; replicas: %v", err, rerr)
	}
	return entries, nil
}

func (s *PGStore) listPrimary(ctx context.Context, limit int) ([]Entry, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	entries, err := listFrom(ctx, s.primary, limit)
	if err != nil {
		return nil, s.noteErr(err)
	}
	return entries, nil
}

func listFrom(ctx context.Context, p pool, limit int) ([]Entry, error) {
	rows, err := p.Query(ctx, listSQL, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.Name, &e.Message, &e.CreatedAt)
		return e, err
	})
}

func (s *PGStore) CreateEntry(ctx context.Context, name, message string) (Entry, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return Entry{}, err
	}
	e := Entry{Name: name, Message: message}
	err := s.primary.QueryRow(ctx,
		`INSERT INTO entries (name, message) VALUES ($1, $2) RETURNING id, created_at`, name, message).
		Scan(&e.ID, &e.CreatedAt)
	if err != nil {
		return Entry{}, s.noteErr(err)
	}
	return e, nil
}
