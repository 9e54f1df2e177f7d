package egress

import (
	"errors"
	"net/netip"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/mx"
)

// A host of the site that does not answer (its address drops every SYN,
// or takes the connection and never greets) costs each session that dials
// it first a whole timeout before the next host is tried: with one
// blackholed MX ahead of a working one, every new session of the path
// waited the connect timeout (60 s by default). So an address whose dial
// got no answer is tried after the others for a while, as Exim keeps a
// retry record per host: the path's sessions go to the hosts that work,
// and one dial now and then probes the address again.
const (
	// downBase is how long an address that did not answer is tried last,
	// doubling per failure in a row up to downMax.
	downBase = 30 * time.Second
	downMax  = 10 * time.Minute
)

// downAddr is an address whose last dial got no answer.
type downAddr struct {
	until time.Time // tried after the others before this
	fails int       // failures in a row
}

// target is one address of a host of the path.
type target struct {
	host *mx.Host
	addr netip.Addr
}

// dialOrder returns the addresses of hosts in the order to dial them: in
// order, but those that did not answer a moment ago after the others.
// When an address's time is over, the first dial to see it probes it
// (first, as its preference says) and the others still try it last until
// that dial tells.
func (p *Path) dialOrder(hosts []mx.Host, now time.Time) []target {
	var first, last []target
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range hosts {
		h := &hosts[i]
		for _, a := range h.Addrs {
			t := target{host: h, addr: a}
			d, ok := p.down[netip.AddrPortFrom(a, h.Port)]
			switch {
			case !ok:
				first = append(first, t)
			case now.Before(d.until):
				last = append(last, t)
			default:
				d.until = now.Add(doubling(downBase, d.fails, downMax)) // this dial probes it
				p.down[netip.AddrPortFrom(a, h.Port)] = d
				first = append(first, t)
			}
		}
	}
	return append(first, last...)
}

// hostAnswered forgets that ap did not answer.
func (p *Path) hostAnswered(ap netip.AddrPort) {
	p.mu.Lock()
	delete(p.down, ap)
	p.mu.Unlock()
}

// hostFailed notes a failed dial to ap; only a dial that got no SMTP
// answer (no connection: a timeout, a refused or unreachable address; or
// no greeting) or a "521 ... does not accept mail" (RFC 7504 3: its
// client SHOULD NOT retry that host) puts the address last. A host that
// answers with any other 4xx or 5xx is up.
func (p *Path) hostFailed(ap netip.AddrPort, err error, now time.Time) {
	var de *delivery.Error
	silent := errors.As(err, &de) && de.Response.Code == 0 &&
		(de.Stage == delivery.StageConnect || de.Stage == delivery.StageBanner)
	noMail := de != nil && de.Response.Code == 521 && (de.Stage == delivery.StageBanner || de.Stage == delivery.StageEHLO)
	if !silent && !noMail {
		p.hostAnswered(ap)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down == nil {
		p.down = make(map[netip.AddrPort]downAddr)
	}
	d := p.down[ap]
	d.fails++
	d.until = now.Add(doubling(downBase, d.fails, downMax))
	p.down[ap] = d
}

// DownHost is an address that did not answer, as remembered across a
// restart: without it the first sessions after a start each dialled a
// blackholed first MX and waited the whole connect timeout again.
type DownHost struct {
	Addr  netip.AddrPort `json:"addr"`
	Until time.Time      `json:"until"` // tried after the others before this
	Fails int            `json:"fails"` // failures in a row
}

// DownHosts returns the addresses of the path that did not answer.
func (p *Path) DownHosts() []DownHost {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]DownHost, 0, len(p.down))
	for ap, d := range p.down {
		out = append(out, DownHost{Addr: ap, Until: d.until, Fails: d.fails})
	}
	return out
}

// RestoreDownHosts takes the addresses that did not answer before a
// restart, saved at saved: each keeps its time to be tried last (once it
// is over, one dial probes the address, as before the restart), and its
// count of failures halves per hour gone since, as the learned limits
// decay (adaptive.DefaultHalfLife): an address whose count falls to none
// is forgotten. A host blackholed an hour ago is likely still so, and
// costs one probe to find out; one that failed once a day ago is not
// held against its preference.
func (p *Path) RestoreDownHosts(hosts []DownHost, saved, now time.Time) {
	halvings := int(max(0, now.Sub(saved)) / downHalfLife)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hosts {
		fails := h.Fails
		if halvings < 31 {
			fails >>= halvings
		} else {
			fails = 0
		}
		if fails <= 0 || !h.Addr.IsValid() {
			continue
		}
		if p.down == nil {
			p.down = make(map[netip.AddrPort]downAddr)
		}
		if _, ok := p.down[h.Addr]; !ok { // what the path saw since the start wins
			p.down[h.Addr] = downAddr{until: h.Until, fails: fails}
		}
	}
}

// downHalfLife is how fast a remembered failure count decays.
const downHalfLife = time.Hour
