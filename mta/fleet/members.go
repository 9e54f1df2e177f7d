package fleet

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// NodeStatus is what a node says about itself with each heartbeat, and
// what `wasmta fleet status` lists.
type NodeStatus struct {
	Node    string    `json:"node"`
	Started time.Time `json:"started"`
	Seen    time.Time `json:"seen"` // the last heartbeat
	Live    bool      `json:"live"` // seen within cluster.node_ttl
	Version string    `json:"version,omitempty"`
	Admin   string    `json:"admin,omitempty"` // the admin API's address, for operators
	SMTP    string    `json:"smtp,omitempty"`  // the first SMTP listener's address (wasmta xfer sends there)
	// Queued and Ready are the messages in the scheduled queues and the
	// transactions in the ready queues; Health is "ok" or what is wrong.
	Queued int    `json:"queued"`
	Ready  int    `json:"ready"`
	Health string `json:"health"`
	// RedisUp is what the node last saw of Redis (in its own entry it is
	// always true, since it was written there).
	RedisUp bool `json:"redis_up"`
}

// membership is the node's view of the fleet.
type membership struct {
	mu      sync.Mutex
	status  func() NodeStatus // fills Queued, Ready, Health, Admin, Version
	started time.Time
	nodes   []NodeStatus // as read at the last heartbeat
	live    int          // live nodes at the last heartbeat (this one included); 1 before any
}

// SetStatus sets the function that describes this node at each heartbeat.
func (f *Fleet) SetStatus(fn func() NodeStatus) {
	f.members.mu.Lock()
	defer f.members.mu.Unlock()
	f.members.status = fn
}

func (f *Fleet) self() NodeStatus {
	f.members.mu.Lock()
	fn, started := f.members.status, f.members.started
	f.members.mu.Unlock()
	var s NodeStatus
	if fn != nil {
		s = fn()
	}
	if started.IsZero() {
		started = time.Now()
		f.members.mu.Lock()
		f.members.started = started
		f.members.mu.Unlock()
	}
	s.Node, s.Started, s.Seen, s.RedisUp, s.Live = f.node, started, time.Now(), true, true
	if s.Health == "" {
		s.Health = "ok"
	}
	return s
}

// heartbeat writes this node's entry and reads everyone's, in one round
// trip; entries silent for a hundred TTLs are deleted.
func (f *Fleet) heartbeat(ctx context.Context) {
	b, _ := json.Marshal(f.self())
	p := f.rdb.Pipeline()
	p.HSet(ctx, keyNodes, f.node, b)
	all := p.HGetAll(ctx, keyNodes)
	_, err := p.Exec(ctx)
	f.result("heartbeat", err)
	if err != nil {
		return
	}
	now := time.Now()
	var nodes []NodeStatus
	var gone []string
	live := 0
	for name, v := range all.Val() {
		var s NodeStatus
		if json.Unmarshal([]byte(v), &s) != nil {
			gone = append(gone, name)
			continue
		}
		s.Live = now.Sub(s.Seen) < f.cfg.NodeTTL
		if s.Live {
			live++
		} else if now.Sub(s.Seen) > 100*f.cfg.NodeTTL {
			gone = append(gone, name)
		}
		nodes = append(nodes, s)
	}
	if len(gone) > 0 {
		f.result("heartbeat cleanup", f.rdb.HDel(ctx, keyNodes, gone...).Err())
	}
	slices.SortFunc(nodes, func(a, b NodeStatus) int { return cmpString(a.Node, b.Node) })
	f.members.mu.Lock()
	f.members.nodes, f.members.live = nodes, max(live, 1)
	f.members.mu.Unlock()
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// leave deletes this node's entry.
func (f *Fleet) leave(ctx context.Context) {
	f.rdb.HDel(ctx, keyNodes, f.node)
}

// Nodes lists the fleet's nodes as read from Redis now (live or not),
// or, when Redis cannot be reached, as read at the last heartbeat.
func (f *Fleet) Nodes(ctx context.Context) ([]NodeStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	f.heartbeat(ctx)
	f.members.mu.Lock()
	defer f.members.mu.Unlock()
	out := slices.Clone(f.members.nodes)
	if !f.Up() {
		for i := range out {
			out[i].RedisUp = out[i].Node != f.node && out[i].RedisUp
		}
		return out, ErrUnreachable
	}
	return out, nil
}

// LiveNodes is the number of live nodes at the last heartbeat, this one
// included (at least 1): the divisor of a shared limit while Redis is
// unreachable.
func (f *Fleet) LiveNodes() int {
	f.members.mu.Lock()
	defer f.members.mu.Unlock()
	return max(f.members.live, 1)
}
