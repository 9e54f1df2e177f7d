package fleet

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/wasmta/wasmta/mta/suppress"
)

// suppressLog carries suppression entries between nodes through the
// stream {wasmta}:suppress: every add and removal is an entry of it, in
// order, and each node reads it from where it last stopped (from the
// start when it starts: applying an entry twice changes nothing). Entries
// stay in each node's spool, so a lookup at RCPT never waits for Redis.
type suppressLog struct {
	f     *Fleet
	store *suppress.Store
	wake  chan struct{}

	mu      sync.Mutex
	pending []suppress.Change

	pullMu sync.Mutex // one reader at a time: the entries apply in order
	last   string     // the id of the last stream entry applied
}

// maxSuppressStream bounds the stream (approximately, as XADD MAXLEN ~
// trims): a node that joins later than that many changes reads only the
// newest; docs/cluster.md says so.
const maxSuppressStream = 5_000_000

// suppressBatch is how many stream entries one read or write carries.
const suppressBatch = 1000

// ShareSuppression makes store's adds and removals the fleet's and
// applies the fleet's to store. Call it before Start.
func (f *Fleet) ShareSuppression(store *suppress.Store) {
	s := &suppressLog{f: f, store: store, wake: make(chan struct{}, 1), last: "0"}
	store.SetShare(s.queue)
	f.mu.Lock()
	f.suppress = s
	f.mu.Unlock()
	f.on("suppress", func(string, json.RawMessage) { s.poke() })
	f.addSyncer(syncer{name: "suppression", flush: s.flush, pull: s.pull})
	f.wg.Go(s.run)
}

func (s *suppressLog) queue(c suppress.Change) {
	s.mu.Lock()
	s.pending = append(s.pending, c)
	s.mu.Unlock()
	s.f.wake()
}

func (s *suppressLog) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run reads the stream whenever another node announces a change.
func (s *suppressLog) run() {
	for {
		select {
		case <-s.f.ctx.Done():
			return
		case <-s.wake:
		}
		ctx, cancel := context.WithTimeout(s.f.ctx, 4*s.f.cfg.Timeout)
		s.f.result("suppression pull", s.pull(ctx))
		cancel()
	}
}

type suppressEntry struct {
	Node   string          `json:"node"`
	Change suppress.Change `json:"change"`
}

// flush appends the pending changes to the stream and announces them.
func (s *suppressLog) flush(ctx context.Context) (int, error) {
	s.mu.Lock()
	batch := s.pending[:min(len(s.pending), suppressBatch)]
	s.mu.Unlock()
	if len(batch) == 0 {
		return 0, nil
	}
	p := s.f.rdb.Pipeline()
	for _, c := range batch {
		b, _ := json.Marshal(suppressEntry{Node: s.f.node, Change: c})
		p.XAdd(ctx, &redis.XAddArgs{Stream: keySuppress, MaxLen: maxSuppressStream, Approx: true, Values: []any{"e", b}})
	}
	s.f.announce(ctx, p, "suppress", nil)
	if _, err := p.Exec(ctx); err != nil {
		return len(batch), err
	}
	s.mu.Lock()
	s.pending = s.pending[len(batch):]
	more := len(s.pending) > 0
	s.mu.Unlock()
	if more {
		s.f.wake()
	}
	return len(batch), nil
}

// pull applies the stream's entries after the last one applied.
func (s *suppressLog) pull(ctx context.Context) error {
	s.pullMu.Lock()
	defer s.pullMu.Unlock()
	for {
		res, err := s.f.rdb.XRangeN(ctx, keySuppress, "("+s.last, "+", suppressBatch).Result()
		if err != nil {
			return err
		}
		for _, m := range res {
			s.last = m.ID
			var e suppressEntry
			v, _ := m.Values["e"].(string)
			if json.Unmarshal([]byte(v), &e) != nil || e.Node == s.f.node {
				continue
			}
			if err := s.store.Apply(e.Change); err != nil {
				s.f.log.Warn("fleet: suppression change not applied", "tenant", e.Change.Entry.Tenant, "err", err)
			}
		}
		if len(res) < suppressBatch {
			return nil
		}
	}
}
