package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// TestRebindSweepWaitsForTheRebuild: the sweep that forgets the rebinds
// of messages no longer pending must not run before the rebuild has
// queued every stored message (3091da3 moved the rebuild beside
// delivery: dispatch loads the rebinds and starts the sweep while the
// pending map still lacks the messages the rebuild has not reached). A
// stored message's rebind survives a sweep during the rebuild, and is
// swept once its message has left the spool after the rebuild.
func TestRebindSweepWaitsForTheRebuild(t *testing.T) {
	t.Parallel()
	e, _ := newAt(t, t.TempDir(), "", Options{}, func(*int64) {})
	id := message.NewID(time.Now())
	k := rebindKey{id, "example.test"}
	if err := e.spool.PutAux(rebindNS, k.bytes(), []byte("bulk"), true); err != nil {
		t.Fatal(err)
	}
	if got := e.poolOverride(id, k.domain); got != "bulk" { // loads the rebinds, as the first dispatch does
		t.Fatalf("rebind read back as %q, want bulk", got)
	}
	e.sweepRebinds() // the rebuild has not reached id yet
	if got := e.poolOverride(id, k.domain); got != "bulk" {
		t.Fatalf("after a sweep during the rebuild the rebind is %q, want bulk", got)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	<-e.Rebuilt()
	e.sweepRebinds() // id is not in the spool: nothing pends
	if got := e.poolOverride(id, k.domain); got != "" {
		t.Fatalf("after the rebuild a sweep kept the rebind of a message not pending (%q)", got)
	}
}
