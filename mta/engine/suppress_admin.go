package engine

import (
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/suppress"
)

// OriginAdmin is meta.origin of the records of entries an operator added
// or removed (admin API, CLI).
const OriginAdmin = "admin"

// AddSuppressions adds an operator's entries to their lists, syncing once
// at the end, and writes a SuppressionAdded record (meta.origin "admin")
// for each entry added, so that who put an address on a list, and when,
// is in the records file, the webhooks and the recipient's history. It
// returns how many were added (an address already on its list is kept as
// it is and writes no record).
func (e *Engine) AddSuppressions(es []suppress.Entry) (int, error) {
	return e.fb.suppress.AddManyEach(es, time.Now(), func(en suppress.Entry) {
		rec := adminRecord(events.SuppressionAdded, en)
		if !en.Expires.IsZero() {
			rec.Expires = &en.Expires
		}
		e.record(rec)
	})
}

// RemoveSuppression takes an address off a tenant's list (or the global
// list) and writes a SuppressionRemoved record (meta.origin "admin") with
// the entry's reason and cause. It reports whether the address was there.
func (e *Engine) RemoveSuppression(tenant, rcpt string) (bool, error) {
	en, ok, err := e.fb.suppress.RemoveEntry(tenant, rcpt)
	if !ok {
		return false, err
	}
	en.Tenant, en.Recipient = tenant, rcpt
	e.record(adminRecord(events.SuppressionRemoved, en))
	return true, err
}

// adminRecord is the record of an entry an operator added or removed.
func adminRecord(ty events.Type, en suppress.Entry) *events.Record {
	r := &events.Record{Type: ty, Tenant: en.Tenant, Recipient: en.Recipient, Reason: en.Reason, Scope: "tenant",
		Meta: map[string]string{"origin": OriginAdmin}}
	if en.Tenant == suppress.GlobalList {
		r.Tenant, r.Scope = "", "global"
	}
	if en.Cause != "" {
		r.Meta["cause"] = en.Cause
	}
	return r
}
