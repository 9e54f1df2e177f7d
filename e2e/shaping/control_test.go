package shaping

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/shaping"
)

// yahooLike is the simulator's Yahoo without latency or random failures:
// 5 messages/s per client IP (burst 5), then 421 [TSS04] at MAIL.
func yahooLike(t *testing.T) providersim.Provider {
	p, err := providersim.Preset("yahoo")
	if err != nil {
		t.Fatal(err)
	}
	p.Latency, p.TempFailRate, p.MaxMsgsPerConn, p.Burst, p.TLS = providersim.Latency{}, 0, 0, 5, false
	return p
}

// tss04Policy sends unshaped (4 connections, no rate) and suspends the
// path for d after [TSS04] replies in three separate seconds within 10 s
// (the replies of one moment are one event: shaping.Coalesce). The path
// does not learn (adaptation off): these tests are about the policy's
// action, and a learning path slows down under the provider's rate after
// the first burst, before three separate seconds of throttles.
func tss04Policy(d time.Duration) *testPolicy {
	return &testPolicy{
		shape: func(*policy.ShapeInput) policy.Shape {
			return fastRetries(policy.Shape{MaxConnections: 4, Adapt: policy.Adaptation{Off: true}})
		},
		classify: func(in *policy.ClassifyInput) (policy.Classification, bool) {
			if !strings.Contains(strings.ToLower(in.Text), "[tss04]") {
				return policy.Classification{}, false
			}
			return policy.Classification{Category: policy.CategoryRateLimited, Action: policy.ActionRetry,
				Scope: policy.ScopePath, Suspend: true, Duration: d, Threshold: 3, Window: 10 * time.Second}, true
		},
	}
}

func toYahoo(i int) []string { return []string{fmt.Sprintf("r%d@yahoo.test", i)} }

// TestThrottlingTriggersThePolicyAndDeliveryRecovers provokes [TSS04]
// replies; the policy's threshold action suspends the path, nothing is
// delivered while it lasts, and delivery resumes by itself when it ends.
func TestThrottlingTriggersThePolicyAndDeliveryRecovers(t *testing.T) {
	t.Parallel()
	w := startWorld(t, setup{providers: []providersim.Provider{yahooLike(t)},
		toml: sourcesTOML(map[int]int{2: 1}), policy: tss04Policy(2 * time.Second)})
	const n = 25
	w.send(t, "", n, 4, toYahoo)
	w.rec.WaitFor(t, events.Suspension, 1, 10*time.Second)
	s := w.rec.All(events.Suspension)[0]
	if s.Meta["origin"] != "policy" || s.Scope != "path" || s.Source != "ip2" || s.Site != w.sites["yahoo"] ||
		s.Category != policy.CategoryRateLimited || !strings.Contains(s.Reason, "[TSS04]") {
		t.Fatalf("Suspension record = %+v", s)
	}
	w.noneLost(t, n)
	// Replies of transactions already under way when the action started
	// may still arrive; none may start later than that.
	for _, at := range w.deliveriesFrom("ip2") {
		if at.After(s.Time.Add(500*time.Millisecond)) && at.Before(*s.Expires) {
			t.Fatalf("delivered at %v, inside the suspension %v - %v", at, s.Time, *s.Expires)
		}
	}
	st := w.ipStats("yahoo", "127.0.0.2")
	t.Logf("%d throttling replies, %d suspensions (records %d), all %d delivered",
		st.Throttled, countEvent(w.rec.All(events.Suspension), "started"), w.rec.Count(events.Suspension), n)
}

func countEvent(recs []events.Record, ev string) int {
	n := 0
	for _, r := range recs {
		if r.Meta["event"] == ev {
			n++
		}
	}
	return n
}

// TestPolicyActionListedCancelledAndReshaped: a policy's one-hour
// suspension is listed by the admin API, an operator lowers the path's
// rate under the provider's and cancels the suspension; delivery restarts
// within a second and provokes no more throttling.
func TestPolicyActionListedCancelledAndReshaped(t *testing.T) {
	t.Parallel()
	w := startWorld(t, setup{providers: []providersim.Provider{yahooLike(t)},
		toml: sourcesTOML(map[int]int{2: 1}), policy: tss04Policy(time.Hour)})
	const n = 25
	w.send(t, "", n, 4, toYahoo)
	w.rec.WaitFor(t, events.Suspension, 1, 10*time.Second)
	ctx := context.Background()
	l, err := w.api.Actions(ctx)
	if err != nil || len(l) != 1 || l[0].Origin != shaping.OriginPolicy || l[0].Kind != shaping.Suspend ||
		l[0].Select != (shaping.Selector{Source: "ip2", Site: w.sites["yahoo"]}) {
		t.Fatalf("actions = %+v, %v; want the policy's suspension of ip2 -> yahoo", l, err)
	}
	time.Sleep(500 * time.Millisecond)
	throttled := w.ipStats("yahoo", "127.0.0.2").Throttled
	before := w.rec.Count(events.Delivery)
	if _, err := w.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Shape, Select: l[0].Select,
		Shape: &shaping.Override{MessagesPerSecond: 4, MessageBurst: 1}, For: shaping.Duration(time.Minute),
		Reason: "below the provider's rate"}); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	if _, err := w.api.CancelAction(ctx, l[0].ID, "reshaped instead"); err != nil {
		t.Fatal(err)
	}
	w.rec.WaitFor(t, events.Delivery, before+1, 2*time.Second)
	first := w.deliveriesFrom("ip2")[before]
	t.Logf("delivery restarted %v after the cancellation", first.Sub(resumed).Round(time.Millisecond))
	if first.Sub(resumed) > time.Second {
		t.Fatalf("first delivery %v after the cancellation, want under 1s", first.Sub(resumed))
	}
	w.noneLost(t, n)
	if now := w.ipStats("yahoo", "127.0.0.2").Throttled; now != throttled {
		t.Fatalf("%d more throttling replies after the rate was set under the provider's", now-throttled)
	}
}

// TestAdminSuspendStopsAPathWithinASecond suspends a busy path through the
// admin API: no transaction starts on it later than a second after the
// call returns; resume restarts it within a second; nothing is lost.
func TestAdminSuspendStopsAPathWithinASecond(t *testing.T) {
	t.Parallel()
	gen := quiet("gen", "gen.test")
	gen.Latency.DataEnd.Fixed = 20 * time.Millisecond
	w := startWorld(t, setup{providers: []providersim.Provider{gen}, toml: sourcesTOML(map[int]int{2: 1}),
		policy: &testPolicy{shape: func(*policy.ShapeInput) policy.Shape {
			return fastRetries(policy.Shape{MessagesPerSecond: 25, MaxConnections: 3})
		}}})
	const n = 100
	w.send(t, "", n, 10, func(i int) []string { return []string{fmt.Sprintf("r%d@gen.test", i)} })
	w.rec.WaitFor(t, events.Delivery, 25, 5*time.Second)
	ctx := context.Background()
	sel := shaping.Selector{Source: "ip2", Site: w.sites["gen"]}
	suspended := time.Now()
	res, err := w.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Suspend, Select: sel, For: shaping.Duration(time.Hour), Reason: "test"})
	if err != nil || !res.Added {
		t.Fatalf("suspend: %+v, %v", res, err)
	}
	time.Sleep(2 * time.Second)
	during := w.deliveriesFrom("ip2")
	last := during[len(during)-1]
	t.Logf("last delivery %v after the suspension (%d of %d delivered)", last.Sub(suspended).Round(time.Millisecond), len(during), n)
	if last.Sub(suspended) > time.Second {
		t.Fatalf("a delivery %v after the suspension, want none after 1s", last.Sub(suspended))
	}
	resumed := time.Now()
	if gone, err := w.api.Resume(ctx, admin.ResumeRequest{Select: shaping.Selector{Site: w.sites["gen"]}}); err != nil || len(gone) != 1 {
		t.Fatalf("resume: %+v, %v", gone, err)
	}
	w.rec.WaitFor(t, events.Delivery, len(during)+1, 2*time.Second)
	first := w.deliveriesFrom("ip2")[len(during)]
	t.Logf("first delivery %v after resume", first.Sub(resumed).Round(time.Millisecond))
	if first.Sub(resumed) > time.Second {
		t.Fatalf("first delivery %v after resume, want under 1s", first.Sub(resumed))
	}
	w.noneLost(t, n)
}

// TestTenantSuspensionHoldsOnlyThatTenant suspends one tenant: its mail
// waits queued, the other tenant's goes out on the same path, and resume
// releases the held mail.
func TestTenantSuspensionHoldsOnlyThatTenant(t *testing.T) {
	t.Parallel()
	w := startWorld(t, setup{providers: []providersim.Provider{quiet("gen", "gen.test")},
		toml: sourcesTOML(map[int]int{2: 1}) + tenantsTOML(t, "a", "b")})
	ctx := context.Background()
	if _, err := w.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Suspend, Select: shaping.Selector{Tenant: "a"},
		For: shaping.Duration(time.Hour), Reason: "complaints"}); err != nil {
		t.Fatal(err)
	}
	to := func(i int) []string { return []string{fmt.Sprintf("r%d@gen.test", i)} }
	w.send(t, "a", 20, 2, to)
	w.send(t, "b", 20, 2, to)
	w.rec.WaitFor(t, events.Delivery, 20, 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	for _, r := range w.rec.All(events.Delivery) {
		if r.Tenant == "a" {
			t.Fatalf("suspended tenant a delivered %s", r.Recipient)
		}
	}
	if gone, err := w.api.Resume(ctx, admin.ResumeRequest{Select: shaping.Selector{Tenant: "a"}}); err != nil || len(gone) != 1 {
		t.Fatalf("resume: %+v, %v", gone, err)
	}
	w.noneLost(t, 40)
}

// TestShapeSetTakesEffectLive lowers a busy path's rate through the admin
// API and measures the new rate at the provider, then cancels it.
func TestShapeSetTakesEffectLive(t *testing.T) {
	t.Parallel()
	w := startWorld(t, setup{providers: []providersim.Provider{quiet("gen", "gen.test")}, toml: sourcesTOML(map[int]int{2: 1}),
		policy: &testPolicy{shape: func(*policy.ShapeInput) policy.Shape {
			return fastRetries(policy.Shape{MessagesPerSecond: 20, MessageBurst: 1, MaxConnections: 2})
		}}})
	const n = 80
	w.send(t, "", n, 10, func(i int) []string { return []string{fmt.Sprintf("r%d@gen.test", i)} })
	w.rec.WaitFor(t, events.Delivery, 5, 5*time.Second)
	ctx := context.Background()
	set := time.Now()
	res, err := w.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Shape, Select: shaping.Selector{Site: w.sites["gen"]},
		Shape: &shaping.Override{MessagesPerSecond: 10, MessageBurst: 1}, For: shaping.Duration(time.Minute), Reason: "slow down"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3500 * time.Millisecond)
	st := w.ipStats("gen", "127.0.0.2")
	from := time.Unix(set.Unix()+1, 0)
	rate := st.RateBetween(from, from.Add(2*time.Second))
	t.Logf("rate after shape set: %.2f msgs/s (override 10/s, policy 20/s)", rate)
	if rate < 9 || rate > 11 {
		t.Fatalf("rate %.2f msgs/s after shape set 10/s, want 10 ±10%%", rate)
	}
	if _, err := w.api.CancelAction(ctx, res.Action.ID, ""); err != nil {
		t.Fatal(err)
	}
	w.noneLost(t, n)
	if recs := w.rec.All(events.ShapingChange); len(recs) != 2 || recs[0].Meta["event"] != "started" || recs[1].Meta["event"] != "cancelled" {
		t.Fatalf("ShapingChange records = %+v", recs)
	}
}
