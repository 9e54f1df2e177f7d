package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
	"github.com/wasmta/wasmta/mta/shaping"
)

// fleetNode is one wasmta process of a test fleet.
type fleetNode struct {
	name, dir, conf string
	d               *daemon
	api             *admin.Client
}

// startFleet starts n daemons sharing the Redis at redis.
func startFleet(t *testing.T, redis string, names ...string) []*fleetNode {
	t.Helper()
	var out []*fleetNode
	for _, name := range names {
		n := &fleetNode{name: name, dir: t.TempDir()}
		n.start(t, redis)
		out = append(out, n)
	}
	return out
}

// start runs n's daemon (again, on the same spool) in the fleet at redis.
func (n *fleetNode) start(t *testing.T, redis string) {
	t.Helper()
	cfg := fmt.Sprintf("token = %q\n[[route]]\ndomain = \"*\"\nhosts = [\"127.0.0.1:1\"]\n[[tenant]]\nname = \"acme\"\n"+
		"[cluster]\nnode = %q\nredis = [%q]\nheartbeat = \"200ms\"\nnode_ttl = \"2s\"\n", adminToken, n.name, redis)
	n.d = startDaemon(t, n.dir, freeAddr(t), cfg)
	n.conf = filepath.Join(n.dir, "wasmta.toml")
	n.api = &admin.Client{Base: "http://" + adminAddr(t, n.dir), Token: adminToken}
}

func (n *fleetNode) actions(t *testing.T) []shaping.Action {
	t.Helper()
	as, err := n.api.Actions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (n *fleetNode) hasAction(t *testing.T, id string) bool {
	return slices.ContainsFunc(n.actions(t), func(a shaping.Action) bool { return a.ID == id })
}

// waitFor polls cond every 5 ms for up to d and returns how long it took.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestFleetOfThreeDaemons: three wasmta processes share one redis-server.
// A suspension made on A is in force on B and C within a second (20
// trials, the slowest reported); `wasmta resume --provider yahoo` on C
// ends it on all three; a policy pushed on A runs on B and C under the
// same version within 2 s, and a rollback, a removal and a rollback --to
// likewise; `wasmta fleet status`
// lists the three, and a node killed with -9 counts as gone after
// node_ttl.
func TestFleetOfThreeDaemons(t *testing.T) {
	r := fleettest.Start(t)
	nodes := startFleet(t, r.Addr, "a", "b", "c")
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	var worst time.Duration
	for i := range 20 {
		res, err := a.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Suspend, Select: shaping.Selector{Provider: "yahoo"},
			For: shaping.Duration(time.Hour), Reason: fmt.Sprintf("trial %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []*fleetNode{b, c} {
			worst = max(worst, waitFor(t, time.Second, "suspension on "+n.name, func() bool { return n.hasAction(t, res.Action.ID) }))
		}
		if i < 19 {
			if _, err := b.api.CancelAction(ctx, res.Action.ID, "next trial"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, time.Second, "cancellation on a", func() bool { return !a.hasAction(t, res.Action.ID) })
		}
	}
	t.Logf("slowest of 20 suspensions made on A to be listed by B and C (admin API polling included): %v", worst)
	if out := cli(t, 0, nil, "resume", "--provider", "yahoo", "--config", c.conf); !strings.Contains(out, "ended") {
		t.Fatalf("resume on c: %s", out)
	}
	for _, n := range nodes {
		waitFor(t, time.Second, "resume reaches "+n.name, func() bool { return len(n.actions(t)) == 0 })
	}
	checkFleetPolicies(t, a, b, c)
	checkRemovalAtStart(t, r.Addr, a, c)
	checkFleetStatus(t, a, c)
}

// checkFleetPolicies drives push, rollback, remove and rollback --to on A
// (and one push on B) and waits for every node to run the same version
// (want "" = no module of acme's own) with the same bytes; then the fleet
// keeps the newest 5 versions only.
func checkFleetPolicies(t *testing.T, a, b, c *fleetNode) {
	t.Helper()
	wat := filepath.Join("..", "..", "testdata", "wat")
	for _, step := range []struct {
		on   *fleetNode
		args []string
		want string
	}{
		{a, []string{"policy", "push", "--tenant", "acme", filepath.Join(wat, "routea.wasm")}, "1"},
		{a, []string{"policy", "push", "--tenant", "acme", filepath.Join(wat, "routeb.wasm")}, "2"},
		{a, []string{"policy", "rollback", "--tenant", "acme"}, "3"},
		{a, []string{"policy", "remove", "--tenant", "acme"}, ""},
		{a, []string{"policy", "rollback", "--tenant", "acme", "--to", "2"}, "5"},
		{b, []string{"policy", "push", "--tenant", "acme", filepath.Join(wat, "routea.wasm")}, "6"},
	} {
		cli(t, 0, nil, append(step.args, "--config", step.on.conf)...)
		line := regexp.MustCompile(`(?m)^acme\s+` + step.want + `\s`) // want "": any acme line
		var sums []string
		for _, n := range []*fleetNode{a, b, c} {
			took := waitFor(t, 2*time.Second, step.args[1]+" reaches "+n.name, func() bool {
				return line.MatchString(cli(t, 0, nil, "policy", "list", "--config", n.conf)) == (step.want != "")
			})
			t.Logf("%s on %s: version %q in force on %s after %v", step.args[1], step.on.name, step.want, n.name, took.Round(time.Millisecond))
			sums = append(sums, policySum(t, n))
		}
		if sums[0] != sums[1] || sums[0] != sums[2] {
			t.Errorf("after %s the nodes run different bytes: %v", step.args[1], sums)
		}
	}
	versions := cli(t, 0, nil, "policy", "versions", "--tenant", "acme", "--config", c.conf)
	if !regexp.MustCompile(`(?m)^4\s.*removal`).MatchString(versions) || !regexp.MustCompile(`(?m)^6\s.*in force`).MatchString(versions) ||
		regexp.MustCompile(`(?m)^1\s`).MatchString(versions) {
		t.Errorf("the fleet should keep versions 6 (in force) to 2, 4 a removal:\n%s", versions)
	}
	if out := cli(t, 1, nil, "policy", "rollback", "--tenant", "acme", "--to", "1", "--config", c.conf); !strings.Contains(out, "404") {
		t.Errorf("rollback --to a version no longer kept: %s", out)
	}
}

// checkRemovalAtStart: a node stopped while the fleet removes a module
// (its spool still holding the module) starts without it, under the
// fleet's removal number.
func checkRemovalAtStart(t *testing.T, redis string, a, c *fleetNode) {
	t.Helper()
	c.d.stop(t)
	cli(t, 0, nil, "policy", "remove", "--tenant", "acme", "--config", a.conf)
	c.start(t, redis)
	if out := cli(t, 0, nil, "policy", "list", "--config", c.conf); regexp.MustCompile(`(?m)^acme\s`).MatchString(out) {
		t.Fatalf("a node started after a removal in the fleet runs the removed module:\n%s", out)
	}
	if out := cli(t, 0, nil, "policy", "versions", "--tenant", "acme", "--config", c.conf); !regexp.MustCompile(`(?m)^7\s.*removal`).MatchString(out) {
		t.Fatalf("versions on the restarted node:\n%s", out)
	}
}

func policySum(t *testing.T, n *fleetNode) string {
	var list []admin.PolicyInfo
	if err := n.api.Call(context.Background(), "GET", "/v1/policies", nil, &list); err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Tenant == "acme" {
			return p.SHA256
		}
	}
	return ""
}

func checkFleetStatus(t *testing.T, a, c *fleetNode) {
	t.Helper()
	out := cli(t, 0, nil, "fleet", "status", "--config", a.conf)
	if !strings.Contains(out, "3 live node(s)") || !regexp.MustCompile(`(?m)^c\s+live`).MatchString(out) {
		t.Fatalf("fleet status:\n%s", out)
	}
	c.d.kill()
	waitFor(t, 5*time.Second, "c counted gone", func() bool {
		return regexp.MustCompile(`(?m)^c\s+gone`).MatchString(cli(t, 0, nil, "fleet", "status", "--config", a.conf))
	})
}
