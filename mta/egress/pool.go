package egress

import (
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

// Pick returns the next source, or nil for an empty pool.
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

// Members returns the pool's sources and weights.
func (p *Pool) Members() []Member { return append([]Member(nil), p.members...) }
