package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/history"
	"github.com/wasmta/wasmta/mta/policy"
)

// registerHistory adds the message history's endpoints ([history]):
//
//	GET /v1/messages/{id}/trace                  history.Trace
//	GET /v1/trace?rcpt=ADDR[&limit=N]            {"traces": [history.Trace...]}
//	GET /v1/trace?tenant=T&campaign=C[&limit=N]  {"messages": [Reception record...]}
//	GET /v1/faults?tenant=T[&limit=N]            {"faults": [PolicyFault record...]}
func registerHistory(s *Server) {
	s.Handle("GET /v1/messages/{id}/trace", s.traceMessage)
	s.Handle("GET /v1/trace", s.traceSearch)
	s.Handle("GET /v1/faults", s.policyFaults)
}

// TraceList is the answer of GET /v1/trace?rcpt=.
type TraceList struct {
	Traces []*history.Trace `json:"traces"`
}

// CampaignMessages is the answer of GET /v1/trace?campaign=.
type CampaignMessages struct {
	Messages []events.Record `json:"messages"`
}

func (s *Server) history() (*history.Index, error) {
	h := s.eng.History()
	if h == nil {
		return nil, Errorf(http.StatusNotImplemented, "the message history is off ([history] enabled = false)")
	}
	return h, nil
}

func (s *Server) traceMessage(r *http.Request) (any, error) {
	h, err := s.history()
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	tr, ok, err := h.Message(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(http.StatusNotFound, "no record of message %q in the history (kept %v)", id, h.Retention())
	}
	return tr, nil
}

var traceParams = []string{"rcpt", "tenant", "campaign", "limit"}

func (s *Server) traceSearch(r *http.Request) (any, error) {
	h, err := s.history()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if err := knownParams(q, traceParams); err != nil {
		return nil, err
	}
	limit, err := limitParam(q, 20)
	if err != nil {
		return nil, err
	}
	switch rcpt, campaign := q.Get("rcpt"), q.Get("campaign"); {
	case rcpt != "" && campaign == "":
		tr, err := h.Recipient(r.Context(), rcpt, limit)
		return TraceList{Traces: tr}, err
	case campaign != "" && rcpt == "":
		tenant, err := s.historyTenant(q.Get("tenant"))
		if err != nil {
			return nil, err
		}
		m, err := h.Campaign(r.Context(), tenant, campaign, limit)
		return CampaignMessages{Messages: m}, err
	}
	return nil, Errorf(http.StatusBadRequest, "give either rcpt=ADDRESS or campaign=NAME (with tenant=NAME)")
}

// FaultList is the answer of GET /v1/faults.
type FaultList struct {
	Faults []events.Record `json:"faults"`
}

func (s *Server) policyFaults(r *http.Request) (any, error) {
	h, err := s.history()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if err := knownParams(q, []string{"tenant", "limit"}); err != nil {
		return nil, err
	}
	limit, err := limitParam(q, 20)
	if err != nil {
		return nil, err
	}
	tenant, err := s.historyTenant(q.Get("tenant"))
	if err != nil {
		return nil, err
	}
	f, err := h.Faults(r.Context(), tenant, limit)
	return FaultList{Faults: f}, err
}

// historyTenant reads a tenant parameter: "" or "*" is the global tenant.
func (s *Server) historyTenant(name string) (string, error) {
	t := policy.TenantOf(name)
	if t != "" && s.eng.Config().Tenant(t) == nil {
		return "", Errorf(http.StatusNotFound, "unknown tenant %q", t)
	}
	return t, nil
}

func knownParams(q url.Values, known []string) error {
	for k := range q {
		if !slices.Contains(known, k) {
			return Errorf(http.StatusBadRequest, "unknown parameter %q (want %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// limitParam reads limit=N (1-1000), def when absent.
func limitParam(q url.Values, def int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, Errorf(http.StatusBadRequest, "limit=%q: want a number from 1 to 1000", v)
	}
	return n, nil
}

// Trace returns the history of one message.
func (c *Client) Trace(ctx context.Context, id string) (*history.Trace, error) {
	var out history.Trace
	err := c.Call(ctx, http.MethodGet, "/v1/messages/"+url.PathEscape(id)+"/trace", nil, &out)
	return &out, err
}

// TraceRecipient returns the history of the latest messages to addr.
func (c *Client) TraceRecipient(ctx context.Context, addr string, limit int) ([]*history.Trace, error) {
	var out TraceList
	err := c.Call(ctx, http.MethodGet, "/v1/trace?rcpt="+url.QueryEscape(addr)+"&limit="+strconv.Itoa(limit), nil, &out)
	return out.Traces, err
}
