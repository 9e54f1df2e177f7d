package engine

import (
	"slices"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/shaping"
)

// heldBy returns the suspension that holds recipient i of m back, if one
// does: one whose parked items include it (it met the suspension on its
// path), or one that covers its tenant, campaign or domain (it will meet
// it when due). Inspect shows such a recipient as held until the
// suspension ends, rather than as due at a time long past.
func (e *Engine) heldBy(m *message.Message, i int) (shaping.Action, bool) {
	reg := e.ctl.reg
	sub := shaping.Subject{Tenant: m.Tenant, Campaign: m.Campaign, Domain: m.Recipients[i].Domain()}
	if a, ok := reg.Suspended(sub); ok {
		return a, true
	}
	pk := &e.ctl.parked
	pk.mu.Lock()
	defer pk.mu.Unlock()
	for id, items := range pk.byAction {
		for it := range items {
			if it.ID != m.ID || !slices.Contains(it.Rcpts, uint16(i)) {
				continue
			}
			if a, ok := reg.Get(id); ok && a.Kind == shaping.Suspend {
				return a, true
			}
		}
	}
	return shaping.Action{}, false
}
