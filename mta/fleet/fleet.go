package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wasmta/wasmta/mta/config"
)

// ErrUnreachable wraps the errors of operations that need Redis now (a
// policy push) while it cannot be reached.
var ErrUnreachable = errors.New("fleet: Redis unreachable")

// Fleet is this node's membership of a fleet.
type Fleet struct {
	cfg  config.Cluster
	node string
	rdb  redis.UniversalClient
	log  *slog.Logger

	trips   atomic.Int64 // round trips to Redis
	up      atomic.Bool  // the last Redis operation succeeded
	outages atomic.Int64 // times Redis went from reachable to unreachable
	flipped atomic.Int64 // when up last changed (unix ns)

	mu       sync.Mutex
	handlers map[string]func(from string, data json.RawMessage)
	syncers  []syncer
	kick     chan struct{} // wakes the sync loop at once

	limMu    sync.Mutex
	rates    map[string]*Rate  // shared rates by name (rate.go)
	slots    map[string]*Slots // shared connection limits by name (slots.go)
	boot     string            // this run's mark in lease ids
	leaseSeq atomic.Int64

	members  membership   // nodes seen alive (members.go)
	actions  *actions     // live actions (actions.go)
	suppress *suppressLog // suppression changes (suppress.go)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// syncer is one shared kind of state: flush writes what this node
// changed, pull reads the whole state from Redis and applies it.
type syncer struct {
	name  string
	flush func(ctx context.Context) (int, error) // how many changes it wrote
	pull  func(ctx context.Context) error
}

// Open prepares the node's membership of the fleet configured in c. It
// does not need Redis to be up: Start connects and keeps trying.
func Open(c config.Cluster, log *slog.Logger) (*Fleet, error) {
	if !c.Enabled() {
		return nil, errors.New("fleet: cluster.redis is not set")
	}
	if log == nil {
		log = slog.Default()
	}
	f := &Fleet{cfg: c, node: c.Node, log: log.With("node", c.Node), handlers: map[string]func(string, json.RawMessage){},
		kick: make(chan struct{}, 1), rates: map[string]*Rate{}, slots: map[string]*Slots{},
		boot: strconv.FormatInt(time.Now().UnixNano(), 36)}
	var err error
	if f.rdb, err = newClient(c, &f.trips); err != nil {
		return nil, err
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.up.Store(true)
	return f, nil
}

// Node is this node's name.
func (f *Fleet) Node() string { return f.node }

// Client is the Redis client (tests and the bench read through it).
func (f *Fleet) Client() redis.UniversalClient { return f.rdb }

// RoundTrips is the number of round trips to Redis so far.
func (f *Fleet) RoundTrips() int64 { return f.trips.Load() }

// Up reports whether the last Redis operation succeeded.
func (f *Fleet) Up() bool { return f.up.Load() }

// on registers the handler of one kind of announcement.
func (f *Fleet) on(kind string, h func(from string, data json.RawMessage)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[kind] = h
}

// addSyncer registers a kind of shared state.
func (f *Fleet) addSyncer(s syncer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncers = append(f.syncers, s)
}

// Start joins the fleet: it reads the shared state once (waiting up to
// wait for Redis; a node that cannot reach it starts with what its spool
// holds), then runs the subscriber, the heartbeat and the sync loop.
func (f *Fleet) Start(wait time.Duration) {
	ctx, cancel := context.WithTimeout(f.ctx, wait)
	defer cancel()
	// Subscribe before the first sync, so that no change made between
	// the two is missed.
	ps := f.rdb.Subscribe(f.ctx, keyBus)
	if _, err := ps.Receive(ctx); err != nil {
		f.result("subscribe", err)
	}
	f.heartbeat(ctx)
	f.sync(ctx)
	f.wg.Go(func() { f.listen(ps) })
	f.wg.Go(f.loop)
	f.wg.Go(f.renewLoop)
}

// Close leaves the fleet: it deletes the node's heartbeat (so the others
// count it gone at once), stops the loops and closes the client.
func (f *Fleet) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.Timeout)
	f.flushAll(ctx)
	f.leave(ctx)
	cancel()
	f.cancel()
	f.wg.Wait()
	return f.rdb.Close()
}

type busMsg struct {
	Node string          `json:"node"`
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// announce adds a PUBLISH of an announcement to a pipeline.
func (f *Fleet) announce(ctx context.Context, p redis.Pipeliner, kind string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("fleet: announce %s: %w", kind, err)
	}
	m, _ := json.Marshal(busMsg{Node: f.node, Kind: kind, Data: b})
	p.Publish(ctx, keyBus, m)
	return nil
}

// listen applies the announcements of other nodes; every (re)subscription
// triggers a full sync, since announcements made while the subscription
// was down are lost.
func (f *Fleet) listen(ps *redis.PubSub) {
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions(redis.WithChannelSize(1024))
	for {
		select {
		case <-f.ctx.Done():
			return
		case m := <-ch:
			switch m := m.(type) {
			case *redis.Subscription:
				f.wake()
			case *redis.Message:
				f.dispatch(m.Payload)
			}
		}
	}
}

func (f *Fleet) dispatch(payload string) {
	var m busMsg
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		f.log.Warn("fleet: unreadable announcement", "err", err)
		return
	}
	if m.Node == f.node {
		return
	}
	f.mu.Lock()
	h := f.handlers[m.Kind]
	f.mu.Unlock()
	if h != nil {
		h(m.Node, m.Data)
	}
}

// wake asks the sync loop to flush and pull now.
func (f *Fleet) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// loop flushes local changes as soon as they are made, beats the heart
// and pulls the whole state every few heartbeats, and at once when Redis
// comes back.
func (f *Fleet) loop() {
	beat := time.NewTicker(f.cfg.Heartbeat)
	defer beat.Stop()
	n := 0
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-f.kick:
			f.flushAll(f.ctx)
			f.renew() // leases taken during an outage, or lost by a Redis restart
			continue
		case <-beat.C:
		}
		n++
		ctx, cancel := context.WithTimeout(f.ctx, f.cfg.Timeout)
		wasUp := f.Up()
		f.heartbeat(ctx)
		if !wasUp && f.Up() || n%5 == 0 {
			f.sync(ctx)
		} else {
			f.flushAll(ctx)
		}
		cancel()
	}
}

// sync flushes then pulls every kind of shared state.
func (f *Fleet) sync(ctx context.Context) {
	f.flushAll(ctx)
	for _, s := range f.syncerList() {
		f.result(s.name+" pull", s.pull(ctx))
	}
}

func (f *Fleet) flushAll(ctx context.Context) {
	for _, s := range f.syncerList() {
		if s.flush == nil {
			continue
		}
		// Nothing to write is no news about Redis.
		if n, err := s.flush(ctx); n > 0 || err != nil {
			f.result(s.name+" flush", err)
		}
	}
}

func (f *Fleet) syncerList() []syncer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]syncer(nil), f.syncers...)
}

// result notes whether Redis answered, logging the transitions.
func (f *Fleet) result(what string, err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		if !f.up.Swap(true) {
			f.flipped.Store(time.Now().UnixNano())
			f.log.Info("fleet: Redis reachable again; resynchronising")
			f.wake()
		}
		return
	}
	if f.ctx.Err() != nil {
		return
	}
	if f.up.Swap(false) {
		f.flipped.Store(time.Now().UnixNano())
		f.outages.Add(1)
		f.log.Error("fleet: Redis unreachable; going on with the last known state and local limits", "op", what, "err", err)
	} else {
		f.log.Debug("fleet: Redis still unreachable", "op", what, "err", err)
	}
}
