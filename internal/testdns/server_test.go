package testdns

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func query(t *testing.T, s *Server, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := c.Exchange(m, s.Addr())
	if err != nil {
		t.Fatalf("query %s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return r
}

func TestAnswers(t *testing.T) {
	s := Start(t)
	s.SetMX("Example.COM", 300, MX{10, "mx1.example.com"}, MX{20, "mx2.example.com."})
	s.SetA("mx1.example.com", 60, "127.0.0.1", "127.0.0.2")
	s.SetAAAA("mx1.example.com", 30, "::1")
	s.SetTXT("example.com", 100, "v=spf1 -all", strings.Repeat("x", 300))
	s.SetNullMX("null.test")
	s.SetRcode("broken.test", dns.RcodeServerFailure)
	s.SetRcode("gone.test", dns.RcodeNameError)

	tests := []struct {
		name   string
		qtype  uint16
		rcode  int
		answer []string
	}{
		{"example.com", dns.TypeMX, 0, []string{"10 mx1.example.com.", "20 mx2.example.com."}},
		{"EXAMPLE.com.", dns.TypeMX, 0, []string{"10 mx1.example.com.", "20 mx2.example.com."}},
		{"mx1.example.com", dns.TypeA, 0, []string{"127.0.0.1", "127.0.0.2"}},
		{"mx1.example.com", dns.TypeAAAA, 0, []string{"::1"}},
		{"example.com", dns.TypeTXT, 0, []string{`"v=spf1 -all"`, `"` + strings.Repeat("x", 255) + `" "xxxxx`}},
		{"null.test", dns.TypeMX, 0, []string{"0 ."}},
		{"example.com", dns.TypeA, dns.RcodeSuccess, nil}, // NODATA
		{"nowhere.test", dns.TypeMX, dns.RcodeNameError, nil},
		{"broken.test", dns.TypeMX, dns.RcodeServerFailure, nil},
		{"gone.test", dns.TypeA, dns.RcodeNameError, nil},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s/%s", network, tt.name, dns.TypeToString[tt.qtype]), func(t *testing.T) {
				r := query(t, s, network, tt.name, tt.qtype)
				if r.Rcode != tt.rcode {
					t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if len(r.Answer) != len(tt.answer) {
					t.Fatalf("answer %v, want %v", r.Answer, tt.answer)
				}
				for i, rr := range r.Answer {
					if got := rr.String(); !strings.Contains(got, tt.answer[i]) {
						t.Errorf("answer[%d] = %q, want it to contain %q", i, got, tt.answer[i])
					}
				}
			})
		}
	}
}

func TestTTLAndNegativeSOA(t *testing.T) {
	s := Start(t)
	s.SetA("a.test", 42, "127.0.0.9")
	r := query(t, s, "udp", "a.test", dns.TypeA)
	if got := r.Answer[0].Header().Ttl; got != 42 {
		t.Errorf("ttl %d, want 42", got)
	}
	r = query(t, s, "udp", "missing.test", dns.TypeA)
	if len(r.Ns) != 1 || r.Ns[0].(*dns.SOA).Minttl != NegativeTTL {
		t.Errorf("negative answer authority = %v, want one SOA with minimum %d", r.Ns, NegativeTTL)
	}
}

func TestChangesAndCounters(t *testing.T) {
	s := Start(t)
	s.SetA("c.test", 60, "127.0.0.1")
	query(t, s, "udp", "c.test", dns.TypeA)
	query(t, s, "tcp", "C.TEST.", dns.TypeA)
	s.SetA("c.test", 60, "127.0.0.3")
	if r := query(t, s, "udp", "c.test", dns.TypeA); r.Answer[0].(*dns.A).A.String() != "127.0.0.3" {
		t.Errorf("after SetA the answer is %v", r.Answer)
	}
	if got := s.Queries("c.test", dns.TypeA); got != 3 {
		t.Errorf("Queries = %d, want 3", got)
	}
	if got := s.Queries("c.test", dns.TypeMX); got != 0 {
		t.Errorf("Queries MX = %d, want 0", got)
	}
	s.Clear("c.test")
	if r := query(t, s, "udp", "c.test", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("after Clear rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	s.SetRcode("c.test", dns.RcodeServerFailure)
	s.SetRcode("c.test", 0)
	if r := query(t, s, "udp", "c.test", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("after SetRcode 0 rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

func TestStall(t *testing.T) {
	s := Start(t)
	s.SetA("slow.test", 60, "127.0.0.1")
	s.Stall("slow.test")
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("slow.test.", dns.TypeA)
	if _, _, err := c.Exchange(m, s.Addr()); err == nil {
		t.Fatal("stalled name answered")
	}
	if s.Queries("slow.test", dns.TypeA) != 1 {
		t.Errorf("stalled query not counted")
	}
	s.Unstall("slow.test")
	if r := query(t, s, "udp", "slow.test", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("after Unstall answer %v", r.Answer)
	}
}

func TestTruncationFallsBackToTCP(t *testing.T) {
	s := Start(t)
	ips := make([]string, 60)
	for i := range ips {
		ips[i] = fmt.Sprintf("127.0.1.%d", i+1)
	}
	s.SetA("big.test", 60, ips...)
	if r := query(t, s, "udp", "big.test", dns.TypeA); !r.Truncated {
		t.Errorf("60 A records over plain UDP not truncated (%d answers)", len(r.Answer))
	}
	if r := query(t, s, "tcp", "big.test", dns.TypeA); len(r.Answer) != 60 || r.Truncated {
		t.Errorf("over TCP got %d answers, truncated %v", len(r.Answer), r.Truncated)
	}
}

func TestConcurrent(t *testing.T) {
	s := Start(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("h%d.test", i)
			for j := range 20 {
				s.SetA(name, 60, fmt.Sprintf("127.0.0.%d", j+1))
				m := new(dns.Msg)
				m.SetQuestion(dns.Fqdn(name), dns.TypeA)
				if _, err := dns.Exchange(m, s.Addr()); err != nil {
					t.Errorf("query %s: %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	if got := s.TotalQueries(); got != 160 {
		t.Errorf("TotalQueries = %d, want 160", got)
	}
}

func TestDelay(t *testing.T) {
	s := Start(t)
	s.SetA("d.test", 60, "127.0.0.1")
	s.Delay("d.test", 150*time.Millisecond)
	start := time.Now()
	query(t, s, "udp", "d.test", dns.TypeA)
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("delayed answer came after %v", el)
	}
	s.Delay("d.test", 0)
	query(t, s, "udp", "d.test", dns.TypeA)
}
