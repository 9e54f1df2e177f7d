package adaptive

import (
	"strings"
	"time"
)

// What an operator asks of a learned limit is where it sits against the
// policy's bounds and why it sits there: "learned 4 connections" alone
// does not say whether the policy's ceiling holds it there or a refused
// connection cut it. A Controller keeps, per limit, its last change and
// its last cut (with the signal and the reply or error behind it), and
// Status reads them with the bounds in force. PowerMTA shows a queue's
// backoff mode and KumoMTA a ready queue's TSA state in the same spirit.

// Limit names one of the three limits a path learns.
type Limit int

// The limits, in the order Status returns them.
const (
	LimitConnections Limit = iota
	LimitRate
	LimitPerConn
	numLimits
)

// String returns the limit's name in the admin API and metrics.
func (l Limit) String() string {
	return [...]string{"connections", "rate", "messages_per_connection"}[l]
}

// String returns the signal's name (the ABI's SIGNAL_* without the
// prefix, lower case); a set names each of its signals, comma-separated.
func (s Signal) String() string {
	var names []string
	for _, n := range []struct {
		s    Signal
		name string
	}{{RateLimited, "rate_limited"}, {Refused, "refused"}, {Timeout, "timeout"}} {
		if s&n.s != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// Cause says what moved a limit.
type Cause string

// Causes of a change.
const (
	CauseRaise       Cause = "raise"       // the limit held the path back without a signal: slow start, a step, the recovery after a cut
	CauseCut         Cause = "cut"         // a throttling signal (Change.Signal)
	CauseDestination Cause = "destination" // the destination's own count of messages per session (perconn.go)
	CausePolicy      Cause = "policy"      // the shape hook's preset or bounds changed (Reset)
	CauseRestored    Cause = "restored"    // limits remembered before a restart, decayed toward the preset (Restore)
	CauseCold        Cause = "cold"        // a new path opens below its preset and slow-starts (Cold)
)

// Change is one move of a limit.
type Change struct {
	At     time.Time
	From   float64 // 0: no limit
	To     float64
	Cause  Cause
	Signal Signal // the signal behind a cut
	Why    string // the reply or error behind a cut, when the caller gave it (SignalWhy)
}

// State is where a learned limit sits and why, as Status derives it.
type State string

// States of a learned limit.
const (
	StateFixed       State = "fixed"             // adapt_off: the preset is in force
	StateUnlimited   State = "unlimited"         // no limit (a rate or a messages per connection of 0)
	StatePreset      State = "preset"            // not moved since the path started
	StateRestored    State = "restored"          // as remembered across a restart, not moved since
	StatePolicy      State = "policy"            // moved by a new preset or new bounds, not since
	StateSlowStart   State = "slow_start"        // growing by half per round: never cut yet
	StateRecovering  State = "recovering"        // the rate returns to the level its last cut found
	StateGrowing     State = "growing"           // growing by steps (probing above a level found)
	StateCut         State = "cut"               // last moved by a cut (LastCut), not raised since
	StateAtCeiling   State = "at_ceiling"        // at the policy's ceiling: raises stop there
	StateAtFloor     State = "at_floor"          // at the policy's floor (cut there, restored or set there): cuts stop there
	StateDestination State = "destination_count" // messages per connection: the destination's own count
)

// LimitStatus is one learned limit against the policy's bounds. Counts
// and rates share float64 (connections and messages per connection are
// whole); 0 is no limit (Ceiling: none).
type LimitStatus struct {
	Limit   Limit
	Preset  float64 // the shape hook's value
	Floor   float64
	Ceiling float64
	Learned float64 // in force before live overrides (the preset when adaptation is off)
	State   State
	Since   time.Time // the last change (zero: none since the path started)
	LastCut *Change   // the last cut, nil if none
}

// Status is a controller's state for operators.
type Status struct {
	Limits [numLimits]LimitStatus
	Params Params // the parameters in force, defaults filled
}

// history is what Status reads: each limit's last change and last cut.
type history struct {
	last [numLimits]Change
	cut  [numLimits]Change
}

func (l Limits) get(i Limit) float64 {
	switch i {
	case LimitConnections:
		return float64(l.Conns)
	case LimitRate:
		return l.Rate
	}
	return float64(l.PerConn)
}

// note records the limits that moved from old to the controller's
// current ones.
func (c *Controller) note(old Limits, now time.Time, cause Cause, s Signal, why string) {
	for i := range numLimits {
		from, to := old.get(i), c.cur.get(i)
		if from == to {
			continue
		}
		ch := Change{At: now, From: from, To: to, Cause: cause}
		if cause == CauseCut {
			ch.Signal, ch.Why = s, why
		}
		c.hist.last[i] = ch
		if cause == CauseCut {
			c.hist.cut[i] = ch
		}
	}
}

// Status returns each limit against its bounds, with its state and last
// cut.
func (c *Controller) Status() Status {
	st := Status{Params: c.p}
	in := c.Limits()
	bounds := [numLimits][2]float64{
		{float64(c.p.MinConns), float64(c.p.MaxConns)},
		{c.p.MinRate, c.p.MaxRate},
		{float64(c.p.MinPerConn), float64(c.p.MaxPerConn)},
	}
	for i := range numLimits {
		ls := LimitStatus{Limit: i, Preset: c.preset.get(i), Floor: bounds[i][0], Ceiling: bounds[i][1],
			Learned: in.get(i), Since: c.hist.last[i].At}
		if cut := c.hist.cut[i]; !cut.At.IsZero() {
			ls.LastCut = &cut
		}
		ls.State = c.state(i, ls)
		st.Limits[i] = ls
	}
	return st
}

func (c *Controller) state(i Limit, ls LimitStatus) State {
	last := c.hist.last[i]
	switch {
	case c.p.Off:
		return StateFixed
	case ls.Learned <= 0:
		return StateUnlimited
	case i == LimitPerConn && c.perConnFound && ls.Learned > ls.Floor && (ls.Ceiling <= 0 || ls.Learned < ls.Ceiling):
		return StateDestination
	case ls.Ceiling > 0 && ls.Learned >= ls.Ceiling:
		return StateAtCeiling
	case ls.Learned <= ls.Floor && last.Cause != CauseCold && last.Cause != CauseRaise:
		// (A new path opening at the floor is slow-starting from it.)
		return StateAtFloor
	}
	switch last.Cause {
	case CauseCut:
		return StateCut
	case CauseDestination:
		return StateDestination
	case CausePolicy:
		return StatePolicy
	case CauseRestored:
		return StateRestored
	case CauseCold, CauseRaise:
		found := map[Limit]bool{LimitConnections: c.connsFound, LimitRate: c.rateFound, LimitPerConn: true}[i]
		switch {
		case !found:
			return StateSlowStart
		case i == LimitRate && c.cur.Rate < c.rateMax:
			return StateRecovering
		}
		return StateGrowing
	}
	return StatePreset
}
