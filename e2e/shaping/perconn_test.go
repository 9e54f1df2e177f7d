package shaping

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestPolicyBoundsMessagesPerConnectionEndToEnd: the floor and ceiling of
// the messages per connection (ABI v1.9) go from a real wasm module's
// shape hook (testdata/wat/perconnbounds.wat: 8 per connection, floor 6,
// ceiling 12, one connection) through hostabi and the engine to the
// paths, against simulated providers over SMTP on loopback. At a provider
// that never ends a session the count rises from 8 and stops at the
// policy's 12 (the default ceiling would be 32); at one that ends every
// session after 3 it stays at the floor, 6, where without one it would
// learn 3 (mta/egress TestPerConnKeepsThePolicysFloor), and every message
// is delivered once, none deferred or bounced.
func TestPolicyBoundsMessagesPerConnectionEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wasm, err := os.ReadFile(filepath.Join("..", "..", "testdata", "wat", "perconnbounds.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(ctx) })
	mod, err := host.Load(ctx, "*", wasm)
	if err != nil {
		t.Fatal(err)
	}
	never := quiet("never", "never.test")
	three := quiet("three", "three.test")
	three.MaxMsgsPerConn = 3
	three.MsgsPerConnReply = providersim.Reply{Code: 421, Close: true,
		Text: "Max message per connection reached, closing transmission channel"}
	for _, p := range []*providersim.Provider{&never, &three} {
		p.Latency.DataEnd = providersim.Delay{Fixed: 15 * time.Millisecond}
	}
	w := startWorld(t, setup{providers: []providersim.Provider{never, three}, toml: sourcesTOML(map[int]int{2: 1}),
		policy: &testPolicy{shape: func(in *policy.ShapeInput) policy.Shape {
			s, err := mod.Shape(ctx, in)
			if err != nil {
				t.Errorf("the module's shape: %v", err)
			}
			return s
		}}})
	const n = 120 // 60 to each provider
	w.send(t, "", n, 4, func(i int) []string {
		return []string{fmt.Sprintf("r%d@%s", i, map[bool]string{true: "never.test", false: "three.test"}[i%2 == 0])}
	})
	w.noneLost(t, n)
	if d := w.rec.Count(events.TransientFailure); d != 0 {
		t.Errorf("%d messages deferred: a session the provider ended is no attempt of the next message", d)
	}
	want := map[string]int{w.sites["never"]: 12, w.sites["three"]: 6}
	for _, p := range w.eng.PathsInfo() {
		st := w.ipStats(map[string]string{w.sites["never"]: "never", w.sites["three"]: "three"}[p.Site], "127.0.0.2")
		t.Logf("%s: configured %d, learned %d messages per connection; %d sessions, %d ended by the provider, %d messages",
			p.Site, p.ConfiguredPerConn, p.LearnedPerConn, st.ConnsOpened, st.MsgsPerConn, st.Messages)
		if p.ConfiguredPerConn != 8 || p.LearnedPerConn != want[p.Site] {
			t.Errorf("%s: configured %d, learned %d messages per connection, want 8 and %d",
				p.Site, p.ConfiguredPerConn, p.LearnedPerConn, want[p.Site])
		}
		delete(want, p.Site)
	}
	if len(want) != 0 {
		t.Fatalf("no path to %v", want)
	}
}
