package fleet

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// acquireScript leases one slot of the sorted set KEYS[1] (lease id ->
// expiry, ms on Redis's clock) for ARGV[3] when fewer than ARGV[1] leases
// are alive; a lease lives ARGV[2] ms unless renewed. It returns {1, 0},
// or {0, ms until the oldest lease would lapse}.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
return {1, 0}
`)

// renewScript pushes the expiry of the leases ARGV[2..] of KEYS[1] to
// ARGV[1] ms from now, adding those a Redis restart lost.
var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
return #ARGV - 1
`)

// refusedRetry is how long a path refused a slot waits before it asks
// again (unless the oldest lease lapses sooner).
const refusedRetry = 500 * time.Millisecond

// Slots is a connection limit shared by the fleet: each connection holds
// a leased slot, an entry of a sorted set in Redis that expires slot_ttl
// after its holder's last renewal. The holder renews all its leases in
// one round trip every third of slot_ttl, so a node killed with -9 gives
// its slots back within slot_ttl. While Redis cannot be reached the node
// keeps to its share: the limit divided by the live nodes it knew last.
type Slots struct {
	f   *Fleet
	key string

	mu    sync.Mutex
	limit int
	held  map[string]bool // lease ids this node holds
}

// Slots returns the shared connection limit named name, creating it on
// first use; later calls change the limit. limit <= 0 means no limit.
func (f *Fleet) Slots(name string, limit int) *Slots {
	f.limMu.Lock()
	defer f.limMu.Unlock()
	s := f.slots[name]
	if s == nil {
		s = &Slots{f: f, key: keySlotsPfx + name, held: map[string]bool{}}
		f.slots[name] = s
	}
	s.mu.Lock()
	s.limit = limit
	s.mu.Unlock()
	return s
}

// Acquire leases a slot. It returns the function that gives it back, or
// nil and how long to wait before asking again.
func (s *Slots) Acquire(ctx context.Context) (release func(), retry time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limit <= 0 {
		return func() {}, 0
	}
	id := s.f.node + ":" + s.f.boot + ":" + strconv.FormatInt(s.f.leaseSeq.Add(1), 36)
	if s.f.settling() {
		// Just after Redis went or came back, the count is unsure: the
		// nodes' leases are not all in Redis yet, or a node holds more than
		// its share until its connections end. Open nothing new meanwhile.
		return nil, 250 * time.Millisecond
	}
	if !s.f.Up() {
		return s.acquireLocal(id)
	}
	ctx, cancel := context.WithTimeout(ctx, s.f.cfg.Timeout)
	defer cancel()
	v, err := acquireScript.Run(ctx, s.f.rdb, []string{s.key}, s.limit, s.f.cfg.SlotTTL.Milliseconds(), id).Int64Slice()
	s.f.result("slots "+s.key, err)
	if err != nil {
		return s.acquireLocal(id)
	}
	if v[0] == 0 {
		// A slot comes free when a holder releases it or its lease lapses:
		// ask again soon, however far the oldest lease's expiry is.
		return nil, min(max(time.Duration(v[1])*time.Millisecond, 50*time.Millisecond), refusedRetry)
	}
	s.held[id] = true
	return s.releaser(id), 0
}

// settling reports whether Redis went or came back within two heartbeats
// (at least a second): every live node notices within one heartbeat and
// writes its leases back, or ends its connections over its share, at once.
func (f *Fleet) settling() bool {
	at := f.flipped.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < max(time.Second, 2*f.cfg.Heartbeat)
}

// acquireLocal is Acquire while Redis cannot be reached; callers hold mu.
func (s *Slots) acquireLocal(id string) (func(), time.Duration) {
	if len(s.held) >= max(1, s.limit/s.f.LiveNodes()) {
		return nil, 250 * time.Millisecond
	}
	s.held[id] = true // renewed into Redis when it returns
	return s.releaser(id), 0
}

func (s *Slots) releaser(id string) func() {
	var once sync.Once
	return func() { once.Do(func() { s.release(id) }) }
}

func (s *Slots) release(id string) {
	s.mu.Lock()
	delete(s.held, id)
	s.mu.Unlock()
	if !s.f.Up() {
		return // the lease lapses in Redis by itself
	}
	ctx, cancel := context.WithTimeout(s.f.ctx, s.f.cfg.Timeout)
	defer cancel()
	s.f.result("slots release", s.f.rdb.ZRem(ctx, s.key, id).Err())
}

// Over reports whether the node holds more slots than its share (the
// limit divided by the live nodes) while Redis cannot be reached: the
// slots it leased before the outage may be more than that.
func (s *Slots) Over() bool {
	if s.f.Up() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit > 0 && len(s.held) > max(1, s.limit/s.f.LiveNodes())
}

// Held is the number of slots this node holds.
func (s *Slots) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// renewLoop renews every lease this node holds, every third of slot_ttl.
func (f *Fleet) renewLoop() {
	t := time.NewTicker(f.cfg.SlotTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-t.C:
			f.renew()
		}
	}
}

// renew sends one pipeline: a renewScript per shared limit with leases.
func (f *Fleet) renew() {
	if !f.Up() {
		return // the heartbeat finds out when Redis is back
	}
	f.renewLeases(f.heldLeases())
}

// heldLeases lists the lease ids this node holds, by shared limit.
func (f *Fleet) heldLeases() map[*Slots][]any {
	held := map[*Slots][]any{}
	for _, s := range f.slotList() {
		s.mu.Lock()
		for id := range s.held {
			held[s] = append(held[s], id)
		}
		s.mu.Unlock()
	}
	return held
}

// renewLeases renews the leases sent in one round trip. A lease released
// while the pipeline was on its way was added back by it: it is removed
// again after, or it would hold its slot for slot_ttl.
func (f *Fleet) renewLeases(sent map[*Slots][]any) {
	if len(sent) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(f.ctx, f.cfg.Timeout)
	defer cancel()
	p := f.rdb.Pipeline()
	for s, ids := range sent {
		args := append([]any{f.cfg.SlotTTL.Milliseconds()}, ids...)
		renewScript.Eval(ctx, p, []string{s.key}, args...) // a pipeline cannot fall back from EVALSHA
	}
	_, err := p.Exec(ctx)
	f.result("slots renew", err)
	if err == nil {
		f.dropReleased(ctx, sent)
	}
}

// dropReleased removes from Redis the leases of sent that their holders
// released meanwhile (their own ZREM may have come before the renewal).
func (f *Fleet) dropReleased(ctx context.Context, sent map[*Slots][]any) {
	for s, ids := range sent {
		var gone []any
		s.mu.Lock()
		for _, id := range ids {
			if !s.held[id.(string)] {
				gone = append(gone, id)
			}
		}
		s.mu.Unlock()
		if len(gone) > 0 {
			f.result("slots release", f.rdb.ZRem(ctx, s.key, gone...).Err())
		}
	}
}

func (f *Fleet) slotList() []*Slots {
	f.limMu.Lock()
	defer f.limMu.Unlock()
	out := make([]*Slots, 0, len(f.slots))
	for _, s := range f.slots {
		out = append(out, s)
	}
	return out
}
