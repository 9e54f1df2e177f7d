package conformance

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/policy"
)

// panicFaults is what each language's panic policy turns into at the
// host: a panic (Go, Rust), __builtin_trap (C) and `unreachable` (WAT)
// are all the wasm trap `unreachable`; AssemblyScript calls env.abort with
// the message and the source location.
var panicFaults = map[string][2]string{ // lang -> route fault, classify fault
	"go":             {"trap: wasm error: unreachable", "trap: wasm error: unreachable"},
	"rust":           {"trap: wasm error: unreachable", "trap: wasm error: unreachable"},
	"c":              {"trap: wasm error: unreachable", "trap: wasm error: unreachable"},
	"assemblyscript": {"trap: abort: policy panic at assembly/index.ts:", "trap: abort: Index out of range at"},
	"wat":            {"trap: wasm error: unreachable", "trap: wasm error: unreachable"},
}

// faultLog counts the faults a host reports through Config.Faults.
type faultLog struct {
	mu     sync.Mutex
	faults []string // "hook: error"
}

func (f *faultLog) add(_, hook, _ string, err error) {
	f.mu.Lock()
	f.faults = append(f.faults, hook+": "+err.Error())
	f.mu.Unlock()
}

func (f *faultLog) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults)
}

// TestPanicFaultsAndFallsBack: in every language, a panic or abort in a
// hook faults that call (a *FaultError naming the hook and the trap, and a
// report through Config.Faults), the engine's Guard then uses the built-in
// default decision, and the next call runs on a fresh instance, again and
// again, without the host ever crashing.
func TestPanicFaultsAndFallsBack(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			var logs bytes.Buffer
			var faults faultLog
			h := newHost(t, hostabi.Config{Faults: faults.add, Instances: 2,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			m, err := h.Load(ctx, "crashy", wasmOf(t, lang, PolicyPanic))
			if err != nil {
				t.Fatalf("the panic policy must pass the load-time dry run: %v", err)
			}
			defer m.Close()
			const rounds = 5
			for i := range rounds {
				assertRouteFault(t, m, panicFaults[lang][0])
				assertClassifyFault(t, m, panicFaults[lang][1])
				if _, err := m.Route(ctx, &policy.RouteInput{Tenant: "crashy", Domain: "example.com"}); !errors.Is(err, policy.ErrNotImplemented) {
					t.Fatalf("round %d: route after a fault: %v, want no opinion from a fresh instance", i, err)
				}
			}
			if got := faults.count(); got != 2*rounds {
				t.Errorf("Config.Faults heard %d faults, want %d", got, 2*rounds)
			}
			assertGuardFallsBack(t, m)
			if lang == "rust" && !strings.Contains(logs.String(), "policy panic") {
				t.Errorf("the Rust SDK's panic hook did not log the panic message; host log:\n%s", logs.String())
			}
		})
	}
}

func assertRouteFault(t *testing.T, m *hostabi.Module, want string) {
	t.Helper()
	_, err := m.Route(ctx, &policy.RouteInput{Tenant: "crashy", Domain: "panic.example"})
	assertFault(t, err, "route", want)
}

func assertClassifyFault(t *testing.T, m *hostabi.Module, want string) {
	t.Helper()
	_, err := m.Classify(ctx, &policy.ClassifyInput{Tenant: "crashy", Stage: "rcpt", Code: 550,
		Enhanced: "5.7.1", Text: "this reply makes the policy panic"})
	assertFault(t, err, "classify", want)
}

func assertFault(t *testing.T, err error, hook, want string) {
	t.Helper()
	var fe *hostabi.FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("%s: got %v, want a *hostabi.FaultError", hook, err)
	}
	if fe.Hook != hook || fe.Tenant != "crashy" || !strings.Contains(fe.Error(), want) {
		t.Fatalf("%s: fault %q (hook %q, tenant %q), want hook %s, tenant crashy, text containing %q",
			hook, fe.Error(), fe.Hook, fe.Tenant, hook, want)
	}
}

// assertGuardFallsBack: what the engine sees. Its Guard answers with the
// built-in default (MX routing; the default classification of a 5.7.1
// reply) and reports each fault with the hook's name.
func assertGuardFallsBack(t *testing.T, m *hostabi.Module) {
	t.Helper()
	var hooks []string
	g := policy.NewGuard(fixedRegistry{m}, &policy.Default{}, func(tenant, hook, _ string, err error) {
		hooks = append(hooks, tenant+"/"+hook)
	})
	r, ver := g.Route(ctx, &policy.RouteInput{Tenant: "crashy", Domain: "panic.example"})
	if r.Kind != policy.RouteMX || len(r.Hosts) != 0 || ver != "builtin" {
		t.Errorf("guard route after a fault: %+v by %s, want the default MX route by builtin", r, ver)
	}
	in := &policy.ClassifyInput{Tenant: "crashy", Stage: "rcpt", Code: 550, Enhanced: "5.7.1", Text: "panic"}
	c, ver := g.Classify(ctx, in)
	def, _ := (&policy.Default{}).Classify(ctx, in)
	if c != def || ver != "builtin" {
		t.Errorf("guard classify after a fault: %+v by %s, want the default %+v by builtin", c, ver, def)
	}
	if strings.Join(hooks, ",") != "crashy/route,crashy/classify" {
		t.Errorf("guard reported faults %v, want crashy/route and crashy/classify", hooks)
	}
}

// fixedRegistry hands one policy to every tenant.
type fixedRegistry struct{ p policy.Policy }

func (f fixedRegistry) For(string) policy.Policy { return f.p }

// TestMemoryStaysFlat: thousands of calls with 8 KB inputs on one
// instance under a 4 MiB memory cap. An SDK that leaked what a call
// allocates (an arena never rewound, a runtime that never frees) would
// exhaust the cap within a few hundred calls and fault.
func TestMemoryStaysFlat(t *testing.T) {
	const calls = 3000
	text := strings.Repeat("x", 8<<10) + "[TSS04]"
	for _, lang := range Languages[1:] { // a Go guest needs 16 MiB to start
		t.Run(lang, func(t *testing.T) {
			var faults faultLog
			h := newHost(t, hostabi.Config{Faults: faults.add, Instances: 1, MemoryLimitPages: 64})
			m, err := h.Load(ctx, "", wasmOf(t, lang, PolicyConformance))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for i := range calls {
				c, err := m.Classify(ctx, &policy.ClassifyInput{Stage: "rcpt", Code: 421, Text: text[i%7:]})
				if err != nil || c.Category != "RateLimited" || !c.Suspend {
					t.Fatalf("call %d: %+v, %v", i, c, err)
				}
			}
			if n := faults.count(); n != 0 {
				t.Fatalf("%d faults in %d calls: %v", n, calls, faults.faults)
			}
		})
	}
}
