package providersim

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStatsEndpoint reads the counters over HTTP as the binary serves
// them, then resets them.
func TestStatsEndpoint(t *testing.T) {
	gm := quiet(t, "gmail", "127.0.11.30")
	gm.UnknownUsers = []string{"nobody"}
	sim := startSim(t, gm, quiet(t, "yahoo", "127.0.11.31"))
	c := mustDial(t, "127.0.0.3", sim.Addr("gmail"))
	for range 2 {
		if _, err := send(c, "a@gmail.test", "b@gmail.test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := send(c, "nobody@gmail.test"); smtpErr(err) == nil {
		t.Fatalf("unknown user accepted: %v", err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	got := getStats(t, srv.URL)
	ip := got["gmail"].PerIP["127.0.0.3"]
	if ip.Messages != 2 || ip.Recipients != 4 || ip.UnknownUsers != 1 || ip.ConnsOpened != 1 ||
		ip.ConnsNow != 1 || len(ip.Accepted) == 0 {
		t.Fatalf("gmail 127.0.0.3 over HTTP: %+v", ip)
	}
	if y, ok := got["yahoo"]; !ok || y.Total.ConnsOpened != 0 || y.Addr != sim.Addr("yahoo") {
		t.Fatalf("yahoo over HTTP: %+v", y)
	}

	resp, err := http.Post(srv.URL+"/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /reset: %s", resp.Status)
	}
	ip = getStats(t, srv.URL)["gmail"].PerIP["127.0.0.3"]
	if ip.Messages != 0 || ip.ConnsOpened != 0 || ip.ConnsNow != 1 || ip.ConnsPeak != 1 || len(ip.Accepted) != 0 {
		t.Fatalf("after reset: %+v, want zeros and the open connection kept", ip)
	}

	resp, err = http.Get(srv.URL + "/domains")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var routes []Route
	if err := json.NewDecoder(resp.Body).Decode(&routes); err != nil {
		t.Fatal(err)
	}
	if len(routes) != 4 || routes[0] != (Route{"aol.test", "mta5.am0.yahoodns.net", "yahoo", sim.Addr("yahoo")}) {
		t.Fatalf("GET /domains: %+v", routes)
	}
}

func getStats(t *testing.T, base string) map[string]ProviderStats {
	t.Helper()
	resp, err := http.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/json" {
		t.Fatalf("GET /stats: %s %s", resp.Status, ct)
	}
	var out map[string]ProviderStats
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStartRefuses checks that a bad set of providers is refused with a
// useful error and leaves nothing listening.
func TestStartRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.11.40:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	ok := quiet(t, "generic", "127.0.11.41")
	tests := []struct {
		name string
		edit func(p *Provider)
		want string
	}{
		{"no name", func(p *Provider) { p.Name = "" }, "empty name"},
		{"bad addr", func(p *Provider) { p.Addr = "127.0.11.41" }, "missing port"},
		{"port taken", func(p *Provider) { p.Addr = busy.Addr().String() }, "address already in use"},
		{"success code", func(p *Provider) { p.RatePerIP, p.ThrottleReply.Code = 1, 250 }, "not a 4xx or 5xx"},
		{"class mismatch", func(p *Provider) { p.RatePerIP, p.ThrottleReply.Enhanced = 1, "5.7.1" }, "does not match"},
		{"bad stage", func(p *Provider) { p.TempFailRate, p.TempFailAt = 0.1, "quit" }, "stage"},
		{"rate above one", func(p *Provider) { p.TempFailRate = 2 }, "temp_fail_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := quiet(t, "gmail", "127.0.11.42")
			tt.edit(&p)
			sim, err := Start(t.Context(), []Provider{ok, p}, Options{})
			if err == nil {
				sim.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := Start(t.Context(), []Provider{ok, ok}, Options{}); err == nil ||
		!strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate name: %v", err)
	}
}

// TestPresetsStartTogether starts every preset at once, each on its own
// address, and checks the suggested DNS routes.
func TestPresetsStartTogether(t *testing.T) {
	var ps []Provider
	for _, name := range PresetNames() {
		p, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		host, _, _ := net.SplitHostPort(p.Addr)
		p.Addr = net.JoinHostPort(host, "0") // the default port may be in use
		ps = append(ps, p)
	}
	sim := startSim(t, ps...)
	routes := sim.Domains()
	seen := map[string]bool{}
	for _, r := range routes {
		if seen[r.Domain] || r.Addr != sim.Addr(r.Provider) || r.MX == "" {
			t.Fatalf("route %+v (duplicate or wrong address)", r)
		}
		seen[r.Domain] = true
	}
	for _, want := range []string{"gmail.test", "yahoo.test", "outlook.test", "icloud.test", "example.test"} {
		if !seen[want] {
			t.Fatalf("no route for %s in %+v", want, routes)
		}
	}
	c := mustDial(t, "127.0.0.1", sim.Addr("gmail"))
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("gmail preset does not offer STARTTLS")
	}
}
