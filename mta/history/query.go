package history

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
)

// Trace is what the history holds of one message: its records, oldest
// first, and the PolicyFault records of its tenant written between its
// first and its last record (faults name no message: these are the ones
// that may have touched its decisions).
type Trace struct {
	ID           string          `json:"id"` // "" for records that name no message (a refused recipient)
	Records      []events.Record `json:"records"`
	PolicyFaults []events.Record `json:"policy_faults"`
}

// MaxRecords bounds the records one lookup reads.
const MaxRecords = 10000

// bucketsNewestFirst lists the buckets of the retention window that are
// not before from, newest first.
func (x *Index) bucketsNewestFirst(from time.Time) []uint32 {
	now := x.opts.Now()
	lo := bucketOf(now.Add(-x.opts.Retention))
	if !from.IsZero() {
		lo = max(lo, bucketOf(from))
	}
	hi := bucketOf(now.Add(bucketLen)) // a clock a little ahead of ours
	var out []uint32
	for b := hi; b >= lo && b > 0; b-- {
		out = append(out, b)
	}
	return out
}

// refs returns the refs of (kind, value) in buckets, newest bucket first,
// oldest first within a bucket, at most limit.
func (x *Index) refs(ctx context.Context, buckets []uint32, kind byte, value string, limit int) ([]ref, error) {
	var out []ref
	for _, b := range buckets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var in []ref
		err := x.st.ScanAux(namespace, indexPrefix(b, kind, value), func(k, _ []byte) error {
			if r, ok := refOf(b, k); ok {
				in = append(in, r)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		// Newest first overall: the last refs of this bucket first.
		for i := len(in) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, in[i])
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// load reads the records of refs, sorted oldest first. A record swept
// between the index read and this one is left out.
func (x *Index) load(refs []ref) ([]events.Record, error) {
	slices.SortFunc(refs, func(a, b ref) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
	out := make([]events.Record, 0, len(refs))
	for _, r := range refs {
		line, err := x.st.GetAux(namespace, recordKey(r))
		if errors.Is(err, spool.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		var rec events.Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("history: stored record %x: %w", recordKey(r), err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// Message returns the history of message id; ok is false when the history
// holds nothing of it.
func (x *Index) Message(ctx context.Context, id string) (tr *Trace, ok bool, err error) {
	var from time.Time
	if mid, err := message.ParseID(id); err == nil {
		from = mid.Time() // nothing is recorded of a message before its ID is minted
	}
	refs, err := x.refs(ctx, x.bucketsNewestFirst(from), kindMessage, id, MaxRecords)
	if err != nil || len(refs) == 0 {
		return nil, false, err
	}
	recs, err := x.load(refs)
	if err != nil {
		return nil, false, err
	}
	tr = &Trace{ID: id, Records: recs, PolicyFaults: []events.Record{}}
	if len(recs) > 0 {
		first, last := recs[0], recs[len(recs)-1]
		tr.PolicyFaults, err = x.faultsBetween(ctx, first.Tenant, first.Time, last.Time, 50)
	}
	return tr, len(recs) > 0, err
}

// Recipient returns the history of the messages to addr, newest first, at
// most limit messages: each message's records that concern addr or the
// whole message (its reception). Records that name addr but no message (a
// refusal at RCPT, of a suppressed recipient say) come in a Trace of their
// own, with ID "".
func (x *Index) Recipient(ctx context.Context, addr string, limit int) ([]*Trace, error) {
	refs, err := x.refs(ctx, x.bucketsNewestFirst(time.Time{}), kindRecipient, recipientValue(addr), MaxRecords)
	if err != nil {
		return nil, err
	}
	recs, err := x.load(refs)
	if err != nil {
		return nil, err
	}
	var ids []string
	var loose []events.Record
	for i := len(recs) - 1; i >= 0; i-- {
		switch id := recs[i].ID; {
		case id == "":
			loose = append([]events.Record{recs[i]}, loose...)
		case !slices.Contains(ids, id) && len(ids) < limit:
			ids = append(ids, id)
		}
	}
	out := []*Trace{}
	for _, id := range ids {
		tr, ok, err := x.Message(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			tr.Records = slices.DeleteFunc(tr.Records, func(r events.Record) bool {
				return r.Recipient != "" && !strings.EqualFold(r.Recipient, addr)
			})
			out = append(out, tr)
		}
	}
	if len(loose) > 0 {
		out = append(out, &Trace{Records: loose, PolicyFaults: []events.Record{}})
	}
	return out, nil
}

// Campaign returns the Reception records of a tenant's campaign, newest
// first, at most limit: the messages to trace.
func (x *Index) Campaign(ctx context.Context, tenant, campaign string, limit int) ([]events.Record, error) {
	refs, err := x.refs(ctx, x.bucketsNewestFirst(time.Time{}), kindCampaign, campaignValue(tenant, campaign), limit)
	if err != nil {
		return nil, err
	}
	recs, err := x.load(refs)
	slices.Reverse(recs)
	return recs, err
}

// Faults returns the latest PolicyFault records of a tenant ("" = the
// global module's), newest first, at most limit.
func (x *Index) Faults(ctx context.Context, tenant string, limit int) ([]events.Record, error) {
	return x.faultsBetween(ctx, tenant, time.Time{}, time.Time{}, limit)
}

// faultsBetween returns a tenant's PolicyFault records written in
// [from, to] (zero: unbounded), newest first, at most limit.
func (x *Index) faultsBetween(ctx context.Context, tenant string, from, to time.Time, limit int) ([]events.Record, error) {
	refs, err := x.refs(ctx, x.bucketsNewestFirst(from), kindFault, tenant+"\x01", MaxRecords)
	if err != nil {
		return nil, err
	}
	refs = slices.DeleteFunc(refs, func(r ref) bool {
		return !from.IsZero() && r.at < from.UnixNano() || !to.IsZero() && r.at > to.UnixNano()
	})
	refs = refs[:min(len(refs), limit)]
	recs, err := x.load(refs)
	slices.Reverse(recs)
	return recs, err
}
