package hostabi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// watchdog stops calls that run past their deadline: one goroutine per
// Host looks every tick at the deadline of the call running on each
// instance and stops (instance.stop) the overdue ones.
//
// It replaces a timer per call: arming and disarming a time.Timer around
// every call cost about a microsecond (two updates of the runtime's timer
// heap), a sixth of a Go guest's call, while a call only has to store its
// deadline in its instance. The price is precision: a call is stopped
// within one tick (Config.CallTimeout / 5, at most 10 ms) after its
// deadline. The goroutine sleeps after watchdogIdleTicks ticks with no
// call and the first call after that wakes it, so an idle host costs
// nothing and a busy one a wakeup per tick, not per call.
type watchdog struct {
	tick   time.Duration
	epoch  time.Time
	mu     sync.Mutex
	insts  map[*instance]struct{}
	active atomic.Int64 // calls running
	// sleeping is set while the goroutine waits on wake: a call wakes
	// it only then, and otherwise does not touch the channel (a send
	// with a default case, about 70 instructions and a lock, was made by
	// every call that found no other running).
	sleeping atomic.Bool
	wake     chan struct{}
	done     chan struct{}
}

const watchdogIdleTicks = 100

// stoppedDeadline marks the deadline of a call the watchdog stopped.
const stoppedDeadline = -1

func newWatchdog(callTimeout time.Duration) *watchdog {
	w := &watchdog{
		tick:  min(max(callTimeout/5, 100*time.Microsecond), 10*time.Millisecond),
		epoch: time.Now(),
		insts: make(map[*instance]struct{}),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	go w.run()
	return w
}

// now is monotonic nanoseconds since the watchdog started, never 0 or
// stoppedDeadline once a call adds its timeout to it.
func (w *watchdog) now() int64 { return int64(time.Since(w.epoch)) }

func (w *watchdog) add(inst *instance) {
	w.mu.Lock()
	w.insts[inst] = struct{}{}
	w.mu.Unlock()
}

func (w *watchdog) remove(inst *instance) {
	w.mu.Lock()
	delete(w.insts, inst)
	w.mu.Unlock()
}

// begin arms the deadline of a call on inst that may run for d.
func (w *watchdog) begin(inst *instance, d time.Duration) {
	inst.deadline.Store(w.now() + int64(max(d, 1)))
	// The goroutine sets sleeping before it looks at active a last time,
	// and a call adds to active before it looks at sleeping: of the two,
	// at least one sees the other's store.
	if w.active.Add(1) == 1 && w.sleeping.Load() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// end disarms it and reports whether the watchdog stopped the call.
func (w *watchdog) end(inst *instance) bool {
	w.active.Add(-1)
	return inst.deadline.Swap(0) == stoppedDeadline
}

func (w *watchdog) run() {
	t := time.NewTimer(w.tick)
	defer t.Stop()
	idle := 0
	for {
		if w.active.Load() == 0 {
			idle++
		} else {
			idle = 0
		}
		if idle > watchdogIdleTicks {
			w.sleeping.Store(true)
			if w.active.Load() == 0 {
				select {
				case <-w.wake:
				case <-w.done:
					return
				}
			}
			w.sleeping.Store(false)
			idle = 0
		}
		t.Reset(w.tick)
		select {
		case <-t.C:
		case <-w.done:
			return
		}
		w.scan()
	}
}

// scan stops every overdue call. The CAS from the deadline it read makes
// sure it stops that call, not the next one on the same instance.
func (w *watchdog) scan() {
	now := w.now()
	var overdue []*instance
	w.mu.Lock()
	for inst := range w.insts {
		if dl := inst.deadline.Load(); dl > 0 && now >= dl && inst.deadline.CompareAndSwap(dl, stoppedDeadline) {
			overdue = append(overdue, inst)
		}
	}
	w.mu.Unlock()
	for _, inst := range overdue {
		inst.stop()
	}
}

func (w *watchdog) close() { close(w.done) }

// instanceContext is the context of every call on an instance. It carries
// the instance to the host functions and is never done: deadlines are the
// watchdog's, and wazero, whose own guard is off, never looks at Done.
// instanceOf finds it with a type assertion instead of a walk up a chain
// of contexts, on every host call.
type instanceContext struct{ inst *instance }

func (*instanceContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*instanceContext) Done() <-chan struct{}       { return nil }
func (*instanceContext) Err() error                  { return nil }

func (c *instanceContext) Value(key any) any {
	if key == (instanceKey{}) {
		return c.inst
	}
	return nil
}

var _ context.Context = (*instanceContext)(nil)
