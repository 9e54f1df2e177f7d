package egress

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Source is a local address to send from, with the name to announce.
type Source struct {
	Name string
	Addr netip.Addr // zero: any local address
	EHLO string
}

// Member is a source in a pool with its weight.
type Member struct {
	Source *Source
	Weight int
}

// Pool is a weighted set of sources. Pick spreads traffic by weight with
// smooth weighted round robin (the nginx algorithm): deterministic, exact
// over any window of sum(weights) picks, and no bursts on one source.
type Pool struct {
	Name    string
	mu      sync.Mutex
	members []Member
	current []int
	total   int
}

// NewPool returns a pool of the given members; members with weight <= 0
// are left out.
func NewPool(name string, members []Member) *Pool {
	p := &Pool{Name: name}
	for _, m := range members {
		if m.Weight > 0 {
			p.members = append(p.members, m)
			p.total += m.Weight
		}
	}
	p.current = make([]int, len(p.members))
	return p
}

// Pick returns the next source, or nil for an empty pool. A source whose
// path is suspended keeps its share: its messages wait for it rather than
// move to another source behind the provider's back.
func (p *Pool) Pick() *Source {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.members) == 0 {
		return nil
	}
	best := 0
	for i, m := range p.members {
		p.current[i] += m.Weight
		if p.current[i] > p.current[best] {
			best = i
		}
	}
	p.current[best] -= p.total
	return p.members[best].Source
}

// Index returns the position in the pool of the source named name, or -1.
func (p *Pool) Index(name string) int {
	for i, m := range p.members {
		if m.Source.Name == name {
			return i
		}
	}
	return -1
}

// At returns the source at position i, or nil.
func (p *Pool) At(i int) *Source {
	if i < 0 || i >= len(p.members) {
		return nil
	}
	return p.members[i].Source
}

// Members returns the pool's sources and weights.
func (p *Pool) Members() []Member { return append([]Member(nil), p.members...) }

// CheckBind binds a throwaway TCP socket to the source's address, so that
// a source the host does not own is reported at start, naming the source,
// rather than as connection failures later.
func (s *Source) CheckBind() error {
	if !s.Addr.IsValid() {
		return nil
	}
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(s.Addr, 0)))
	if err != nil {
		return fmt.Errorf("egress: source %q cannot bind its address %s: %w", s.Name, s.Addr, err)
	}
	return ln.Close()
}
