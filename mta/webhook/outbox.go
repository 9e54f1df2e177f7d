package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

// Options are the parts of an Outbox that do not come from the
// configuration.
type Options struct {
	Logger *slog.Logger
	// Client posts the batches; nil = a client with each webhook's timeout.
	Client *http.Client
	// UserAgent is sent with every POST.
	UserAgent string
	// Observe, when set, is told of every acknowledged batch: how many
	// records and how long the oldest waited since it was written to the
	// outbox (metrics).
	Observe func(webhook string, records int, delay time.Duration)
	// SyncEvery bounds how long an outbox write may stay unsynced; 0 =
	// 100ms. Pebble keeps unsynced WAL writes in its own buffer until a
	// block fills or a write is synced, so this bounds what a crash of the
	// process, not only of the machine, can lose.
	SyncEvery time.Duration
	// MaxPending bounds the bytes waiting in memory for the writer; Record
	// blocks beyond it (only if the disk cannot keep up). 0 = 64 MiB.
	MaxPending int
}

// Outbox is the durable outbox and the senders of every webhook.
type Outbox struct {
	st    *spool.Store
	opts  Options
	log   *slog.Logger
	hooks []*hook

	wmu      sync.Mutex // serialises writePending, so segments keep record order
	mu       sync.Mutex
	room     *sync.Cond // signalled when the writer takes the pending lines
	pending  int        // bytes waiting in all hooks' buffers
	stopped  bool       // writer stopped: Record buffers until Flush
	lastSync time.Time  // under wmu
	dirty    bool       // segments written since lastSync, under wmu

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open reads the outbox state of the configured webhooks from the spool
// (what is left to send, where each sender stopped) and returns an Outbox
// ready to take records; Start starts the writer and the senders.
func Open(st *spool.Store, hooks []config.Webhook, opts Options) (*Outbox, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SyncEvery <= 0 {
		opts.SyncEvery = 100 * time.Millisecond
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 64 << 20
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "wasmta"
	}
	o := &Outbox{st: st, opts: opts, log: opts.Logger, wake: make(chan struct{}, 1)}
	o.room = sync.NewCond(&o.mu)
	o.ctx, o.cancel = context.WithCancel(context.Background())
	for _, c := range hooks {
		h := newHook(o, c)
		if err := h.restore(); err != nil {
			return nil, err
		}
		o.hooks = append(o.hooks, h)
	}
	o.warnOrphans()
	return o, nil
}

// warnOrphans reports outboxes in the spool of webhooks no longer
// configured: their records stay until the webhook comes back.
func (o *Outbox) warnOrphans() {
	known := map[string]bool{}
	for _, h := range o.hooks {
		known[h.cfg.Name] = true
	}
	orphans := map[string]int{}
	err := o.st.ScanAux(namespace, []byte{'q', 0}, func(k, _ []byte) error {
		if name, _, ok := parseSegmentKey(k); ok && !known[name] {
			orphans[name]++
		}
		return nil
	})
	if err != nil {
		o.log.Error("webhook: scan outbox", "err", err)
	}
	for name, n := range orphans {
		o.log.Warn("webhook: outbox of a webhook that is not configured; its records wait for it", "webhook", name, "segments", n)
	}
}

// Start starts the writer and one sender per webhook.
func (o *Outbox) Start() {
	o.wg.Go(o.writer)
	for _, h := range o.hooks {
		o.wg.Go(func() { h.send(o.ctx) })
	}
}

// Record implements events.Sink.
func (o *Outbox) Record(r *events.Record) {
	if !o.wanted(r) {
		return
	}
	line, err := encodeLine(r)
	if err != nil {
		o.log.Error("webhook: encode record", "type", r.Type, "err", err)
		return
	}
	o.RecordLine(r, line)
}

func (o *Outbox) wanted(r *events.Record) bool {
	for _, h := range o.hooks {
		if h.wants(r) {
			return true
		}
	}
	return false
}

// RecordLine implements events.LineSink: it copies line into the buffer
// of every webhook that wants r. It blocks only while MaxPending bytes
// wait for a writer that is running.
func (o *Outbox) RecordLine(r *events.Record, line []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	added := false
	for _, h := range o.hooks {
		if h.wants(r) {
			h.buf = append(h.buf, line...)
			h.bufN++
			o.pending += len(line)
			added = true
		}
	}
	if !added {
		return
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	for o.pending > o.opts.MaxPending && !o.stopped {
		o.room.Wait()
	}
}

// writer turns buffered lines into outbox segments as fast as they come:
// the lines that arrive while a write runs go into the next segment.
func (o *Outbox) writer() {
	t := time.NewTicker(o.opts.SyncEvery / 4)
	defer t.Stop()
	for {
		select {
		case <-o.ctx.Done():
			return
		case <-o.wake:
			o.writePending(false)
		case <-t.C:
			o.writePending(false)
		}
	}
}

// writePending writes one segment per webhook with buffered lines. The
// write is synced when forced or when the last sync is SyncEvery old; a
// tick with nothing to write syncs what earlier writes left unsynced.
func (o *Outbox) writePending(force bool) error {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	o.mu.Lock()
	type seg struct {
		h    *hook
		data []byte
		n    int
	}
	var segs []seg
	for _, h := range o.hooks {
		if h.bufN > 0 {
			segs = append(segs, seg{h, h.buf, h.bufN})
			h.buf, h.bufN = nil, 0
		}
	}
	o.pending = 0
	o.room.Broadcast()
	o.mu.Unlock()
	sync := force || time.Since(o.lastSync) >= o.opts.SyncEvery
	var errs []error
	for i, s := range segs {
		last := i == len(segs)-1
		if err := s.h.appendSegment(s.data, s.n, sync && last); err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case len(segs) > 0 && !sync:
		o.dirty = true
	case len(segs) == 0 && sync && o.dirty:
		// A synced write of a marker key syncs the whole WAL before it.
		errs = append(errs, o.st.PutAux(namespace, []byte("sync"), nil, true))
		fallthrough
	case sync:
		o.dirty, o.lastSync = false, time.Now()
	}
	return errors.Join(errs...)
}

// Flush writes every buffered record to the outbox, synced. The records
// writer calls it when it closes (events.Flusher), after its last record
// and before the engine closes the spool.
func (o *Outbox) Flush() error {
	if err := o.writePending(true); err != nil {
		return fmt.Errorf("webhook: flush outbox: %w", err)
	}
	return nil
}

// Close stops the senders and the writer. Records that come later are
// kept in memory until Flush.
func (o *Outbox) Close() {
	o.mu.Lock()
	o.stopped = true
	o.room.Broadcast()
	o.mu.Unlock()
	o.cancel()
	o.wg.Wait()
}

// Stats describes one webhook.
type Stats struct {
	Name      string    `json:"name"`
	Tenant    string    `json:"tenant,omitempty"`
	Backlog   int64     `json:"backlog"`   // records in the outbox not yet acknowledged
	Delivered int64     `json:"delivered"` // records acknowledged since start
	Posts     int64     `json:"posts"`     // POSTs answered 2xx since start
	Failures  int64     `json:"failures"`  // POSTs that failed since start
	LastError string    `json:"last_error,omitempty"`
	LastErrAt time.Time `json:"last_error_at,omitzero"`
}

// Stats returns the state of every webhook.
func (o *Outbox) Stats() []Stats {
	out := make([]Stats, 0, len(o.hooks))
	for _, h := range o.hooks {
		out = append(out, h.stats())
	}
	return out
}
