package admin

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/wasmta/wasmta/mta/suppress"
)

func registerSuppress(s *Server) {
	s.Handle("GET /v1/suppressions", s.listSuppressions)
	s.Handle("POST /v1/suppressions", s.addSuppressions)
	s.Handle("POST /v1/suppressions/remove", s.removeSuppressions)
}

// maxSuppressBatch bounds the entries of one add or remove request (the
// CLI's import sends batches of this size).
const maxSuppressBatch = 1000

// SuppressionPage is the answer of GET /v1/suppressions.
type SuppressionPage struct {
	Entries []suppress.Entry `json:"entries"`
	// Next is the "after" of the next page; "" on the last page.
	Next string `json:"next,omitempty"`
}

// SuppressionRequest adds (POST /v1/suppressions) or removes (POST
// /v1/suppressions/remove) entries of one tenant's list.
type SuppressionRequest struct {
	Tenant     string           `json:"tenant"`
	Entries    []suppress.Entry `json:"entries,omitempty"`    // add
	Recipients []string         `json:"recipients,omitempty"` // remove
}

// SuppressionResult counts what a request changed.
type SuppressionResult struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

func (s *Server) checkTenant(name string) error {
	if name != "" && name != suppress.GlobalList && s.eng.Config().Tenant(name) == nil {
		return Errorf(http.StatusNotFound, "no [[tenant]] is named %q (the global list is %q)", name, suppress.GlobalList)
	}
	return nil
}

// listSuppressions answers GET /v1/suppressions?tenant=T&after=A&limit=N.
func (s *Server) listSuppressions(r *http.Request) (any, error) {
	q := r.URL.Query()
	tenant := q.Get("tenant")
	if err := s.checkTenant(tenant); err != nil {
		return nil, err
	}
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, Errorf(http.StatusBadRequest, "limit=%q: want 1-10000", v)
		}
		limit = n
	}
	page := SuppressionPage{Entries: []suppress.Entry{}}
	err := s.eng.Suppressions().List(tenant, q.Get("after"), func(e suppress.Entry) error {
		if len(page.Entries) == limit {
			page.Next = page.Entries[limit-1].Recipient
			return suppress.ErrStop
		}
		page.Entries = append(page.Entries, e)
		return nil
	})
	return page, err
}

// addSuppressions answers POST /v1/suppressions.
func (s *Server) addSuppressions(r *http.Request) (any, error) {
	var req SuppressionRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if err := s.checkTenant(req.Tenant); err != nil {
		return nil, err
	}
	if len(req.Entries) > maxSuppressBatch {
		return nil, Errorf(http.StatusBadRequest, "%d entries: at most %d per request", len(req.Entries), maxSuppressBatch)
	}
	for i := range req.Entries {
		e := &req.Entries[i]
		e.Tenant = req.Tenant
		if e.Reason == "" {
			e.Reason = suppress.ReasonManual
		}
	}
	n, err := s.eng.AddSuppressions(req.Entries)
	if errors.Is(err, suppress.ErrBadEntry) {
		return nil, Errorf(http.StatusBadRequest, "%v (reasons: hard-bounce, complaint, manual, unsubscribe)", err)
	}
	return SuppressionResult{Added: n}, err
}

// removeSuppressions answers POST /v1/suppressions/remove.
func (s *Server) removeSuppressions(r *http.Request) (any, error) {
	var req SuppressionRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if err := s.checkTenant(req.Tenant); err != nil {
		return nil, err
	}
	if len(req.Recipients) > maxSuppressBatch {
		return nil, Errorf(http.StatusBadRequest, "%d recipients: at most %d per request", len(req.Recipients), maxSuppressBatch)
	}
	var res SuppressionResult
	for _, rc := range req.Recipients {
		ok, err := s.eng.RemoveSuppression(req.Tenant, rc)
		if err != nil {
			return res, err
		}
		if ok {
			res.Removed++
		}
	}
	return res, nil
}
