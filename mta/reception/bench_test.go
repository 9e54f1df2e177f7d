package reception

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

// counter is a Submitter that only counts: the benchmark measures reception.
type counter struct{ n, bytes atomic.Int64 }

func (c *counter) Submit(_ context.Context, _ *message.Message, body []byte, spooled func()) error {
	c.n.Add(1)
	if spooled != nil {
		spooled()
	}
	c.bytes.Add(int64(len(body)))
	return nil
}

// message4K is a 4 KiB message with ordinary 76-character lines.
func message4K() string {
	var b strings.Builder
	b.WriteString("From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: benchmark\r\n")
	b.WriteString("Message-ID: <bench@example.org>\r\nX-Campaign: bench\r\n\r\n")
	line := strings.Repeat("x", 74) + "\r\n"
	for b.Len()+len(line) <= 4096 {
		b.WriteString(line)
	}
	return b.String()
}

// BenchmarkReceive: concurrent go-smtp clients on loopback send 4 KiB
// messages, one transaction each, to a server whose Submitter counts. The
// clients run in the same process, so msgs/s is a lower bound for the
// server alone; allocs/op counts both sides.
func BenchmarkReceive(b *testing.B) {
	for _, clients := range []int{1, 20} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			benchReceive(b, clients)
		})
	}
}

func benchReceive(b *testing.B, clients int) {
	sub := &counter{}
	// The budget of data in flight is on, as in the engine's defaults: its
	// reservations are part of the cost measured.
	f := start(b, Options{RelayNets: loopbackNets, Submitter: sub, Records: events.Discard, MaxConnections: clients + 1,
		MaxDataInFlight: 512 << 20}, nil)
	msg := message4K()
	conns := make([]*smtp.Client, clients)
	for i := range conns {
		conns[i] = f.client(b)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	t0, cpu0 := time.Now(), cpuTime()
	for _, c := range conns {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := send(c, "sender@example.org", []string{"rcpt@example.net"}, msg); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if got := sub.n.Load(); got != int64(b.N) {
		b.Fatalf("%d messages submitted, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	// CPU time is steadier than wall time on a shared machine; it covers
	// the clients too.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/msg")
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
