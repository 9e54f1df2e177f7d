package policytest

import (
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// valueKind is the type of an input key.
type valueKind uint8

const (
	kindStr valueKind = iota
	kindInt
	kindList
)

func (k valueKind) String() string {
	return [...]string{"a string", "a non-negative integer", "a list of strings"}[k]
}

// hookSpec lists the keys of one hook (ABI.md section 3). Families
// (meta.NAME, header.NAME) are given by their prefix.
type hookSpec struct {
	inputs         map[string]valueKind
	inputFamilies  []string // "meta." inputs (strings)
	intFamilies    []string // "reputation.pool." inputs (ints)
	results        []string
	resultFamilies []string
}

var peerInputs = map[string]valueKind{
	"peer.addr": kindStr, "peer.helo": kindStr, "peer.auth_user": kindStr,
	"peer.tls": kindInt, "tenant": kindStr, "sender": kindStr,
}

var receptionResults = []string{"accept", "reject.code", "reject.enhanced", "reject.text"}

// common are the keys every case may check.
var common = []string{"decided_by", "fault"}

var hookSpecs = map[string]hookSpec{
	policy.HookMailFrom: {
		inputs:         peerInputs,
		results:        append(slices.Clone(receptionResults), "tenant", "campaign"),
		resultFamilies: []string{"meta."},
	},
	policy.HookRcpt: {
		inputs:  with(peerInputs, map[string]valueKind{"campaign": kindStr, "recipient": kindStr}),
		results: receptionResults,
	},
	policy.HookMessage: {
		inputs: with(with(peerInputs, map[string]valueKind{
			"campaign": kindStr, "recipients": kindList, "size": kindInt, "header": kindStr,
		}), reputationInputs()),
		inputFamilies:  []string{"meta."},
		results:        append(slices.Clone(receptionResults), "tenant", "campaign", "dkim"),
		resultFamilies: []string{"meta.", "header."},
	},
	policy.HookRoute: {
		inputs:  map[string]valueKind{"tenant": kindStr, "campaign": kindStr, "domain": kindStr},
		results: []string{"mx_domain", "host"},
	},
	policy.HookSelectPool: {
		inputs: with(map[string]valueKind{"tenant": kindStr, "campaign": kindStr, "domain": kindStr, "site": kindStr,
			"pools": kindList}, reputationInputs()),
		inputFamilies: []string{"meta."},
		intFamilies:   []string{poolReputationPrefix},
		results:       []string{"pool"},
	},
	policy.HookShape: {
		inputs: map[string]valueKind{
			"source": kindStr, "pool": kindStr, "site": kindStr, "domain": kindStr,
			"mx_hosts": kindList, "provider": kindStr,
		},
		results: []string{
			"max_connections", "messages_per_second", "message_burst", "connections_per_second",
			"messages_per_connection", "idle_timeout_ms", "tls", "tls_policy", "retry_initial_ms", "retry_max_ms",
			"max_age_ms", "connect_timeout_ms", "command_timeout_ms", "data_timeout_ms",
			"adapt_off", "adapt_min_connections", "adapt_max_connections", "adapt_min_rate",
			"adapt_max_rate", "adapt_connection_step", "adapt_rate_step", "adapt_factor",
			"adapt_quiet_ms", "adapt_signals", "adapt_min_messages_per_connection",
			"adapt_max_messages_per_connection",
		},
	},
	policy.HookClassify: {
		inputs: map[string]valueKind{
			"tenant": kindStr, "site": kindStr, "domain": kindStr, "source": kindStr,
			"stage": kindStr, "code": kindInt, "enhanced": kindStr, "text": kindStr,
		},
		results: []string{
			"category", "action", "scope", "suspend", "rate_factor", "max_connections",
			"duration_ms", "threshold", "window_ms", "suppress", "suppress_for_ms",
		},
	},
}

// reputationCounts are the counts of ABI v1.3 a case may give, per scope
// and window (the _ppm rates are computed from them, as the engine does).
var reputationCounts = []string{"deliveries", "bounces", "hard_bounces", "oob_bounces", "complaints"}

// reputationInputs are the reputation.SCOPE.WINDOW.COUNT keys.
func reputationInputs() map[string]valueKind {
	out := map[string]valueKind{}
	for _, sw := range []string{"tenant.1h", "tenant.24h", "campaign.1h", "campaign.24h"} {
		for _, c := range reputationCounts {
			out["reputation."+sw+"."+c] = kindInt
		}
	}
	return out
}

func with(a, b map[string]valueKind) map[string]valueKind {
	out := make(map[string]valueKind, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func (s hookSpec) inputKind(key string) (valueKind, bool) {
	if k, ok := s.inputs[key]; ok {
		return k, true
	}
	for _, f := range s.inputFamilies {
		if strings.HasPrefix(key, f) && len(key) > len(f) {
			return kindStr, true
		}
	}
	for _, f := range s.intFamilies {
		if strings.HasPrefix(key, f) && len(key) > len(f) {
			return kindInt, true
		}
	}
	return 0, false
}

func (s hookSpec) resultKey(key string) bool {
	if slices.Contains(s.results, key) || slices.Contains(common, key) {
		return true
	}
	for _, f := range s.resultFamilies {
		if strings.HasPrefix(key, f) && len(key) > len(f) {
			return true
		}
	}
	return false
}

func (s hookSpec) inputNames() []string {
	var out []string
	for k := range s.inputs {
		out = append(out, k)
	}
	for _, f := range s.inputFamilies {
		out = append(out, f+"NAME")
	}
	slices.Sort(out)
	return out
}

func (s hookSpec) resultNames() []string {
	out := slices.Concat(s.results, common)
	for _, f := range s.resultFamilies {
		out = append(out, f+"NAME")
	}
	slices.Sort(out)
	return out
}
