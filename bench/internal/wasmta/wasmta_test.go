package wasmta

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/sender"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

func TestWriteConfigRendersRoutesAndDNS(t *testing.T) {
	dir := t.TempDir()
	p, err := WriteConfig(Config{Dir: dir, SMTPPort: 2600, DNS: "127.0.0.1:5300", MXPort: 2601,
		Routes: []Route{{Domain: "*", Hosts: []string{"127.0.0.1:1", "127.0.0.1:2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	for _, want := range []string{
		`listen = ["127.0.0.1:2600"]`,
		`dns_server = "127.0.0.1:5300"`,
		"port = 2601",
		`hosts = ["127.0.0.1:1", "127.0.0.1:2"]`,
		`spool_dir = "` + filepath.Join(dir, "spool") + `"`,
		"max_connections_per_path = 20",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config lacks %q:\n%s", want, b)
		}
	}
}

// TestRelayToSink builds the real binary and relays a few messages.
func TestRelayToSink(t *testing.T) {
	dir := t.TempDir()
	// WASMTA_BIN names a binary already built (the tree of the engine
	// may be mid-change while the harness is worked on).
	bin := os.Getenv("WASMTA_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "wasmta")
		// A cold build on a loaded 2-core CI machine, next to every other
		// package's tests, can take minutes: only the -timeout bounds it.
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/wasmta/wasmta/cmd/wasmta").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port, err := proc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := Start(ctx, Config{Bin: bin, Dir: dir, SMTPPort: port, Routes: []Route{{Domain: "*", Hosts: []string{s.Addr()}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop(5 * time.Second)
	if _, err := inst.WaitLog(ctx, "queues rebuilt"); err != nil {
		t.Fatal(err)
	}
	if d, err := inst.RebuildTook(); err != nil || d <= 0 {
		t.Errorf("RebuildTook = %v, %v", d, err)
	}
	if !inst.Ready.After(inst.Started) {
		t.Errorf("ready %v not after start %v", inst.Ready, inst.Started)
	}
	res, err := sender.Run(ctx, sender.Config{Addr: inst.Addr(), Rate: 500, Count: 10, Conns: 2, Size: 100, From: "a@bench.example", To: "b@bench.example"})
	if err != nil || res.Failed > 0 {
		t.Fatalf("send: %v, %d failed: %v", err, res.Failed, res.FirstErr)
	}
	if err := s.WaitRcpts(ctx, 10); err != nil {
		t.Fatalf("%v\n%s", err, inst.LogTail())
	}
	inst.Stop(5 * time.Second)
	if ok, _ := inst.Exited(); !ok {
		t.Error("wasmta still running after Stop")
	}
}
