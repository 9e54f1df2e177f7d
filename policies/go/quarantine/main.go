// Command quarantine is a reference policy that moves a tenant whose mail
// draws complaints or bounces into a quarantine pool, from the reputation
// counts the host gives select_pool (ABI v1.3, docs/feedback.md):
//
//   - the tenant's complaints over the last hour pass 0.1% of its
//     deliveries (complaintLimitPPM), with at least minDeliveries
//     delivered so one early complaint does not decide;
//   - or its hard bounces over the last day reach 5% of what it sent
//     (hardBounceLimitPPM) — mail to addresses that do not exist is what
//     list buying and old lists look like;
//
// then select_pool answers quarantinePool (an egress pool of its own IPs,
// so the shared pools keep their reputation). Anything else: no opinion.
// The decision follows the sliding windows: once the rates fall back, the
// tenant's next message goes to its usual pool again.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o quarantine.wasm .
package main

import "github.com/wasmta/wasmta/sdk/go/wasmta"

const (
	quarantinePool     = "quarantine"
	complaintLimitPPM  = 1000  // 0.1% (Gmail's and Yahoo's sender guidelines ask to stay under 0.1%, never reach 0.3%)
	hardBounceLimitPPM = 50000 // 5%
	minDeliveries      = 100
)

func init() { wasmta.HandleSelectPool(selectPool) }

func selectPool(in *wasmta.PoolInput) (string, bool) {
	if quarantined(&in.Reputation) {
		return quarantinePool, true
	}
	return "", false
}

func quarantined(r *wasmta.Reputation) bool {
	h, d := r.Tenant1h, r.Tenant24h
	if h.Deliveries >= minDeliveries && h.ComplaintRatePPM() > complaintLimitPPM {
		return true
	}
	sent := d.Deliveries + d.Bounces
	return sent >= minDeliveries && ppmOf(d.HardBounces, sent) >= hardBounceLimitPPM
}

// ppmOf is n per million of d (d > 0, counts far below 2^43).
func ppmOf(n, d int64) int64 { return n * 1_000_000 / d }

func main() {}
