package mx

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/internal/testdns"
)

// clock is a settable time source for cache expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newResolver(t *testing.T, opts Options) (*Resolver, *testdns.Server, *clock) {
	t.Helper()
	dnsSrv := testdns.Start(t)
	opts.Server = dnsSrv.Addr()
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	r := New(opts)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r.now = c.now
	return r, dnsSrv, c
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func lookup(t *testing.T, r *Resolver, domain string) *Result {
	t.Helper()
	res, err := r.Lookup(context.Background(), domain)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", domain, err)
	}
	return res
}

func TestLookupPreferenceOrder(t *testing.T) {
	r, d, _ := newResolver(t, Options{Port: 2525})
	d.SetMX("example.test", 300, testdns.MX{Pref: 20, Host: "mx2.example.test"},
		testdns.MX{Pref: 10, Host: "mxb.example.test"}, testdns.MX{Pref: 10, Host: "MXA.example.test."})
	d.SetA("mxa.example.test", 300, "127.0.0.1")
	d.SetAAAA("mxa.example.test", 300, "::1")
	d.SetA("mxb.example.test", 300, "127.0.0.2", "127.0.0.3")
	d.SetAAAA("mx2.example.test", 300, "::1")
	res := lookup(t, r, "Example.TEST.")
	want := []Host{
		{Name: "mxa.example.test", Pref: 10, Addrs: addrs("127.0.0.1", "::1"), Port: 2525},
		{Name: "mxb.example.test", Pref: 10, Addrs: addrs("127.0.0.2", "127.0.0.3"), Port: 2525},
		{Name: "mx2.example.test", Pref: 20, Addrs: addrs("::1"), Port: 2525},
	}
	if fmt.Sprint(res.Hosts) != fmt.Sprint(want) {
		t.Errorf("hosts\n got %v\nwant %v", res.Hosts, want)
	}
	if res.Domain != "example.test" || res.Implicit || res.NullMX || res.Site != "(mx2|mxa|mxb).example.test" {
		t.Errorf("result %+v", res)
	}
}

func TestImplicitMX(t *testing.T) {
	r, d, _ := newResolver(t, Options{})
	d.SetA("bare.test", 300, "127.0.0.5")
	res := lookup(t, r, "bare.test")
	if !res.Implicit || len(res.Hosts) != 1 || res.Hosts[0].Name != "bare.test" || res.Site != "bare.test" ||
		res.Hosts[0].Addrs[0] != netip.MustParseAddr("127.0.0.5") || res.Hosts[0].Port != 25 {
		t.Errorf("result %+v", res)
	}
}

func TestFailures(t *testing.T) {
	r, d, _ := newResolver(t, Options{Timeout: 300 * time.Millisecond})
	d.SetNullMX("null.test")
	d.SetTXT("nodata.test", 300, "v=spf1 -all") // exists, but no MX and no address
	d.SetRcode("servfail.test", dns.RcodeServerFailure)
	d.SetRcode("refused.test", dns.RcodeRefused)
	d.SetA("stall.test", 300, "127.0.0.1")
	d.Stall("stall.test")
	d.SetMX("badhosts.test", 300, testdns.MX{Pref: 1, Host: "gone1.test"}, testdns.MX{Pref: 2, Host: "gone2.test"})
	d.SetMX("halfbad.test", 300, testdns.MX{Pref: 1, Host: "gone1.test"}, testdns.MX{Pref: 2, Host: "sf.test"})
	d.SetRcode("sf.test", dns.RcodeServerFailure)
	tests := []struct {
		domain string
		cause  error
		temp   bool
	}{
		{"null.test", ErrNullMX, false},
		{"missing.test", ErrNXDomain, false},
		{"nodata.test", ErrNoAddress, false},
		{"servfail.test", ErrServFail, true},
		{"refused.test", ErrServFail, true},
		{"stall.test", ErrTimeout, true},
		{"badhosts.test", ErrNoAddress, false},
		{"halfbad.test", ErrNoAddress, true},
		{"bad..name", ErrBadName, false},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res, err := r.Lookup(context.Background(), tt.domain)
			var merr *Error
			if !errors.As(err, &merr) || !errors.Is(err, tt.cause) || merr.Temporary != tt.temp {
				t.Fatalf("error %v, want %v with temporary=%v", err, tt.cause, tt.temp)
			}
			if tt.cause == ErrNullMX && (res == nil || !res.NullMX || len(res.Hosts) != 0 || res.Site != "") {
				t.Errorf("null MX result %+v", res)
			}
		})
	}
}

func TestStallRespectsCallerContext(t *testing.T) {
	r, d, _ := newResolver(t, Options{Timeout: 2 * time.Second})
	d.Stall("stall.test")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Lookup(ctx, "stall.test")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the caller's deadline", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Lookup returned after %v, past the caller's 100ms deadline", el)
	}
}

func TestCacheHonoursTTL(t *testing.T) {
	r, d, c := newResolver(t, Options{MinTTL: 10 * time.Second, MaxTTL: time.Hour})
	d.SetMX("a.test", 300, testdns.MX{Pref: 10, Host: "mx.shared.test"})
	d.SetMX("b.test", 7200, testdns.MX{Pref: 10, Host: "mx.shared.test"})
	d.SetA("mx.shared.test", 60, "127.0.0.1")
	count := func(name string, qt uint16, want int) {
		t.Helper()
		if got := d.Queries(name, qt); got != want {
			t.Errorf("%s %s queried %d times, want %d", name, dns.TypeToString[qt], got, want)
		}
	}
	ra, rb := lookup(t, r, "a.test"), lookup(t, r, "b.test")
	if ra.Site != rb.Site {
		t.Errorf("same MX set, different sites %q %q", ra.Site, rb.Site)
	}
	count("mx.shared.test", dns.TypeA, 1) // the host cache is shared by both domains
	c.add(59 * time.Second)
	lookup(t, r, "a.test")
	count("a.test", dns.TypeMX, 1)
	c.add(2 * time.Second) // past the A record's 60 s: the composed result expires with it
	d.SetA("mx.shared.test", 60, "127.0.0.9")
	if res := lookup(t, r, "a.test"); res.Hosts[0].Addrs[0] != netip.MustParseAddr("127.0.0.9") {
		t.Errorf("after expiry the address is %v", res.Hosts[0].Addrs)
	}
	count("a.test", dns.TypeMX, 2)
	count("mx.shared.test", dns.TypeA, 2)
	c.add(2 * time.Hour) // b.test's 7200 s TTL is capped at MaxTTL = 1 h
	lookup(t, r, "b.test")
	count("b.test", dns.TypeMX, 2)
}

func TestMinTTLAndNegativeCaching(t *testing.T) {
	r, d, c := newResolver(t, Options{MinTTL: 30 * time.Second, NegativeTTL: time.Minute, ErrorTTL: 5 * time.Second})
	d.SetMX("zero.test", 0, testdns.MX{Pref: 1, Host: "mx.zero.test"})
	d.SetA("mx.zero.test", 0, "127.0.0.1")
	d.SetRcode("sf.test", dns.RcodeServerFailure)
	for range 3 {
		lookup(t, r, "zero.test")
		r.Lookup(context.Background(), "nx.test")
		r.Lookup(context.Background(), "sf.test")
		c.add(time.Second)
	}
	if d.Queries("zero.test", dns.TypeMX) != 1 || d.Queries("nx.test", dns.TypeMX) != 1 || d.Queries("sf.test", dns.TypeMX) != 1 {
		t.Errorf("queries within the TTLs: zero %d, nx %d, sf %d; want 1 each", d.Queries("zero.test", dns.TypeMX),
			d.Queries("nx.test", dns.TypeMX), d.Queries("sf.test", dns.TypeMX))
	}
	c.add(5 * time.Second) // past ErrorTTL only
	r.Lookup(context.Background(), "nx.test")
	r.Lookup(context.Background(), "sf.test")
	if d.Queries("nx.test", dns.TypeMX) != 1 || d.Queries("sf.test", dns.TypeMX) != 2 {
		t.Errorf("after 8 s: nx %d queries (want 1), sf %d (want 2)", d.Queries("nx.test", dns.TypeMX), d.Queries("sf.test", dns.TypeMX))
	}
}

func TestSingleFlight(t *testing.T) {
	r, d, _ := newResolver(t, Options{})
	d.SetMX("busy.test", 300, testdns.MX{Pref: 1, Host: "mx1.busy.test"}, testdns.MX{Pref: 2, Host: "mx2.busy.test"})
	d.SetA("mx1.busy.test", 300, "127.0.0.1")
	d.SetA("mx2.busy.test", 300, "127.0.0.2")
	d.Delay("busy.test", 100*time.Millisecond)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if res, err := r.Lookup(context.Background(), "busy.test"); err != nil || len(res.Hosts) != 2 {
				t.Errorf("concurrent Lookup: %v %v", res, err)
			}
		})
	}
	wg.Wait()
	if n := d.Queries("busy.test", dns.TypeMX); n != 1 {
		t.Errorf("50 concurrent lookups made %d MX queries, want 1", n)
	}
}

func TestPartialHostFailure(t *testing.T) {
	r, d, c := newResolver(t, Options{ErrorTTL: 5 * time.Second})
	d.SetMX("part.test", 300, testdns.MX{Pref: 1, Host: "sick.part.test"}, testdns.MX{Pref: 2, Host: "ok.part.test"})
	d.SetRcode("sick.part.test", dns.RcodeServerFailure)
	d.SetA("ok.part.test", 300, "127.0.0.2")
	res := lookup(t, r, "part.test")
	if len(res.Hosts) != 1 || res.Hosts[0].Name != "ok.part.test" || res.Site != "(ok|sick).part.test" {
		t.Fatalf("result %+v", res)
	}
	if got := res.Expires.Sub(c.now()); got != 5*time.Second {
		t.Errorf("a result missing a host for a temporary failure lives %v, want the ErrorTTL", got)
	}
}

func TestTruncatedAnswerUsesTCP(t *testing.T) {
	r, d, _ := newResolver(t, Options{})
	ips := make([]string, 100)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.%d.%d", i/200, i%200+1)
	}
	d.SetA("big.test", 300, ips...)
	if res := lookup(t, r, "big.test"); len(res.Hosts[0].Addrs) != 100 {
		t.Errorf("got %d addresses, want 100", len(res.Hosts[0].Addrs))
	}
}

func TestIDNAndLiterals(t *testing.T) {
	r, d, _ := newResolver(t, Options{})
	d.SetA("xn--bcher-kva.test", 300, "127.0.0.7")
	if res := lookup(t, r, "Bücher.test"); res.Domain != "xn--bcher-kva.test" || len(res.Hosts) != 1 {
		t.Errorf("IDN result %+v", res)
	}
	before := d.TotalQueries()
	for lit, want := range map[string]string{"[127.0.0.8]": "127.0.0.8", "[IPv6:::1]": "::1"} {
		res := lookup(t, r, lit)
		if len(res.Hosts) != 1 || res.Hosts[0].Addrs[0] != netip.MustParseAddr(want) || !res.Implicit {
			t.Errorf("literal %s: %+v", lit, res)
		}
	}
	if n := d.TotalQueries() - before; n != 0 {
		t.Errorf("literals made %d DNS queries", n)
	}
}

func TestShuffledKeepsPreferenceOrder(t *testing.T) {
	res := &Result{Hosts: []Host{{Name: "a", Pref: 1}, {Name: "b", Pref: 1}, {Name: "c", Pref: 1}, {Name: "z", Pref: 5}}}
	seen := map[string]bool{}
	for range 200 {
		h := res.Shuffled()
		if h[3].Name != "z" {
			t.Fatalf("shuffle crossed preferences: %v", h)
		}
		seen[h[0].Name] = true
	}
	if len(seen) != 3 {
		t.Errorf("first host over 200 shuffles: %v, want each of a, b, c", seen)
	}
	if res.Hosts[0].Name != "a" {
		t.Errorf("Shuffled changed the Result")
	}
}

func BenchmarkLookupCached(b *testing.B) {
	dnsSrv := testdns.Start(b)
	dnsSrv.SetMX("bench.test", 300, testdns.MX{Pref: 1, Host: "mx.bench.test"})
	dnsSrv.SetA("mx.bench.test", 300, "127.0.0.1")
	r := New(Options{Server: dnsSrv.Addr()})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Lookup(ctx, "bench.test"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
