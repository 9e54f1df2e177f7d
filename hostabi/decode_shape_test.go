package hostabi

import (
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// decodeShape reads the adapt_* results (ABI v1.2; the messages per
// connection's bounds v1.9) and refuses bounds
// that cross; a module that sets none of them gets the zero Adaptation,
// which the engine fills with its defaults.
func TestDecodeShapeAdaptation(t *testing.T) {
	i := func(key string, n int64) result { return result{def: resultDefs[key], n: n} }
	f := func(key string, v float64) result { return result{def: resultDefs[key], f: v} }
	for _, tc := range []struct {
		name string
		rs   []result
		want policy.Adaptation
		err  string
	}{
		{"none: an older module", []result{i("max_connections", 5)}, policy.Adaptation{}, ""},
		{"off", []result{i("adapt_off", 1)}, policy.Adaptation{Off: true}, ""},
		{"bounds", []result{i("adapt_min_connections", 2), i("adapt_max_connections", 8), f("adapt_min_rate", 1), f("adapt_max_rate", 50)},
			policy.Adaptation{MinConnections: 2, MaxConnections: 8, MinRate: 1, MaxRate: 50}, ""},
		{"connection ceiling below its floor", []result{i("adapt_min_connections", 9), i("adapt_max_connections", 8)}, policy.Adaptation{}, "smaller than its minimum"},
		{"rate ceiling below its floor", []result{f("adapt_min_rate", 9), f("adapt_max_rate", 8)}, policy.Adaptation{}, "smaller than its minimum"},
		{"a floor alone", []result{f("adapt_min_rate", 9)}, policy.Adaptation{MinRate: 9}, ""},
		{"messages per connection (v1.9)", []result{i("adapt_min_messages_per_connection", 10), i("adapt_max_messages_per_connection", 100)},
			policy.Adaptation{MinMessagesPerConn: 10, MaxMessagesPerConn: 100}, ""},
		{"messages per connection, a ceiling alone", []result{i("adapt_max_messages_per_connection", 7)},
			policy.Adaptation{MaxMessagesPerConn: 7}, ""},
		{"messages per connection, ceiling below its floor", []result{i("adapt_min_messages_per_connection", 9), i("adapt_max_messages_per_connection", 8)},
			policy.Adaptation{}, "adapt_max_messages_per_connection smaller than its minimum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decodeShape(tc.rs)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || s.Adapt != tc.want {
				t.Fatalf("decoded %+v, %v; want %+v", s.Adapt, err, tc.want)
			}
		})
	}
}

// decodeShape reads tls_policy (ABI v1.5): unset is the default, each
// name its mode, and the setter refuses any other name.
func TestDecodeShapeTLSPolicy(t *testing.T) {
	s := func(v string) result { return result{def: resultDefs["tls_policy"], s: v} }
	for _, tc := range []struct {
		name string
		rs   []result
		want policy.TLSPolicyMode
	}{
		{"unset: an older module", nil, policy.TLSPolicyDefault},
		{"default", []result{s("default")}, policy.TLSPolicyDefault},
		{"enforce", []result{s("enforce")}, policy.TLSPolicyEnforce},
		{"report_only", []result{s("report_only")}, policy.TLSPolicyReportOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeShape(tc.rs)
			if err != nil || got.TLSPolicy != tc.want {
				t.Fatalf("decoded %v, %v; want %v", got.TLSPolicy, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "Enforce", "relax", "testing", "report-only"} {
		if err := resultDefs["tls_policy"].check(bad); err == nil {
			t.Errorf("tls_policy %q accepted", bad)
		}
	}
}
