package scenario

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
)

// Env is what every scenario shares.
type Env struct {
	Quick    bool
	Repeats  int
	Root     string            // temporary directory of the run (removed by the caller)
	Repo     string            // repository root, for go test -bench
	Wasmta   string            // the wasmta binary
	Policies map[string]string // reference policy name → built .wasm ("default", "shaping")
	Postfix  bool              // Postfix and its tools are installed
	Log      *slog.Logger

	// ProfileDir, when set, gets a CPU profile of every wasmta run
	// (wasmta serve --cpuprofile), named after the run's directory.
	ProfileDir string

	// Commit is the commit measured (stamped on every scenario).
	Commit string

	// Seed is the blind provider mix's seed (0: a random one, logged).
	Seed uint64

	// BacklogN overrides the backlog size (0: estimated from the relay
	// figures to fit the time budget).
	BacklogN int

	// MaxRate holds each system's delivered rate for 4 KiB messages with
	// one recipient, measured by the relay scenario; latency uses it.
	MaxRate map[string]float64
	// AcceptRate holds each system's accepted rate for the same case.
	AcceptRate map[string]float64

	seq atomic.Int64
}

// Systems, as they appear in the results.
const (
	SysWasmta  = "wasmta"
	SysPostfix = "postfix"
	SysLimit   = "limit: smtp-source → smtp-sink"
	SysLimitD  = "limit: smtp-source -d → smtp-sink"
	SysGoSink  = "smtp-source → harness Go sink"
)

// dir returns a new directory for one run, named after what runs in it.
func (e *Env) dir(name string) (string, error) {
	d := filepath.Join(e.Root, fmt.Sprintf("%03d-%s", e.seq.Add(1), name))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("scenario: %w", err)
	}
	return d, nil
}

// begin makes a scenario record and logs its start with the load average.
func (e *Env) begin(name, title string) (*result.Scenario, time.Time) {
	s := &result.Scenario{Name: name, Title: title, LoadAvg: proc.LoadAvg()}
	e.Log.Info("scenario start", "name", name, "load", s.LoadAvg)
	return s, time.Now()
}

// end records the scenario's duration.
func (e *Env) end(s *result.Scenario, t0 time.Time) *result.Scenario {
	s.Seconds = time.Since(t0).Seconds()
	e.Log.Info("scenario done", "name", s.Name, "took", time.Since(t0).Round(time.Second))
	return s
}

// portOf returns the port of a "host:port" address.
func portOf(addr string) int {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			p, _ := strconv.Atoi(addr[i+1:])
			return p
		}
	}
	return 0
}

// within bounds a step of a scenario in time.
func within(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

const (
	mib = 1 << 20
	// benchFrom and benchTo are the envelope of every load.
	benchFrom   = "sender@source.bench.example"
	benchDomain = "bench.example"
	benchTo     = "rcpt@" + benchDomain
)
