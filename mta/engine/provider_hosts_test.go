package engine

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// synDropper listens on loopback with an accept queue of one and fills
// it, so that the kernel drops every further SYN: a host that never
// answers a connection (a blackholed MX), whose dials end at the connect
// timeout.
func synDropper(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for range 2 { // the queue takes one (or two, by kernel): fill it
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Skip("the kernel completed a connection past a full accept queue: no SYN is dropped here")
	}
	return addr
}

// An MX set whose first host is dead and whose second works: the first
// drops every SYN (a blackholed address: each dial ends at the connect
// timeout) or accepts and never greets (each dial ends at the greeting's
// timeout). Every session of the path dials the hosts in order, so each
// one waited the whole timeout on the dead host before reaching the
// working one. A host whose dial failed is tried after the others for a
// while (Exim's host retry records): the mail goes out through the
// working host at the pace of its sessions, not one timeout per session.
func TestDeadFirstHostIsNotWaitedForPerSession(t *testing.T) {
	const n, perConn, timeout = 40, 2, time.Second
	for _, kind := range []string{"syn-dropped", "never-greets"} {
		t.Run(kind, func(t *testing.T) {
			sink := testsink.Start(t, testsink.Options{})
			var dead string
			var ungreeted *testsink.Sink
			if kind == "syn-dropped" {
				dead = synDropper(t)
			} else {
				done := make(chan struct{})
				ungreeted = testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
					if stage == testsink.StageConnect {
						select {
						case <-done:
						case <-time.After(20 * time.Second):
						}
					}
					return nil
				}})
				t.Cleanup(func() { close(done) }) // before the sink closes
				dead = ungreeted.Addr()
			}
			shape := hourSchedule(2, 100)
			shape.MessagesPerConn = perConn
			shape.ConnectTimeout, shape.CommandTimeout = timeout, timeout
			shape.Adapt.Off = true // two sessions at a time, as a preset would have it
			reg := &swapRegistry{}
			reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
			route := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q, %q]\n", dead, sink.Addr())
			_, rec, addr := testEngine(t, route+"[queue]\nretry_jitter = 0.0\n", Options{Registry: reg})
			t0 := time.Now()
			sendN(t, addr, n)
			rec.WaitFor(t, events.Delivery, n, 30*time.Second)
			took := time.Since(t0)
			tried := -1
			if ungreeted != nil {
				tried = ungreeted.Conns()
			}
			t.Logf("%d messages over %d sessions in %v; %d dials to the dead host (-1: not counted)",
				n, sink.Conns(), took.Round(10*time.Millisecond), tried)
			if d := rec.Count(events.TransientFailure); d > 0 {
				t.Errorf("%d deferrals while a host of the set worked", d)
			}
			// Each of the n/perConn sessions waiting the timeout, two at a
			// time, is n/perConn/2 = 10 timeouts; the first dials' one is
			// the price of learning.
			if limit := 4 * timeout; took > limit {
				t.Errorf("%v to deliver %d messages: the sessions kept waiting for the dead host (%d sessions, %v each)",
					took.Round(10*time.Millisecond), n, sink.Conns(), timeout)
			}
			if tried > 4 {
				t.Errorf("%d dials to the dead host for %d sessions", tried, sink.Conns())
			}
		})
	}
}
