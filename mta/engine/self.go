package engine

import (
	"net"
	"net/netip"
	"sync/atomic"
)

// selfSet is where this MTA accepts SMTP: delivery must never connect
// there (the message would come back in and be routed out again). A
// listener on an unspecified address (0.0.0.0, ::) takes its port on
// every local address.
type selfSet struct {
	exact map[netip.AddrPort]bool
	ports map[uint16]bool // ports of listeners on an unspecified address
	local map[netip.Addr]bool
	first netip.AddrPort // the first listener's address
}

// selfAddrs holds the selfSet once the listeners are up.
type selfAddrs struct{ v atomic.Pointer[selfSet] }

// set records the bound addresses of the SMTP listeners.
func (s *selfAddrs) set(lns []net.Listener) {
	set := &selfSet{exact: map[netip.AddrPort]bool{}, ports: map[uint16]bool{}, local: map[netip.Addr]bool{}}
	for _, ln := range lns {
		ta, ok := ln.Addr().(*net.TCPAddr)
		if !ok {
			continue
		}
		ap := ta.AddrPort()
		if !set.first.IsValid() {
			set.first = ap
		}
		a := ap.Addr().Unmap()
		if a.IsUnspecified() {
			set.ports[ap.Port()] = true
			continue
		}
		set.exact[netip.AddrPortFrom(a, ap.Port())] = true
	}
	if len(set.ports) > 0 {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, ia := range addrs {
				if pn, ok := ia.(*net.IPNet); ok {
					if a, ok := netip.AddrFromSlice(pn.IP); ok {
						set.local[a.Unmap()] = true
					}
				}
			}
		}
	}
	s.v.Store(set)
}

// is reports whether ap is one of the SMTP listeners.
func (s *selfAddrs) is(ap netip.AddrPort) bool {
	set := s.v.Load()
	if set == nil {
		return false
	}
	a := ap.Addr().Unmap()
	if set.exact[netip.AddrPortFrom(a, ap.Port())] {
		return true
	}
	return set.ports[ap.Port()] && (a.IsLoopback() || a.IsUnspecified() || set.local[a])
}

// first returns the first SMTP listener's address, once they are up.
func (s *selfAddrs) first() (netip.AddrPort, bool) {
	set := s.v.Load()
	if set == nil || !set.first.IsValid() {
		return netip.AddrPort{}, false
	}
	return set.first, true
}
