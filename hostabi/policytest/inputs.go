package policytest

import (
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// in reads typed values out of a case's inputs; an absent key is the zero
// value, as in the ABI ("may be empty").
type in map[string]any

func (m in) str(k string) string {
	s, _ := m[k].(string)
	return s
}

func (m in) int(k string) int64 {
	n, _ := m[k].(int64)
	return n
}

func (m in) list(k string) []string {
	l, _ := m[k].([]string)
	return l
}

// meta collects the meta.NAME inputs; nil when there are none.
func (m in) meta() map[string]string {
	var out map[string]string
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, "meta."); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v.(string)
		}
	}
	return out
}

// reputation collects the reputation.SCOPE.WINDOW.COUNT inputs; nil when
// there are none (the engine keeps no counts: every key reads 0).
func (m in) reputation() *policy.Reputation {
	var r policy.Reputation
	windows := map[string]*policy.ReputationCounts{
		"tenant.1h": &r.Tenant1h, "tenant.24h": &r.Tenant24h,
		"campaign.1h": &r.Campaign1h, "campaign.24h": &r.Campaign24h,
	}
	set := false
	for sw, c := range windows {
		for name, n := range map[string]*int64{
			"deliveries": &c.Deliveries, "bounces": &c.Bounces, "hard_bounces": &c.HardBounces,
			"oob_bounces": &c.OOBBounces, "complaints": &c.Complaints,
		} {
			if v, ok := m["reputation."+sw+"."+name].(int64); ok {
				*n, set = v, true
			}
		}
	}
	if pools := m.list("pools"); pools != nil {
		r.Pools, set = m.poolReputation(pools), true
	}
	if !set {
		return nil
	}
	return &r
}

// poolReputationPrefix starts a pool's counts in a case (ABI v1.7):
// reputation.pool.POOL.WINDOW.COUNT, for a pool of the "pools" input.
const poolReputationPrefix = "reputation.pool."

// poolReputation is the counts of each pool of pools, sorted as the
// engine gives them.
func (m in) poolReputation(pools []string) []policy.PoolReputation {
	names := slices.Sorted(slices.Values(pools))
	out := make([]policy.PoolReputation, len(names))
	for i, p := range names {
		out[i].Pool = p
		for w, c := range map[string]*policy.ReputationCounts{"1h": &out[i].H1, "24h": &out[i].H24} {
			for name, n := range map[string]*int64{
				"deliveries": &c.Deliveries, "bounces": &c.Bounces, "hard_bounces": &c.HardBounces,
				"oob_bounces": &c.OOBBounces, "complaints": &c.Complaints,
			} {
				if v, ok := m[poolReputationPrefix+p+"."+w+"."+name].(int64); ok {
					*n = v
				}
			}
		}
	}
	return out
}

func (m in) peer() policy.Peer {
	return policy.Peer{
		Addr: m.str("peer.addr"), Helo: m.str("peer.helo"),
		AuthUser: m.str("peer.auth_user"), TLS: m.int("peer.tls") == 1,
	}
}

func mailFromInput(m in) *policy.MailFromInput {
	return &policy.MailFromInput{Peer: m.peer(), Tenant: m.str("tenant"), Sender: m.str("sender")}
}

func rcptInput(m in) *policy.RcptInput {
	return &policy.RcptInput{
		Peer: m.peer(), Tenant: m.str("tenant"), Sender: m.str("sender"),
		Campaign: m.str("campaign"), Recipient: m.str("recipient"),
	}
}

func messageInput(m in) *policy.MessageInput {
	return &policy.MessageInput{
		Peer: m.peer(), Tenant: m.str("tenant"), Sender: m.str("sender"),
		Campaign: m.str("campaign"), Recipients: m.list("recipients"),
		Header: []byte(m.str("header")), Size: m.int("size"), Meta: m.meta(),
		Reputation: m.reputation(),
	}
}

func routeInput(m in) *policy.RouteInput {
	return &policy.RouteInput{Tenant: m.str("tenant"), Campaign: m.str("campaign"), Domain: m.str("domain")}
}

func poolInput(m in) *policy.PoolInput {
	return &policy.PoolInput{
		Tenant: m.str("tenant"), Campaign: m.str("campaign"), Domain: m.str("domain"),
		Site: m.str("site"), Meta: m.meta(), Reputation: m.reputation(),
	}
}

func shapeInput(m in) *policy.ShapeInput {
	return &policy.ShapeInput{
		Source: m.str("source"), Pool: m.str("pool"), Site: m.str("site"),
		Domain: m.str("domain"), MXHosts: m.list("mx_hosts"), Provider: m.str("provider"),
	}
}

func classifyInput(m in) *policy.ClassifyInput {
	return &policy.ClassifyInput{
		Tenant: m.str("tenant"), Site: m.str("site"), Domain: m.str("domain"),
		Source: m.str("source"), Stage: m.str("stage"), Code: int(m.int("code")),
		Enhanced: m.str("enhanced"), Text: m.str("text"),
	}
}
