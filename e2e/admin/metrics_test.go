package admin_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/mx"
)

// scrape reads /metrics and parses it as Prometheus does.
func (s *stack) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", s.api+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// series maps each series of a family, named by its label values joined
// with "|" in label order, to its value (counter, gauge, or a histogram's
// count).
func series(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		var vals []string
		for _, l := range m.Label {
			vals = append(vals, l.GetName()+"="+l.GetValue())
		}
		v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		out[strings.Join(vals, "|")] = v
	}
	return out
}

// expected counts the records as wasmta_recipients_total labels them.
func expected(recs []events.Record, event string) map[string]float64 {
	out := map[string]float64{}
	for _, r := range recs {
		k := fmt.Sprintf("event=%s|pool=%s|provider=%s|source=%s|tenant=%s", event, r.Pool, mx.Provider([]string{r.Site}), r.Source, r.Tenant)
		out[k]++
	}
	return out
}

// TestMetricsAgreeWithRecords runs mixed traffic and checks the counters
// of /metrics against the records of the same run.
func TestMetricsAgreeWithRecords(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: teststack.Replies})
	s := startStack(t, teststack.Config(sink.Addr())+"[queue]\nretry_initial = \"1h\"\n", nil)
	noop, err := os.ReadFile("../../testdata/wat/noop.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if code := s.call(t, "PUT", "/v1/tenants/beta/policy", noop, nil); code != 200 {
		t.Fatalf("push = %d", code)
	}
	teststack.Send(t, s.SMTP, "acme", "app@sender.test", []string{"ok@a.test", "bad@a.test"}, "acme")
	teststack.Send(t, s.SMTP, "beta", "app@sender.test", []string{"ok@b.test", "ok@c.test", "slow@b.test"}, "beta")
	teststack.Send(t, s.SMTP, "", "app@sender.test", []string{"ok@d.test"}, "no tenant")
	c, err := smtp.Dial(s.SMTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "acme", "wrong")); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	c.Close()
	s.Rec.WaitFor(t, events.Delivery, 4, 10*time.Second)
	s.Rec.WaitFor(t, events.Bounce, 1, 5*time.Second)
	s.Rec.WaitFor(t, events.TransientFailure, 1, 5*time.Second)
	checks := map[string]map[string]float64{}
	for ty, ev := range map[events.Type]string{events.Delivery: "delivered", events.Bounce: "bounced", events.TransientFailure: "deferred"} {
		for k, v := range expected(s.Rec.All(ty), ev) {
			checks[k] = map[string]float64{"want": v}
		}
	}
	var fams map[string]*dto.MetricFamily
	teststack.WaitFor(t, 2*time.Second, "metrics to agree with the records", func() bool {
		fams = s.scrape(t)
		got := series(fams, "wasmta_recipients_total")
		for k, c := range checks {
			c["got"] = got[k]
			if got[k] != c["want"] {
				return false
			}
		}
		// The Rejection record reaches the recorder before the metrics
		// (the writer feeds its sinks in turn): wait for both to count it.
		rejected := series(fams, "wasmta_rejections_total")["reason=auth|tenant="]
		return len(got) == len(checks) && rejected > 0 && rejected == float64(s.Rec.Count(events.Rejection))
	})
	received := series(fams, "wasmta_messages_received_total")
	for _, tenant := range []string{"acme", "beta", ""} {
		n := 0.0
		for _, r := range s.Rec.All(events.Reception) {
			if r.Tenant == tenant {
				n++
			}
		}
		if got := received["tenant="+tenant]; got != n || n == 0 {
			t.Errorf("received{tenant=%q} = %v, records say %v", tenant, got, n)
		}
	}
	if got := series(fams, "wasmta_rejections_total")["reason=auth|tenant="]; got != float64(s.Rec.Count(events.Rejection)) || got == 0 {
		t.Errorf("rejections{reason=auth} = %v, records say %d", got, s.Rec.Count(events.Rejection))
	}
	if got := series(fams, "wasmta_policy_call_seconds")["hook=route|tenant=beta"]; got < 1 {
		t.Errorf("no route call counted for beta's module: %v", series(fams, "wasmta_policy_call_seconds"))
	}
	if got := series(fams, "wasmta_queue_scheduled")["tenant=beta"]; got != 1 {
		t.Errorf("queue_scheduled{beta} = %v, want the 1 deferred item", got)
	}
	if got := series(fams, "wasmta_spool_puts_total")[""]; got != 3 {
		t.Errorf("spool_puts_total = %v, want 3", got)
	}
	limits := series(fams, "wasmta_path_connection_limit")
	for _, limit := range []string{"configured", "learned"} {
		n := 0
		for k, v := range limits {
			if strings.HasPrefix(k, "limit="+limit+"|") && v >= 1 {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no wasmta_path_connection_limit{limit=%q} of at least 1: %v", limit, limits)
		}
	}
	for _, name := range []string{"wasmta_path_rate_limit", "wasmta_connections", "wasmta_spool_disk_bytes", "wasmta_spool_wal_sync_seconds", "wasmta_policy_changes_total"} {
		if fams[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}
}
