package engine

import (
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/shaping"
)

// An operator who sees "learned 4 connections" must be able to tell
// whether the policy's ceiling holds the path there, a refused connection
// cut it, or a classify action caps it. PathStatus puts each learned
// limit beside the preset and the policy's floor and ceiling, with its
// state (mta/adaptive, Status), its last cut (signal, time, reply) and the
// live action that overrides it, if any: what `wasmta queue summary`, the
// admin API and the metrics show per path.

// StateOverridden is the state of a limit that a live action (a classify
// action, an operator's `shape set`) sets below or above what the path
// learned: the action's limit is in force until it ends.
const StateOverridden = "overridden"

// LimitView is one limit of a path: the shape hook's preset, the policy's
// bounds, the learned value and the one in force after live overrides.
// Connections and messages per connection are counts, the rate messages
// per second over all the path's connections; 0 is no limit (Ceiling:
// none).
type LimitView struct {
	Limit    string // connections, rate, messages_per_connection
	Preset   float64
	Floor    float64
	Ceiling  float64
	Learned  float64
	InForce  float64
	State    string     // an adaptive.State, or StateOverridden
	Since    *time.Time // the learned value's last change
	LastCut  *CutView
	Override *ActionRef // the live action that sets the value in force
}

// CutView is the last cut of a learned limit.
type CutView struct {
	Signal string // rate_limited, refused, timeout
	At     time.Time
	From   float64
	To     float64
	Why    string // the reply or the error behind it
}

// ActionRef names a live action (mta/shaping).
type ActionRef struct {
	ID       string
	Kind     string // suspend, shape
	Origin   string // policy (a classify action), admin (an operator)
	Category string // the classify category behind a policy action
	Reason   string
	Until    time.Time
}

// Adaptation is the loop's parameters in force on a path (the shape
// hook's adapt_*, defaults filled).
type Adaptation struct {
	Off            bool
	ConnectionStep int
	RateStep       float64 // messages per second per quiet period
	Factor         float64
	Quiet          time.Duration
	Signals        []string // the signals that cut
}

// PathStatus is one path's limits as PathInfo carries them.
type PathStatus struct {
	Limits      []LimitView // connections, rate, messages per connection
	Adaptation  Adaptation
	SuspendedBy *ActionRef // the suspension that holds the path, if any
}

func refOf(a shaping.Action) *ActionRef {
	return &ActionRef{ID: a.ID, Kind: string(a.Kind), Origin: string(a.Origin), Category: a.Category,
		Reason: a.Reason, Until: a.Expires}
}

// pathStatus reads a path's learned limits and the live actions on it.
func (e *Engine) pathStatus(p *egress.Path) PathStatus {
	st, before, inForce := p.Status()
	sub := pathSubject(p)
	ps := PathStatus{Adaptation: adaptationOf(st.Params)}
	if a, ok := e.ctl.reg.Suspended(sub); ok && a.Select.PathLevel() {
		ps.SuspendedBy = refOf(a)
	}
	by := overriders(e.ctl.reg.PathActions(sub), before)
	for i, ls := range st.Limits {
		v := LimitView{Limit: ls.Limit.String(), Preset: ls.Preset, Floor: ls.Floor, Ceiling: ls.Ceiling,
			Learned: ls.Learned, InForce: shapeValue(inForce, ls.Limit), State: string(ls.State)}
		if !ls.Since.IsZero() {
			v.Since = &ls.Since
		}
		if c := ls.LastCut; c != nil {
			v.LastCut = &CutView{Signal: c.Signal.String(), At: c.At, From: c.From, To: c.To, Why: c.Why}
		}
		if a := by[i]; a != nil && v.InForce != shapeValue(before, ls.Limit) {
			v.Override, v.State = refOf(*a), StateOverridden
		}
		ps.Limits = append(ps.Limits, v)
	}
	return ps
}

// overriders replays the path's shape actions on the shape before
// overrides, in the order the registry applies them, and returns per
// limit the last action that changed its value.
func overriders(actions []shaping.Action, s policy.Shape) [3]*shaping.Action {
	var by [3]*shaping.Action
	for i := range actions {
		next := actions[i].Shape.Apply(s)
		for l := adaptive.LimitConnections; l <= adaptive.LimitPerConn; l++ {
			if shapeValue(next, l) != shapeValue(s, l) {
				by[l] = &actions[i]
			}
		}
		s = next
	}
	return by
}

// shapeValue is the value of one limit in a shape.
func shapeValue(s policy.Shape, l adaptive.Limit) float64 {
	switch l {
	case adaptive.LimitConnections:
		return float64(s.MaxConnections)
	case adaptive.LimitRate:
		return s.MessagesPerSecond
	}
	return float64(s.MessagesPerConn)
}

func adaptationOf(p adaptive.Params) Adaptation {
	var sig []string
	if p.Signals != 0 {
		sig = strings.Split(p.Signals.String(), ",")
	}
	return Adaptation{Off: p.Off, ConnectionStep: p.ConnStep, RateStep: p.RateStep, Factor: p.Factor,
		Quiet: p.Quiet, Signals: sig}
}
