package history

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/spool"
)

// Options configures an Index.
type Options struct {
	// Retention is how long a record stays findable, at least (the sweep
	// deletes whole hour buckets: at most an hour more); 0 = 7 days.
	Retention time.Duration
	// Recipients returns the recipient addresses of a message still in
	// the spool, or nil: a Reception record carries only their number,
	// and indexing it by recipient finds a message before any attempt.
	Recipients func(id string) []string
	Logger     *slog.Logger
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
	// WriteEvery is how long records gather before the writer stores
	// them; 0 = 100ms.
	WriteEvery time.Duration
	// SweepEvery is the period of the expiry sweep; 0 = 10 minutes.
	SweepEvery time.Duration
}

// maxPending bounds the bytes waiting for the writer; Record blocks past
// it, as the records writer does rather than drop a record.
const maxPending = 32 << 20

type pending struct {
	rec  *events.Record
	line []byte
	ref  ref
}

// Index is the message history. It is an events.Sink, LineSink and
// Flusher.
type Index struct {
	st   *spool.Store
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	room    *sync.Cond
	buf     []pending
	bytes   int
	seq     uint64
	closed  bool
	dropped int    // records refused by a full spool since the last warning
	swept   uint32 // the bucket the last sweep deleted up to (under wmu)

	wmu  sync.Mutex // serialises writes, so Flush and the writer keep order
	stop chan struct{}
	done sync.WaitGroup
}

// Open returns an index over st's history namespace; Start runs its writer
// and its expiry sweep.
func Open(st *spool.Store, opts Options) *Index {
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WriteEvery <= 0 {
		opts.WriteEvery = 100 * time.Millisecond
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 10 * time.Minute
	}
	x := &Index{st: st, opts: opts, log: opts.Logger, seq: uint64(time.Now().UnixNano()), stop: make(chan struct{})}
	x.room = sync.NewCond(&x.mu)
	return x
}

// Retention returns how long records stay findable.
func (x *Index) Retention() time.Duration { return x.opts.Retention }

// Start runs the writer and the sweep (which runs once at once).
func (x *Index) Start() {
	x.done.Go(x.writeLoop)
	x.done.Go(x.sweepLoop)
}

// Record implements events.Sink.
func (x *Index) Record(r *events.Record) {
	if wanted(r) {
		x.add(r, events.AppendJSON(nil, r))
	}
}

// RecordLine implements events.LineSink.
func (x *Index) RecordLine(r *events.Record, line []byte) {
	if wanted(r) {
		x.add(r, append([]byte(nil), line...))
	}
}

// wanted reports whether r concerns a message, a recipient or a policy.
func wanted(r *events.Record) bool {
	return r.ID != "" || r.Recipient != "" || r.Type == events.PolicyFault
}

func (x *Index) add(r *events.Record, line []byte) {
	if len(line) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for x.bytes > maxPending && !x.closed {
		x.room.Wait()
	}
	if x.closed {
		return
	}
	x.seq++
	t := r.Time
	if t.IsZero() {
		t = x.opts.Now()
	}
	x.buf = append(x.buf, pending{rec: r, line: line, ref: ref{bucket: bucketOf(t), at: t.UnixNano(), seq: x.seq}})
	x.bytes += len(line)
}

func (x *Index) writeLoop() {
	t := time.NewTicker(x.opts.WriteEvery)
	defer t.Stop()
	for {
		select {
		case <-x.stop:
			return
		case <-t.C:
			if err := x.Flush(); err != nil {
				x.log.Warn("history: cannot store records", "err", err)
			}
		}
	}
}

// Flush stores the records received so far. The records writer calls it
// when it closes, while the spool is still open.
func (x *Index) Flush() error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	batch := x.buf
	x.buf, x.bytes = nil, 0
	x.room.Broadcast()
	x.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := x.st.PutAuxAll(namespace, x.entries(batch))
	if errors.Is(err, spool.ErrFull) {
		x.dropped += len(batch)
		x.log.Warn("history: the spool is short of disk space; records not indexed", "records", x.dropped)
		return nil
	}
	x.dropped = 0
	return err
}

// entries are the keys of batch: each record and its index entries.
func (x *Index) entries(batch []pending) []spool.KV {
	kvs := make([]spool.KV, 0, 3*len(batch))
	for _, p := range batch {
		kvs = append(kvs, spool.KV{Key: recordKey(p.ref), Val: p.line})
		for _, e := range x.keysOf(p.rec) {
			if indexable(e.value) {
				kvs = append(kvs, spool.KV{Key: indexKey(e.kind, e.value, p.ref)})
			}
		}
	}
	return kvs
}

type entry struct {
	kind  byte
	value string
}

func (x *Index) keysOf(r *events.Record) []entry {
	var out []entry
	if r.ID != "" {
		out = append(out, entry{kindMessage, r.ID})
	}
	if r.Recipient != "" {
		out = append(out, entry{kindRecipient, recipientValue(r.Recipient)})
	}
	switch r.Type {
	case events.Reception:
		if r.Campaign != "" {
			out = append(out, entry{kindCampaign, campaignValue(r.Tenant, r.Campaign)})
		}
		if r.Recipient == "" {
			addrs := r.RecipientAddrs
			if addrs == nil && x.opts.Recipients != nil {
				addrs = x.opts.Recipients(r.ID)
			}
			for _, a := range addrs {
				out = append(out, entry{kindRecipient, recipientValue(a)})
			}
		}
	case events.PolicyFault:
		out = append(out, entry{kindFault, r.Tenant + "\x01"})
	}
	return out
}

// Close stores what is buffered and stops the writer and the sweep; the
// spool must still be open.
func (x *Index) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	x.closed = true
	x.room.Broadcast()
	x.mu.Unlock()
	close(x.stop)
	x.done.Wait()
	return x.Flush()
}

func (x *Index) sweepLoop() {
	t := time.NewTicker(x.opts.SweepEvery)
	defer t.Stop()
	for {
		if err := x.Sweep(); err != nil {
			x.log.Warn("history: expiry sweep", "err", err)
		}
		select {
		case <-x.stop:
			return
		case <-t.C:
		}
	}
}

// Sweep deletes the hour buckets that ended more than the retention ago.
func (x *Index) Sweep() error {
	cut := bucketOf(x.opts.Now().Add(-x.opts.Retention))
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if cut == 0 || cut == x.swept {
		return nil // nothing new has expired: no range tombstone for nothing
	}
	if err := x.st.DeleteAuxRange(namespace, []byte{0, 0, 0, 0}, bucketKey(cut)); err != nil {
		return err
	}
	x.swept = cut
	return nil
}

func bucketKey(b uint32) []byte { return []byte{byte(b >> 24), byte(b >> 16), byte(b >> 8), byte(b)} }
