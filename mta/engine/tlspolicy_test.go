package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststs"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tlsrpt"
)

// sinksOnOnePort starts one sink per certificate, on 127.0.0.2, .3, ...
// and one port (delivery uses one port for every MX host).
func sinksOnOnePort(t *testing.T, certs []*tls.Certificate) ([]*testsink.Sink, int) {
	t.Helper()
	for range 20 {
		port := freePort(t)
		var sinks []*testsink.Sink
		ok := true
		for i, c := range certs {
			addr := net.JoinHostPort(fmt.Sprintf("127.0.0.%d", i+2), strconv.Itoa(port))
			l, err := net.Listen("tcp", addr)
			if err != nil {
				ok = false
				break
			}
			l.Close()
			sinks = append(sinks, testsink.Start(t, testsink.Options{Addr: addr, Certificate: c}))
		}
		if ok {
			return sinks, port
		}
	}
	t.Fatal("no port free on every loopback address")
	return nil, 0
}

// TestTLSPoliciesEndToEnd sends one message to each of five domains whose
// MX host presents a certificate and publishes MTA-STS or DANE (over the
// loopback DNS server, answering with the AD bit as a validating resolver
// does): each ends in delivery or deferral as RFC 8461 and RFC 7672 say,
// and its record names the policy and the failure.
func TestTLSPoliciesEndToEnd(t *testing.T) {
	t.Parallel()
	ca, err := selfsigned.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	issue := func(from, to time.Time, host string) *tls.Certificate {
		c, err := ca.Issue(from, to, host)
		if err != nil {
			t.Fatal(err)
		}
		return &c
	}
	self, err := selfsigned.Certificate(time.Hour, "mx.dane.test")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		domain  string
		cert    *tls.Certificate
		sts     string // policy mode, "" none
		dane    bool   // a DANE-EE record of the presented key
		deliver bool
		policy  string
		failure string
	}{
		{"good.test", issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.good.test"), "enforce", false, true, "mta-sts enforce", ""},
		{"expired.test", issue(now.Add(-48*time.Hour), now.Add(-time.Hour), "mx.expired.test"), "enforce", false, false, "mta-sts enforce", "certificate-expired"},
		{"trial.test", issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test"), "testing", false, true, "mta-sts testing", "certificate-host-mismatch"},
		{"dane.test", &self, "enforce", true, true, "dane", ""},
		{"plain.test", &self, "", false, true, "", ""},
	}
	var certs []*tls.Certificate
	for _, c := range cases {
		certs = append(certs, c.cert)
	}
	sinks, port := sinksOnOnePort(t, certs)
	d := testdns.Start(t)
	stsHost := teststs.Start(t, func() tls.Certificate {
		c, err := ca.Issue(now.Add(-time.Hour), now.Add(time.Hour),
			"mta-sts.good.test", "mta-sts.expired.test", "mta-sts.trial.test", "mta-sts.dane.test")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}())
	for i, c := range cases {
		mxHost := "mx." + c.domain
		d.SetMX(c.domain, 300, testdns.MX{Pref: 10, Host: mxHost})
		d.SetA(mxHost, 300, fmt.Sprintf("127.0.0.%d", i+2))
		if c.sts != "" {
			d.SetTXT("_mta-sts."+c.domain, 300, "v=STSv1; id=1;")
			d.SetA("mta-sts."+c.domain, 300, "127.0.0.1")
			stsHost.Set(c.domain, teststs.Response{Body: fmt.Sprintf("version: STSv1\nmode: %s\nmx: %s\nmax_age: 86400\n", c.sts, mxHost)})
		}
		if c.dane {
			d.SetRecords(fmt.Sprintf("_%d._tcp.%s", port, mxHost), dns.TypeTLSA, dane.For(3, 1, 1, c.cert.Leaf).RR())
			for _, n := range []string{c.domain, mxHost, fmt.Sprintf("_%d._tcp.%s", port, mxHost)} {
				d.SetSecure(n, true)
			}
		}
	}
	d.SetTXT("_smtp._tls.expired.test", 300, "v=TLSRPTv1; rua=mailto:tlsrpt@plain.test")
	toml := mxConfig(d, port) + fmt.Sprintf("mta_sts_port = %d\ndane = true\n", stsHost.Port()) +
		"[queue]\nretry_initial = \"1h\"\n"
	e, rec, addr := testEngine(t, toml, Options{DeliveryTLS: &tls.Config{RootCAs: ca.Pool}})
	for _, c := range cases {
		send(t, addr, "a@sender.test", []string{"r@" + c.domain}, testBody(1))
	}
	rec.WaitFor(t, events.Delivery, 4, 15*time.Second)
	rec.WaitFor(t, events.TransientFailure, 1, 15*time.Second)
	byRcpt := map[string]events.Record{}
	for _, r := range append(rec.All(events.Delivery), rec.All(events.TransientFailure)...) {
		byRcpt[r.Recipient] = r
	}
	for _, c := range cases {
		r, ok := byRcpt["r@"+c.domain]
		if !ok {
			t.Errorf("%s: no record", c.domain)
			continue
		}
		if got := r.Type == events.Delivery; got != c.deliver {
			t.Errorf("%s: %s %+v, want delivered=%v", c.domain, r.Type, r.Response, c.deliver)
		}
		var pol, fail string
		if r.TLS != nil {
			pol, fail = r.TLS.Policy, r.TLS.Failure
		}
		if pol != c.policy || fail != c.failure {
			t.Errorf("%s: record tls %+v, want policy %q failure %q", c.domain, r.TLS, c.policy, c.failure)
		}
		if !c.deliver && (r.Category != policy.CategoryTLSFailure || r.Response.Enhanced != "4.7.5") {
			t.Errorf("%s: deferral %s %+v, want TLSFailure 4.7.5", c.domain, r.Category, r.Response)
		}
	}

	checkTLSReportMailed(t, e, d, sinks[len(sinks)-1])
}

// checkTLSReportMailed moves to the next day: the report of expired.test,
// the one domain that publishes a TLSRPT record, is queued through the
// engine and delivered to its mailto rua (a plain.test address).
func checkTLSReportMailed(t *testing.T, e *Engine, d *testdns.Server, sink *testsink.Sink) {
	t.Helper()
	if err := e.tlsp.rpt.Flush(); err != nil {
		t.Fatal(err)
	}
	tomorrow := func() time.Time { return time.Now().Add(24 * time.Hour) }
	r, err := tlsrpt.New(tlsrpt.Options{Store: e.spool, Submitter: "mta.test", Now: tomorrow, Mail: e.submitTLSReport,
		DNS: &dnsquery.Client{Server: d.Addr(), Timeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.SendDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("SendDue = %d, %v; want the report of expired.test", n, err)
	}
	if err := sink.WaitCount(waitCtx(t, 15*time.Second), 2); err != nil {
		t.Fatalf("the report did not arrive: %v", err)
	}
	m := sink.Messages()[1]
	if m.To[0] != "tlsrpt@plain.test" || !strings.Contains(string(m.Data), "TLS-Report-Domain: expired.test") ||
		!strings.Contains(string(m.Data), "application/tlsrpt+gzip") {
		t.Errorf("report mail to %v:\n%.400s", m.To, m.Data)
	}
}
