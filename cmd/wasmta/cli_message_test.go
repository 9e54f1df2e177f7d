package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
)

// TestMessageTraceCLI: the real binary traces a message that a real
// daemon delivered to one recipient, bounced for another and deferred for
// a third, after the operator bounced the rest out of the queue.
func TestMessageTraceCLI(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: teststack.Replies})
	dir := t.TempDir()
	cfg := fmt.Sprintf("token = %q\n[[route]]\ndomain = \"*\"\nhosts = [%q]\n[queue]\nretry_initial = \"1h\"\n", adminToken, sink.Addr())
	d := startDaemon(t, dir, freeAddr(t), cfg)
	defer d.stop(t)
	if err := sendPlain(d.addr, []string{"ok@dest.test", "bad@dest.test", "slow@dest.test"}, "Subject: trace\r\n\r\nhello\r\n"); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "wasmta.toml")
	id := firstReceptionID(t, filepath.Join(dir, "data", "records.jsonl"))
	var out string
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out, "TransientFailure"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the trace never showed the deferral:\n%s", out)
		}
		out = cli(t, 0, nil, "message", "trace", id, "--config", conf)
	}
	cli(t, 0, nil, "bounce", "--domain", "dest.test", "--reason", "trace test", "--config", conf)
	cli(t, 1, nil, "queue", "inspect", id, "--config", conf) // gone from the queue
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out, "AdminBounce"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the trace never showed the admin bounce:\n%s", out)
		}
		out = cli(t, 0, nil, "message", "trace", id, "--config", conf)
	}
	t.Logf("wasmta message trace %s:\n%s", id, out)
	for _, want := range []string{"Message " + id, "Reception", "Delivery", "ok@dest.test", "Bounce",
		"550 5.1.1 no such user", "TransientFailure", "slow@dest.test", "AdminBounce"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q", want)
		}
	}
	out = cli(t, 0, nil, "message", "trace", "--rcpt", "BAD@dest.test", "--config", conf)
	if !strings.Contains(out, "Bounce") || strings.Contains(out, "ok@dest.test") {
		t.Errorf("trace --rcpt bad@:\n%s", out)
	}
	var tr struct {
		ID      string
		Records []struct{ Type string }
	}
	if err := json.Unmarshal([]byte(cli(t, 0, nil, "message", "trace", "--json", id, "--config", conf)), &tr); err != nil || tr.ID != id || len(tr.Records) < 5 {
		t.Errorf("trace --json: %+v %v", tr, err)
	}
	cli(t, 1, nil, "message", "trace", "0123456789abcdef0123456789abcdef", "--config", conf) // 404
	cli(t, 1, nil, "message", "trace", "--config", conf)                                     // neither id nor --rcpt
}
