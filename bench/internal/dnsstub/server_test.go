package dnsstub

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

func TestAnswers(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetMX("bench.example", "mx1.bench.example", "mx2.bench.example")
	s.SetA("mx1.bench.example", netip.MustParseAddr("127.0.0.1"))
	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		net     string
		rcode   int
		answers int
	}{
		{"mx over udp", "Bench.Example.", dns.TypeMX, "udp", dns.RcodeSuccess, 2},
		{"mx over tcp", "bench.example.", dns.TypeMX, "tcp", dns.RcodeSuccess, 2},
		{"a", "mx1.bench.example.", dns.TypeA, "udp", dns.RcodeSuccess, 1},
		{"no aaaa", "mx1.bench.example.", dns.TypeAAAA, "udp", dns.RcodeSuccess, 0},
		{"unknown", "other.example.", dns.TypeMX, "udp", dns.RcodeNameError, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := new(dns.Msg)
			m.SetQuestion(tt.qname, tt.qtype)
			r, _, err := (&dns.Client{Net: tt.net}).Exchange(m, s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if r.Rcode != tt.rcode || len(r.Answer) != tt.answers {
				t.Errorf("rcode %d, %d answers; want %d, %d", r.Rcode, len(r.Answer), tt.rcode, tt.answers)
			}
		})
	}
}
