package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
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
	// Coalesce is how long the writer lets records gather after the first
	// one arrives, so that a busy server writes segments of many records
	// rather than one Pebble write (and later a read and a delete) per
	// record; 0 = 5ms. It adds as much to a record's latency.
	Coalesce time.Duration
	// MaxPending bounds the bytes waiting in memory for the writer; Record
	// blocks beyond it (only if the disk cannot keep up). 0 = 64 MiB.
	MaxPending int
}

// Outbox is the durable outbox and the senders of every webhook.
type Outbox struct {
	st   *spool.Store
	opts Options
	log  *slog.Logger
	// hooks is replaced, never changed in place, by Reconfigure (under
	// wmu and mu), so readers without mu see one whole list.
	hooks   atomic.Pointer[[]*hook]
	started bool // under mu: Start ran, so Reconfigure starts new senders

	wmu     sync.Mutex // serialises writePending, so segments keep record order
	mu      sync.Mutex
	room    *sync.Cond // signalled when the writer takes the pending lines
	pending int        // bytes waiting in all hooks' buffers
	stopped bool       // writer stopped: Record buffers until Flush
	// Under wmu: unsynced segments exist since dirtyAt, when the spool had
	// made dirtySyncs WAL syncs.
	dirty      bool
	dirtyAt    time.Time
	dirtySyncs int64

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
	if opts.Coalesce <= 0 {
		opts.Coalesce = 5 * time.Millisecond
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
	var list []*hook
	for _, c := range hooks {
		h := newHook(o, c)
		if err := h.restore(); err != nil {
			return nil, err
		}
		list = append(list, h)
	}
	o.hooks.Store(&list)
	o.warnOrphans()
	return o, nil
}

// warnOrphans reports outboxes in the spool of webhooks no longer
// configured: their records stay until the webhook comes back.
func (o *Outbox) warnOrphans() {
	known := map[string]bool{}
	for _, h := range o.list() {
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

func (o *Outbox) list() []*hook { return *o.hooks.Load() }

// Start starts the writer and one sender per webhook.
func (o *Outbox) Start() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started = true
	o.wg.Go(o.writer)
	for _, h := range o.list() {
		o.startSender(h)
	}
}

// startSender runs h's sender until Close or until Reconfigure drops h.
func (o *Outbox) startSender(h *hook) {
	ctx, cancel := context.WithCancel(o.ctx)
	h.stop, h.done = cancel, make(chan struct{})
	o.wg.Go(func() {
		defer close(h.done)
		h.send(ctx)
	})
}

// Reconfigure puts a reloaded list of webhooks in force. Records already
// buffered are first written to the outboxes of the webhooks that took
// them; a webhook whose settings are unchanged keeps its sender; one that
// changed or is new gets a sender that starts from its stored cursor (an
// outbox is kept by name, so a renamed webhook starts empty and the old
// name's records wait, as at start); a removed one stops sending and its
// records wait in the spool for it to come back.
func (o *Outbox) Reconfigure(cfgs []config.Webhook) error {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	var errs []error
	for _, seg := range o.takePendingLocked() {
		if err := seg.h.appendSegment(seg.data, seg.n, true); err != nil {
			errs = append(errs, err)
		}
	}
	old := map[string]*hook{}
	for _, h := range o.list() {
		old[h.cfg.Name] = h
	}
	var next, fresh []*hook
	for _, c := range cfgs {
		if h := old[c.Name]; h != nil && reflect.DeepEqual(h.cfg, c) {
			next = append(next, h)
			delete(old, c.Name)
			continue
		}
		h := newHook(o, c)
		next, fresh = append(next, h), append(fresh, h)
	}
	for _, h := range old { // removed or changed: its sender stops first
		if h.stop != nil {
			h.stop()
			<-h.done
		}
	}
	kept := next[:0]
	for _, h := range next {
		if slices.Contains(fresh, h) {
			if err := h.restore(); err != nil {
				errs = append(errs, err)
				continue
			}
			if o.started && !o.stopped {
				o.startSender(h)
			}
		}
		kept = append(kept, h)
	}
	o.hooks.Store(&kept)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("webhook: reconfigure: %w", err)
	}
	return nil
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
	for _, h := range o.list() {
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
	for _, h := range o.list() {
		if h.wants(r) {
			if h.bufN == 0 {
				h.buf = append(h.buf[:0], make([]byte, segmentHeader)...)
			}
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
			select {
			case <-o.ctx.Done():
				return
			case <-time.After(o.opts.Coalesce):
			}
			o.writePending(false)
		case <-t.C:
			o.writePending(false)
		}
	}
}

// writePending writes one segment per webhook with buffered lines. The
// outbox's unsynced writes are made durable within SyncEvery of the first
// of them: by the spool's own syncs when two happened since (reception
// syncs every message it accepts, and a sync that started after a write
// covers it), else by syncing the last segment written, or a marker key.
func (o *Outbox) writePending(force bool) error {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	segs := o.takePending()
	syncNow := force
	if !force && o.dirty && time.Since(o.dirtyAt) >= o.opts.SyncEvery {
		syncNow = o.st.Stats().WALSyncs < o.dirtySyncs+2
		o.dirty = o.dirty && syncNow
	}
	var errs []error
	for i, s := range segs {
		if err := s.h.appendSegment(s.data, s.n, syncNow && i == len(segs)-1); err != nil {
			errs = append(errs, err)
		}
		o.recycle(s)
	}
	if syncNow && len(segs) == 0 && (o.dirty || force) {
		errs = append(errs, o.st.PutAux(namespace, []byte("sync"), nil, true))
	}
	switch {
	case syncNow:
		o.dirty = false
	case len(segs) > 0 && !o.dirty:
		o.dirty, o.dirtyAt, o.dirtySyncs = true, time.Now(), o.st.Stats().WALSyncs
	}
	return errors.Join(errs...)
}

// segment is one webhook's lines taken for the next segment.
type segment struct {
	h    *hook
	data []byte
	n    int
}

// recycle gives a written segment's buffer back to its webhook (Pebble
// copied it), unless it grew large in a burst.
func (o *Outbox) recycle(s segment) {
	if cap(s.data) > 1<<20 {
		return
	}
	o.mu.Lock()
	if s.h.spare == nil {
		s.h.spare = s.data[:0]
	}
	o.mu.Unlock()
}

// takePending takes the lines every webhook buffered and lets blocked
// Record calls go on.
func (o *Outbox) takePending() []segment {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.takePendingLocked()
}

func (o *Outbox) takePendingLocked() []segment {
	var segs []segment
	for _, h := range o.list() {
		if h.bufN > 0 {
			segs = append(segs, segment{h, h.buf, h.bufN})
			h.buf, h.spare, h.bufN = h.spare, nil, 0
		}
	}
	o.pending = 0
	o.room.Broadcast()
	return segs
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
	URL       string    `json:"url"`
	Backlog   int64     `json:"backlog"`   // records in the outbox not yet acknowledged
	Delivered int64     `json:"delivered"` // records acknowledged since start
	Posts     int64     `json:"posts"`     // POSTs answered 2xx since start
	Failures  int64     `json:"failures"`  // POSTs that failed since start
	LastError string    `json:"last_error,omitempty"`
	LastErrAt time.Time `json:"last_error_at,omitzero"`
}

// Stats returns the state of every webhook.
func (o *Outbox) Stats() []Stats {
	list := o.list()
	out := make([]Stats, 0, len(list))
	for _, h := range list {
		out = append(out, h.stats())
	}
	return out
}
