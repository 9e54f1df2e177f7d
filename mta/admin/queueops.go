package admin

import (
	"net/http"

	"github.com/wasmta/wasmta/mta/message"
)

func registerQueueOps(s *Server) {
	s.Handle("POST /v1/bounce", s.bounce)
	s.Handle("POST /v1/rebind", s.rebind)
}

// BounceRequest is the body of POST /v1/bounce.
type BounceRequest struct {
	message.Selector
	Reason string `json:"reason,omitempty"`
}

// RebindRequest is the body of POST /v1/rebind.
type RebindRequest struct {
	message.Selector
	Pool string `json:"pool"`
}

// selectorOf checks an operation's filter; an operation on everything must be
// asked for with a filter, never by leaving it out.
func (s *Server) selectorOf(sel message.Selector) (message.Selector, error) {
	sel, err := s.CheckSelector(sel)
	if err != nil {
		return sel, err
	}
	if sel.Empty() {
		return sel, Errorf(http.StatusBadRequest, "no filter: give a tenant, a campaign or a domain")
	}
	return sel, nil
}

// bounce answers POST /v1/bounce: every queued recipient that the filter
// matches ends with an AdminBounce record.
func (s *Server) bounce(r *http.Request) (any, error) {
	var req BounceRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if len(req.Reason) > 1000 {
		return nil, Errorf(http.StatusBadRequest, "reason is longer than 1000 characters")
	}
	sel, err := s.selectorOf(req.Selector)
	if err != nil {
		return nil, err
	}
	return Affected(s.eng.Bounce(sel, req.Reason)), nil
}

// rebind answers POST /v1/rebind: matching queued mail goes out through
// another pool from its next attempt on.
func (s *Server) rebind(r *http.Request) (any, error) {
	var req RebindRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if req.Pool == "" {
		return nil, Errorf(http.StatusBadRequest, "pool is missing")
	}
	if !s.eng.HasPool(req.Pool) {
		return nil, Errorf(http.StatusNotFound, "unknown pool %q", req.Pool)
	}
	sel, err := s.selectorOf(req.Selector)
	if err != nil {
		return nil, err
	}
	a, err := s.eng.Rebind(r.Context(), sel, req.Pool)
	return Affected(a), err
}
