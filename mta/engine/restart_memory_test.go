package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// threeSources is a pool of three loopback sources.
const threeSources = "[[source]]\nname = \"lo1\"\naddress = \"127.0.0.1\"\n" +
	"[[source]]\nname = \"lo2\"\naddress = \"127.0.0.2\"\n" +
	"[[source]]\nname = \"lo3\"\naddress = \"127.0.0.3\"\n" +
	"[[pool]]\nname = \"default\"\nsources = [{ name = \"lo1\" }, { name = \"lo2\" }, { name = \"lo3\" }]\n"

// neverGreets is a host that takes connections and never greets, until
// the test ends.
func neverGreets(t *testing.T) *testsink.Sink {
	done := make(chan struct{})
	s := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageConnect {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
			}
		}
		return nil
	}})
	t.Cleanup(func() { close(done) }) // before the sink closes
	return s
}

// A greylist keys on the client's address (postgrey's triplet): mail
// greylisted from one source of a pool must come back from that source,
// and a restart of wasmta between the deferral and the retry does not
// change that. Retried from another address, a message is greylisted
// again as a new triplet and waits a second delay (postgrey's default is
// 300 s), every restart.
func TestGreylistSourceSurvivesARestart(t *testing.T) {
	t.Parallel()
	const n, delay = 12, 2 * time.Second
	grey := newGreylist(delay, true)
	sink := testsink.Start(t, testsink.Options{RespondClient: grey.respond})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: hourSchedule(2, 50)})
	toml := routeTo(sink) + threeSources + "[queue]\nretry_jitter = 0.0\n"
	dir := t.TempDir()
	e, rec, addr := startAt(t, dir, toml, Options{Registry: reg})
	sendN(t, addr, n)
	rec.WaitFor(t, events.TransientFailure, n, 10*time.Second)
	if d := rec.Count(events.Delivery); d > 0 {
		t.Fatalf("%d delivered before the restart: the greylist's delay was too short for the test", d)
	}
	e.Close()

	_, rec2, _ := startAt(t, dir, toml, Options{Registry: reg})
	rec2.WaitFor(t, events.Delivery, n, 20*time.Second)
	again := rec2.Count(events.TransientFailure)
	t.Logf("%d messages greylisted from %d (source, recipient) pairs; %d greylisted again after the restart",
		n, grey.entries(), again)
	if grey.entries() != n || again > 0 {
		t.Errorf("%d greylist entries for %d messages, %d deferrals after the restart: "+
			"the retries after the restart came from other sources", grey.entries(), n, again)
	}
}

// A host of the MX set that takes connections and never greets (a
// blackholed or overloaded first MX): wasmta learns to dial it after the
// working host (Exim's host retry records). A restart keeps that memory:
// the sessions after it go to the working host and the dead one is not
// dialled again until its time to be probed comes.
func TestDeadHostMemorySurvivesARestart(t *testing.T) {
	const timeout = time.Second
	sink := testsink.Start(t, testsink.Options{})
	dead := neverGreets(t)
	shape := hourSchedule(2, 100)
	shape.ConnectTimeout, shape.CommandTimeout = timeout, timeout
	shape.Adapt.Off = true
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: shape})
	toml := fmt.Sprintf("[[route]]\ndomain = \"*\"\nhosts = [%q, %q]\n[queue]\nretry_jitter = 0.0\n", dead.Addr(), sink.Addr())
	dir := t.TempDir()
	e, rec, addr := startAt(t, dir, toml, Options{Registry: reg})
	send(t, addr, "s@sender.test", []string{"r0@example.test"}, testBody(0))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	before := dead.Conns()
	if before == 0 {
		t.Fatal("the dead host was never dialled: the test learned nothing")
	}
	e.Close()

	_, rec2, addr2 := startAt(t, dir, toml, Options{Registry: reg})
	t0 := time.Now()
	sendN(t, addr2, 6)
	rec2.WaitFor(t, events.Delivery, 6, 20*time.Second)
	took := time.Since(t0)
	after := dead.Conns() - before
	t.Logf("before the restart %d dials to the dead host; after it %d, and 6 messages in %v",
		before, after, took.Round(10*time.Millisecond))
	// The dials counted are the evidence; the time is only logged (a
	// loaded machine may take a second for six messages anyway).
	if after > 0 {
		t.Errorf("after the restart the dead host was dialled %d times (6 messages took %v): "+
			"its memory was lost", after, took.Round(10*time.Millisecond))
	}
}
