package providersim

import "sort"

// Route is a suggested DNS mapping for tests: Domain's MX is MX, and MX's A
// record is the IP of Addr. The simulator resolves nothing itself; a test
// DNS server (internal/testdns, or any miekg/dns server on loopback) serves
// these records and the sender under test is pointed at Addr's port.
type Route struct {
	Domain   string `json:"domain"`
	MX       string `json:"mx"`
	Provider string `json:"provider"`
	Addr     string `json:"addr"`
}

// Domains lists one Route per recipient domain of every provider, sorted
// by domain, with the bound addresses.
func (s *Sim) Domains() []Route {
	var out []Route
	for _, h := range s.hosts {
		for _, d := range h.p.Domains {
			out = append(out, Route{Domain: d, MX: h.p.Hostname, Provider: h.p.Name, Addr: h.addr})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}
