package egress

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
)

func TestPathRateConnectionsAndMessagesPerConnection(t *testing.T) {
	sim, host := startSim(t, 10*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	const rate, n = 25.0, 126
	// Learning off: the limits as given, exactly (a learning path raises a
	// rate that held it back after a quiet period of 5 s, about this run).
	p := testPath(s, host, policy.Shape{MaxConnections: 3, MessagesPerSecond: rate, MessageBurst: 1, MessagesPerConn: 10,
		Adapt: policy.Adaptation{Off: true}})
	enqueue(p, n)
	out.waitDone(t, n, 15*time.Second)
	ok, failed := out.count()
	if ok != n || failed != 0 {
		t.Fatalf("%d delivered, %d failed, want %d delivered", ok, failed, n)
	}
	// With a burst of 1, n messages at rate r span (n-1)/r. Going over
	// the limit is the shaping bug a provider punishes, so that bound is
	// tight; falling under it is what a starved CI machine does (seen at
	// 21/s under load 7), so that bound only catches a gross stall.
	// e2e/shaping measures the ±10% of the issue on the simulator.
	got := float64(n-1) / out.span().Seconds()
	if got > 1.1*rate || got < 0.5*rate {
		t.Fatalf("rate %.1f/s, want at most %v +10%% (and not under half of it)", got, rate)
	}
	st := ipStats(sim)
	if st.ConnsPeak > 3 || p.PeakConns() > 3 {
		t.Fatalf("peak connections: sim %d, path %d, want at most 3", st.ConnsPeak, p.PeakConns())
	}
	if st.ConnsOpened < n/10 {
		t.Fatalf("%d connections for %d messages at 10 per connection", st.ConnsOpened, n)
	}
	t.Logf("rate %.2f/s (limit %v), peak %d connections, %d opened", got, rate, st.ConnsPeak, st.ConnsOpened)
}

func TestPerMinuteBucket(t *testing.T) {
	_, host := startSim(t, 0)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	// 30 per minute: the bucket holds 30, then one every 2 s.
	p := testPath(s, host, policy.Shape{MaxConnections: 2, MessagesPerMinute: 30})
	enqueue(p, 32)
	out.waitDone(t, 30, 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if ok, _ := out.count(); ok != 30 {
		t.Fatalf("%d delivered at once, want the bucket's 30", ok)
	}
	out.waitDone(t, 31, 4*time.Second)
}

func TestLoweringConnectionsClosesTheExcess(t *testing.T) {
	sim, host := startSim(t, 100*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 6, Adapt: policy.Adaptation{Off: true}}) // limits as set
	enqueue(p, 300)
	waitFor(t, 3*time.Second, func() bool { return p.Conns() == 6 })
	base, ver := p.BaseShape()
	base.MaxConnections = 2
	p.SetShape(base, ver)
	waitFor(t, time.Second, func() bool { return p.Conns() <= 2 })
	time.Sleep(300 * time.Millisecond)
	if st := ipStats(sim); st.ConnsNow > 2 {
		t.Fatalf("%d connections open at the provider, want at most 2", st.ConnsNow)
	}
}

func TestSuspendHandsJobsBackAndResumes(t *testing.T) {
	_, host := startSim(t, 50*time.Millisecond)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 1, MessagesPerSecond: 10, MessageBurst: 1})
	enqueue(p, 50)
	out.waitDone(t, 3, 3*time.Second)
	back := p.Suspend(time.Now().Add(time.Hour))
	if len(back) == 0 || p.Len() != 0 || s.Queued() != 0 {
		t.Fatalf("Suspend handed back %d jobs, %d left on the path", len(back), p.Len())
	}
	waitFor(t, time.Second, func() bool { return p.Conns() == 0 }) // no idle session kept
	stopped, _ := out.count()
	time.Sleep(500 * time.Millisecond)
	if now, _ := out.count(); now != stopped {
		t.Fatalf("%d deliveries after the suspension settled", now-stopped)
	}
	if stopped+len(back) != 50 {
		t.Fatalf("%d delivered + %d handed back != 50", stopped, len(back))
	}
	p.Suspend(time.Time{})
	for _, j := range back {
		p.Enqueue(j)
	}
	out.waitDone(t, 50, 10*time.Second)
}

func TestIdleConnectionsClose(t *testing.T) {
	sim, host := startSim(t, 0)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 2, IdleTimeout: 200 * time.Millisecond,
		Adapt: policy.Adaptation{Off: true}}) // 2 allowed, as set
	enqueue(p, 5)
	out.waitDone(t, 5, 3*time.Second)
	waitFor(t, 2*time.Second, func() bool { return p.Conns() == 0 })
	if st := ipStats(sim); st.ConnsOpened > 2 {
		t.Fatalf("%d connections opened for 5 messages with 2 allowed", st.ConnsOpened)
	}
}

func TestGateHoldsJobs(t *testing.T) {
	_, host := startSim(t, 0)
	out := newOutcomes()
	out.hold = func(j *Job) bool { return j.Msg.Recipients[0].Addr == "r3@sink.test" }
	s := newTestSet(t, out, Options{})
	p := testPath(s, host, policy.Shape{MaxConnections: 1})
	enqueue(p, 5)
	out.waitDone(t, 4, 3*time.Second)
	time.Sleep(100 * time.Millisecond)
	if ok, _ := out.count(); ok != 4 || out.held != 1 {
		t.Fatalf("%d delivered, %d held; want 4 and 1", ok, out.held)
	}
}

func TestRoomAndFullness(t *testing.T) {
	_, host := startSim(t, 0)
	out := newOutcomes()
	s := newTestSet(t, out, Options{MaxQueued: 10, MaxQueuedPerPath: 4})
	p := testPath(s, host, policy.Shape{MaxConnections: 1, MessagesPerSecond: 1})
	p.Suspend(time.Now().Add(time.Hour)) // nothing leaves: the counts stay put
	enqueue(p, 3)
	if p.Full() {
		t.Fatal("Full with 3 of 4")
	}
	p.Enqueue(testJob(99))
	if !p.Full() || p.Drain() < 3*time.Second {
		t.Fatalf("Full = %v with %d waiting; Drain = %v, want about 4s at 1/s", p.Full(), p.Len(), p.Drain())
	}
	ctx, cancel := contextWithTimeout(100 * time.Millisecond)
	defer cancel()
	if err := s.WaitRoom(ctx); err != nil {
		t.Fatalf("WaitRoom with %d of 10 queued: %v", s.Queued(), err)
	}
	enqueue(p, 6)
	if err := s.WaitRoom(ctx); err == nil {
		t.Fatalf("WaitRoom returned with %d of 10 queued", s.Queued())
	}
	ctx2, cancel2 := contextWithTimeout(2 * time.Second)
	defer cancel2()
	go func() {
		time.Sleep(50 * time.Millisecond)
		p.Suspend(time.Now().Add(time.Hour)) // hands every job back: room again
	}()
	if err := s.WaitRoom(ctx2); err != nil {
		t.Fatalf("WaitRoom after the queue emptied: %v", err)
	}
}

// TestEnqueueIfRoomIsBounded: dispatchers enqueueing at once never leave
// more than MaxQueuedPerPath jobs waiting; a Full check followed by a
// plain Enqueue let each of them through (8 dispatchers, a bound of 5: up
// to 12 waiting).
func TestEnqueueIfRoomIsBounded(t *testing.T) {
	_, host := startSim(t, 0)
	s := newTestSet(t, newOutcomes(), Options{MaxQueued: 100, MaxQueuedPerPath: 5})
	p := testPath(s, host, policy.Shape{MaxConnections: 1})
	p.Suspend(time.Now().Add(time.Hour)) // nothing leaves: the count stays put
	start := make(chan struct{})
	var wg sync.WaitGroup
	var taken atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			<-start
			for k := range 10 {
				if p.EnqueueIfRoom(testJob(i*10 + k)) {
					taken.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if n := p.Len(); n != 5 || taken.Load() != 5 {
		t.Fatalf("%d jobs waiting, %d taken: want 5 and 5", n, taken.Load())
	}
	// Another recipient of a waiting message merges into its job: no room
	// taken, never refused.
	p.mu.Lock()
	m := p.fifo[0].Msg
	p.mu.Unlock()
	more := &Job{Msg: m, Items: []*queue.Item{queue.NewItem(m.ID, []uint16{1}, 0, time.Now())}, Queue: message.QueueKey{Domain: "sink.test"}}
	if !p.EnqueueIfRoom(more) || p.Len() != 5 {
		t.Fatalf("a merge into a waiting job was refused, or took room (%d waiting)", p.Len())
	}
}

func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConnectionRate(t *testing.T) {
	sim, host := startSim(t, 0)
	out := newOutcomes()
	s := newTestSet(t, out, Options{})
	// One message per connection: the connection rate is the message rate.
	p := testPath(s, host, policy.Shape{MaxConnections: 5, ConnectionsPerSec: 5, MessagesPerConn: 1,
		Adapt: policy.Adaptation{Off: true}}) // the limit stays 5
	t0 := time.Now()
	enqueue(p, 15)
	out.waitDone(t, 15, 10*time.Second)
	took := time.Since(t0)
	// A bucket of 5 opens 5 at once, then one every 200 ms: 10 more take 2 s.
	if took < 1800*time.Millisecond || took > 3*time.Second {
		t.Fatalf("15 connections at 5/s (burst 5) took %v, want about 2s", took)
	}
	if st := ipStats(sim); st.ConnsOpened != 15 {
		t.Fatalf("%d connections opened, want 15", st.ConnsOpened)
	}
}
