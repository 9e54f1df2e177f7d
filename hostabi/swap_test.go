package hostabi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestHotSwapUnderLoad swaps and rolls back while goroutines route
// continuously. Every call must succeed, and a call that starts after a
// swap returned must be answered by that version or a later one.
func TestHotSwapUnderLoad(t *testing.T) {
	th := newTestHost(t, nil)
	reg := NewRegistry(th.Host, &memStore{})
	defer reg.Close()
	ctx := context.Background()
	// gen counts completed swaps; want[g] is the host version g routes to.
	want := []string{"a.example", "b.example", "a.example", "b.example"}
	var gen atomic.Int64
	mustPush(t, reg, "acme", watFixture(t, "routea"), "acme/v1/")

	var stop atomic.Bool
	var calls atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- routeUntil(&stop, &gen, &calls, reg, want)
		}()
	}
	swaps := []func() (Version, error){
		func() (Version, error) { return reg.Push(ctx, "acme", watFixture(t, "routeb")) },
		func() (Version, error) { return reg.Rollback(ctx, "acme") },
		func() (Version, error) { return reg.Rollback(ctx, "acme") },
	}
	var old []*Module
	for _, swap := range swaps {
		time.Sleep(30 * time.Millisecond)
		old = append(old, reg.Module("acme"))
		if _, err := swap(); err != nil {
			t.Fatal(err)
		}
		gen.Add(1)
	}
	time.Sleep(30 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, m := range old {
		if !m.Closed() || m.pool.live() != 0 {
			t.Errorf("replaced %s: closed=%v live instances=%d", m.Version(), m.Closed(), m.pool.live())
		}
	}
	if f := th.faults.take(); len(f) != 0 {
		t.Errorf("faults during swaps: %v", f)
	}
	t.Logf("%d calls across 3 swaps", calls.Load())
}

// routeUntil routes until stop (bounded to 20000 calls) and checks each
// answer against the versions in force while the call ran.
func routeUntil(stop *atomic.Bool, gen, calls *atomic.Int64, reg *Registry, want []string) error {
	for i := 0; i < 20000 && !stop.Load(); i++ {
		g := gen.Load()
		r, err := reg.For("acme").Route(context.Background(), &policy.RouteInput{Tenant: "acme", Domain: "b.test"})
		g2 := gen.Load()
		calls.Add(1)
		if err != nil {
			return fmt.Errorf("call %d: %v", i, err)
		}
		// The swapper bumps gen after Push returns, so a call may already
		// see the module of generation g2+1: never one older than g.
		ok := false
		for k := g; k <= min(g2+1, int64(len(want)-1)); k++ {
			ok = ok || r.Hosts[0] == want[k]
		}
		if !ok {
			return fmt.Errorf("call started at generation %d got %s, want %s", g, r.Hosts[0], want[g])
		}
	}
	return nil
}

// TestInFlightCallFinishesOnOldVersion holds a call in flight across a
// swap: new calls use the new version at once, the held call completes on
// the old one, and the old pool closes only when it returns.
func TestInFlightCallFinishesOnOldVersion(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 5 * time.Second })
	reg := NewRegistry(th.Host, nil)
	defer reg.Close()
	mustPush(t, reg, "acme", watFixture(t, "sleepy"), "acme/v1/")
	old := reg.Module("acme")
	done := make(chan string, 1)
	go func() {
		r, err := old.Route(context.Background(), &policy.RouteInput{Tenant: "slow", Domain: "b.test"})
		if err != nil {
			done <- err.Error()
			return
		}
		done <- r.Hosts[0]
	}()
	for deadline := time.Now().Add(time.Second); old.state.Load()&^(retiredBit|closedBit) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("call never started")
		}
		time.Sleep(time.Millisecond)
	}
	swapped := time.Now()
	mustPush(t, reg, "acme", watFixture(t, "routeb"), "acme/v2/")
	if got := routeHost(t, reg.For("acme")); got != "b.example" {
		t.Errorf("new call after swap: %q", got)
	}
	t.Logf("swap visible after %v", time.Since(swapped))
	if old.Closed() {
		t.Error("old version closed while a call was in flight")
	}
	if got := <-done; got != "slow.example" {
		t.Errorf("in-flight call: %q, want slow.example from the old version", got)
	}
	if !old.Closed() || old.pool.live() != 0 {
		t.Errorf("old version after its last call: closed=%v live=%d", old.Closed(), old.pool.live())
	}
	// A caller still holding the old version is served by the new one.
	if got := routeHost(t, old); got != "b.example" {
		t.Errorf("call on the retired version: %q, want b.example", got)
	}
}

// TestConcurrentCallsStayApart runs many goroutines through one module
// with fewer instances than callers: every answer must be computed from
// its own call's input, whichever instance ran it.
func TestConcurrentCallsStayApart(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.Instances = 3 })
	m := th.load(t, "", "minimal")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				domain := fmt.Sprintf("t%d-%d-%d.test", g, i, rand.IntN(1000))
				r, err := m.Route(context.Background(), &policy.RouteInput{Tenant: fmt.Sprint("tenant", g), Domain: domain})
				if err != nil || r.Domain != domain {
					errs <- fmt.Errorf("route %s: %+v %v", domain, r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := m.pool.live(); n > 3 {
		t.Errorf("%d instances, cap 3", n)
	}
	// The pooled instances keep no reference to the last caller's input.
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	for _, inst := range m.pool.idle {
		if inst.call.in != nil || inst.call.active {
			t.Error("idle instance still holds a call's input")
		}
	}
}

// TestTenantsGetTheirOwnModule shows For never hands one tenant's module
// to another tenant.
func TestTenantsGetTheirOwnModule(t *testing.T) {
	th := newTestHost(t, nil)
	reg := NewRegistry(th.Host, nil)
	defer reg.Close()
	mustPush(t, reg, "a", watFixture(t, "routea"), "a/v1/")
	mustPush(t, reg, "b", watFixture(t, "routeb"), "b/v1/")
	for _, tc := range []struct{ tenant, host string }{{"a", "a.example"}, {"b", "b.example"}, {"c", "<nil>"}} {
		if got := routeHost(t, reg.For(tc.tenant)); got != tc.host {
			t.Errorf("tenant %s routed by %q, want %q", tc.tenant, got, tc.host)
		}
	}
}

// TestPoolWaitsForAnInstance has one instance busy: a second caller waits,
// gives up with its context (an error, not a fault), and once the first
// call is done the instance is reused.
func TestPoolWaitsForAnInstance(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.Instances = 1 })
	m := th.load(t, "acme", "sleepy")
	done := make(chan error, 1)
	go func() {
		_, err := m.Route(context.Background(), &policy.RouteInput{Tenant: "slow"})
		done <- err
	}()
	for idle := 1; idle > 0; {
		time.Sleep(time.Millisecond) // until the slow call holds the instance
		m.pool.mu.Lock()
		idle = len(m.pool.idle)
		m.pool.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.Route(ctx, &policy.RouteInput{Tenant: "fast"})
	var f *FaultError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &f) {
		t.Errorf("waiting caller: %v, want its context's deadline and no fault", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := m.Route(context.Background(), &policy.RouteInput{Tenant: "fast"}); err != nil || m.pool.live() != 1 {
		t.Errorf("after the slow call: %v, %d instances", err, m.pool.live())
	}
}
