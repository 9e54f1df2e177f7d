package reputation

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

func TestWindowsSlide(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tr := New()
	tr.now = func() time.Time { return now }
	rec := func(r events.Record) { tr.Record(&r) }
	for range 10 {
		rec(events.Record{Type: events.Delivery, Tenant: "acme", Campaign: "c1", Pool: "p"})
	}
	rec(events.Record{Type: events.Bounce, Tenant: "acme", Pool: "p", Category: policy.CategoryInvalidRecipient})
	rec(events.Record{Type: events.Bounce, Tenant: "acme", Pool: "p", Category: policy.CategoryRateLimited})
	rec(events.Record{Type: events.OOB, Tenant: "acme", Meta: map[string]string{"kind": "bounce"}})
	rec(events.Record{Type: events.OOB, Tenant: "acme", Meta: map[string]string{"kind": "autoreply"}})
	rec(events.Record{Type: events.Feedback, Tenant: "acme", Campaign: "c1", Meta: map[string]string{"kind": "abuse"}})
	rec(events.Record{Type: events.Feedback, Tenant: "acme", Meta: map[string]string{"kind": "auth-failure"}})
	rec(events.Record{Type: events.Delivery, Tenant: "beta"})

	want := Counts{Deliveries: 10, Bounces: 2, HardBounces: 1, OOBBounces: 1, Complaints: 1}
	if h, d := tr.Windows(Key{Scope: ScopeTenant, Tenant: "acme"}); h != want || d != want {
		t.Fatalf("acme: hour %+v day %+v, want %+v", h, d, want)
	}
	if in := tr.Input("acme", "c1"); in.Campaign1h.Deliveries != 10 || in.Campaign1h.Complaints != 1 || in.Tenant1h.ComplaintRate() != 0.1 {
		t.Errorf("input %+v", in)
	}
	if h, _ := tr.Windows(Key{Scope: ScopePool, Tenant: "acme", Pool: "p"}); h.Deliveries != 10 || h.Bounces != 2 {
		t.Errorf("pool: %+v", h)
	}
	in := tr.PoolInput("acme", "c1", []string{"default", "p"})
	if len(in.Pools) != 2 || in.Pools[0].Pool != "default" || in.Pools[0].H24 != (Counts{}) ||
		in.Pools[1].Pool != "p" || in.Pools[1].H1.Deliveries != 10 || in.Pools[1].H24.HardBounces != 1 ||
		in.Tenant1h.Deliveries != 10 {
		t.Errorf("select_pool input with pools: %+v", in)
	}
	if b, _ := tr.PoolInput("beta", "", []string{"p"}).Pool("p"); b.H1 != (Counts{}) {
		t.Errorf("beta's counts through p: %+v; acme's mail must not count for beta", b)
	}
	now = now.Add(61 * time.Minute) // out of the hour, still in the day
	if h, d := tr.Windows(Key{Scope: ScopeTenant, Tenant: "acme"}); h != (Counts{}) || d != want {
		t.Errorf("an hour later: hour %+v day %+v", h, d)
	}
	now = now.Add(24 * time.Hour)
	if _, d := tr.Windows(Key{Scope: ScopeTenant, Tenant: "acme"}); d != (Counts{}) {
		t.Errorf("a day later: %+v", d)
	}
	if n := len(gather(t, tr)); n != 0 {
		t.Errorf("%d series exported after a day idle", n)
	}
}

// gather returns the exported series as "labels value" strings.
func gather(t *testing.T, tr *Tracker) []string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(tr)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var l []string
			for _, p := range m.GetLabel() {
				l = append(l, p.GetName()+"="+p.GetValue())
			}
			out = append(out, strings.Join(l, ",")+" "+strconv.FormatFloat(m.GetGauge().GetValue(), 'f', -1, 64))
		}
	}
	return out
}

func TestCollect(t *testing.T) {
	tr := New()
	tr.Record(&events.Record{Type: events.Delivery, Tenant: "acme"})
	got := gather(t, tr)
	want := "campaign=,event=deliveries,pool=,scope=tenant,tenant=acme,window=1h 1"
	if len(got) != 10 || !slices.Contains(got, want) {
		t.Errorf("gathered %v, want 10 series with %q", got, want)
	}
}

// TestWindowsKeptWithinMinute reads the windows between events, as
// select_pool does for every message: the sums kept from one read to the
// next (series.sumAt) must equal the buckets summed afresh, within the
// minute, at the next minute and once the first events leave the hour.
func TestWindowsKeptWithinMinute(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 30, 0, time.UTC)
	tr := New()
	tr.now = func() time.Time { return now }
	k := Key{Scope: ScopeTenant, Tenant: "acme"}
	fresh := func() (Counts, Counts) { // the buckets summed without the kept sums
		s := *tr.m[k]
		s.sumAt = 0
		return s.windows(now)
	}
	check := func(when string, wantHour, wantDay int64) {
		t.Helper()
		h, d := tr.Windows(k)
		fh, fd := fresh()
		if h != fh || d != fd || h.Deliveries != wantHour || d.Deliveries != wantDay {
			t.Errorf("%s: kept hour %+v day %+v, summed hour %+v day %+v, want %d and %d deliveries",
				when, h, d, fh, fd, wantHour, wantDay)
		}
	}
	deliver := func(n int) {
		for range n {
			tr.Record(&events.Record{Type: events.Delivery, Tenant: "acme"})
		}
	}
	deliver(3)
	check("first read", 3, 3)
	deliver(2)
	check("same minute", 5, 5)
	tr.Record(&events.Record{Type: events.Bounce, Tenant: "acme", Category: policy.CategoryInvalidRecipient})
	if h, _ := tr.Windows(k); h.Bounces != 1 || h.HardBounces != 1 {
		t.Errorf("a bounce read in the same minute: %+v", h)
	}
	now = now.Add(time.Minute)
	deliver(1) // an event before the minute's first read
	check("next minute", 6, 6)
	now = now.Add(59 * time.Minute) // the first minute's events leave the hour
	check("an hour after the first", 1, 6)
	deliver(4)
	check("then more", 5, 10)
}

// BenchmarkPoolInput is select_pool's reputation input as the Guard
// makes it for every message of a module with select_pool: a tenant with
// a day of traffic, a delivery recorded between two reads, two pools.
func BenchmarkPoolInput(b *testing.B) {
	now := time.Date(2026, 12, 6, 12, 0, 30, 0, time.UTC)
	tr := New()
	tr.now = func() time.Time { return now }
	for i := range 24 * 60 {
		now = now.Add(time.Minute)
		tr.Record(&events.Record{Type: events.Delivery, Tenant: "acme", Campaign: "c1", Pool: "p" + strconv.Itoa(i%2)})
	}
	pools := []string{"p0", "p1"}
	for b.Loop() {
		tr.Record(&events.Record{Type: events.Delivery, Tenant: "acme", Campaign: "c1", Pool: "p0"})
		if in := tr.PoolInput("acme", "c1", pools); in.Tenant1h.Deliveries == 0 {
			b.Fatal("no deliveries")
		}
	}
}
