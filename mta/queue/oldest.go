package queue

import (
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Oldest returns, per queue that holds items, the reception time of its
// oldest item. It walks every item under the scheduler's lock (a few
// milliseconds per million items): for a dashboard's refresh, never for
// the delivery path.
func (s *Scheduler) Oldest() map[message.QueueKey]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[message.QueueKey]time.Time, len(s.queues))
	for _, q := range s.queues {
		var oldest time.Time
		for _, it := range q.items {
			if t := it.Received(); oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		if !oldest.IsZero() {
			out[q.Key] = oldest
		}
	}
	return out
}
