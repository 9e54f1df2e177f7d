// Package bloom is a Bloom filter sized for a number of entries (10 bits
// and 7 probes each, about 1% false positives), safe for concurrent adds
// and tests: it answers "certainly absent" without touching the store
// behind it (suppression lists, table loads checking for duplicate keys).
package bloom

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// Filter is a Bloom filter safe for concurrent adds and tests: bits are set
// with atomic OR, so a test never takes a lock.
type Filter struct {
	seed  maphash.Seed
	words []atomic.Uint64
	m     uint64 // bits
	n     atomic.Int64
}

const (
	bitsPerEntry = 10
	probes       = 7
)

// New sizes a filter for capacity entries (at least 64K).
func New(capacity int) *Filter {
	m := uint64(max(capacity, 1<<16)) * bitsPerEntry
	m = (m + 63) &^ 63
	return &Filter{seed: maphash.MakeSeed(), words: make([]atomic.Uint64, m/64), m: m}
}

func (b *Filter) hash(key string) (uint64, uint64) {
	h := maphash.String(b.seed, key)
	return h, bits.RotateLeft64(h, 32) | 1 // the second hash is odd: probes visit distinct bits
}

// Add adds key.
func (b *Filter) Add(key string) {
	h1, h2 := b.hash(key)
	for i := range uint64(probes) {
		bit := (h1 + i*h2) % b.m
		b.words[bit/64].Or(1 << (bit % 64))
	}
	b.n.Add(1)
}

// MayContain reports false when key was certainly never added.
func (b *Filter) MayContain(key string) bool {
	h1, h2 := b.hash(key)
	for i := range uint64(probes) {
		bit := (h1 + i*h2) % b.m
		if b.words[bit/64].Load()&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// Full reports whether the filter holds more entries than it was sized
// for: its false positives then grow, and it should be rebuilt larger.
func (b *Filter) Full() bool { return b.n.Load()*bitsPerEntry > int64(b.m) }
