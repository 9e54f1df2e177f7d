package shaping

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Request asks for an action through the admin API: what it does, what it
// covers, for how long from now, and why.
type Request struct {
	Kind   Kind      `json:"kind"`
	Select Selector  `json:"select"`
	Shape  *Override `json:"shape,omitempty"`
	For    Duration  `json:"for"`
	Reason string    `json:"reason"`
}

// ResumeRequest ends the actions whose selector lies within Select (see
// Selector.Within); Kind "" ends both kinds.
type ResumeRequest struct {
	Select Selector `json:"select"`
	Kind   Kind     `json:"kind,omitempty"`
	Reason string   `json:"reason"`
}

// AddResult is the answer to a Request: the action in force, and whether
// it is new (false: the same action was already active, and its expiry
// may have moved).
type AddResult struct {
	Action Action `json:"action"`
	Added  bool   `json:"added"`
}

// Handler serves the live actions over HTTP (JSON), under the admin API's
// authentication:
//
//	GET    /v1/actions        {"actions": [Action...]}
//	POST   /v1/actions        Request -> 201 AddResult (200 when not new)
//	GET    /v1/actions/{id}   Action
//	DELETE /v1/actions/{id}   ?reason=TEXT -> Action (the one cancelled)
//	POST   /v1/resume         ResumeRequest -> {"cancelled": [Action...]}
//
// Errors are {"error": "text"} with 400 (a bad request), 404 (no such
// active action) or 405.
func Handler(r *Registry) http.Handler {
	mux := http.NewServeMux()
	h := &api{reg: r}
	mux.HandleFunc("GET /v1/actions", h.list)
	mux.HandleFunc("POST /v1/actions", h.add)
	mux.HandleFunc("GET /v1/actions/{id}", h.get)
	mux.HandleFunc("DELETE /v1/actions/{id}", h.cancel)
	mux.HandleFunc("POST /v1/resume", h.resume)
	return mux
}

type api struct{ reg *Registry }

func (h *api) list(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]Action{"actions": h.reg.List()})
}

func (h *api) add(w http.ResponseWriter, r *http.Request) {
	var req Request
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.For <= 0 {
		writeError(w, http.StatusBadRequest, errors.New(`"for" must be a positive duration such as "30m"`))
		return
	}
	now := time.Now()
	a, added, err := h.reg.Add(Action{Kind: req.Kind, Select: req.Select, Shape: req.Shape, Reason: req.Reason,
		Origin: OriginAdmin, Created: now, Expires: now.Add(time.Duration(req.For))})
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	code := http.StatusOK
	if added {
		code = http.StatusCreated
	}
	writeJSON(w, code, AddResult{Action: a, Added: added})
}

func (h *api) get(w http.ResponseWriter, r *http.Request) {
	a, ok := h.reg.Get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", ErrNotFound, r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (h *api) cancel(w http.ResponseWriter, r *http.Request) {
	a, err := h.reg.Cancel(r.PathValue("id"), cancelReason(r.URL.Query().Get("reason")))
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (h *api) resume(w http.ResponseWriter, r *http.Request) {
	var req ResumeRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Select.IsZero() {
		writeError(w, http.StatusBadRequest, errors.New("name what to resume (tenant, campaign, domain, provider, site or source), or cancel an action by id"))
		return
	}
	if req.Kind != "" && req.Kind != Suspend && req.Kind != Shape {
		writeError(w, http.StatusBadRequest, fmt.Errorf("kind %q is neither %q nor %q", req.Kind, Suspend, Shape))
		return
	}
	gone := h.reg.CancelWithin(req.Select, req.Kind, cancelReason(req.Reason))
	writeJSON(w, http.StatusOK, map[string][]Action{"cancelled": gone})
}

func cancelReason(r string) string {
	if r == "" {
		return "cancelled by admin"
	}
	return "cancelled by admin: " + r
}

// maxBody bounds a request body; actions are a few hundred bytes.
const maxBody = 64 << 10

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("shaping: request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
