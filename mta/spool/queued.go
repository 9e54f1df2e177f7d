package spool

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/wasmta/wasmta/mta/message"
)

// Queued is what the queue rebuild needs of a stored message: its ID,
// tenant and campaign, and the domain and state of each recipient.
// ScanQueued reuses one Queued for every message: it and its slices are
// valid only during the call.
type Queued struct {
	ID               message.ID
	ReceivedAt       time.Time
	Tenant, Campaign string
	Domains          []string // the lowercased domain of each recipient (message.Domain)
	States           []message.RcptState
}

// QueueScan is Scan for the queue rebuild, of the spool as it was when
// BeginQueueScan returned: the same walk, checks and reports (an envelope
// that does not decode is quarantined, the first full scan reconciles the
// ledger), but each envelope is decoded only as far as Queued needs, into
// one reused value, and the strings it holds are shared between messages
// with equal values: with a million messages queued it allocates per
// distinct tenant, campaign and domain, not per message.
//
// Because it reads a snapshot taken with the ledger's counts, Puts and
// Deletes may run while it does: a message Put after BeginQueueScan is
// not in the scan (its caller queues it), and the reconciliation compares
// the snapshot with the counts of the same moment.
type QueueScan struct {
	s    *Store
	snap *pebble.Snapshot
	v    view
}

// BeginQueueScan takes the snapshot a QueueScan reads. Run or Close must
// follow.
func (s *Store) BeginQueueScan() (*QueueScan, error) {
	if err := s.gate.enter(); err != nil {
		return nil, err
	}
	// Under the ledger's mutex, no Put or Delete is between its count and
	// its commit (see ledger.go): the snapshot holds exactly what the
	// counts count.
	s.ledger.mu.Lock()
	snap := s.db.NewSnapshot()
	acked, gone := s.ledger.acked, s.ledger.gone
	s.ledger.mu.Unlock()
	return &QueueScan{s: s, snap: snap, v: view{r: snap, acked: acked, gone: gone}}, nil
}

// Run calls fn for every message of the snapshot in ID order, then closes
// the scan.
func (q *QueueScan) Run(ctx context.Context, fn func(m *Queued) error) error {
	defer q.Close()
	var m Queued
	in := newInterner()
	return q.s.scan(ctx, q.v, func(id message.ID, v []byte) ([]message.RcptState, error) {
		m.ID = id
		if err := decodeQueued(&m, in, v); err != nil {
			return nil, fmt.Errorf("spool: message %s: %w", id, err)
		}
		m.States = m.States[:0]
		for range m.Domains {
			m.States = append(m.States, message.RcptState{Status: message.Pending, Due: m.ReceivedAt})
		}
		return m.States, nil
	}, func() error { return fn(&m) })
}

// Close releases the snapshot; a second Close does nothing.
func (q *QueueScan) Close() {
	if q.snap == nil {
		return
	}
	_ = q.snap.Close()
	q.snap = nil
	q.s.gate.leave()
}

// ScanQueued runs a QueueScan of the spool as it is now.
func (s *Store) ScanQueued(ctx context.Context, fn func(m *Queued) error) error {
	q, err := s.BeginQueueScan()
	if err != nil {
		return err
	}
	return q.Run(ctx, fn)
}

// decodeQueued reads the fields of Queued from an envelope value and
// checks the rest of it as decodeMessage does: a value one refuses, the
// other refuses.
func decodeQueued(q *Queued, in *interner, data []byte) error {
	d := decoder{buf: data}
	v := d.byte()
	if v != messageV1 && v != messageV2 {
		return fmt.Errorf("unknown encoding version %d", v)
	}
	q.ReceivedAt = d.time()
	d.varint() // size
	q.Tenant = in.string(d.bytes())
	q.Campaign = in.string(d.bytes())
	for range 6 { // sender, peer, helo, auth user, protocol, pool
		d.bytes()
	}
	q.Domains = q.Domains[:0]
	for n := d.count(); n > 0; n-- {
		q.Domains = append(q.Domains, in.domain(d.bytes()))
	}
	for n := d.count(); n > 0; n-- { // metadata: key, value
		d.bytes()
		d.bytes()
	}
	if v == messageV2 {
		d.uvarint() // flags
	}
	return d.finish()
}

// maxInterned bounds an interner: past it, values are copied, not shared
// (a spool with a campaign per message must not grow a map as large as
// the queue).
const maxInterned = 1 << 16

// interner hands out one string per distinct value.
type interner struct {
	strs map[string]string
	doms map[string]string // raw domain bytes -> lowercased
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, doms: map[string]string{}}
}

func (in *interner) string(b []byte) string {
	if s, ok := in.strs[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in.strs) < maxInterned {
		in.strs[s] = s
	}
	return s
}

// domain returns message.Domain of the address addr.
func (in *interner) domain(addr []byte) string {
	i := bytes.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	raw := addr[i+1:]
	if s, ok := in.doms[string(raw)]; ok {
		return s
	}
	s := strings.ToLower(string(raw))
	if len(in.doms) < maxInterned {
		in.doms[string(raw)] = s
	}
	return s
}
