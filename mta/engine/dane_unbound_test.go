package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/testunbound"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestDANEThroughUnbound delivers through a real validating resolver:
// Debian's unbound, with the key of dane.test (signed by ldns-signzone)
// as its trust anchor, resolving a second unbound that serves the zones.
// wasmta trusts only the AD bit unbound sets: a TLSA record of the MX
// host's key or of its issuer delivers, one of another key defers, a
// record whose signature does not verify (unbound answers SERVFAIL: no
// AD) defers, and a TLSA record in an unsigned delegation (no AD) is
// ignored as RFC 7672 section 2.2 says.
func TestDANEThroughUnbound(t *testing.T) {
	ca, err := selfsigned.NewCA("DANE test CA")
	if err != nil {
		t.Fatal(err)
	}
	mxHosts := []string{"mx.good.dane.test", "mx.ta.dane.test", "mx.wrong.dane.test", "mx.bogus.dane.test", "mx.insecure.dane.test"}
	leaf, err := ca.Issue(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), mxHosts...)
	if err != nil {
		t.Fatal(err)
	}
	other, err := selfsigned.Certificate(time.Hour, "mx.wrong.dane.test")
	if err != nil {
		t.Fatal(err)
	}
	sink := testsink.Start(t, testsink.Options{Addr: "127.0.0.1:0", Certificate: &leaf})
	port := sink.Port()
	tlsa := func(owner string, r dane.Record) string { return fmt.Sprintf("_%d._tcp.%s TLSA %s", port, owner, r) }
	ee, ta, wrong := dane.For(3, 1, 1, leaf.Leaf), dane.For(2, 0, 1, ca.Cert()), dane.For(3, 1, 1, other.Leaf)
	signed := testunbound.Zone{Name: "dane.test", Signed: true, Bogus: []string{fmt.Sprintf("_%d._tcp.mx.bogus", port)}}
	for _, d := range []struct {
		name string
		rec  dane.Record
	}{{"good", ee}, {"ta", ta}, {"wrong", wrong}, {"bogus", ee}} {
		signed.Records = append(signed.Records, d.name+" MX 10 mx."+d.name, "mx."+d.name+" A 127.0.0.1", tlsa("mx."+d.name, d.rec))
	}
	signed.Records = append(signed.Records, "insecure NS ns.insecure", "ns.insecure A 127.0.0.1")
	unsigned := testunbound.Zone{Name: "insecure.dane.test", Records: []string{"@ MX 10 mx", "mx A 127.0.0.1", tlsa("mx", wrong)}}
	res := testunbound.Start(t, signed, unsigned)

	toml := fmt.Sprintf("[delivery]\ndns_server = %q\nport = %d\nconnect_timeout = \"5s\"\ndns_timeout = \"5s\"\n", res.Addr, port) +
		"dane = true\nmta_sts = false\n[queue]\nretry_initial = \"1h\"\n"
	_, rec, addr := testEngine(t, toml, Options{})
	cases := []daneCase{
		{"good.dane.test", true, "dane", ""},
		{"ta.dane.test", true, "dane", ""},
		{"wrong.dane.test", false, "dane", "tlsa-invalid"},
		{"bogus.dane.test", false, "dane", "dnssec-invalid"},
		{"insecure.dane.test", true, "", ""},
	}
	for _, c := range cases {
		send(t, addr, "a@sender.test", []string{"r@" + c.domain}, testBody(1))
	}
	rec.WaitFor(t, events.Delivery, 3, 30*time.Second)
	rec.WaitFor(t, events.TransientFailure, 2, 30*time.Second)
	checkDANERecords(t, rec, cases)
	if n := sink.Count(); n != 3 {
		t.Errorf("the MX received %d messages, want 3", n)
	}
}

// daneCase is a recipient domain and what its record must say.
type daneCase struct {
	domain  string
	deliver bool
	policy  string // the record's tls.policy
	failure string // the record's tls.failure
}

func checkDANERecords(t *testing.T, rec *testrec.Recorder, cases []daneCase) {
	t.Helper()
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
		if !c.deliver && (r.Category != policy.CategoryTLSFailure || r.Response.Code != 451 || r.Response.Enhanced != "4.7.5") {
			t.Errorf("%s: deferral %s %+v, want TLSFailure 451 4.7.5", c.domain, r.Category, r.Response)
		}
	}
}
