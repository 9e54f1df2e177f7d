package shaping

import (
	"sync"
	"time"
)

// Threshold counts responses per key so that an action fires only after
// N of them within a window ("after 5 such replies in 60 s").
type Threshold struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

// maxThresholdKeys bounds the memory of keys that never fire.
const maxThresholdKeys = 4096

// Hit counts one response under key and reports whether it is the n-th
// within window; the count then starts again. n <= 1 fires at once.
func (t *Threshold) Hit(key string, n int, window time.Duration, now time.Time) bool {
	if n <= 1 {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hits == nil {
		t.hits = make(map[string][]time.Time)
	}
	h := t.hits[key]
	cut := 0
	for cut < len(h) && now.Sub(h[cut]) > window {
		cut++
	}
	h = append(h[cut:], now)
	if len(h) >= n {
		delete(t.hits, key)
		return true
	}
	t.hits[key] = h
	if len(t.hits) > maxThresholdKeys {
		t.sweep(now)
	}
	return false
}

// sweep drops the keys not hit for an hour.
func (t *Threshold) sweep(now time.Time) {
	for k, h := range t.hits {
		if now.Sub(h[len(h)-1]) > time.Hour {
			delete(t.hits, k)
		}
	}
}
