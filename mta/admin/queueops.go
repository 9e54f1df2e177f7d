package admin

import (
	"net/http"

	"github.com/wasmta/wasmta/mta/message"
)

func registerQueueOps(s *Server) {
	s.Handle("POST /v1/bounce", s.afterRebuild(s.bounce))
	s.Handle("POST /v1/rebind", s.afterRebuild(s.rebind))
}

// afterRebuild answers 503 while the queues are still being rebuilt from
// the spool at start. The listeners accept mail before the rebuild ends,
// so a command over the queues would act on the messages rebuilt so far
// only: a bounce by tenant would report fewer and leave the rest to be
// delivered, a delete could miss a message the rebuild then queues.
func (s *Server) afterRebuild(h HandlerFunc) HandlerFunc {
	return func(r *http.Request) (any, error) {
		if s.rebuilding() {
			return nil, Errorf(http.StatusServiceUnavailable,
				"the queues are still being rebuilt from the spool after the start; retry in a few seconds")
		}
		return h(r)
	}
}

// rebuilding reports whether the start's queue rebuild is still running.
func (s *Server) rebuilding() bool {
	if h := s.rebuildingHook.Load(); h != nil {
		return (*h)()
	}
	select {
	case <-s.eng.Rebuilt():
		return false
	default:
		return true
	}
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
