package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/fleet/fleettest"
)

// TestXferBetweenDaemons: two wasmta processes of one fleet. Node a
// cannot reach the destination and holds 5 messages; `wasmta xfer --to b`
// moves them to node b, which delivers them under the same ids. a writes
// a Transfer record per recipient and keeps nothing queued; b writes
// Receptions that name a.
func TestXferBetweenDaemons(t *testing.T) {
	r := fleettest.Start(t)
	sink := testsink.Start(t, testsink.Options{})
	node := func(name, route string) (string, string) {
		dir := t.TempDir()
		cfg := fmt.Sprintf("token = %q\n[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\nretry_initial = \"1h\"\n"+
			"[cluster]\nnode = %q\nredis = [%q]\nheartbeat = \"200ms\"\nnode_ttl = \"2s\"\n", adminToken, route, name, r.Addr)
		d := startDaemon(t, dir, freeAddr(t), cfg)
		return d.addr, dir
	}
	addrA, dirA := node("a", "127.0.0.1:1")
	_, dirB := node("b", sink.Addr())
	for i := range 5 {
		if err := sendPlain(addrA, []string{fmt.Sprintf("r%d@one.test", i), fmt.Sprintf("s%d@two.test", i)},
			fmt.Sprintf("Subject: xfer %d\r\n\r\nhello\r\n", i)); err != nil {
			t.Fatal(err)
		}
	}
	confA := filepath.Join(dirA, "wasmta.toml")
	waitFor(t, 5*time.Second, "a attempted its mail and sees b", func() bool {
		return strings.Count(readFile(dirA), `"TransientFailure"`) == 10 &&
			strings.Contains(cli(t, 0, nil, "fleet", "status", "--config", confA), "b ")
	})
	out := cli(t, 0, nil, "xfer", "--to", "b", "--config", confA)
	if !strings.Contains(out, "moved 10 recipients of 5 messages") {
		t.Fatalf("wasmta xfer: %s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sink.WaitCount(ctx, 5); err != nil {
		t.Fatalf("the destination got %d of 5 messages from b: %v", sink.Count(), err)
	}
	// Records reach their files through each writer's goroutine.
	defer func() {
		if t.Failed() {
			t.Logf("a:\n%s\nb:\n%s", readFile(dirA), readFile(dirB))
		}
	}()
	waitFor(t, 5*time.Second, "10 Transfer records on a and 5 Receptions naming a on b", func() bool {
		return strings.Count(readFile(dirA), `"Transfer"`) == 10 && len(receptionIDs(readFile(dirB), `"xfer_from":"a"`)) == 5
	})
	recA, recB := readFile(dirA), readFile(dirB)
	for _, id := range receptionIDs(recA, "") {
		if !strings.Contains(recB, `"id":"`+id+`"`) {
			t.Errorf("message %s of a is not on b under its id:\n%s", id, recB)
		}
	}
	if out := cli(t, 0, nil, "queue", "list", "--config", confA); strings.Contains(out, "one.test") {
		t.Errorf("a still queues mail after xfer:\n%s", out)
	}
}

func readFile(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "data", "records.jsonl"))
	return string(b)
}

// receptionIDs are the ids of the Reception records in recs that
// contain with.
func receptionIDs(recs, with string) []string {
	var out []string
	for _, line := range strings.Split(recs, "\n") {
		if strings.Contains(line, `"Reception"`) && strings.Contains(line, with) {
			if _, rest, ok := strings.Cut(line, `"id":"`); ok {
				id, _, _ := strings.Cut(rest, `"`)
				out = append(out, id)
			}
		}
	}
	return out
}
