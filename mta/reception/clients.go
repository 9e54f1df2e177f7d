package reception

import (
	"net/netip"
	"time"
)

// clientLimits are the per-client connection limits (Postfix's anvil):
// connections per address, per network (/24 IPv4, /64 IPv6), new
// connections per address per minute, and slots only trusted networks may
// take. Clients in Options.TrustedNets are exempt from the first three, as
// Postfix exempts $mynetworks.
type clientLimits struct {
	perIP, perNet int // 0: no limit
	ratePerIP     int // connections per minute; 0: no limit
	reserved      int // of MaxConnections, kept for trusted networks
	trusted       func(netip.Addr) bool
}

// Why a connection is refused, as the Rejection record's reason.
const (
	refusedFull    = "connections"
	refusedPerIP   = "client-connections"
	refusedPerNet  = "network-connections"
	refusedRate    = "connection-rate"
	rateWindow     = time.Minute
	sweepRateAfter = 4096 // rate windows kept before stale ones are swept
)

// clientNet is the network a client's address counts against: its /24
// (IPv4) or /64 (IPv6), the usual size of one customer's allocation.
func clientNet(a netip.Addr) netip.Prefix {
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// rateWindow counts one address's connections in a fixed one-minute
// window.
type connWindow struct {
	start time.Time
	n     int
}

// clientCounts holds the live connections per address and per network,
// and the recent connections per address. Its caller holds connTable.mu.
type clientCounts struct {
	perIP  map[netip.Addr]int
	perNet map[netip.Prefix]int
	rates  map[netip.Addr]*connWindow
}

func (cc *clientCounts) init() {
	cc.perIP = make(map[netip.Addr]int)
	cc.perNet = make(map[netip.Prefix]int)
	cc.rates = make(map[netip.Addr]*connWindow)
}

// check returns why a client at a may not open one more connection, ""
// when it may. total is the live connections of all clients, max the
// listener's limit.
func (cc *clientCounts) check(l *clientLimits, a netip.Addr, total, max int, now time.Time) string {
	trusted := a.IsValid() && l.trusted(a)
	switch {
	case max > 0 && total >= max:
		return refusedFull
	case trusted || !a.IsValid():
		return ""
	case max > 0 && total >= max-l.reserved:
		return refusedFull
	case l.perIP > 0 && cc.perIP[a] >= l.perIP:
		return refusedPerIP
	case l.perNet > 0 && cc.perNet[clientNet(a)] >= l.perNet:
		return refusedPerNet
	case l.ratePerIP > 0 && !cc.takeRate(a, l.ratePerIP, now):
		return refusedRate
	}
	return ""
}

// takeRate counts a connection of a in its window; false when the window
// is full (the refused connection counts too, as anvil's do).
func (cc *clientCounts) takeRate(a netip.Addr, limit int, now time.Time) bool {
	w := cc.rates[a]
	if w == nil || now.Sub(w.start) >= rateWindow {
		if len(cc.rates) >= sweepRateAfter {
			cc.sweep(now)
		}
		w = &connWindow{start: now}
		cc.rates[a] = w
	}
	w.n++
	return w.n <= limit
}

func (cc *clientCounts) sweep(now time.Time) {
	for a, w := range cc.rates {
		if now.Sub(w.start) >= rateWindow {
			delete(cc.rates, a)
		}
	}
}

func (cc *clientCounts) add(a netip.Addr, d int) {
	if !a.IsValid() {
		return
	}
	n := clientNet(a)
	cc.perIP[a] += d
	cc.perNet[n] += d
	if cc.perIP[a] <= 0 {
		delete(cc.perIP, a)
	}
	if cc.perNet[n] <= 0 {
		delete(cc.perNet, n)
	}
}
