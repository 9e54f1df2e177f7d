package spool

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

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

// ScanQueued is Scan for the queue rebuild: the same walk, checks and
// reports (an envelope that does not decode is quarantined, the first full
// scan reconciles the ledger), but each envelope is decoded only as far as
// Queued needs, into one reused value, and the strings it holds are shared
// between messages with equal values. With a million messages queued it
// allocates per distinct tenant, campaign and domain, not per message.
func (s *Store) ScanQueued(ctx context.Context, fn func(q *Queued) error) error {
	var q Queued
	in := newInterner()
	return s.scan(ctx, func(id message.ID, v []byte) ([]message.RcptState, error) {
		q.ID = id
		if err := decodeQueued(&q, in, v); err != nil {
			return nil, fmt.Errorf("spool: message %s: %w", id, err)
		}
		q.States = q.States[:0]
		for range q.Domains {
			q.States = append(q.States, message.RcptState{Status: message.Pending, Due: q.ReceivedAt})
		}
		return q.States, nil
	}, func() error { return fn(&q) })
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
