package intake

import "sync/atomic"

// Budget bounds the message data all front doors hold in memory at once:
// SMTP sessions buffering DATA, HTTP requests and the messages they
// build. A door reserves bytes before it buffers them and releases them
// when the message is spooled or refused; when a reservation fails it
// refuses the message as temporarily short of storage (SMTP 452 4.3.1,
// HTTP 503) instead of growing the process past the budget. A nil *Budget
// has no limit.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of max bytes; nil when max <= 0 (no limit).
func NewBudget(max int64) *Budget {
	if max <= 0 {
		return nil
	}
	return &Budget{max: max}
}

// Reserve takes n bytes when they fit, and reports whether they did.
func (b *Budget) Reserve(n int64) bool {
	if b == nil || n <= 0 {
		return true
	}
	for {
		used := b.used.Load()
		if used+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// Release gives back n reserved bytes.
func (b *Budget) Release(n int64) {
	if b != nil && n > 0 {
		b.used.Add(-n)
	}
}

// Free returns the bytes not reserved (a large number when there is no
// limit).
func (b *Budget) Free() int64 {
	if b == nil {
		return 1 << 62
	}
	return b.max - b.used.Load()
}

// Used returns the bytes reserved.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Meter is one message's reservation, grown as its buffers grow. It is
// used by one goroutine at a time.
type Meter struct {
	b    *Budget
	held int64
}

// Meter returns an empty reservation against b.
func (b *Budget) Meter() Meter { return Meter{b: b} }

// Hold makes the reservation at least n bytes, and reports whether the
// budget had them (when not, the reservation is unchanged). A nil *Meter
// holds anything.
func (m *Meter) Hold(n int64) bool {
	if m == nil {
		return true
	}
	if d := n - m.held; d > 0 {
		if !m.b.Reserve(d) {
			return false
		}
		m.held = n
	}
	return true
}

// Held returns the bytes reserved.
func (m *Meter) Held() int64 { return m.held }

// Release gives the whole reservation back.
func (m *Meter) Release() {
	m.b.Release(m.held)
	m.held = 0
}
