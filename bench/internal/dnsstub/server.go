package dnsstub

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// ttl of every answer: long, so the MTA's cache keeps them for a run.
const ttl = 3600

// Server is a running stub.
type Server struct {
	addr     string
	udp, tcp *dns.Server

	mu sync.Mutex
	mx map[string][]*dns.MX
	a  map[string][]netip.Addr
}

// Start listens on UDP and TCP on one free port of 127.0.0.1.
func Start() (*Server, error) {
	s := &Server{mx: map[string][]*dns.MX{}, a: map[string][]netip.Addr{}}
	pc, ln, err := listenPair()
	if err != nil {
		return nil, err
	}
	s.addr = pc.LocalAddr().String()
	s.udp = s.serve(&dns.Server{PacketConn: pc})
	s.tcp = s.serve(&dns.Server{Listener: ln})
	return s, nil
}

// listenPair binds UDP and TCP on the same port; the TCP bind can lose a
// race with another process, so it tries a few ports.
func listenPair() (net.PacketConn, net.Listener, error) {
	var last error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnsstub: listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		last = err
	}
	return nil, nil, fmt.Errorf("dnsstub: listen tcp: %w", last)
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

// Addr returns "127.0.0.1:port" (UDP and TCP).
func (s *Server) Addr() string { return s.addr }

// Close stops both listeners.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// SetMX sets the MX hosts of domain, in preference order.
func (s *Server) SetMX(domain string, hosts ...string) {
	rrs := make([]*dns.MX, len(hosts))
	for i, h := range hosts {
		rrs[i] = &dns.MX{Hdr: dns.RR_Header{Name: dns.Fqdn(domain), Rrtype: dns.TypeMX, Class: dns.ClassINET, Ttl: ttl},
			Preference: uint16(10 * (i + 1)), Mx: dns.Fqdn(h)}
	}
	s.mu.Lock()
	s.mx[dns.CanonicalName(domain)] = rrs
	s.mu.Unlock()
}

// SetA sets the IPv4 addresses of name.
func (s *Server) SetA(name string, ips ...netip.Addr) {
	s.mu.Lock()
	s.a[dns.CanonicalName(name)] = ips
	s.mu.Unlock()
}

func (s *Server) handle(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) == 1 {
		s.answer(m, req.Question[0])
	}
	w.WriteMsg(m)
}

func (s *Server) answer(m *dns.Msg, q dns.Question) {
	name := dns.CanonicalName(q.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	mx, hasMX := s.mx[name]
	a, hasA := s.a[name]
	if !hasMX && !hasA {
		m.Rcode = dns.RcodeNameError
		return
	}
	switch q.Qtype {
	case dns.TypeMX:
		for _, r := range mx {
			m.Answer = append(m.Answer, r)
		}
	case dns.TypeA:
		for _, ip := range a {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl},
				A: ip.AsSlice()})
		}
	}
}
