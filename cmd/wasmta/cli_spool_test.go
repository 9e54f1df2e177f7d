package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/internal/spooldamage"
	"github.com/wasmta/wasmta/mta/spool"
)

// TestSpoolCheckAndSalvage: a real daemon queues mail it cannot deliver;
// `spool check` refuses a running spool, finds the stopped one clean, then
// finds the damage done to a block of bodies; `spool salvage` exports
// every message with its recipients' states; a daemon started on the
// damaged spool repairs it, records the loss, and the next check is clean.
func TestSpoolCheckAndSalvage(t *testing.T) {
	const n = 30
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := "[[route]]\ndomain = \"*\"\nhosts = [\"127.0.0.1:1\"]\n[queue]\nretry_initial = \"1h\"\n"
	d := startDaemon(t, dir, freeAddr(t), cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		body := fmt.Sprintf("Subject: salvage %d\r\n\r\n", i)
		for range 60 { // 4 KB that compression cannot shrink
			body += fmt.Sprintf("%016x%016x%016x%016x\r\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		if err := sendPlain(d.addr, []string{fmt.Sprintf("r%d@one.test", i)}, body); err != nil {
			t.Fatal(err)
		}
	}
	if out := cli(t, 1, nil, "spool", "check", "--spool-dir", data); !strings.Contains(out, "still running") {
		t.Errorf("check of a running spool: %s", out)
	}
	d.stop(t)
	if out := cli(t, 0, nil, "spool", "check", "--spool-dir", data); !strings.Contains(out, "ok: nothing missing") {
		t.Errorf("check of a clean spool: %s", out)
	}

	path := filepath.Join(data, "spool")
	if err := spooldamage.Flush(path); err != nil {
		t.Fatal(err)
	}
	tables, err := spooldamage.Files(path, ".sst")
	if err != nil || len(tables) == 0 {
		t.Fatalf("tables %v, %v", tables, err)
	}
	// Block 2: aux values ("a/") sort before the bodies ("b/"), and a body
	// of 4 KB fills a block of its own.
	if _, err := spooldamage.Damage(tables[len(tables)-1], 2); err != nil {
		t.Fatal(err)
	}
	if out := cli(t, 1, nil, "spool", "check", "--spool-dir", data); !strings.Contains(out, "damaged table:") {
		t.Errorf("check of a damaged spool: %s", out)
	}
	out := filepath.Join(dir, "salvaged")
	cli(t, 0, nil, "spool", "salvage", "--spool-dir", data, "--out", out)
	checkSalvaged(t, filepath.Join(out, "messages"), n)

	d = startDaemon(t, dir, freeAddr(t), cfg)
	d.stop(t)
	records, err := os.ReadFile(filepath.Join(data, "records.jsonl"))
	if err != nil || !strings.Contains(string(records), `"type":"SpoolLoss"`) {
		t.Errorf("no SpoolLoss record after starting on the damaged spool (%v)", err)
	}
	if out := cli(t, 0, nil, "spool", "check", "--spool-dir", data); !strings.Contains(out, "ok: nothing missing") ||
		!strings.Contains(out, "reported ") {
		t.Errorf("check after the repair: %s", out)
	}
}

// checkSalvaged: every message has its envelope, its recipient still to
// deliver, and its body unless that was in the damaged block.
func checkSalvaged(t *testing.T, dir string, n int) {
	t.Helper()
	envs, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(envs) != n || len(emls) == 0 || len(emls) == n {
		t.Fatalf("salvaged %d envelopes and %d bodies of %d messages: want all envelopes, the bodies not damaged", len(envs), len(emls), n)
	}
	for _, p := range envs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s spool.Salvaged
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		if st := s.Recipients; s.Sender != "app@sender.test" || len(st) != 1 || st[0].Status != "pending" && st[0].Status != "deferred" {
			t.Errorf("%s: %+v, want the sender and one recipient still to deliver", p, s)
		}
		if s.Body == "" && !strings.Contains(s.Note, "body was lost") {
			t.Errorf("%s: no body and no note: %+v", p, s)
		}
		if s.Body != "" {
			if eml, err := os.ReadFile(filepath.Join(dir, s.Body)); err != nil || !strings.Contains(string(eml), "Subject: salvage") {
				t.Errorf("%s: %v", s.Body, err)
			}
		}
	}
}
