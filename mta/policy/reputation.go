package policy

import "github.com/wasmta/wasmta/sdk/go/wasmta"

// ReputationCounts is what happened to mail in a window.
type ReputationCounts struct {
	Deliveries  int64 // recipients delivered
	Bounces     int64 // recipients bounced in band (a 5xx reply)
	HardBounces int64 // of those, with a hard-bounce category (HardCategory)
	OOBBounces  int64 // bounces reported after delivery (OOB records of kind bounce)
	Complaints  int64 // complaint reports (Feedback records but auth-failure and not-spam)
}

// ComplaintRate is Complaints per delivery, 0 without deliveries.
func (c ReputationCounts) ComplaintRate() float64 {
	if c.Deliveries == 0 {
		return 0
	}
	return float64(c.Complaints) / float64(c.Deliveries)
}

// ComplaintRatePPM is Complaints per million deliveries, rounded down, 0
// without deliveries: the ABI's complaint_rate_ppm (hostabi/ABI.md, v1.3).
func (c ReputationCounts) ComplaintRatePPM() int64 {
	return wasmta.ReputationCounts(c).ComplaintRatePPM()
}

// BounceRatePPM is the bounced recipients (in band and out of band) per
// million recipients sent (delivered or bounced in band), rounded down, 0
// with nothing sent: the ABI's bounce_rate_ppm. An out-of-band bounce
// follows a delivery, so it is counted among the sent already.
func (c ReputationCounts) BounceRatePPM() int64 {
	// One formula for host and guests: the SDK's (128-bit exact, ABI.md
	// section 3.6), which the conformance suite checks guests against.
	return wasmta.ReputationCounts(c).BounceRatePPM()
}

// Reputation is how a tenant's mail is doing, over sliding windows of one
// hour and one day (mta/reputation): the input of select_pool and
// on_message, in Go policies and, since ABI v1.3, in WebAssembly ones.
type Reputation struct {
	Tenant1h, Tenant24h     ReputationCounts
	Campaign1h, Campaign24h ReputationCounts // zero without a campaign
	// Pools (select_pool only, ABI v1.7) is the tenant's mail through each
	// configured pool, the candidates of select_pool, in name order; nil
	// in on_message.
	Pools []PoolReputation
}

// PoolReputation is how a tenant's mail through one pool is doing.
type PoolReputation struct {
	Pool    string
	H1, H24 ReputationCounts
}

// Pool returns the counts of the named pool, ok false when it is not one
// of Pools.
func (r *Reputation) Pool(name string) (p PoolReputation, ok bool) {
	for _, p := range r.Pools {
		if p.Pool == name {
			return p, true
		}
	}
	return PoolReputation{}, false
}

// HardCategory reports whether a bounce category means the address
// cannot be delivered to (hard bounce): the ones that suppress the
// recipient by default.
func HardCategory(c string) bool {
	switch c {
	case CategoryInvalidRecipient, CategoryInactiveMailbox, CategoryBadDomain:
		return true
	}
	return false
}
