package hostabi

import (
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// reputationPrefix starts the reputation inputs of select_pool and
// on_message (ABI v1.3): reputation.SCOPE.WINDOW.NAME.
const reputationPrefix = "reputation."

// reputationInput answers a reputation.* key from r (nil reads as zero
// counts: the engine keeps none); ok is false for any other key.
func reputationInput(r *policy.Reputation, key string) (v value, st int32, ok bool) {
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
