package policy

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

// Reputation is select_pool's view of how a tenant's mail is doing, over
// sliding windows of one hour and one day (mta/reputation). Only Go
// policies see it for now: the WebAssembly ABI does not carry it yet.
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
