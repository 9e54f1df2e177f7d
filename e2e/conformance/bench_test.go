package conformance

import (
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/policy"
)

// The benchmarks behind the language table of docs/policies.md:
//
//	go test -run '^$' -bench . -benchmem ./e2e/conformance/
//
// Every call runs with the production deadline guard (hostabi's default
// 5 ms call timeout). "native" is the same rules as plain Go
// (native_test.go); "floor" is policies/wat/floor.wat, a hook that makes
// one host call and has no opinion: what any wasm call costs at least.

var sink any

// routes and replies are the workloads: decided and "no opinion" answers,
// and reply texts that hit each classify rule or none.
var routes = []policy.RouteInput{
	{Tenant: "acme", Campaign: "welcome", Domain: "gmail.com"},
	{Tenant: "globex", Campaign: "bulk-spring", Domain: "yahoo.com"},
	{Tenant: "acme", Domain: "example.com"},
	{Tenant: "initech", Domain: "outlook.com"},
}

var replies = []policy.ClassifyInput{
	{Site: "mta5.am0.yahoodns.net", Stage: "rcpt", Code: 421, Enhanced: "4.7.0", Text: "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
	{Site: "gmail-smtp-in.l.google.com", Stage: "data", Code: 421, Enhanced: "4.7.28", Text: "4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address."},
	{Site: "gmail-smtp-in.l.google.com", Stage: "rcpt", Code: 550, Enhanced: "5.1.1", Text: "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces."},
	{Site: "mx.example.com", Stage: "rcpt", Code: 452, Enhanced: "4.2.2", Text: "4.2.2 The recipient's inbox is out of storage space."},
}

// benchSet is every conformance build and the floor module loaded into
// one host.
type benchSet struct {
	once sync.Once
	mods map[string]*hostabi.Module // by language, plus "floor"
	err  error
}

var guarded, unguarded benchSet

// modules loads the set once: with the production deadline guard, or
// without wazero's termination checks (hostabi.Config.UnsafeNoDeadline),
// to show what the guard costs.
func (s *benchSet) modules(b *testing.B, noGuard bool) map[string]*hostabi.Module {
	s.once.Do(func() {
		// A generous deadline for the load-time dry run on a busy machine;
		// the guard is on whatever the deadline. And a long InitTimeout:
		// under callgrind (scripts/policy-count.sh) on a loaded machine a
		// Go guest's _initialize outlasted the default second.
		h, err := hostabi.New(ctx, hostabi.Config{Logger: quiet, CacheDir: wazeroCache,
			CallTimeout: time.Second, InitTimeout: 5 * time.Minute, UnsafeNoDeadline: noGuard})
		if err != nil {
			s.err = err
			return
		}
		s.mods = map[string]*hostabi.Module{}
		wasm := map[string][]byte{}
		for _, lang := range Languages {
			wasm[lang] = wasmOf(b, lang, PolicyConformance)
		}
		if wasm["floor"], s.err = buildSaved(ctx, "wat", "floor"); s.err != nil {
			return
		}
		for name, w := range wasm {
			if s.mods[name], s.err = h.Load(ctx, "", w); s.err != nil {
				return
			}
		}
	})
	if s.err != nil {
		b.Fatal(s.err)
	}
	return s.mods
}

// loop runs call b.N times and also reports the process CPU time per
// call: on a shared machine wall time includes other processes' turns,
// CPU time much less so.
func loop(b *testing.B, call func(i int)) {
	start := cpuTime()
	n := 0
	for i := 0; b.Loop(); i++ {
		call(i)
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func noOpinion(err error) bool { return err == nil || errors.Is(err, policy.ErrNotImplemented) }

func BenchmarkRoute(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		loop(b, func(i int) { sink, _ = native{}.Route(ctx, &routes[i%len(routes)]) })
	})
	for _, name := range append([]string{"floor"}, Languages...) {
		b.Run(name, func(b *testing.B) { benchRoute(b, guarded.modules(b, false)[name]) })
	}
	for _, name := range append([]string{"floor"}, Languages...) {
		b.Run(name+"-noguard", func(b *testing.B) { benchRoute(b, unguarded.modules(b, true)[name]) })
	}
}

func benchRoute(b *testing.B, m *hostabi.Module) {
	loop(b, func(i int) {
		r, err := m.Route(ctx, &routes[i%len(routes)])
		if !noOpinion(err) {
			b.Fatal(err)
		}
		sink = r
	})
}

func BenchmarkClassify(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		loop(b, func(i int) { sink, _ = native{}.Classify(ctx, &replies[i%len(replies)]) })
	})
	for _, name := range append([]string{"floor"}, Languages...) {
		b.Run(name, func(b *testing.B) { benchClassify(b, guarded.modules(b, false)[name]) })
	}
	for _, name := range append([]string{"floor"}, Languages...) {
		b.Run(name+"-noguard", func(b *testing.B) { benchClassify(b, unguarded.modules(b, true)[name]) })
	}
}

func benchClassify(b *testing.B, m *hostabi.Module) {
	loop(b, func(i int) {
		c, err := m.Classify(ctx, &replies[i%len(replies)])
		if !noOpinion(err) {
			b.Fatal(err)
		}
		sink = c
	})
}

// BenchmarkLoad measures what pushing a module costs once its compiled
// code is in wazero's file cache: compile from the cache, the structural
// checks, one instantiation (with _initialize for Go) and the dry run of
// every exported hook. It reports the module size too.
func BenchmarkLoad(b *testing.B) {
	for _, lang := range Languages {
		b.Run(lang, func(b *testing.B) {
			wasm := wasmOf(b, lang, PolicyConformance)
			h := newHost(b, hostabi.Config{})
			load := func() {
				m, err := h.Load(ctx, "", wasm)
				if err != nil {
					b.Fatal(err)
				}
				m.Close()
			}
			load() // fills the file cache on a first run
			loop(b, func(int) { load() })
			b.ReportMetric(float64(len(wasm)), "module-bytes")
		})
	}
}

// TestBenchWorkloadAgrees: the benchmark workloads get the same decisions
// from every language as from native Go, so the numbers compare the same
// work.
func TestBenchWorkloadAgrees(t *testing.T) {
	mods := loadAll(t, newHost(t, hostabi.Config{}))
	for i := range routes {
		assertAgree(t, mods, fields{Tenant: routes[i].Tenant, Campaign: routes[i].Campaign}, "route workload")
	}
	for i := range replies {
		r := &replies[i]
		assertAgree(t, mods, fields{Code: r.Code, Enhanced: r.Enhanced, Text: r.Text}, "classify workload")
	}
	if !strings.Contains(replies[0].Text, "[TSS04]") {
		t.Fatal("the classify workload lost its [TSS04] reply")
	}
}
