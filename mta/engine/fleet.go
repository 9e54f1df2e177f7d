package engine

import (
	"net"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/mta/fleet"
)

// The engine's side of a fleet (mta/fleet): with Options.Fleet set, the
// live actions of the registry are shared, and the node's heartbeat says
// how many messages it holds and whether it takes mail.

// fleetStartWait bounds how long a start waits for Redis before going on
// with what the spool holds.
const fleetStartWait = 5 * time.Second

// Fleet returns the node's fleet, or nil when it is alone.
func (e *Engine) Fleet() *fleet.Fleet { return e.opts.Fleet }

// startFleet joins the fleet once the stored actions are loaded and
// before anything is delivered, so that the first delivery already obeys
// the fleet's actions and policies.
func (e *Engine) startFleet() {
	f := e.opts.Fleet
	if f == nil {
		return
	}
	f.ShareActions(e.ctl.reg)
	e.shareSuppression(f)
	e.shareReputation(f)
	f.SetStatus(e.fleetStatus)
	f.Start(fleetStartWait)
}

// fleetStatus is what the heartbeat says about this node.
func (e *Engine) fleetStatus() fleet.NodeStatus {
	s := fleet.NodeStatus{Version: e.opts.Version, Health: "ok"}
	for _, n := range e.ScheduledByTenant() {
		s.Queued += n
	}
	for _, p := range e.ready.Paths() {
		s.Ready += p.Len()
	}
	if err := e.Ready(); err != nil {
		s.Health = err.Error()
	}
	if a, ok := e.self.first(); ok {
		s.SMTP = a.String()
		if a.Addr().IsUnspecified() { // listening everywhere: the others reach it by name
			s.SMTP = net.JoinHostPort(e.conf().Hostname, strconv.Itoa(int(a.Port())))
		}
	}
	if a := e.conf().Admin.Listen; a.IsValid() {
		s.Admin = a.String()
	}
	return s
}

// closeFleet leaves the fleet: after delivery stopped, before the
// registry closes (the last local changes are written first).
func (e *Engine) closeFleet() {
	if f := e.opts.Fleet; f != nil {
		if err := f.Close(); err != nil {
			e.log.Warn("fleet: close", "err", err)
		}
	}
}

// shareSuppression shares the suppression lists: an entry added on any
// node refuses the recipient at RCPT on every node.
func (e *Engine) shareSuppression(f *fleet.Fleet) { f.ShareSuppression(e.fb.suppress) }

// shareReputation makes select_pool's reputation input the fleet's.
func (e *Engine) shareReputation(f *fleet.Fleet) { f.ShareReputation(e.fb.rep) }
