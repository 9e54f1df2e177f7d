package adaptive

import "time"

// meterSlots is the window of the send meter, in seconds.
const meterSlots = 5

// meter counts events per second over the last meterSlots seconds.
type meter struct {
	count [meterSlots]int
	sec   [meterSlots]int64 // the Unix second each slot counts
	first time.Time
}

func (m *meter) add(now time.Time) {
	if m.first.IsZero() {
		m.first = now
	}
	s := now.Unix()
	i := int(s % meterSlots)
	if m.sec[i] != s {
		m.sec[i], m.count[i] = s, 0
	}
	m.count[i]++
}

// last returns the events of the current second and the secs-1 before.
func (m *meter) last(now time.Time, secs int64) int {
	s, n := now.Unix(), 0
	for i := range meterSlots {
		if s-m.sec[i] < secs && m.sec[i] <= s {
			n += m.count[i]
		}
	}
	return n
}

// rate returns the events per second over the window (or over the time
// since the first event, when that is shorter, and at least a second).
func (m *meter) rate(now time.Time) float64 { return m.rateOver(now, meterSlots) }

// rateOver is rate over the last secs seconds (at most the window).
func (m *meter) rateOver(now time.Time, secs int64) float64 {
	if m.first.IsZero() {
		return 0
	}
	n := m.last(now, secs)
	// The current second is partly over: the span is the secs-1 whole
	// seconds before it and the part of it gone by.
	span := time.Duration(secs-1)*time.Second + now.Sub(now.Truncate(time.Second))
	span = min(span, now.Sub(m.first))
	return float64(n) / max(span, time.Second).Seconds()
}
