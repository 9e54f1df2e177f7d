package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/policy"
)

// nodeModules are the policy modules as the admin API serves them: the
// node's registry, or the fleet's shared view of it.
type nodeModules struct {
	reg   *hostabi.Registry
	fleet *fleet.Policies // nil when the node is alone
}

func (m nodeModules) admin() policy.Modules {
	if m.fleet != nil {
		return m.fleet
	}
	return m.reg
}

// joinFleet opens the node's fleet when [cluster] is set, shares the
// policy registry through it and installs the fleet's modules before
// anything is delivered (waiting up to 5 s for Redis).
func joinFleet(ctx context.Context, cfg *config.Config, reg *hostabi.Registry, log *slog.Logger) (*fleet.Fleet, nodeModules, error) {
	m := nodeModules{reg: reg}
	if !cfg.Cluster.Enabled() {
		return nil, m, nil
	}
	f, err := fleet.Open(cfg.Cluster, log)
	if err != nil {
		return nil, m, err
	}
	m.fleet = f.SharePolicies(reg)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.fleet.Pull(pctx); err != nil {
		log.Warn("fleet: policy modules not read from Redis at start; the spool's are in force", "err", err)
	}
	return f, m, nil
}
