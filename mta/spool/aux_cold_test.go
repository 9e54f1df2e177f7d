package spool

import (
	"bytes"
	"fmt"
	"testing"
)

// TestScanAuxColdKeepsTheCacheSmall: a cold scan of a namespace larger
// than coldCache reads every entry but leaves at most coldCache in the
// block cache, where a plain scan fills it.
func TestScanAuxColdKeepsTheCacheSmall(t *testing.T) {
	s := openTemp(t)
	val := bytes.Repeat([]byte("v"), 4096)
	const n = 3000 // 12 MB of values, three times coldCache
	kvs := make([]KV, 0, n)
	for i := range n {
		kvs = append(kvs, KV{Key: []byte(fmt.Sprintf("k%05d", i)), Val: val})
	}
	if err := s.PutAuxAll("coldtest", kvs); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(); err != nil { // into tables: a memtable read never uses the cache
		t.Fatal(err)
	}
	count := func(scan func(string, []byte, func(k, v []byte) error) error) int {
		got := 0
		if err := scan("coldtest", nil, func(_, v []byte) error {
			if len(v) == len(val) {
				got++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := count(s.ScanAuxCold); got != n {
		t.Fatalf("cold scan read %d entries, want %d", got, n)
	}
	if size := s.cache.Size(); size > coldCache {
		t.Errorf("block cache holds %d bytes after a cold scan, want at most %d", size, coldCache)
	}
	if got := count(s.ScanAux); got != n {
		t.Fatalf("scan read %d entries, want %d", got, n)
	}
	if size := s.cache.Size(); size <= coldCache {
		t.Errorf("block cache holds %d bytes after a plain scan: the test does not tell the two apart", size)
	}
}
