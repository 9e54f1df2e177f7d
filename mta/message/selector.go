package message

// Selector picks queued mail by the fields of its QueueKey: tenant,
// campaign and recipient domain. An empty field matches anything, so
// Tenant "" cannot single out the default tenant's mail. The engine's queue
// summary, bounce and rebind take it; the admin API reads it from JSON (the
// filter of /v1/queues, /v1/bounce and /v1/rebind). Live suspensions and
// shaping overrides cover paths as well and have their own selector
// (mta/shaping).
type Selector struct {
	Tenant   string `json:"tenant,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Domain   string `json:"domain,omitempty"` // lowercased
}

// Empty reports whether s would match every item.
func (s Selector) Empty() bool { return s == Selector{} }

// Match reports whether the items of queue k are selected.
func (s Selector) Match(k QueueKey) bool {
	return (s.Tenant == "" || s.Tenant == k.Tenant) &&
		(s.Campaign == "" || s.Campaign == k.Campaign) &&
		(s.Domain == "" || s.Domain == k.Domain)
}
