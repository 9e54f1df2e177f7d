package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/suppress"
	"github.com/wasmta/wasmta/mta/tables"
)

// tablePoolPolicy picks the pool the table pools names for the tenant, as
// a wasm module reading it with lookup does (the read recorded).
type tablePoolPolicy struct {
	policy.Default
	tabs policy.Tables
}

func (p *tablePoolPolicy) Version() string { return "tablepool/v1" }

// Route has no opinion: the engine's default routes by [[route]].
func (p *tablePoolPolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}

func (p *tablePoolPolicy) SelectPool(ctx context.Context, in *policy.PoolInput) (string, error) {
	v, ok, read, err := p.tabs.Lookup(in.Tenant, "pools", policy.TenantName(in.Tenant))
	if l := policy.ReadLogFrom(ctx); l != nil {
		l.Add(read)
	}
	if err != nil || !ok {
		return "", policy.ErrNotImplemented
	}
	return string(v), nil
}

// openTables opens the spool the engine will use (so the tables live in
// it, as cmd/wasmta wires them) and its tables.
func openTables(t *testing.T, dir string) (*spool.Store, *tables.Store) {
	t.Helper()
	st, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := tables.Open(st, tables.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st, tabs
}

// TestBuiltinTables: @pools and @sources answer from the configuration,
// @suppressed from the tenant's suppression list, without versions.
func TestBuiltinTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, tabs := openTables(t, dir)
	e, _, _ := startAt(t, dir, `
[[tenant]]
name = "acme"
[[source]]
name = "ip1"
address = "127.0.0.1"
[[pool]]
name = "warm"
sources = [{ name = "ip1" }]
[[pool]]
name = "default"
sources = [{ name = "ip1" }]
`, Options{Spool: st, Tables: tabs})
	if _, err := e.Suppressions().Add(suppress.Entry{Tenant: "acme", Recipient: "Gone@Example.com", Reason: suppress.ReasonHardBounce}, time.Now()); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ tenant, table, key, want string }{
		{"acme", TablePools, "warm", `{"sources":["ip1"]}`},
		{"acme", TablePools, "cold", "<none>"},
		{"", TableSources, "ip1", `{"address":"127.0.0.1","ehlo":"mta.test"}`},
		{"acme", TableSuppressed, "gone@example.com", "hard-bounce"},
		{"other", TableSuppressed, "gone@example.com", "<none>"},
		{"acme", "@nosuch", "x", "<none>"},
	}
	for _, tc := range tests {
		v, ok, read, err := tabs.Lookup(tc.tenant, tc.table, tc.key)
		got := string(v)
		if !ok {
			got = "<none>"
		}
		if err != nil || got != tc.want {
			t.Errorf("lookup(%q, %s, %s) = %q, %v; want %q", tc.tenant, tc.table, tc.key, got, err, tc.want)
		}
		if tc.table == TableSuppressed && read.Version != policy.VolatileVersion {
			t.Errorf("a read of %s has version %d, want volatile", tc.table, read.Version)
		}
	}
}

// TestTablePoolNotConfigured: a pool name read from a table at run time
// that is not configured is a PolicyFault naming it, and the message is
// delivered through the default pool.
func TestTablePoolNotConfigured(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	st, tabs := openTables(t, dir)
	if _, err := tabs.Push(context.Background(), "", "pools", tables.Spec{Format: tables.FormatCSV},
		strings.NewReader("tenant,pool\n*,nosuch\n")); err != nil {
		t.Fatal(err)
	}
	p := &tablePoolPolicy{tabs: tabs}
	_, rec, addr := startAt(t, dir, routeTo(sink), Options{Spool: st, Tables: tabs, Registry: onePolicy{p}})
	send(t, addr, "a@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	faults := rec.All(events.PolicyFault)
	if len(faults) != 1 || faults[0].Hook != policy.HookSelectPool || !strings.Contains(faults[0].Reason, `pool "nosuch", which is not configured`) {
		t.Fatalf("faults: %+v", faults)
	}
	if d := rec.All(events.Delivery); d[0].Pool != "default" {
		t.Errorf("delivered through pool %q, want default", d[0].Pool)
	}
}

// tableShapePolicy shapes every path from the global table limits, counting
// its calls.
type tableShapePolicy struct {
	tablePoolPolicy
	calls atomic.Int32
}

func (p *tableShapePolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}

func (p *tableShapePolicy) Shape(ctx context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	p.calls.Add(1)
	v, _, read, err := p.tabs.Lookup("", "limits", "connections")
	if l := policy.ReadLogFrom(ctx); l != nil {
		l.Add(read)
	}
	n, _ := strconv.Atoi(string(v))
	return policy.Shape{MaxConnections: max(n, 1)}, err
}

// TestShapeFollowsItsTable: a path's shape is kept while the table its
// shape hook read keeps its version, and asked again at the first message
// after a push of that table.
func TestShapeFollowsItsTable(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	st, tabs := openTables(t, dir)
	push := func(n int) {
		if _, err := tabs.Push(context.Background(), "", "limits", tables.Spec{Format: tables.FormatCSV},
			strings.NewReader(fmt.Sprintf("k,v\nconnections,%d\n", n))); err != nil {
			t.Fatal(err)
		}
	}
	push(2)
	p := &tableShapePolicy{tablePoolPolicy: tablePoolPolicy{tabs: tabs}}
	_, rec, addr := startAt(t, dir, routeTo(sink), Options{Spool: st, Tables: tabs, Registry: onePolicy{p}})
	deliver := func(i int) {
		send(t, addr, "a@sender.test", []string{"r@example.test"}, testBody(i))
		rec.WaitFor(t, events.Delivery, i, 10*time.Second)
	}
	deliver(1)
	deliver(2)
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("shape asked %d times for two messages on one path, want 1", n)
	}
	push(3)
	deliver(3)
	if n := p.calls.Load(); n != 2 {
		t.Errorf("shape asked %d times after its table changed, want 2", n)
	}
}
