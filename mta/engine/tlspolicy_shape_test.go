package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/teststs"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// tlsShapePolicy's shape sets tls_policy per recipient domain (ABI v1.5);
// it has no opinion on anything else.
type tlsShapePolicy struct {
	scriptedPolicy
	modes map[string]policy.TLSPolicyMode
}

func (p *tlsShapePolicy) Shape(_ context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	return policy.Shape{MaxConnections: 4, RetryInitial: time.Hour, TLSPolicy: p.modes[in.Domain]}, nil
}

// TestShapeTLSPolicyThroughTheEngine: the global policy's shape enforces
// one domain's MTA-STS testing policy (its failed check now defers) and
// makes another's enforce policy report-only (its failed check is
// recorded and the mail delivered); a third, left at default, keeps its
// testing policy's report-only behaviour. Records name the policy as
// applied.
func TestShapeTLSPolicyThroughTheEngine(t *testing.T) {
	t.Parallel()
	ca, err := selfsigned.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	issue := func(from, to time.Time, hosts ...string) *tls.Certificate {
		c, err := ca.Issue(from, to, hosts...)
		if err != nil {
			t.Fatal(err)
		}
		return &c
	}
	cases := []daneCase{ // the same record checks as DANE's
		{"enforced.test", false, "mta-sts testing (enforced)", "certificate-host-mismatch"},
		{"relaxed.test", true, "mta-sts enforce (report only)", "certificate-expired"},
		{"default.test", true, "mta-sts testing", "certificate-host-mismatch"},
	}
	modes := map[string]policy.TLSPolicyMode{"enforced.test": policy.TLSPolicyEnforce, "relaxed.test": policy.TLSPolicyReportOnly}
	stsMode := map[string]string{"enforced.test": "testing", "relaxed.test": "enforce", "default.test": "testing"}
	certs := []*tls.Certificate{
		issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test"),
		issue(now.Add(-48*time.Hour), now.Add(-time.Hour), "mx.relaxed.test"),
		issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test"),
	}
	_, port := sinksOnOnePort(t, certs)
	d := testdns.Start(t)
	stsHost := teststs.Start(t, *issue(now.Add(-time.Hour), now.Add(time.Hour),
		"mta-sts.enforced.test", "mta-sts.relaxed.test", "mta-sts.default.test"))
	for i, c := range cases {
		mxHost := "mx." + c.domain
		d.SetMX(c.domain, 300, testdns.MX{Pref: 10, Host: mxHost})
		d.SetA(mxHost, 300, fmt.Sprintf("127.0.0.%d", i+2))
		d.SetTXT("_mta-sts."+c.domain, 300, "v=STSv1; id=1;")
		d.SetA("mta-sts."+c.domain, 300, "127.0.0.1")
		stsHost.Set(c.domain, teststs.Response{Body: fmt.Sprintf("version: STSv1\nmode: %s\nmx: %s\nmax_age: 86400\n", stsMode[c.domain], mxHost)})
	}
	toml := mxConfig(d, port) + fmt.Sprintf("mta_sts_port = %d\n", stsHost.Port())
	reg := onePolicy{&tlsShapePolicy{scriptedPolicy: scriptedPolicy{version: "tlsshape/v1"}, modes: modes}}
	_, rec, addr := testEngine(t, toml, Options{DeliveryTLS: &tls.Config{RootCAs: ca.Pool}, Registry: reg})
	for _, c := range cases {
		send(t, addr, "a@sender.test", []string{"r@" + c.domain}, testBody(1))
	}
	rec.WaitFor(t, events.Delivery, 2, 15*time.Second)
	rec.WaitFor(t, events.TransientFailure, 1, 15*time.Second)
	checkDANERecords(t, rec, cases)
}
