package reputation

import "time"

// In a fleet (mta/fleet) every node publishes its own windows and reads
// the other nodes'; what select_pool reads (Input) is the sum, so a
// complaint counted on node B weighs on node A's decisions. The
// Prometheus collector stays per node, so that sums over nodes in
// Prometheus do not count twice.

// Window is one key's counts over the last hour and the last day.
type Window struct {
	Key  Key    `json:"key"`
	Hour Counts `json:"hour"`
	Day  Counts `json:"day"`
}

// Own returns this node's windows (keys idle for a day are dropped).
func (t *Tracker) Own() []Window {
	snap := t.snapshot()
	out := make([]Window, 0, len(snap))
	for k, w := range snap {
		out = append(out, Window{Key: k, Hour: w[0], Day: w[1]})
	}
	return out
}

// SetOthers replaces what the other nodes of the fleet counted.
func (t *Tracker) SetOthers(ws []Window) {
	m := make(map[Key][2]Counts, len(ws))
	for _, w := range ws {
		c := m[w.Key]
		sum(&c[0], w.Hour)
		sum(&c[1], w.Day)
		m[w.Key] = c
	}
	t.mu.Lock()
	t.others = m
	t.mu.Unlock()
}

// fleetWindowsLocked is Windows at now plus the other nodes' counts;
// callers hold t.mu.
func (t *Tracker) fleetWindowsLocked(k Key, now time.Time) (hour, day Counts) {
	if s := t.m[k]; s != nil {
		hour, day = s.windows(now)
	}
	if o, ok := t.others[k]; ok {
		sum(&hour, o[0])
		sum(&day, o[1])
	}
	return hour, day
}
