package spool

import (
	"sync"

	"github.com/wasmta/wasmta/mta/message"
)

// stated remembers the IDs minted by this process whose recipient states
// were ever written. Delete looks for state keys (an iterator, about a tenth
// of a relayed message's CPU) only for those and for IDs it did not mint:
// a minted ID outside the set was Put by this process and never got a state.
// Entries live from the first SetStates to the Delete, so the set holds the
// deferred messages received since the start, a few dozen bytes each.
type stated struct {
	mu  sync.Mutex
	ids map[message.ID]struct{}
}

func (st *stated) add(id message.ID) {
	if !id.Minted() {
		return
	}
	st.mu.Lock()
	if st.ids == nil {
		st.ids = make(map[message.ID]struct{})
	}
	st.ids[id] = struct{}{}
	st.mu.Unlock()
}

// stateless reports whether id was minted here and never got a state, and
// forgets it.
func (st *stated) stateless(id message.ID) bool {
	if !id.Minted() {
		return false
	}
	st.mu.Lock()
	_, had := st.ids[id]
	delete(st.ids, id)
	st.mu.Unlock()
	return !had
}
