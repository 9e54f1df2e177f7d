package dane

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/mta/dnsquery"
)

func TestLookup(t *testing.T) {
	sha := make([]byte, 32)
	sha[0] = 1
	usable, pkix := Record{3, 1, 1, sha}, Record{1, 1, 1, sha}
	// zone sets what each test changes from a fully signed domain with
	// one usable record on mx1 and none on mx2.
	type zone struct {
		mxSecure, aSecure, tlsaSecure bool
		records                       []Record
		tlsaRcode                     int
	}
	tests := []struct {
		name       string
		validating bool
		z          zone
		secure     bool // the domain's MX is authenticated
		records    int  // usable records of mx1
		unusable   bool
		err        bool
	}{
		{"signed, usable record", true, zone{true, true, true, []Record{usable, pkix}, 0}, true, 1, false, false},
		{"resolver not validating", false, zone{true, true, true, []Record{usable}, 0}, false, 0, false, false},
		{"insecure MX", true, zone{false, true, true, []Record{usable}, 0}, false, 0, false, false},
		{"insecure host address", true, zone{true, false, true, []Record{usable}, 0}, true, 0, false, false},
		{"TLSA not signed", true, zone{true, true, false, []Record{usable}, 0}, true, 0, false, false},
		{"only unusable records", true, zone{true, true, true, []Record{pkix}, 0}, true, 0, true, false},
		{"TLSA lookup fails", true, zone{true, true, true, nil, dns.RcodeServerFailure}, true, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testdns.Start(t)
			d.SetMX("example.test", 60, testdns.MX{Pref: 10, Host: "mx1.example.test"}, testdns.MX{Pref: 20, Host: "mx2.example.test"})
			d.SetA("mx1.example.test", 60, "127.0.0.1")
			d.SetA("mx2.example.test", 60, "127.0.0.1")
			var rrs []dns.RR
			for _, r := range tt.z.records {
				rrs = append(rrs, r.RR())
			}
			d.SetRecords("_25._tcp.mx1.example.test", dns.TypeTLSA, rrs...)
			d.SetRcode("_25._tcp.mx1.example.test", tt.z.tlsaRcode)
			d.SetSecure("example.test", tt.z.mxSecure)
			d.SetSecure("mx1.example.test", tt.z.aSecure)
			d.SetSecure("mx2.example.test", true)
			d.SetSecure("_25._tcp.mx1.example.test", tt.z.tlsaSecure)
			d.SetSecure("_25._tcp.mx2.example.test", true)
			c := &dnsquery.Client{Server: d.Addr(), Timeout: 2 * time.Second, Validating: tt.validating}
			res := Lookup(context.Background(), c, "example.test", []string{"mx1.example.test", "mx2.example.test"}, 25, false)
			if !tt.validating && d.TotalQueries() != 0 {
				t.Errorf("%d queries with a resolver not configured as validating", d.TotalQueries())
			}
			h := res.Hosts["mx1.example.test"]
			if res.Secure != tt.secure || len(h.Records) != tt.records || h.Unusable != tt.unusable || (h.Err != nil) != tt.err {
				t.Errorf("Lookup: secure %v, mx1 %+v; want secure %v, %d records, unusable %v, err %v",
					res.Secure, h, tt.secure, tt.records, tt.unusable, tt.err)
			}
			if mx2, ok := res.Host("mx2.example.test"); ok {
				t.Errorf("mx2 has no TLSA records but DANE applies: %+v", mx2)
			}
			if res.Active() != (tt.records > 0 || tt.unusable || tt.err) {
				t.Errorf("Active = %v", res.Active())
			}
		})
	}
}
