package sender

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/internal/sink"
)

func TestRunSendsAtRateAndSinkSeesEveryID(t *testing.T) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 60
	s.Track(n)
	cfg := Config{Addr: s.Addr(), Rate: 300, Count: n, Conns: 4, Size: 1024, From: "a@bench.example", To: "b@bench.example"}
	res, err := Run(context.Background(), cfg)
	if err != nil || res.Failed != 0 {
		t.Fatalf("Run: %v, %d failed (%v)", err, res.Failed, res.FirstErr)
	}
	// 60 messages at 300/s are due over 197 ms; the run cannot be shorter.
	if res.Elapsed < 190*time.Millisecond {
		t.Errorf("run took %v, faster than the rate allows", res.Elapsed)
	}
	for i := range n {
		if res.Accepted[i].IsZero() || s.Arrival(i).IsZero() {
			t.Fatalf("message %d: accepted %v, arrived %v", i, res.Accepted[i], s.Arrival(i))
		}
		if s.Arrival(i).After(res.Accepted[i]) {
			t.Errorf("message %d arrived at the sink after its 250 (sink is the MTA here)", i)
		}
	}
	if got := res.Due[n-1].Sub(res.Due[0]); got < 190*time.Millisecond || got > 200*time.Millisecond {
		t.Errorf("first to last due = %v, want ~197ms", got)
	}
}

func TestRunReportsRefusedConnections(t *testing.T) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Close()
	res, err := Run(context.Background(), Config{Addr: addr, Rate: 1000, Count: 5, Conns: 2, Size: 10, From: "a@b", To: "c@d"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 5 || res.FirstErr == nil {
		t.Errorf("failed = %d (%v), want 5", res.Failed, res.FirstErr)
	}
}

func TestBodySize(t *testing.T) {
	for _, n := range []int{2, 100, 1024, 32768} {
		b := Body(n)
		if len(b) != n || !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Errorf("Body(%d): %d bytes, ends %q", n, len(b), b[len(b)-2:])
		}
	}
}
