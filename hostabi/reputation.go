package hostabi

import (
	"encoding/binary"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// reputationPrefix starts the reputation inputs of select_pool and
// on_message (ABI v1.3): reputation.SCOPE.WINDOW.NAME.
const reputationPrefix = "reputation."

// reputationInput answers a reputation.* key from r (nil reads as zero
// counts: the engine keeps none); ok is false for any other key.
func reputationInput(r *policy.Reputation, key string) (v value, st int32, ok bool) {
	if key == "reputation" {
		return value{kind: kindStr, b: packReputation(r)}, 0, true
	}
	rest, ok := strings.CutPrefix(key, reputationPrefix)
	if !ok {
		return value{}, 0, false
	}
	scope, rest, _ := strings.Cut(rest, ".")
	window, name, _ := strings.Cut(rest, ".")
	if r == nil {
		r = &policy.Reputation{}
	}
	var c *policy.ReputationCounts
	switch scope + "." + window {
	case "tenant.1h":
		c = &r.Tenant1h
	case "tenant.24h":
		c = &r.Tenant24h
	case "campaign.1h":
		c = &r.Campaign1h
	case "campaign.24h":
		c = &r.Campaign24h
	default:
		return value{}, statusNotFound, true
	}
	n, found := reputationCount(c, name)
	if !found {
		return value{}, statusNotFound, true
	}
	return intValue(max(n, 0)), 0, true
}

// packReputation is the "reputation" input: the twenty counts as
// little-endian int64s, scopes and windows in the order tenant.1h,
// tenant.24h, campaign.1h, campaign.24h, each deliveries, bounces,
// hard_bounces, oob_bounces, complaints (one get for an SDK that reads
// them all).
func packReputation(r *policy.Reputation) []byte {
	if r == nil {
		r = &policy.Reputation{}
	}
	b := make([]byte, 0, 160)
	for _, c := range [4]*policy.ReputationCounts{&r.Tenant1h, &r.Tenant24h, &r.Campaign1h, &r.Campaign24h} {
		for _, n := range [5]int64{c.Deliveries, c.Bounces, c.HardBounces, c.OOBBounces, c.Complaints} {
			b = binary.LittleEndian.AppendUint64(b, uint64(max(n, 0)))
		}
	}
	return b
}

func reputationCount(c *policy.ReputationCounts, name string) (int64, bool) {
	switch name {
	case "deliveries":
		return c.Deliveries, true
	case "bounces":
		return c.Bounces, true
	case "hard_bounces":
		return c.HardBounces, true
	case "oob_bounces":
		return c.OOBBounces, true
	case "complaints":
		return c.Complaints, true
	case "complaint_rate_ppm":
		return c.ComplaintRatePPM(), true
	case "bounce_rate_ppm":
		return c.BounceRatePPM(), true
	}
	return 0, false
}
