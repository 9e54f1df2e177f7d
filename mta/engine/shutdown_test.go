package engine

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// TestShutdownDuringDialDefersNothing stops the engine while a delivery
// connection waits for a banner: the cancelled dial must not count as a
// failed attempt, so after a restart the message goes out at once rather
// than after retry_initial.
func TestShutdownDuringDialDefersNothing(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			defer c.Close() // never greets
		}
	}()
	dir := t.TempDir()
	stalled := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q]\n[delivery]\nconnect_timeout = \"30s\"\n", ln.Addr())
	e, rec, addr := startAt(t, dir, stalled, Options{})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	for deadline := time.Now().Add(5 * time.Second); accepted.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no delivery connection was opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.Close()
	if n := rec.Count(events.TransientFailure); n != 0 {
		t.Fatalf("%d TransientFailure records from a shutdown", n)
	}
	sink := testsink.Start(t, testsink.Options{})
	_, rec2, _ := startAt(t, dir, routeTo(sink), Options{})
	rec2.WaitFor(t, events.Delivery, 1, 10*time.Second)
}
