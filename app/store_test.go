package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// fakePool answers like a pool of one server: its entries, or err for every call.
type fakePool struct {
	entries []Entry
	err     error
	resets  int
	queries int
}

type fakeRow struct {
	err  error
	scan func(dest ...any) error
}

func (r fakeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.scan(dest...)
}

func (p *fakePool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, p.err
}

func (p *fakePool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	p.queries++
	return fakeRow{err: p.err, scan: func(dest ...any) error {
		for _, d := range dest {
			switch v := d.(type) {
			case *int:
				*v = 1
			case *int64:
				*v = 42
			case *time.Time:
				*v = time.Unix(0, 0)
			}
		}
		return nil
	}}
}

func (p *fakePool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	p.queries++
	if p.err != nil {
		return nil, p.err
	}
	return &fakeRows{entries: p.entries, i: -1}, nil
}

func (p *fakePool) Reset() { p.resets++ }
func (p *fakePool) Close() {}

type fakeRows struct {
	entries []Entry
	i       int
}

func (r *fakeRows) Close()                                       {}
func (r *fakeRows) Err() error                                   { return nil }
func (r *fakeRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r *fakeRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r *fakeRows) Next() bool                                   { r.i++; return r.i < len(r.entries) }
func (r *fakeRows) Values() ([]any, error)                       { return nil, nil }
func (r *fakeRows) RawValues() [][]byte                          { return nil }
func (r *fakeRows) Conn() *pgx.Conn                              { return nil }
func (r *fakeRows) Scan(dest ...any) error {
	e := r.entries[r.i]
	*dest[0].(*int64), *dest[1].(*string), *dest[2].(*string), *dest[3].(*time.Time) = e.ID, e.Name, e.Message, e.CreatedAt
	return nil
}

var (
	readOnly     = &pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}
	refused      = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	uniqueBroken = &pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint"}
)

func newTestStore(primary, replicas *fakePool) (*PGStore, *time.Time) {
	now := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	s := &PGStore{primary: primary, now: func() time.Time { return now }}
	if replicas != nil {
		s.replicas = replicas
	}
	s.schemaOK.Store(true)
	return s, &now
}

func TestPrimaryGoneTellsAvailabilityFromBadRequests(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{readOnly, true},
		{&pgconn.PgError{Code: "57P01"}, true},
		{&pgconn.PgError{Code: "57P03"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{refused, true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true}, // the server died mid-query
		{uniqueBroken, false},
		{&pgconn.PgError{Code: "42601"}, false},
		{context.Canceled, false},
		{pgx.ErrNoRows, false},
	} {
		if got := primaryGone(c.err); got != c.want {
			t.Errorf("primaryGone(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A write that reaches a demoted primary (read-only) drops every pooled connection, so
// the next ones go through DB_HOST to the new leader instead of staying on the old one.
func TestReadOnlyWriteResetsThePrimaryPool(t *testing.T) {
	primary, replicas := &fakePool{err: readOnly}, &fakePool{}
	s, _ := newTestStore(primary, replicas)
	if _, err := s.CreateEntry(context.Background(), "a", "b"); !errors.Is(err, readOnly) {
		t.Fatalf("CreateEntry error = %v, want the read-only error", err)
	}
	if primary.resets != 1 {
		t.Fatalf("primary pool resets = %d, want 1", primary.resets)
	}
	// So does a primary that cannot be reached (its other connections lead to a lost node),
	// but not a bad request.
	primary.err = refused
	s.CreateEntry(context.Background(), "a", "b")
	primary.err = uniqueBroken
	s.CreateEntry(context.Background(), "a", "b")
	if primary.resets != 2 {
		t.Fatalf("primary pool resets = %d after a refused connection and a bad request, want 2", primary.resets)
	}
}

func TestReadsFallBackToTheReplicasWhileThePrimaryIsGone(t *testing.T) {
	want := []Entry{{ID: 7, Name: "n", Message: "m", CreatedAt: time.Unix(100, 0).UTC()}}
	primary, replicas := &fakePool{err: refused}, &fakePool{entries: want}
	s, now := newTestStore(primary, replicas)
	got, err := s.ListEntries(context.Background(), 10)
	if err != nil || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("ListEntries = %v, %v; want the replica's entries", got, err)
	}
	// For the quiet period the replicas are asked first, the primary not at all.
	primary.queries, replicas.queries = 0, 0
	if _, err := s.ListEntries(context.Background(), 10); err != nil || primary.queries != 0 || replicas.queries != 1 {
		t.Fatalf("during the quiet period: err %v, primary asked %d times, replicas %d", err, primary.queries, replicas.queries)
	}
	// After it, the primary again (it has recovered: a client reads its own writes).
	*now = now.Add(primaryQuietPeriod + time.Second)
	primary.err = nil
	primary.entries = []Entry{{ID: 8}}
	got, err = s.ListEntries(context.Background(), 10)
	if err != nil || len(got) != 1 || got[0].ID != 8 {
		t.Fatalf("after the quiet period: %v, %v; want the primary's entries", got, err)
	}
}

func TestReadsDoNotFallBackOnABadRequestOrWithoutReplicas(t *testing.T) {
	s, _ := newTestStore(&fakePool{err: uniqueBroken}, &fakePool{entries: []Entry{{ID: 1}}})
	if _, err := s.ListEntries(context.Background(), 10); !errors.Is(err, uniqueBroken) {
		t.Fatalf("a bad request must fail as such, got %v", err)
	}
	s, _ = newTestStore(&fakePool{err: refused}, nil)
	if _, err := s.ListEntries(context.Background(), 10); !errors.Is(err, refused) {
		t.Fatalf("without replicas the primary's error is the answer, got %v", err)
	}
}

// Readiness: ready while reads can be served, from the primary or a replica.
func TestPingIsReadyWhileAReplicaAnswers(t *testing.T) {
	primary, replicas := &fakePool{err: refused}, &fakePool{}
	s, _ := newTestStore(primary, replicas)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping with a replica answering = %v, want ready", err)
	}
	replicas.err = refused
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping with nothing answering succeeded")
	}
	s, _ = newTestStore(&fakePool{err: refused}, nil)
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping without replicas and without the primary succeeded")
	}
}

// The primary gets half the budget when a replica can still answer.
func TestPrimaryBudgetLeavesTimeForTheReplicas(t *testing.T) {
	s, _ := newTestStore(&fakePool{}, &fakePool{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pctx, pcancel := s.primaryBudget(ctx)
	defer pcancel()
	d, _ := pctx.Deadline()
	if left := time.Until(d); left > 1100*time.Millisecond || left < 800*time.Millisecond {
		t.Fatalf("primary budget %v, want about 1s of 2s", left)
	}
}
