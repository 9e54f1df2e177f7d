package shaping

import (
	"sync"
	"time"
)

// Coalesce is the span within which replies under one key are one event.
// A provider that changes its mind (halves its limit, starts throttling)
// answers every transaction in flight at that moment with the same reply,
// and those replies come back within about one transaction of each other:
// they say one thing once, however many sessions were open. A threshold
// of "20 in a minute" therefore means replies in 20 separate seconds of a
// minute, not one burst from 20 sessions. It is the adaptive loop's
// hold-off between two cuts (mta/adaptive), for the same reason.
const Coalesce = time.Second

// Threshold counts events per key so that an action fires only after
// N of them within a window ("after 5 such replies in 60 s"). A reply
// less than Coalesce after the last one counted under its key is part of
// that one's event and is not counted again.
type Threshold struct {
	mu   sync.Mutex
	hits map[string]*thresholdKey
}

type thresholdKey struct {
	counted []time.Time // the events within the window, oldest first
	last    time.Time   // the last reply counted (kept after firing)
}

// maxThresholdKeys bounds the memory of keys that never fire.
const maxThresholdKeys = 4096

// Hit counts one reply under key and reports whether it makes the n-th
// event within window; the count then starts again. n <= 1 fires at once.
func (t *Threshold) Hit(key string, n int, window time.Duration, now time.Time) bool {
	if n <= 1 {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hits == nil {
		t.hits = make(map[string]*thresholdKey)
	}
	k := t.hits[key]
	if k == nil {
		if len(t.hits) >= maxThresholdKeys {
			t.sweep(now)
		}
		k = &thresholdKey{}
		t.hits[key] = k
	}
	if !k.last.IsZero() && now.Sub(k.last) < Coalesce {
		return false // the same event as the last one counted
	}
	k.last = now
	cut := 0
	for cut < len(k.counted) && now.Sub(k.counted[cut]) > window {
		cut++
	}
	k.counted = append(k.counted[cut:], now)
	if len(k.counted) >= n {
		k.counted = nil
		return true
	}
	return false
}

// sweep drops the keys not hit for an hour.
func (t *Threshold) sweep(now time.Time) {
	for name, k := range t.hits {
		if now.Sub(k.last) > time.Hour {
			delete(t.hits, name)
		}
	}
}
