package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// zone is a loopback DNS server with the MX and A records of the simulated
// providers, so that the engine resolves sites the way it would in
// production and policies recognise providers by their MX names.
type zone struct {
	mx   map[string]string // domain -> MX host
	a    map[string]string // host -> IPv4
	srv  *dns.Server
	addr string
}

func startZone(mx, a map[string]string) (*zone, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	z := &zone{mx: mx, a: a, addr: pc.LocalAddr().String()}
	z.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(z.answer)}
	go z.srv.ActivateAndServe()
	return z, nil
}

func (z *zone) close() { z.srv.Shutdown() }

func (z *zone) answer(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	for _, q := range req.Question {
		name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 3600, Rrtype: q.Qtype}
		switch {
		case q.Qtype == dns.TypeMX && z.mx[name] != "":
			m.Answer = append(m.Answer, &dns.MX{Hdr: hdr, Preference: 10, Mx: dns.Fqdn(z.mx[name])})
		case q.Qtype == dns.TypeA && z.a[name] != "":
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(z.a[name])})
		case z.mx[name] == "" && z.a[name] == "":
			m.Rcode = dns.RcodeNameError
		}
	}
	w.WriteMsg(m)
}
