package admin

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/teststs"
)

// TestTLSPolicies: the admin API shows the policy in force for a domain
// (mode, source, expiry) and the cached MTA-STS policies; tls_roots is
// read from a PEM file.
func TestTLSPolicies(t *testing.T) {
	ca, err := selfsigned.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "mta-sts.sts.test")
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	host := teststs.Start(t, cert)
	host.Set("sts.test", teststs.Response{Body: "version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 604800\n"})
	d := testdns.Start(t)
	d.SetMX("sts.test", 300, testdns.MX{Pref: 10, Host: "mx.sts.test"})
	d.SetA("mx.sts.test", 300, "127.0.0.1")
	d.SetTXT("_mta-sts.sts.test", 300, "v=STSv1; id=20261206;")
	d.SetA("mta-sts.sts.test", 300, "127.0.0.1")
	d.SetMX("plain.test", 300, testdns.MX{Pref: 10, Host: "mx.plain.test"})
	d.SetA("mx.plain.test", 300, "127.0.0.1")
	cfg := stackConfig("127.0.0.1:1") + fmt.Sprintf("[delivery]\ndns_server = %q\nmta_sts_port = %d\ntls_roots = %q\n",
		d.Addr(), host.Port(), roots)
	s := startStack(t, cfg, nil)

	var p TLSPolicy
	if code := s.call(t, "GET", "/v1/tls-policies/STS.test", nil, true, &p); code != http.StatusOK {
		t.Fatalf("GET policy: %d", code)
	}
	if p.Domain != "sts.test" || p.Mode != "mta-sts enforce" || p.Source != "mta-sts fetched" || p.ID != "20261206" ||
		p.Expires == nil || time.Until(*p.Expires) < 6*24*time.Hour || len(p.MX) != 1 || p.MX[0] != "*.sts.test" {
		t.Errorf("policy of sts.test = %+v", p)
	}
	var plain TLSPolicy
	if code := s.call(t, "GET", "/v1/tls-policies/plain.test", nil, true, &plain); code != http.StatusOK || plain.Mode != "none" || plain.Source != "" {
		t.Errorf("policy of plain.test = %d %+v, want mode none", code, plain)
	}
	var list struct{ Policies []TLSPolicy }
	if code := s.call(t, "GET", "/v1/tls-policies", nil, true, &list); code != http.StatusOK ||
		len(list.Policies) != 1 || list.Policies[0].Domain != "sts.test" || list.Policies[0].Source != "mta-sts cache" {
		t.Errorf("cached policies = %d %+v", code, list)
	}
	if code := s.call(t, "GET", "/v1/tls-policies", nil, false, nil); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d", code)
	}
}
