package testdns

import (
	"net"
	"time"

	"github.com/miekg/dns"
)

// handle answers one query from the programmed zone. It is authoritative for
// every name, so an unknown name is NXDOMAIN and a known name without the
// asked type is an empty NOERROR (NODATA), both with an SOA for negative
// caching.
func (s *Server) handle(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	m, stall, delay := s.answer(req, q)
	if stall {
		return
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

func (s *Server) answer(req *dns.Msg, q dns.Question) (*dns.Msg, bool, time.Duration) {
	k := rrKey{canon(q.Name), q.Qtype}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries[k]++
	if s.stalled[k.name] {
		return nil, true, 0
	}
	delay := s.delays[k.name]
	if rc, ok := s.rcodes[k.name]; ok {
		m.Rcode = rc
		return m, false, delay
	}
	rrs := s.rrs[k]
	// A validating resolver sets AD on data it validated, when asked
	// (RFC 6840 5.7); the test says which names are signed.
	m.AuthenticatedData = s.secure[k.name] && (req.AuthenticatedData || doBit(req))
	for _, rr := range rrs {
		rr := dns.Copy(rr)
		rr.Header().Name = q.Name // echo the case the client asked with
		m.Answer = append(m.Answer, rr)
	}
	if len(rrs) == 0 {
		if s.names[k.name] == 0 {
			m.Rcode = dns.RcodeNameError
		}
		m.Ns = []dns.RR{soa(k.name)}
	}
	return m, false, delay
}

func soa(name string) dns.RR {
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: NegativeTTL},
		Ns:  "ns.test.", Mbox: "hostmaster.test.",
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: NegativeTTL,
	}
}

func doBit(req *dns.Msg) bool {
	opt := req.IsEdns0()
	return opt != nil && opt.Do()
}
