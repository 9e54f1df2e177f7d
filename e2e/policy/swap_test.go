package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// TestHotSwapUnderLoad swaps a tenant's policy twice and rolls it back
// while clients submit: no message is lost or bounced, and every message
// is routed by the version in force when it was received or a later one.
func TestHotSwapUnderLoad(t *testing.T) {
	port := commonPort(t)
	sinks := map[string]*testsink.Sink{
		"127.0.0.2": sinkAt(t, "127.0.0.2", port, testsink.Options{CountOnly: true}),
		"127.0.0.3": sinkAt(t, "127.0.0.3", port, testsink.Options{CountOnly: true}),
	}
	w := startWorld(t, fmt.Sprintf("[delivery]\nport = %d\n", port))
	ctx := context.Background()
	mods := []struct{ host, label string }{{"127.0.0.2", "V1"}, {"127.0.0.3", "V2"}, {"127.0.0.2", "V3"}}
	wasm := make([][]byte, len(mods))
	for i, m := range mods {
		wasm[i] = buildPolicy(t, m.host, m.label)
	}
	// swaps[i] is when version i+1 was in force (Push returned).
	var swapMu sync.Mutex
	var swaps []time.Time
	note := func(v hostabi.Version, err error) {
		if err != nil {
			t.Error(err)
			return
		}
		swapMu.Lock()
		swaps = append(swaps, time.Now())
		swapMu.Unlock()
		if v.Number != len(swaps) {
			t.Errorf("swap %d produced version %d", len(swaps), v.Number)
		}
	}
	note(w.reg.Push(ctx, "a", wasm[0]))

	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for i := 0; i < 150; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := sendAs("a", w.addr, []string{fmt.Sprintf("r%d-%d@dest.test", c, i)}, body(i)); err != nil {
					t.Error(err)
					return
				}
				sent.Add(1)
			}
		})
	}
	var pushTimes []time.Duration
	for _, step := range []func() (hostabi.Version, error){
		func() (hostabi.Version, error) { return w.reg.Push(ctx, "a", wasm[1]) },
		func() (hostabi.Version, error) { return w.reg.Push(ctx, "a", wasm[2]) },
		func() (hostabi.Version, error) { return w.reg.Rollback(ctx, "a") },
	} {
		time.Sleep(700 * time.Millisecond)
		t0 := time.Now()
		v, err := step()
		pushTimes = append(pushTimes, time.Since(t0))
		note(v, err)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	n := int(sent.Load())
	w.rec.WaitFor(t, events.Delivery, n, 20*time.Second)
	t.Logf("sent %d messages across 3 swaps; validate+swap took %v", n, pushTimes)

	for _, f := range w.rec.All(events.PolicyFault) {
		t.Errorf("policy fault: %s %s: %s", f.Hook, f.PolicyVersion, f.Reason)
	}
	if b := w.rec.Count(events.Bounce); b != 0 {
		t.Fatalf("%d bounces during hot swap", b)
	}
	if got := sinks["127.0.0.2"].Count() + sinks["127.0.0.3"].Count(); got != n {
		t.Fatalf("sinks got %d messages, want %d", got, n)
	}
	checkVersions(t, w, swaps)
}

// checkVersions asserts that each delivery was routed by a version at
// least as new as the one in force when its message was received, and that
// the host it went to is the one that version routes to.
func checkVersions(t *testing.T, w *world, swaps []time.Time) {
	t.Helper()
	received := map[string]time.Time{}
	for _, r := range w.rec.All(events.Reception) {
		received[r.ID] = r.Time
	}
	hostOf := map[int]string{1: "127.0.0.2", 2: "127.0.0.3", 3: "127.0.0.2", 4: "127.0.0.3"}
	for _, d := range w.rec.All(events.Delivery) {
		var v int
		if _, err := fmt.Sscanf(strings.TrimPrefix(d.PolicyVersion, "a/v"), "%d", &v); err != nil {
			t.Fatalf("delivery record without a module version: %q", d.PolicyVersion)
		}
		inForce := sort.Search(len(swaps), func(i int) bool { return swaps[i].After(received[d.ID]) })
		if v < inForce {
			t.Fatalf("message %s received under v%d was routed by older v%d", d.ID, inForce, v)
		}
		if !strings.HasPrefix(d.Peer, hostOf[v]+":") {
			t.Fatalf("v%d routed message %s to %s, want %s", v, d.ID, d.Peer, hostOf[v])
		}
	}
}
