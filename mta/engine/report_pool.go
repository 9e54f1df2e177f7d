package engine

import (
	"context"
	"strings"

	"github.com/wasmta/wasmta/mta/events"
)

// fromDelivery gives a report's record the pool (and, when the message
// has left the spool, the campaign) of the delivery it reports on, from
// the message history: the reputation counts per pool (select_pool's
// input, ABI v1.7) and per campaign then count the bounces and complaints
// that came back, not only what happened in band. The delivery to the
// reported recipient is preferred, else the message's first (a complaint
// may redact the recipient). Without [history], once it has expired, or
// for a report matched to no tenant, the record keeps none.
func (e *Engine) fromDelivery(ctx context.Context, r *events.Record) {
	if e.con.hist == nil || r.ID == "" || r.Tenant == "" {
		return
	}
	tr, ok, err := e.con.hist.Message(ctx, r.ID)
	if err != nil || !ok {
		return
	}
	var d *events.Record
	for i := range tr.Records {
		h := &tr.Records[i]
		if h.Type != events.Delivery || h.Tenant != r.Tenant {
			continue
		}
		if d == nil || strings.EqualFold(h.Recipient, r.Recipient) {
			d = h
		}
	}
	if d == nil {
		return
	}
	r.Pool = d.Pool
	if r.Campaign == "" {
		r.Campaign = d.Campaign
	}
}
