package policy

import (
	"math"
	"math/bits"
)

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
func (c ReputationCounts) ComplaintRatePPM() int64 { return ppm(c.Complaints, c.Deliveries) }

// BounceRatePPM is the bounced recipients (in band and out of band) per
// million recipients sent (delivered or bounced in band), rounded down, 0
// with nothing sent: the ABI's bounce_rate_ppm. An out-of-band bounce
// follows a delivery, so it is counted among the sent already.
func (c ReputationCounts) BounceRatePPM() int64 {
	return ppm(c.Bounces+c.OOBBounces, c.Deliveries+c.Bounces)
}

// ppm is n per million of d, rounded down, 0 when d is 0 (the host's
// formula, ABI.md section 3.6): exact for any counts, through a 128-bit
// product, and capped at the largest int64.
func ppm(n, d int64) int64 {
	if d <= 0 || n <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(n), 1_000_000)
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	return int64(min(q, math.MaxInt64))
}

// Reputation is how a tenant's mail is doing, over sliding windows of one
// hour and one day (mta/reputation): the input of select_pool and
// on_message, in Go policies and, since ABI v1.3, in WebAssembly ones.
type Reputation struct {
	Tenant1h, Tenant24h     ReputationCounts
	Campaign1h, Campaign24h ReputationCounts // zero without a campaign
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
