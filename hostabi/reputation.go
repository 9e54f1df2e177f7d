package hostabi

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// reputationPrefix starts the reputation inputs of select_pool and
// on_message (ABI v1.3): reputation.SCOPE.WINDOW.NAME.
const reputationPrefix = "reputation."

// reputationInput answers a reputation.* key from r (nil reads as zero
// counts: the engine keeps none); ok is false for any other key. pools:
// the hook is select_pool, which also gets the pool scope (v1.7).
func reputationInput(r *policy.Reputation, key string, pools bool) (v value, st int32, ok bool) {
	if key == "reputation" {
		return value{kind: kindStr, b: packReputation(r)}, 0, true
	}
	rest, ok := strings.CutPrefix(key, reputationPrefix)
	if !ok {
		return value{}, 0, false
	}
	if r == nil {
		r = &policy.Reputation{}
	}
	if rest == "pools" || strings.HasPrefix(rest, "pool.") {
		if !pools {
			return value{}, statusNotAvailable, true
		}
		v, st := poolReputationInput(r, rest)
		return v, st, true
	}
	scope, rest, _ := strings.Cut(rest, ".")
	window, name, _ := strings.Cut(rest, ".")
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
	return appendReputationCounts(make([]byte, 0, 160), r)
}

// appendReputationCounts appends packReputation's 160 bytes to b.
func appendReputationCounts(b []byte, r *policy.Reputation) []byte {
	if r == nil {
		r = &policy.Reputation{}
	}
	for _, c := range [4]*policy.ReputationCounts{&r.Tenant1h, &r.Tenant24h, &r.Campaign1h, &r.Campaign24h} {
		b = appendCounts(b, c)
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

// poolReputationInput answers the pool scope of select_pool (v1.7):
// "pools", the packed counts of every candidate pool, or
// "pool.POOL.WINDOW.NAME" (a pool name may hold dots: WINDOW and NAME are
// the last two parts).
func poolReputationInput(r *policy.Reputation, rest string) (value, int32) {
	if rest == "pools" {
		return value{kind: kindStr, b: packPools(r.Pools)}, 0
	}
	rest = strings.TrimPrefix(rest, "pool.")
	i := strings.LastIndexByte(rest, '.')
	j := -1
	if i > 0 {
		j = strings.LastIndexByte(rest[:i], '.')
	}
	if j <= 0 {
		return value{}, statusNotFound
	}
	p, ok := r.Pool(rest[:j])
	if !ok {
		return value{}, statusNotFound
	}
	var c *policy.ReputationCounts
	switch rest[j+1 : i] {
	case "1h":
		c = &p.H1
	case "24h":
		c = &p.H24
	default:
		return value{}, statusNotFound
	}
	n, found := reputationCount(c, rest[i+1:])
	if !found {
		return value{}, statusNotFound
	}
	return intValue(max(n, 0)), 0
}

// packPools is the "reputation.pools" input: for each pool, in the order
// of the "pools" input, its 1h then its 24h counts, each deliveries,
// bounces, hard_bounces, oob_bounces, complaints, as little-endian int64s
// (80 bytes a pool).
func packPools(ps []policy.PoolReputation) []byte {
	return appendPoolCounts(make([]byte, 0, 80*len(ps)), ps)
}

// appendPoolCounts appends packPools's 80 bytes a pool to b.
func appendPoolCounts(b []byte, ps []policy.PoolReputation) []byte {
	for i := range ps {
		b = appendCounts(appendCounts(b, &ps[i].H1), &ps[i].H24)
	}
	return b
}

// appendCounts appends c's five counts: one capacity check, then five
// stores, where five appends each checked the capacity and grew the length.
func appendCounts(b []byte, c *policy.ReputationCounts) []byte {
	n := len(b)
	b = slices.Grow(b, 40)[:n+40]
	o := b[n : n+40]
	binary.LittleEndian.PutUint64(o[0:], uint64(max(c.Deliveries, 0)))
	binary.LittleEndian.PutUint64(o[8:], uint64(max(c.Bounces, 0)))
	binary.LittleEndian.PutUint64(o[16:], uint64(max(c.HardBounces, 0)))
	binary.LittleEndian.PutUint64(o[24:], uint64(max(c.OOBBounces, 0)))
	binary.LittleEndian.PutUint64(o[32:], uint64(max(c.Complaints, 0)))
	return b
}

// poolNames is the "pools" input of select_pool (v1.7): the candidate
// pools, in name order.
func poolNames(r *policy.Reputation) []string {
	if r == nil {
		return []string{}
	}
	out := make([]string, len(r.Pools))
	for i, p := range r.Pools {
		out[i] = p.Pool
	}
	return out
}
