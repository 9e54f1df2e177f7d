package admin

import (
	"errors"
	"net/http"

	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/message"
)

// FleetStatus answers GET /v1/fleet: this node's view of its fleet.
type FleetStatus struct {
	Node    string             `json:"node"`     // this node
	RedisUp bool               `json:"redis_up"` // Redis answered now
	Live    int                `json:"live"`     // live nodes, this one included
	Nodes   []fleet.NodeStatus `json:"nodes"`    // every node with a heartbeat, live or not, by name
}

// registerFleet adds GET /v1/fleet (`wasmta fleet status`).
func registerFleet(s *Server) {
	s.Handle("GET /v1/fleet", s.fleetStatus)
}

func (s *Server) fleetStatus(r *http.Request) (any, error) {
	f := s.eng.Fleet()
	if f == nil {
		return nil, Errorf(http.StatusNotFound, "this node is not in a fleet ([cluster] is not configured)")
	}
	nodes, err := f.Nodes(r.Context())
	if err != nil && !errors.Is(err, fleet.ErrUnreachable) {
		return nil, err
	}
	st := FleetStatus{Node: f.Node(), RedisUp: err == nil, Nodes: nodes}
	if st.Nodes == nil {
		st.Nodes = []fleet.NodeStatus{}
	}
	for _, n := range nodes {
		if n.Live {
			st.Live++
		}
	}
	return st, nil
}

// XferRequest is the body of POST /v1/xfer: move this node's queued
// mail (all of it, or what the filter selects) to another node.
type XferRequest struct {
	To string `json:"to"` // a node of the fleet, or an SMTP address host:port
	message.Selector
}

// registerXfer adds POST /v1/xfer (`wasmta xfer`).
func registerXfer(s *Server) {
	s.Handle("POST /v1/xfer", s.afterRebuild(s.xfer))
}

func (s *Server) xfer(r *http.Request) (any, error) {
	if s.eng.Fleet() == nil {
		return nil, Errorf(http.StatusNotFound, "this node is not in a fleet ([cluster] is not configured)")
	}
	var req XferRequest
	if err := DecodeJSON(r, &req); err != nil {
		return nil, err
	}
	if req.To == "" {
		return nil, Errorf(http.StatusBadRequest, "to: missing (a node of the fleet, or host:port)")
	}
	if req.To == s.eng.Fleet().Node() {
		return nil, Errorf(http.StatusBadRequest, "to: %q is this node", req.To)
	}
	sel, err := s.CheckSelector(req.Selector)
	if err != nil {
		return nil, err
	}
	res, err := s.eng.Xfer(r.Context(), req.To, sel)
	if err != nil {
		return nil, Errorf(http.StatusBadGateway, "%v", err)
	}
	return res, nil
}
