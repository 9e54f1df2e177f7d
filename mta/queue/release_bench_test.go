package queue

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// BenchmarkParkRelease parks b.N items in one queue, behind none or 100
// deferred retries, and releases them one at a time, as jobs leaving a
// full path do, each handed out before the next release.
func BenchmarkParkRelease(b *testing.B) {
	for _, retries := range []int{0, 100} {
		b.Run(fmt.Sprintf("retries=%d", retries), func(b *testing.B) { benchParkRelease(b, retries) })
	}
}

func benchParkRelease(b *testing.B, retries int) {
	s := New(func(message.QueueKey, *Item) {})
	k := message.QueueKey{Domain: "full.example"}
	now := time.Now()
	for i := range retries {
		s.Add(k, NewItem(idAt(i), []uint16{0}, 1, now.Add(time.Hour)))
	}
	items := make([]*Item, b.N)
	for i := range items {
		items[i] = NewItem(idAt(1000+i), []uint16{0}, 0, now)
	}
	b.ResetTimer()
	for i, it := range items {
		s.AddParked(k, it, now.Add(2*time.Hour+time.Duration(i)*20*time.Millisecond))
	}
	batch := make([]*Item, 0, 256)
	for range items {
		s.Release(k, 1)
		s.takeDue(batch[:0]) // as Run hands the released item out
	}
}
