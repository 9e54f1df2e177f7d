package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
)

// outcomes is a Handler that keeps every outcome.
type outcomes struct {
	mu    sync.Mutex
	done  []Outcome
	at    []time.Time
	held  int
	hold  func(*Job) bool
	ch    chan struct{}
	loads int
}

func newOutcomes() *outcomes { return &outcomes{ch: make(chan struct{}, 1)} }

func (o *outcomes) Load(j *Job) error {
	o.mu.Lock()
	o.loads++
	o.mu.Unlock()
	if j.Body == nil {
		j.Body = []byte("Subject: t\r\n\r\nhello\r\n")
	}
	return nil
}

func (o *outcomes) Done(_ *Path, _ *Job, out Outcome) {
	o.mu.Lock()
	o.done = append(o.done, out)
	o.at = append(o.at, time.Now())
	o.mu.Unlock()
	select {
	case o.ch <- struct{}{}:
	default:
	}
}

func (o *outcomes) Hold(_ *Path, j *Job) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hold != nil && o.hold(j) {
		o.held++
		return true
	}
	return false
}

func (o *outcomes) count() (ok, failed int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range o.done {
		if d.Err == nil && len(d.Rcpt) > 0 && d.Rcpt[0].Code/100 == 2 {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// span is the time from the first outcome to the last.
func (o *outcomes) span() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.at) < 2 {
		return 0
	}
	return o.at[len(o.at)-1].Sub(o.at[0])
}

// waitDone waits for n outcomes.
func (o *outcomes) waitDone(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		ok, failed := o.count()
		if ok+failed >= n {
			return
		}
		select {
		case <-o.ch:
		case <-deadline:
			t.Fatalf("%d delivered and %d failed after %v, want %d outcomes", ok, failed, within, n)
		}
	}
}

// startSim runs one simulated provider with no limits and a small
// latency at the end of DATA, so that connections stay busy a little.
func startSim(t *testing.T, dataEnd time.Duration) (*providersim.Sim, mx.Host) {
	t.Helper()
	return startProvider(t, providersim.Provider{Name: "sink", Addr: "127.0.0.1:0",
		Latency: providersim.Latency{DataEnd: providersim.Delay{Fixed: dataEnd}}})
}

// startProvider runs p, named "sink", on loopback.
func startProvider(t *testing.T, p providersim.Provider) (*providersim.Sim, mx.Host) {
	t.Helper()
	sim, err := providersim.Start(context.Background(), []providersim.Provider{p}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	host, port, _ := net.SplitHostPort(sim.Addr("sink"))
	n, _ := strconv.Atoi(port)
	return sim, mx.Host{Name: "mx.sink.test", Addrs: []netip.Addr{netip.MustParseAddr(host)}, Port: uint16(n)}
}

func newTestSet(t *testing.T, h Handler, opts Options) *Set {
	opts.Handler = h
	s := NewSet(opts)
	t.Cleanup(s.Close)
	return s
}

var testSource = &Source{Name: "ip2", Addr: netip.MustParseAddr("127.0.0.2"), EHLO: "out2.test"}

func testPath(s *Set, host mx.Host, shape policy.Shape) *Path {
	shape.ConnectTimeout, shape.CommandTimeout, shape.DataTimeout = 2*time.Second, 5*time.Second, 5*time.Second
	if shape.IdleTimeout == 0 {
		shape.IdleTimeout = time.Second
	}
	p, _ := s.Path(PathSpec{Source: testSource, Site: "mx.sink.test", Hosts: []mx.Host{host}},
		func() (policy.Shape, string) { return shape, "v1" })
	return p
}

// atPreset puts a path's learned limits back at its preset, as on a path
// that has run a while without a signal: tests of what a refusal does to a
// working path start there rather than from a cold path's initial window.
func atPreset(p *Path) *Path {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.adapt = adaptive.New(presetOf(p.base), paramsOf(p.base), time.Now())
	p.applyLocked()
	return p
}

func testJob(i int) *Job {
	m := &message.Message{ID: message.NewID(time.Now()), Sender: "s@sender.test",
		Recipients: []message.Recipient{{Addr: fmt.Sprintf("r%d@sink.test", i)}}, ReceivedAt: time.Now()}
	return &Job{Msg: m, Items: []*queue.Item{queue.NewItem(m.ID, []uint16{0}, 0, time.Now())},
		Queue: message.QueueKey{Domain: "sink.test"}}
}

func enqueue(p *Path, n int) {
	for i := range n {
		p.Enqueue(testJob(i))
	}
}

// ipStats returns the simulator's counters for the test source.
func ipStats(sim *providersim.Sim) providersim.IPStats {
	return sim.Stats()["sink"].PerIP[testSource.Addr.String()]
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
