package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/message"
)

func registerQueues(s *Server) {
	s.Handle("GET /v1/queues", s.queueSummary)
	s.Handle("GET /v1/messages/{id}", s.inspect)
}

var summaryParams = []string{"by", "tenant", "campaign", "domain"}

// queueSummary answers GET /v1/queues?by=tenant|campaign|domain|site|source
// with optional tenant, campaign and domain filters.
func (s *Server) queueSummary(r *http.Request) (any, error) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(summaryParams, k) {
			return nil, Errorf(http.StatusBadRequest, "unknown parameter %q (want %s)", k, strings.Join(summaryParams, ", "))
		}
	}
	by := q.Get("by")
	if by == "" {
		by = engine.ByTenant
	}
	if !slices.Contains(engine.SummaryDimensions, by) {
		return nil, Errorf(http.StatusBadRequest, "by=%q: want one of %s", by, strings.Join(engine.SummaryDimensions, ", "))
	}
	sel, err := s.CheckSelector(message.Selector{Tenant: q.Get("tenant"), Campaign: q.Get("campaign"), Domain: q.Get("domain")})
	if err != nil {
		return nil, err
	}
	sum, err := s.eng.QueueSummary(r.Context(), by, sel)
	if err != nil {
		return nil, err
	}
	return summaryOf(sum), nil
}

// inspect answers GET /v1/messages/{id}.
func (s *Server) inspect(r *http.Request) (any, error) {
	id, err := message.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "%v", err)
	}
	info, err := s.eng.Inspect(id)
	if errors.Is(err, engine.ErrNoMessage) {
		return nil, Errorf(http.StatusNotFound, "message %s is not queued (never accepted, or already delivered or bounced)", id)
	}
	if err != nil {
		return nil, err
	}
	out := messageInfoOf(info)
	out.TLSPolicies = s.tlsPoliciesOf(r.Context(), info)
	return out, nil
}
