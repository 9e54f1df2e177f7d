package postfix

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/sender"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

func TestRelayThroughPrivateInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
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
	sp := s.Addr()[strings.LastIndexByte(s.Addr(), ':')+1:]
	relayPort, err := strconv.Atoi(sp)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// t.TempDir's parent is private to root; the postfix user must pass.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	inst, err := Start(ctx, Config{Dir: dir, SMTPPort: port, RelayHost: "127.0.0.1", RelayPort: relayPort})
	if err != nil {
		t.Fatal(err)
	}
	master := inst.MasterPID()
	defer inst.Stop(context.Background())
	main, _ := os.ReadFile(filepath.Join(dir, "conf", "main.cf"))
	for _, want := range []string{"relayhost = [127.0.0.1]:" + sp, "default_destination_concurrency_limit = 20", "queue_directory = " + dir + "/queue"} {
		if !strings.Contains(string(main), want) {
			t.Errorf("main.cf lacks %q", want)
		}
	}
	res, err := sender.Run(ctx, sender.Config{Addr: inst.Addr(), Rate: 200, Count: 20, Conns: 2, Size: 512, From: "a@bench.example", To: "b@bench.example"})
	if err != nil || res.Failed > 0 {
		t.Fatalf("send: %v (%d failed: %v)", err, res.Failed, res.FirstErr)
	}
	if err := s.WaitRcpts(ctx, 20); err != nil {
		t.Fatalf("%v%s", err, inst.logTail())
	}
	if proc.TreeCPU(master) <= 0 {
		t.Error("no CPU time for the instance's process tree")
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if left := proc.Tree(master); len(left) > 0 {
		t.Errorf("processes left after Stop: %v", left)
	}
}

func TestVersion(t *testing.T) {
	if v := Version(context.Background()); !strings.HasPrefix(v, "3.") {
		t.Errorf("Version = %q", v)
	}
}
