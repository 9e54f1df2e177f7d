package admin

import (
	"errors"
	"net/http"

	"github.com/wasmta/wasmta/mta/fleet"
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
