package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/shaping"
)

// A classify action's threshold counts the replies that asked for that
// action: replies of the same category asking for another one (a provider's
// throttles, paused only after 20 in a minute) do not bring a rarer reply's
// action (a suspension after 5 in an hour) closer. The replies come a
// second apart: replies closer together are one event (shaping.Coalesce).
func TestThresholdCountsRepliesAskingForTheSameAction(t *testing.T) {
	t.Parallel()
	sel := shaping.Selector{Source: "default", Site: "mx01.mail.icloud.com"}
	throttle := policy.Classification{Category: policy.CategoryRateLimited, Scope: policy.ScopePath,
		Suspend: true, Duration: 5 * time.Minute, Threshold: 20, Window: time.Minute}
	unavailable := policy.Classification{Category: policy.CategoryRateLimited, Scope: policy.ScopePath,
		Suspend: true, Duration: 15 * time.Minute, Threshold: 5, Window: time.Hour}
	var th shaping.Threshold
	now := time.Now()
	hit := func(c policy.Classification) bool {
		now = now.Add(shaping.Coalesce)
		return th.Hit(thresholdKey(sel, c), c.Threshold, c.Window, now)
	}
	for i := range 4 {
		if hit(throttle) {
			t.Fatalf("throttle %d fired an action with a threshold of 20", i+1)
		}
	}
	for i := range 4 {
		if hit(unavailable) {
			t.Fatalf("after 4 throttles, reply %d asking for a suspension after 5 fired it", i+1)
		}
	}
	if !hit(unavailable) {
		t.Fatal("the fifth reply asking for a suspension after 5 did not fire it")
	}
}
