package tables

import (
	"hash/maphash"
	"sync"
)

// cache is an LRU of rows, keyed by (data set, key), bounded in bytes and
// sharded so that concurrent lookups rarely share a lock. A miss is cached
// too (val nil, found false): a block list is mostly asked about keys it
// does not hold. Data sets never change, so entries are never stale; an
// old data set's entries age out.
type cache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards   = 16
	entryOverhead = 96 // map slot, list links, headers: a rough per-entry cost
)

type cacheKey struct {
	data uint64
	key  string
}

type entry struct {
	k          cacheKey
	val        []byte
	found      bool
	prev, next *entry
}

type cacheShard struct {
	mu    sync.Mutex
	m     map[cacheKey]*entry
	head  entry // sentinel: head.next is the most recent
	bytes int64
	max   int64
}

func newCache(maxBytes int64) *cache {
	c := &cache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		s := &c.shards[i]
		s.m = make(map[cacheKey]*entry)
		s.head.next, s.head.prev = &s.head, &s.head
		s.max = maxBytes / cacheShards
	}
	return c
}

func (c *cache) shard(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

// get returns the cached answer for (data, key). key may alias memory the
// caller does not own: it is not kept.
func (c *cache) get(data uint64, key string) (val []byte, found, ok bool) {
	s := c.shard(key)
	s.mu.Lock()
	e := s.m[cacheKey{data, key}]
	if e != nil {
		s.unlink(e)
		s.pushFront(e)
		val, found = e.val, e.found
	}
	s.mu.Unlock()
	return val, found, e != nil
}

// put caches an answer; key is copied.
func (c *cache) put(data uint64, key string, val []byte, found bool) {
	s := c.shard(key)
	size := int64(len(key)+len(val)) + entryOverhead
	if size > s.max {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[cacheKey{data, key}]; ok {
		return
	}
	e := &entry{k: cacheKey{data, string([]byte(key))}, val: val, found: found}
	s.m[e.k] = e
	s.pushFront(e)
	s.bytes += size
	for s.bytes > s.max {
		old := s.head.prev
		s.unlink(old)
		delete(s.m, old.k)
		s.bytes -= int64(len(old.k.key)+len(old.val)) + entryOverhead
	}
}

func (s *cacheShard) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (s *cacheShard) pushFront(e *entry) {
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}
