package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/shaping"
)

// registerControl adds the live traffic-control endpoints: suspensions and
// shaping overrides by tenant, campaign, domain, provider, site or source,
// each with an expiry and a reason, listed and cancelled alongside those
// that policies made (mta/shaping holds them; the engine applies them
// within the second).
//
//	GET    /v1/actions        {"actions": [shaping.Action...]}
//	POST   /v1/actions        ActionRequest -> AddResult
//	GET    /v1/actions/{id}   shaping.Action
//	DELETE /v1/actions/{id}   ?reason=TEXT -> the shaping.Action cancelled
//	POST   /v1/resume         ResumeRequest -> {"cancelled": [shaping.Action...]}
//
// Client is their Go client (the CLI and cmd/wasmta-demo use it).
func registerControl(s *Server) {
	c := &controlAPI{reg: s.Engine().Shaping()}
	s.Handle("GET /v1/actions", c.list)
	s.Handle("POST /v1/actions", c.add)
	s.Handle("GET /v1/actions/{id}", c.get)
	s.Handle("DELETE /v1/actions/{id}", c.cancel)
	s.Handle("POST /v1/resume", c.resume)
}

type controlAPI struct{ reg *shaping.Registry }

func (c *controlAPI) list(*http.Request) (any, error) {
	return map[string][]shaping.Action{"actions": c.reg.List()}, nil
}

// add starts an action; asking again for an active one moves its expiry
// (Added false) rather than stacking a second one.
func (c *controlAPI) add(r *http.Request) (any, error) {
	var req ActionRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if err := checkFor(req.For); err != nil {
		return nil, err
	}
	if err := checkActionSelector(req.Select); err != nil {
		return nil, err
	}
	if len(req.Reason) > 1000 {
		return nil, Errorf(http.StatusBadRequest, "reason is longer than 1000 characters")
	}
	now := time.Now()
	a, added, err := c.reg.Add(shaping.Action{Kind: req.Kind, Select: req.Select, Shape: req.Shape,
		Reason: req.Reason, Origin: shaping.OriginAdmin, Created: now, Expires: now.Add(time.Duration(req.For))})
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "%v", err)
	}
	return AddResult{Action: a, Added: added}, nil
}

func (c *controlAPI) get(r *http.Request) (any, error) {
	a, ok := c.reg.Get(r.PathValue("id"))
	if !ok {
		return nil, Errorf(http.StatusNotFound, "no active action %q", r.PathValue("id"))
	}
	return a, nil
}

func (c *controlAPI) cancel(r *http.Request) (any, error) {
	a, err := c.reg.Cancel(r.PathValue("id"), cancelReason(r.URL.Query().Get("reason")))
	if errors.Is(err, shaping.ErrNotFound) {
		return nil, Errorf(http.StatusNotFound, "no active action %q", r.PathValue("id"))
	}
	return a, err
}

// resume ends every action within a selector: resuming a site ends the
// suspensions of that site from every source too.
func (c *controlAPI) resume(r *http.Request) (any, error) {
	var req ResumeRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if req.Select.IsZero() {
		return nil, Errorf(http.StatusBadRequest, "name what to resume (tenant, campaign, domain, provider, site or source), or cancel an action by id")
	}
	if err := checkActionSelector(req.Select); err != nil {
		return nil, err
	}
	if req.Kind != "" && req.Kind != shaping.Suspend && req.Kind != shaping.Shape {
		return nil, Errorf(http.StatusBadRequest, "kind %q is neither %q nor %q", req.Kind, shaping.Suspend, shaping.Shape)
	}
	gone := c.reg.CancelWithin(req.Select, req.Kind, cancelReason(req.Reason))
	return map[string][]shaping.Action{"cancelled": gone}, nil
}

func cancelReason(r string) string {
	if r == "" {
		return "cancelled by admin"
	}
	return "cancelled by admin: " + r
}
