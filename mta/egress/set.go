package egress

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// Handler is told what happened to each job. Load fills a job's message
// body before it is sent; Done receives every outcome, exactly once per
// attempt, including failures to load or to connect.
type Handler interface {
	Load(j *Job) error
	Done(p *Path, j *Job, o Outcome)
}

// Options configures a Set.
type Options struct {
	Handler Handler
	// Session options shared by every connection; the source address, EHLO
	// name, TLS mode and timeouts come from the path.
	Session delivery.Options
	// MaxQueued bounds the jobs waiting in all ready queues together;
	// WaitRoom blocks while it is reached.
	MaxQueued int
	Logger    *slog.Logger
}

// Set holds every path.
type Set struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	mu    sync.Mutex
	paths map[PathKey]*Path

	queued atomic.Int64
	roomMu sync.Mutex
	room   chan struct{} // closed and replaced whenever a job leaves a queue
	wg     sync.WaitGroup
}

// NewSet returns an empty set of paths.
func NewSet(opts Options) *Set {
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 20000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Set{opts: opts, ctx: ctx, cancel: cancel, log: opts.Logger,
		paths: make(map[PathKey]*Path), room: make(chan struct{})}
}

// Path returns the path for (src, site), creating it with the shape given
// by shape when it does not exist yet.
func (s *Set) Path(src *Source, site string, hosts []mx.Host, shape func() (policy.Shape, string)) *Path {
	key := PathKey{Source: src.Name, Site: site}
	s.mu.Lock()
	p := s.paths[key]
	s.mu.Unlock()
	if p != nil {
		return p
	}
	sh, ver := shape()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.paths[key]; p == nil {
		p = newPath(s, key, src, hosts, sh, ver)
		s.paths[key] = p
	}
	return p
}

// Paths returns every path.
func (s *Set) Paths() []*Path {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Path, 0, len(s.paths))
	for _, p := range s.paths {
		out = append(out, p)
	}
	return out
}

// Queued returns the number of jobs waiting in all paths.
func (s *Set) Queued() int { return int(s.queued.Load()) }

// WaitRoom blocks while the ready queues hold MaxQueued jobs or more.
func (s *Set) WaitRoom(ctx context.Context) error {
	for s.queued.Load() >= int64(s.opts.MaxQueued) {
		s.roomMu.Lock()
		ch := s.room
		s.roomMu.Unlock()
		if s.queued.Load() < int64(s.opts.MaxQueued) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

func (s *Set) roomFreed() {
	if s.queued.Load() >= int64(s.opts.MaxQueued) {
		return
	}
	s.roomMu.Lock()
	close(s.room)
	s.room = make(chan struct{})
	s.roomMu.Unlock()
}

// Close stops every connection and waits for them to end. Jobs still
// waiting are left for the caller (they are in the spool).
func (s *Set) Close() {
	s.cancel()
	s.wg.Wait()
}

// Add starts a path worker accounted for in Close.
func (s *Set) worker(p *Path) {
	s.wg.Add(1)
	defer s.wg.Done()
	c := &conn{set: s, path: p}
	c.run(s.ctx)
	p.mu.Lock()
	p.conns--
	p.mu.Unlock()
	p.maybeSpawn()
}
