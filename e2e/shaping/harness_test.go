package shaping

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// world is a running engine delivering to simulated providers through a
// loopback DNS, with its admin API and a swappable native policy.
type world struct {
	eng    *engine.Engine
	rec    *testrec.Recorder
	sim    *providersim.Sim
	smtp   string
	api    *admin.Client
	policy *registry
	sites  map[string]string // provider name -> site name
}

// setup describes a world.
type setup struct {
	providers []providersim.Provider // Addr is set by startWorld
	toml      string                 // sources, pools, tenants
	policy    *testPolicy
	opts      engine.Options
}

// providerIP is where the i-th provider of a world listens.
func providerIP(i int) string { return fmt.Sprintf("127.0.20.%d", i+1) }

func startWorld(t *testing.T, s setup) *world {
	t.Helper()
	port := commonPort(t, len(s.providers))
	for i := range s.providers {
		s.providers[i].Addr = fmt.Sprintf("%s:%d", providerIP(i), port)
	}
	sim, err := providersim.Start(context.Background(), s.providers, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	dns := testdns.Start(t)
	sites := map[string]string{}
	for i, p := range sim.Providers() {
		host := strings.ToLower(p.Hostname)
		dns.SetA(host, 300, providerIP(i))
		for _, d := range p.Domains {
			dns.SetMX(d, 300, testdns.MX{Pref: 10, Host: host})
		}
		sites[p.Name] = host
	}
	toml := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n"+
		"[delivery]\ndns_server = %q\nport = %d\nconnect_timeout = \"2s\"\n%s",
		t.TempDir(), dns.Addr(), port, s.toml)
	cfg, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{rec: testrec.New(), sim: sim, policy: &registry{}, sites: sites}
	if s.policy == nil {
		s.policy = &testPolicy{}
	}
	w.policy.set(s.policy)
	s.opts.Registry, s.opts.Records = w.policy, w.rec
	if w.eng, err = engine.New(cfg, s.opts); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Start(); err != nil {
		w.eng.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { w.eng.Close() })
	w.smtp = w.eng.SMTPAddrs()[0].String()
	adm := admin.New(admin.Options{Engine: w.eng, Token: "a-test-token-of-16+"})
	srv := httptest.NewServer(adm)
	t.Cleanup(srv.Close)
	w.api = &admin.Client{Base: srv.URL, Token: "a-test-token-of-16+"}
	return w
}

// commonPort finds a port free on the first n provider addresses.
func commonPort(t *testing.T, n int) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", providerIP(0)+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		var others []net.Listener
		for i := 1; i < n && ok; i++ {
			o, err := net.Listen("tcp", fmt.Sprintf("%s:%d", providerIP(i), port))
			ok = err == nil
			if ok {
				others = append(others, o)
			}
		}
		l.Close()
		for _, o := range others {
			o.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no port free on every provider address")
	return 0
}

// quiet returns a preset with no latency, no random failure and no limit
// of its own, on the given domains: the sender's shaping alone decides.
func quiet(name string, domains ...string) providersim.Provider {
	return providersim.Provider{Name: name, Hostname: "mx." + name + ".test", Domains: domains}
}

// send submits n messages over c concurrent SMTP sessions as tenant
// (relayed without AUTH when tenant is ""), each to the recipients rcpts(i)
// returns.
func (w *world) send(t *testing.T, tenant string, n, c int, rcpts func(i int) []string) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Value
	for k := range c {
		wg.Go(func() {
			if err := w.sendRange(tenant, k, n, c, rcpts); err != nil {
				failed.Store(err)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
}

func (w *world) sendRange(tenant string, first, n, step int, rcpts func(i int) []string) error {
	cl, err := smtp.Dial(w.smtp)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Hello("client.test"); err != nil {
		return err
	}
	if tenant != "" {
		if err := cl.Auth(sasl.NewPlainClient("", tenant, "pw")); err != nil {
			return err
		}
	}
	for i := first; i < n; i += step {
		body := fmt.Sprintf("From: s@sender.test\r\nSubject: m%d\r\n\r\nbody %d\r\n", i, i)
		if err := cl.SendMail("s@sender.test", rcpts(i), strings.NewReader(body)); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return cl.Quit()
}

// tenantsTOML declares tenants with SMTP logins (the tenant's name,
// password "pw").
func tenantsTOML(t *testing.T, names ...string) string {
	h, err := config.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "[[tenant]]\nname = %q\nsmtp_users = [{ username = %q, password_hash = %q }]\n", n, n, h)
	}
	return b.String()
}

// sourcesTOML declares sources ipN on 127.0.0.N and a default pool of
// them with the given weights.
func sourcesTOML(weights map[int]int) string {
	var b strings.Builder
	var members []string
	for n := 2; n < 10; n++ {
		w, ok := weights[n]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "[[source]]\nname = \"ip%d\"\naddress = \"127.0.0.%d\"\nehlo = \"out%d.mta.test\"\n", n, n, n)
		members = append(members, fmt.Sprintf("{ name = \"ip%d\", weight = %d }", n, w))
	}
	fmt.Fprintf(&b, "[[pool]]\nname = \"default\"\nsources = [%s]\n", strings.Join(members, ", "))
	return b.String()
}

// ipStats returns what a provider accepted from one source address.
func (w *world) ipStats(provider, ip string) providersim.IPStats {
	return w.sim.Stats()[provider].PerIP[ip]
}

// noneLost checks that every recipient sent was delivered exactly once
// and that nothing was bounced or expired.
func (w *world) noneLost(t *testing.T, want int) {
	t.Helper()
	w.rec.WaitFor(t, events.Delivery, want, 30*time.Second)
	if d, b, x := w.rec.Count(events.Delivery), w.rec.Count(events.Bounce), w.rec.Count(events.Expiration); d != want || b != 0 || x != 0 {
		t.Fatalf("%d delivered, %d bounced, %d expired; want %d delivered and nothing bounced or expired", d, b, x, want)
	}
	seen := map[string]bool{}
	for _, r := range w.rec.All(events.Delivery) {
		k := r.ID + " " + r.Recipient
		if seen[k] {
			t.Fatalf("%s delivered twice", k)
		}
		seen[k] = true
	}
}

// deliveriesFrom returns the times of the Delivery records of a source.
func (w *world) deliveriesFrom(source string) []time.Time {
	var out []time.Time
	for _, r := range w.rec.All(events.Delivery) {
		if r.Source == source {
			out = append(out, r.Time)
		}
	}
	return out
}

// testPolicy is a native global policy: shape and classify when set, the
// built-in decisions otherwise.
type testPolicy struct {
	version  string
	shape    func(*policy.ShapeInput) policy.Shape
	classify func(*policy.ClassifyInput) (policy.Classification, bool)
}

func (p *testPolicy) Version() string {
	if p.version == "" {
		return "test/1"
	}
	return p.version
}

func (p *testPolicy) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}
func (p *testPolicy) OnRcpt(context.Context, *policy.RcptInput) (policy.RcptResult, error) {
	return policy.RcptResult{}, policy.ErrNotImplemented
}
func (p *testPolicy) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{}, policy.ErrNotImplemented
}
func (p *testPolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}
func (p *testPolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}

func (p *testPolicy) Shape(_ context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	if p.shape == nil {
		return policy.Shape{}, policy.ErrNotImplemented
	}
	return p.shape(in), nil
}

func (p *testPolicy) Classify(_ context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	if p.classify != nil {
		if c, ok := p.classify(in); ok {
			return c, nil
		}
	}
	return policy.Classification{Category: policy.ClassifyResponse(in)}, nil
}

// registry serves one policy to every tenant; set swaps it.
type registry struct{ p atomic.Pointer[testPolicy] }

func (r *registry) For(string) policy.Policy { return r.p.Load() }
func (r *registry) set(p *testPolicy)        { r.p.Store(p) }

// fastRetries is a shape with retries a test can wait for.
func fastRetries(s policy.Shape) policy.Shape {
	s.RetryInitial, s.RetryMax = 300*time.Millisecond, time.Second
	return s
}
