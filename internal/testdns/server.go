package testdns

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// MX is one mail exchanger of a domain.
type MX struct {
	Pref uint16
	Host string
}

// NegativeTTL is the SOA minimum the server puts in the authority section of
// NXDOMAIN and empty answers (RFC 2308), so resolvers can cache the absence.
const NegativeTTL = 60

type rrKey struct {
	name  string
	qtype uint16
}

// Server is a running DNS server. All methods are safe for concurrent use and
// take effect for the next query.
type Server struct {
	udp, tcp *dns.Server
	addr     string

	mu      sync.Mutex
	rrs     map[rrKey][]dns.RR
	names   map[string]int // records per name, to tell NODATA from NXDOMAIN
	rcodes  map[string]int
	stalled map[string]bool
	delays  map[string]time.Duration
	secure  map[string]bool
	queries map[rrKey]int
}

// Start listens on a random loopback port (UDP and TCP) and stops the server
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("testdns: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New listens on a random loopback port (UDP and TCP), for callers that are
// not tests (the benchmark harness); Close stops it.
func New() (*Server, error) {
	s := &Server{
		rrs:     map[rrKey][]dns.RR{},
		names:   map[string]int{},
		rcodes:  map[string]int{},
		stalled: map[string]bool{},
		delays:  map[string]time.Duration{},
		secure:  map[string]bool{},
		queries: map[rrKey]int{},
	}
	pc, ln, err := listenPair()
	if err != nil {
		return nil, err
	}
	s.addr = pc.LocalAddr().String()
	s.udp = s.serve(&dns.Server{PacketConn: pc})
	s.tcp = s.serve(&dns.Server{Listener: ln})
	return s, nil
}

// listenPair binds UDP and TCP on the same random port; the TCP bind can lose
// a race with another process, so it retries on a fresh port.
func listenPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("listen tcp: %w", lastErr)
}

func (s *Server) serve(srv *dns.Server) *dns.Server {
	started := make(chan struct{})
	srv.Handler = dns.HandlerFunc(s.handle)
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
	}
	return srv
}

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// Addr is the server's "127.0.0.1:port", for UDP and TCP alike.
func (s *Server) Addr() string { return s.addr }

// SetMX replaces the MX records of domain. A Host of "." is allowed (that is
// how a null MX is written); SetNullMX says it more plainly.
func (s *Server) SetMX(domain string, ttl uint32, mx ...MX) {
	rrs := make([]dns.RR, len(mx))
	for i, m := range mx {
		rrs[i] = &dns.MX{Hdr: hdr(domain, dns.TypeMX, ttl), Preference: m.Pref, Mx: dns.Fqdn(m.Host)}
	}
	s.set(domain, dns.TypeMX, rrs)
}

// SetNullMX publishes the RFC 7505 null MX ("0 .") for domain.
func (s *Server) SetNullMX(domain string) {
	s.SetMX(domain, 3600, MX{Pref: 0, Host: "."})
}

// SetA replaces the A records of name. It panics on a malformed or non-IPv4
// address: that is a bug in the test.
func (s *Server) SetA(name string, ttl uint32, ips ...string) {
	rrs := make([]dns.RR, len(ips))
	for i, ip := range ips {
		a := mustAddr(ip)
		if !a.Is4() {
			panic("testdns: SetA with non-IPv4 address " + ip)
		}
		rrs[i] = &dns.A{Hdr: hdr(name, dns.TypeA, ttl), A: a.AsSlice()}
	}
	s.set(name, dns.TypeA, rrs)
}

// SetAAAA replaces the AAAA records of name.
func (s *Server) SetAAAA(name string, ttl uint32, ips ...string) {
	rrs := make([]dns.RR, len(ips))
	for i, ip := range ips {
		a := mustAddr(ip)
		if !a.Is6() || a.Is4In6() {
			panic("testdns: SetAAAA with non-IPv6 address " + ip)
		}
		rrs[i] = &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA, ttl), AAAA: a.AsSlice()}
	}
	s.set(name, dns.TypeAAAA, rrs)
}

// SetTXT replaces the TXT records of name, one record per string.
func (s *Server) SetTXT(name string, ttl uint32, txt ...string) {
	rrs := make([]dns.RR, len(txt))
	for i, v := range txt {
		rrs[i] = &dns.TXT{Hdr: hdr(name, dns.TypeTXT, ttl), Txt: splitTXT(v)}
	}
	s.set(name, dns.TypeTXT, rrs)
}

// SetRecords replaces the records of type qtype of name with rrs (TLSA,
// say); their owner names are set to name.
func (s *Server) SetRecords(name string, qtype uint16, rrs ...dns.RR) {
	for _, rr := range rrs {
		h := rr.Header()
		h.Name, h.Rrtype, h.Class = canon(name), qtype, dns.ClassINET
	}
	s.set(name, qtype, rrs)
}

// SetSecure makes the answers for name carry the AD bit (when the query
// asks for it with AD or DO), as a validating resolver does for signed
// data; false answers as for an unsigned zone.
func (s *Server) SetSecure(name string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.secure[canon(name)] = true
	} else {
		delete(s.secure, canon(name))
	}
}

// SetRcode makes every query for name answer rcode (dns.RcodeServerFailure,
// dns.RcodeNameError, ...) whatever records it has. Rcode 0 clears it.
func (s *Server) SetRcode(name string, rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rcode == dns.RcodeSuccess {
		delete(s.rcodes, canon(name))
		return
	}
	s.rcodes[canon(name)] = rcode
}

// Stall makes the server never answer queries for name (they are still
// counted), to exercise client timeouts.
func (s *Server) Stall(name string) { s.setStall(name, true) }

// Unstall undoes Stall.
func (s *Server) Unstall(name string) { s.setStall(name, false) }

func (s *Server) setStall(name string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.stalled[canon(name)] = true
	} else {
		delete(s.stalled, canon(name))
	}
}

// Delay holds every answer for name by d (0 clears it), so that a test can
// have queries overlap.
func (s *Server) Delay(name string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, canon(name))
		return
	}
	s.delays[canon(name)] = d
}

// Clear removes every record of name; it answers NXDOMAIN afterwards.
func (s *Server) Clear(name string) {
	for _, t := range []uint16{dns.TypeMX, dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeTLSA} {
		s.set(name, t, nil)
	}
}

// Queries counts the queries received for (name, qtype), qtype being
// dns.TypeMX, dns.TypeA ...; the name is matched without regard to case or a
// trailing dot.
func (s *Server) Queries(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[rrKey{canon(name), qtype}]
}

// TotalQueries counts every query received.
func (s *Server) TotalQueries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.queries {
		n += c
	}
	return n
}

func (s *Server) set(name string, qtype uint16, rrs []dns.RR) {
	k := rrKey{canon(name), qtype}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rrs[k]) > 0 {
		s.names[k.name]--
	}
	if len(rrs) == 0 {
		delete(s.rrs, k)
	} else {
		s.rrs[k] = rrs
		s.names[k.name]++
	}
	if s.names[k.name] <= 0 {
		delete(s.names, k.name)
	}
}

func hdr(name string, qtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: canon(name), Rrtype: qtype, Class: dns.ClassINET, Ttl: ttl}
}

func canon(name string) string { return dns.CanonicalName(strings.TrimSpace(name)) }

func mustAddr(ip string) netip.Addr {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		panic("testdns: " + err.Error())
	}
	return a
}

// splitTXT cuts v into the 255-byte character-strings a TXT record holds.
func splitTXT(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}
