package egress

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/netip"
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

// Gate is an optional interface of a Handler: Hold is asked, right before
// a job is sent, whether a live action (a suspension of the job's tenant,
// say) holds it back; true means the handler has taken the job back.
type Gate interface {
	Hold(p *Path, j *Job) bool
}

// Credentials is an optional interface of a Handler: Auth returns the
// SMTP AUTH credentials of a path's connections (a smart host that wants a
// login), or nil.
type Credentials interface {
	Auth(p *Path) *delivery.Auth
}

// Options configures a Set.
type Options struct {
	Handler Handler
	// Session options shared by every connection; the source address, EHLO
	// name, TLS mode and timeouts come from the path.
	Session delivery.Options
	// MaxQueued bounds the jobs waiting in all ready queues together:
	// WaitRoom blocks while it is reached. 0 means 20000.
	MaxQueued int
	// MaxQueuedPerPath is what Path.Full compares with, so that one slow
	// path cannot take the room of all the others. 0 means MaxQueued/4.
	MaxQueuedPerPath int
	// Adjust, when set, derives the shape in force on a path from the shape
	// its policy gave (live overrides); it must be cheap and must not call
	// back into the path.
	Adjust func(p *Path, base policy.Shape) policy.Shape
	// ReturnPath, when set, gives a job's envelope sender (a VERP return
	// path); "" or nil keeps the message's own sender.
	ReturnPath func(j *Job) string
	// Self, when set, reports whether an address is one of this MTA's own
	// listeners: a path never connects to it (mail for the destination
	// would loop back); a path with no other host fails its jobs with
	// 554 5.4.6.
	Self func(netip.AddrPort) bool
	// Trace, when set, gives the trace function of a session of a path to
	// host at peer (delivery.Options.Trace), or nil not to trace it.
	Trace func(source, site, host string, peer netip.AddrPort) func(sent bool, data []byte)
	// Shared, when set, gives the limits path p shares with other nodes
	// (a fleet's caps), or nil; it is asked once per connection.
	Shared func(p *Path) Shared
	Logger *slog.Logger
}

// roots are the roots sessions verify against: those of the session TLS
// configuration, else the system's (nil).
func (o *Options) roots() *x509.CertPool {
	if o.Session.TLSConfig != nil {
		return o.Session.TLSConfig.RootCAs
	}
	return nil
}

// sender is the MAIL FROM of job j.
func (o *Options) sender(j *Job) string {
	if o.ReturnPath != nil {
		if s := o.ReturnPath(j); s != "" {
			return s
		}
	}
	return j.Msg.Sender
}

// PathSpec describes a path to create.
type PathSpec struct {
	Source   *Source
	Site     string
	Provider string
	Hosts    []mx.Host
}

// Set holds every path.
type Set struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	mu    sync.Mutex
	paths map[PathKey]*Path

	queued  atomic.Int64
	waiting atomic.Int64 // dispatchers in WaitRoom
	roomMu  sync.Mutex
	room    chan struct{} // closed and replaced when a job leaves a full set
	wg      sync.WaitGroup
}

// NewSet returns an empty set of paths.
func NewSet(opts Options) *Set {
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 20000
	}
	if opts.MaxQueuedPerPath <= 0 {
		opts.MaxQueuedPerPath = max(1, opts.MaxQueued/4)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Set{opts: opts, ctx: ctx, cancel: cancel, log: opts.Logger,
		paths: make(map[PathKey]*Path), room: make(chan struct{})}
}

// Path returns the path for (spec.Source, spec.Site), creating it with the
// shape given by shape when it does not exist yet; created reports that.
func (s *Set) Path(spec PathSpec, shape func() (policy.Shape, string)) (p *Path, created bool) {
	key := PathKey{Source: spec.Source.Name, Site: spec.Site}
	s.mu.Lock()
	p = s.paths[key]
	s.mu.Unlock()
	if p != nil {
		return p, false
	}
	sh, ver := shape()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.paths[key]; p == nil {
		p = newPath(s, spec, sh, ver)
		s.paths[key] = p
		created = true
	}
	return p, created
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

// WaitRoom blocks while the ready queues hold MaxQueued jobs or more: the
// dispatcher calling it stops pulling from the scheduled queues, which is
// how a slow destination keeps messages on disk instead of in memory.
func (s *Set) WaitRoom(ctx context.Context) error {
	for {
		s.roomMu.Lock()
		if s.queued.Load() < int64(s.opts.MaxQueued) {
			s.roomMu.Unlock()
			return nil
		}
		s.waiting.Add(1)
		ch := s.room
		s.roomMu.Unlock()
		select {
		case <-ctx.Done():
			s.waiting.Add(-1)
			return ctx.Err()
		case <-ch:
		case <-time.After(250 * time.Millisecond):
		}
		s.waiting.Add(-1)
	}
}

// roomFreed wakes the dispatchers waiting in WaitRoom, if any.
func (s *Set) roomFreed() {
	if s.waiting.Load() == 0 || s.queued.Load() >= int64(s.opts.MaxQueued) {
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

// worker runs one connection of p; maybeSpawn counted it in s.wg.
func (s *Set) worker(p *Path) {
	defer s.wg.Done()
	c := &conn{set: s, path: p}
	if s.opts.Shared != nil {
		c.shared = s.opts.Shared(p)
	}
	shrunk := c.run(s.ctx)
	p.workerEnded(shrunk)
}
