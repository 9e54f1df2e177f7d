package hostabi

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// decodeClassify reads suppress and suppress_for_ms (ABI v1.6): unset is
// the default, an expiry needs a list to expire from.
func TestDecodeClassifySuppress(t *testing.T) {
	s := func(key, v string) result { return result{def: resultDefs[key], s: v} }
	i := func(key string, n int64) result { return result{def: resultDefs[key], n: n} }
	for _, tc := range []struct {
		name   string
		rs     []result
		choice policy.SuppressChoice
		ttl    time.Duration
		err    string
	}{
		{"unset: an older module", []result{s("category", "InvalidRecipient")}, policy.SuppressDefault, 0, ""},
		{"none", []result{s("suppress", "none")}, policy.SuppressNone, 0, ""},
		{"tenant, for good", []result{s("suppress", "tenant")}, policy.SuppressTenant, 0, ""},
		{"global for a day", []result{s("suppress", "global"), i("suppress_for_ms", 86400000)}, policy.SuppressGlobal, 24 * time.Hour, ""},
		{"an expiry without a list", []result{i("suppress_for_ms", 1000)}, 0, 0, "suppress_for_ms set without"},
		{"an expiry with none", []result{s("suppress", "none"), i("suppress_for_ms", 1000)}, 0, 0, "suppress_for_ms set without"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := decodeClassify(tc.rs)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || c.Suppress != tc.choice || c.SuppressFor != tc.ttl {
				t.Fatalf("decoded %v for %v, %v; want %v for %v", c.Suppress, c.SuppressFor, err, tc.choice, tc.ttl)
			}
		})
	}
	if err := checkEnum(suppressChoices)("tenants"); err == nil {
		t.Error(`suppress "tenants" accepted`)
	}
}
