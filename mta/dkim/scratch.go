package dkim

import (
	"crypto/sha256"
	"hash"
)

// scratch is the per-call working memory of a signature, pooled so that a
// steady stream of messages allocates little beyond the signatures.
type scratch struct {
	fields []field
	body   hash.Hash // relaxed body, shared by every key of a message
	head   hash.Hash // header data, one key at a time
	canon  []byte    // canonical text on its way to a hash
	enc    []byte    // base64 of a signature
	name   []byte
	bh     [sha256.Size]byte
	sum    [sha256.Size]byte

	// the expansion of a headerPlan over the message
	fname  []int    // per field: index in plan.names, or -1
	next   []int    // per name: fields below this index are still to pick
	hList  []string // the h= tag
	picked []int    // fields hashed, in h= order
}

func newScratch() *scratch {
	return &scratch{body: sha256.New(), head: sha256.New()}
}

// expand turns plan into the h= list and the fields it covers for the
// message in sc.fields: the first appearance of a name takes every instance,
// bottom-up as RFC 6376 section 5.4.2 orders them, and each further one adds
// an entry that finds no instance left.
func (sc *scratch) expand(p *headerPlan, hdr []byte) {
	sc.fname = sc.fname[:0]
	for _, f := range sc.fields {
		sc.name = fieldName(sc.name[:0], hdr, f)
		i, ok := p.index[string(sc.name)]
		if !ok {
			i = -1
		}
		sc.fname = append(sc.fname, i)
	}
	sc.next = sc.next[:0]
	for range p.names {
		sc.next = append(sc.next, len(sc.fields))
	}
	sc.hList, sc.picked = sc.hList[:0], sc.picked[:0]
	for _, e := range p.entries {
		for {
			fi := sc.pick(e.name)
			if fi >= 0 {
				sc.picked = append(sc.picked, fi)
			}
			if fi >= 0 || !e.first {
				sc.hList = append(sc.hList, p.names[e.name])
			}
			if fi < 0 || !e.first {
				break
			}
		}
	}
}

// pick returns the lowest field of the name not yet picked, or -1.
func (sc *scratch) pick(name int) int {
	for i := sc.next[name] - 1; i >= 0; i-- {
		if sc.fname[i] == name {
			sc.next[name] = i
			return i
		}
	}
	sc.next[name] = 0
	return -1
}
