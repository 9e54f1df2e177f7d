package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
	"github.com/wasmta/wasmta/mta/admin"
)

// TestQueueSummaryShowsLearnedLimits: the real daemon, a global policy
// compiled from testdata/wat/limitview.wat whose shape sets a preset and
// bounds for each learned limit, and a simulated provider on loopback
// that takes 8 messages a second (451 4.7.28 at MAIL above that). `wasmta
// queue summary --by site` (its table and --json) and /metrics show each
// limit's preset, the policy's floor and ceiling, the learned value and
// its state: the connections held at the policy's ceiling (2, below the
// preset of 6), the rate cut by the provider's throttle with the signal,
// the time and the reply; then an operator's `shape set --max-conns 1`
// shows as the action overriding the connections.
func TestQueueSummaryShowsLearnedLimits(t *testing.T) {
	sim, err := providersim.Start(context.Background(), []providersim.Provider{{Name: "prov", Addr: "127.0.0.1:0",
		RatePerIP: 8, Burst: 2, ThrottleAt: providersim.StageMail,
		ThrottleReply: providersim.Reply{Code: 451, Enhanced: "4.7.28", Text: "Our system has detected an unusual rate of mail"},
		Latency:       providersim.Latency{DataEnd: providersim.Delay{Fixed: 5 * time.Millisecond}}}}, providersim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	dir := t.TempDir()
	cfg := fmt.Sprintf("token = %q\n[[route]]\ndomain = \"*\"\nhosts = [%q]\n", adminToken, sim.Addr("prov"))
	d := startDaemon(t, dir, freeAddr(t), cfg)
	defer d.stop(t)
	conf := filepath.Join(dir, "wasmta.toml")
	wasm := filepath.Join("..", "..", "testdata", "wat", "limitview.wasm")
	if out := cli(t, 0, nil, "policy", "push", "--tenant", "*", wasm, "--config", conf); !strings.Contains(out, "version 1 in force") {
		t.Fatalf("policy push: %s", out)
	}
	const n = 60
	for i := range n {
		if err := sendPlain(d.addr, []string{fmt.Sprintf("r%d@limits.test", i)}, fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i)); err != nil {
			t.Fatal(err)
		}
	}

	// Until a throttle cut the rate (the provider takes 8/s of a preset
	// of 40/s): the JSON form of the summary carries every path's limits.
	var p admin.PathView
	deadline := time.Now().Add(30 * time.Second)
	for {
		var sum admin.QueueSummary
		out := cli(t, 0, nil, "queue", "summary", "--by", "site", "--json", "--config", conf)
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("queue summary --json: %v\n%s", err, out)
		}
		if len(sum.Rows) == 1 && len(sum.Rows[0].Paths) == 1 {
			p = sum.Rows[0].Paths[0]
			if p.Limits.Rate.LastCut != nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rate cut shown within 30 s; last summary:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	c, r, m := p.Limits.Connections, p.Limits.Rate, p.Limits.PerConn
	t.Logf("connections %+v\nrate %+v, last cut %+v\nmessages per connection %+v\nadaptation %+v", c, r, *r.LastCut, m, p.Adaptation)
	if c.Preset != 6 || c.Floor != 1 || c.Ceiling != 2 || c.Learned != 2 || c.InForce != 2 || c.State != "at_ceiling" {
		t.Errorf("connections %+v: want preset 6, floor 1, ceiling 2, learned and in force 2, at_ceiling", c)
	}
	cut := r.LastCut
	if r.Preset != 40 || r.Floor != 4 || r.Ceiling != 60 || cut.Signal != "rate_limited" || !strings.Contains(cut.Why, "4.7.28") ||
		!(cut.To < cut.From) || r.Learned >= r.Preset || time.Since(cut.At) > time.Minute || cut.At.After(time.Now()) {
		t.Errorf("rate %+v, last cut %+v: want preset 40, floor 4, ceiling 60, a cut by rate_limited with the provider's 4.7.28 reply, learned below the preset", r, *cut)
	}
	if !strings.Contains("cut recovering growing at_floor", r.State) || r.State == "" {
		t.Errorf("rate state %q after a cut", r.State)
	}
	if m.Preset != 10 || m.Floor != 5 || m.Ceiling != 15 || m.Learned < 5 || m.Learned > 15 {
		t.Errorf("messages per connection %+v: want preset 10 within the policy's 5 to 15", m)
	}
	if a := p.Adaptation; a.Off || a.ConnectionStep != 1 || a.RateStep != 2.5 || a.Factor != 0.5 || a.QuietMS != 2000 ||
		strings.Join(a.Signals, ",") != "rate_limited,refused,timeout" {
		t.Errorf("adaptation %+v: want the module's step 1 and 2.5/s, factor 0.5, quiet 2000 ms, every signal", a)
	}

	// The table shows the same, a line per limit under the path.
	out := cli(t, 0, nil, "queue", "summary", "--by", "site", "--config", conf)
	t.Logf("queue summary --by site:\n%s", out)
	for _, re := range []string{
		`(?m)^\S+->\S+\s+connections\s+6\s+1\s+2\s+2\s+2\s+at ceiling$`,
		`(?m)^\s+rate\s+40/s\s+4/s\s+60/s\s+\S+/s\s+\S+/s\s+.*last cut by rate_limited (now|\S+ ago): \S+/s -> \S+/s \(451 4\.7\.28 Our system has detected an unusual rate of mail\)$`,
		`(?m)^\s+msgs/conn\s+10\s+5\s+15\s`,
		`(?m)^\s+adaptation\s+step 1 conn, 2\.5/s; factor 0\.5; quiet 2s; cut on rate_limited,refused,timeout`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("queue summary --by site lacks %s:\n%s", re, out)
		}
	}

	// The gauges.
	metrics := scrapeAdmin(t, "http://"+adminAddr(t, dir)+"/metrics")
	for _, re := range []string{
		`(?m)^wasmta_path_connection_limit\{limit="ceiling",provider="[^"]*",site="[^"]+",source="[^"]+"\} 2$`,
		`(?m)^wasmta_path_connection_limit\{limit="floor",.*\} 1$`,
		`(?m)^wasmta_path_rate_limit\{limit="ceiling",.*\} 60$`,
		`(?m)^wasmta_path_messages_per_connection_limit\{limit="floor",.*\} 5$`,
		`(?m)^wasmta_path_limit_state\{limit="connections",.*state="at_ceiling"\} 1$`,
		`(?m)^wasmta_path_limit_last_cut_timestamp_seconds\{limit="rate",provider="[^"]*",signal="rate_limited",.*\} \d\.\d+e\+09$`,
	} {
		if !regexp.MustCompile(re).MatchString(metrics) {
			t.Errorf("/metrics lacks %s:\n%s", re, grepLines(metrics, "wasmta_path_"))
		}
	}

	// An operator's cap overrides the learned connections: the state
	// names the action, and the value in force is the action's.
	site := p.Site
	cli(t, 0, nil, "shape", "set", "--site", site, "--max-conns", "1", "--for", "10m", "--reason", "limits e2e", "--config", conf)
	var sum admin.QueueSummary
	if err := json.Unmarshal([]byte(cli(t, 0, nil, "queue", "summary", "--by", "site", "--json", "--config", conf)), &sum); err != nil ||
		len(sum.Rows) != 1 || len(sum.Rows[0].Paths) != 1 {
		t.Fatalf("queue summary --json after shape set: %+v %v", sum, err)
	}
	c = sum.Rows[0].Paths[0].Limits.Connections
	if c.State != "overridden" || c.InForce != 1 || c.Learned != 2 || c.Override == nil || c.Override.Origin != "admin" ||
		c.Override.Reason != "limits e2e" || c.Override.Kind != "shape" {
		t.Errorf("connections after shape set --max-conns 1: %+v (override %+v)", c, c.Override)
	}
	out = cli(t, 0, nil, "queue", "summary", "--by", "site", "--config", conf)
	t.Logf("queue summary --by site after shape set:\n%s", out)
	if re := `(?m)^\S+->\S+\s+connections\s+6\s+1\s+2\s+2\s+1\s+overridden by shape action \S+ \(admin: limits e2e\) until \d\d:\d\d:\d\d$`; !regexp.MustCompile(re).MatchString(out) {
		t.Errorf("queue summary --by site lacks %s:\n%s", re, out)
	}
}

// scrapeAdmin reads the admin listener's /metrics with the token.
func scrapeAdmin(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}
