package hostabi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// callHook calls hook on m with the given tenant and campaign and sample
// values elsewhere; it returns only the error.
func callHook(m *Module, hook, tenant, campaign string) error {
	ctx := context.Background()
	var err error
	switch hook {
	case policy.HookRcpt:
		_, err = m.OnRcpt(ctx, &policy.RcptInput{Tenant: tenant, Campaign: campaign, Recipient: "r@b.test"})
	case policy.HookMessage:
		_, err = m.OnMessage(ctx, &policy.MessageInput{Tenant: tenant, Campaign: campaign})
	case policy.HookRoute:
		_, err = m.Route(ctx, &policy.RouteInput{Tenant: tenant, Campaign: campaign, Domain: "b.test"})
	case policy.HookSelectPool:
		_, err = m.SelectPool(ctx, &policy.PoolInput{Tenant: tenant, Campaign: campaign})
	case policy.HookShape:
		_, err = m.Shape(ctx, &policy.ShapeInput{Source: tenant, Site: "s"})
	case policy.HookClassify:
		_, err = m.Classify(ctx, &policy.ClassifyInput{Tenant: tenant, Code: 550})
	}
	return err
}

type faultCase struct {
	fixture, hook, campaign string
	want                    string // FaultError.Err text
	closes                  bool   // the instance is discarded
}

var faultCases = []faultCase{
	{"loop", "route", "", "deadline exceeded", true},
	{"trap", "route", "", "trap: wasm error: unreachable", true},
	{"trap", "select_pool", "", "trap: wasm error: integer divide by zero", true},
	{"trap", "shape", "", "exit code 3", true},
	{"trap", "classify", "", "hook returned 7", false},
	{"trap", "on_rcpt", "", "trap: abort: boom! at test.ts:12:5", true},
	{"oob", "route", "0", `BAD_ARGUMENT (""): key (4294967280, 100) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "1", `BAD_ARGUMENT ("domain"): buffer (4294901760, 131072) outside memory`, false},
	{"oob", "route", "2", `BAD_ARGUMENT (""): key (65536, 1) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "3", `BAD_ARGUMENT (""): key (64, 4294967295) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "4", `BAD_ARGUMENT (""): key (4294967295, 2) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "5", `BAD_ARGUMENT (""): key (4294967292, 8) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "6", `BAD_ARGUMENT ("mx_domain"): value (65520, 32) outside memory`, false},
	{"oob", "route", "7", `BAD_ARGUMENT (""): key (2147483647, 4) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "8", `BAD_ARGUMENT (""): key (2147483648, 4) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "9", `BAD_ARGUMENT ("log"): message (4294967280, 256) outside memory`, false},
	{"oob", "route", "a", `BAD_ARGUMENT ("log"): unknown level 9`, false},
	{"oob", "route", "b", `BAD_ARGUMENT (""): key (64, 257) outside memory, empty, too long or not UTF-8`, false},
	{"oob", "route", "c", `NOT_FOUND ("nonesuch"): not a result key of ABI v1`, false},
	{"oob", "route", "d", `INVALID_VALUE ("host"): bad host "bad host!"`, false},
	{"oob", "route", "e", `WRONG_TYPE ("host"): is a list result`, false},
	{"oob", "route", "f", `NOT_AVAILABLE ("pool"): not a result of route`, false},
	{"oob", "route", "g", `trap: abort: ? at ?:1:2`, true},
	{"oob", "route", "h", `BAD_ARGUMENT ("domain"): negative index -1`, false},
	{"huge", "route", "0", `INVALID_VALUE ("host"): value of 5000 bytes, more than 4096`, false},
	{"huge", "route", "1", `LIMIT ("host"): more than 16 items`, false},
	{"huge", "route", "2", `LIMIT ("mx_domain"): more than 256 results in one call`, false},
	{"huge", "on_message", "", `LIMIT ("meta.k"): more than 65536 result bytes in one call`, false},
}

// TestCallFaults drives every call-time failure and asserts the exact
// fault, that Config.Faults heard of it, whether the instance was
// discarded, and that the next call works on a healthy instance.
func TestCallFaults(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 100 * time.Millisecond })
	modules := map[string]*Module{}
	for _, tc := range faultCases {
		m := modules[tc.fixture]
		if m == nil {
			m = th.load(t, "acme", tc.fixture)
			modules[tc.fixture] = m
		}
		t.Run(tc.fixture+"/"+tc.hook+"/"+tc.campaign, func(t *testing.T) {
			before := m.pool.live()
			start := time.Now()
			err := callHook(m, tc.hook, "evil", tc.campaign)
			assertFault(t, err, m, tc.hook, tc.want)
			// The deadline is 100ms; the bound is loose because CI runs
			// every package at once on 2 cores. It catches a guard that
			// never fires, not a slow one.
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("fault took %v", took)
			}
			if after := m.pool.live(); tc.closes != (after == before-1) {
				t.Errorf("instances %d -> %d, want closed=%v", before, after, tc.closes)
			}
			if f := th.faults.take(); len(f) != 1 || !strings.HasSuffix(f[0], tc.want) {
				t.Errorf("Config.Faults got %q", f)
			}
			if err := callHook(m, tc.hook, "good", tc.campaign); !errors.Is(err, policy.ErrNotImplemented) {
				t.Errorf("next call: %v, want no opinion", err)
			}
		})
	}
}

// assertFault checks that err is a *FaultError of m for hook with text want.
func assertFault(t *testing.T, err error, m *Module, hook, want string) {
	t.Helper()
	var f *FaultError
	if !errors.As(err, &f) {
		t.Fatalf("error %v (%T), want *FaultError", err, err)
	}
	if f.Err.Error() != want || f.Hook != hook || f.Version != m.Version() || f.Tenant != m.Tenant() {
		t.Errorf("fault %+v\n  err %q\n want %q", f, f.Err, want)
	}
}

// TestLogLimits checks that guest log lines are truncated and capped per
// call without faulting it.
func TestLogLimits(t *testing.T) {
	th := newTestHost(t, nil)
	m := th.load(t, "acme", "huge")
	th.logs.take()
	if err := callHook(m, "route", "evil", "3"); !errors.Is(err, policy.ErrNotImplemented) {
		t.Fatalf("route: %v, want no opinion", err)
	}
	lines := th.logs.take()
	if len(lines) != maxLogLines {
		t.Fatalf("%d log lines, want %d", len(lines), maxLogLines)
	}
	for _, l := range lines {
		if len(l) != maxLogLine || strings.Trim(l, "a") != "" {
			t.Fatalf("log line of %d bytes, want %d bytes of 'a'", len(l), maxLogLine)
		}
	}
}

// TestMemoryCap runs the memory.grow bomb under a 64-page cap: it can
// never get past the cap, the call faults, and the host carries on. bigmax
// is the same bomb declaring a maximum of 65536 pages: the host loads it
// (a declared maximum over the cap is replaced by the cap, ABI.md section
// 6) and the cap holds all the same.
func TestMemoryCap(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.MemoryLimitPages = 64; c.CallTimeout = time.Second })
	for _, fixture := range []string{"grow", "bigmax"} {
		t.Run(fixture, func(t *testing.T) {
			m := th.load(t, "acme", fixture)
			start := time.Now()
			defer func() { t.Logf("growing to the cap took %v", time.Since(start)) }()
			assertFault(t, callHook(m, "route", "evil", ""), m, "route", "hook returned 64")
			if err := callHook(m, "route", "good", ""); !errors.Is(err, policy.ErrNotImplemented) {
				t.Fatalf("next call: %v", err)
			}
		})
	}
}

// TestSleepStopsAtDeadline shows that a guest sleeping through WASI is
// stopped at its deadline, not when its sleep ends.
func TestSleepStopsAtDeadline(t *testing.T) {
	// The guest sleeps 300ms; a deadline fault (rather than the route it
	// returns after waking) proves the sleep was cut short. No bound on
	// the elapsed time: CI runs every package at once on 2 cores.
	th := newTestHost(t, func(c *Config) { c.CallTimeout = 150 * time.Millisecond })
	m := th.load(t, "acme", "sleepy")
	start := time.Now()
	assertFault(t, callHook(m, "route", "slow", ""), m, "route", "deadline exceeded")
	t.Logf("sleeping call stopped after %v", time.Since(start))
	if err := callHook(m, "route", "fast", ""); err != nil {
		t.Fatalf("next call: %v", err)
	}
}
