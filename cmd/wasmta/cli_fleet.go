package main

import (
	"flag"
	"fmt"

	"github.com/wasmta/wasmta/mta/admin"
)

// fleetCommand runs `wasmta fleet status`: the nodes of the fleet the
// daemon belongs to (GET /v1/fleet).
func fleetCommand(args []string) error {
	if len(args) == 0 || args[0] != "status" {
		return fmt.Errorf("fleet: want `wasmta fleet status`")
	}
	fs := flag.NewFlagSet("fleet status", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta fleet status [--json]\n\n"+
			"Lists the nodes of the fleet ([cluster]) with their heartbeat, queues and health.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	if pos := parseArgs(fs, args[1:]); len(pos) > 0 {
		return fmt.Errorf("fleet status: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var st admin.FleetStatus
	return c.call("GET", "/v1/fleet", nil, &st, func() {
		redis := "reachable"
		if !st.RedisUp {
			redis = "UNREACHABLE (the list is as of the last heartbeat)"
		}
		fmt.Printf("node %s, %d live node(s), Redis %s\n", st.Node, st.Live, redis)
		w := table("NODE", "STATE", "SEEN", "QUEUED", "READY", "HEALTH", "ADMIN", "VERSION")
		for _, n := range st.Nodes {
			state := "live"
			if !n.Live {
				state = "gone"
			}
			seen := n.Seen
			row(w, n.Node, state, when(&seen), n.Queued, n.Ready, n.Health, orDash(n.Admin), orDash(n.Version))
		}
		w.Flush()
	})
}
