package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
)

// Measurements of issue 5's goals, run with:
//
//	go test ./mta/admin -run XXX -bench 'Throughput|WebhookLatency' -benchtime 4000x
//
// They measure; they assert nothing about time.

// latencyReceiver is a webhook receiver that notes, for every event, how
// long after its record's time it arrived.
type latencyReceiver struct {
	url   string
	mu    sync.Mutex
	delay []time.Duration
}

// With timing false it only reads the body, as a receiver that queues
// events for later would.
func startLatencyReceiver(b *testing.B, timing bool) *latencyReceiver {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r := &latencyReceiver{url: "http://" + ln.Addr().String() + "/hook"}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if !timing {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		now := time.Now()
		var batch struct {
			Events []struct{ Time time.Time } `json:"events"`
		}
		json.Unmarshal(body, &batch)
		r.mu.Lock()
		for _, e := range batch.Events {
			r.delay = append(r.delay, now.Sub(e.Time))
		}
		r.mu.Unlock()
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return r
}

func (r *latencyReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.delay)
}

// benchStack is a stack delivering to a counting sink; with observe it
// writes the records file and POSTs every record to a webhook, without it
// neither (the engine's records go nowhere).
func benchStack(b *testing.B, observe bool, hookURL string) (*stack, *testsink.Sink) {
	b.Helper()
	sink := testsink.Start(b, testsink.Options{CountOnly: true})
	cfg := stackConfig(sink.Addr()) + "[smtp]\nmax_connections = 1000\n"
	if observe {
		cfg += fmt.Sprintf("[[webhook]]\nurl = %q\n", hookURL)
	} else {
		cfg += "[records]\nenabled = false\n"
	}
	return startStackWith(b, cfg, teststack.Options{Bench: true, Bare: !observe}), sink
}

// load submits n messages over conns SMTP connections, paced to rate
// messages per second (0 = as fast as they go), and waits for the sink.
// from is the sink's count before the run.
func load(b *testing.B, addr string, sink *testsink.Sink, n, conns int, rate float64, from int) time.Duration {
	b.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	per := n / conns
	for c := 0; c < conns; c++ {
		wg.Go(func() {
			cl, err := smtp.Dial(addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer cl.Close()
			for i := 0; i < per; i++ {
				if rate > 0 {
					at := start.Add(time.Duration(float64(c+i*conns) / rate * float64(time.Second)))
					time.Sleep(time.Until(at))
				}
				body := fmt.Sprintf("From: a@sender.test\r\nSubject: bench %d %d\r\n\r\n%s", c, i, strings.Repeat(strings.Repeat("x", 76)+"\r\n", 26))
				if err := cl.SendMail("a@sender.test", []string{fmt.Sprintf("r%d@dest%d.test", i, c%4)}, strings.NewReader(body)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := sink.WaitCount(ctx, from+per*conns); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkThroughput: messages per second end to end (SMTP in, the
// spool, SMTP out to a sink), without records, and with the records file,
// metrics and a webhook receiving every record. The two stacks run side
// by side and take turns, 10 rounds of b.N/10 messages each, so that a
// machine busy with something else slows both alike.
func BenchmarkThroughput(b *testing.B) {
	rcv := startLatencyReceiver(b, false)
	type mode struct {
		s    *stack
		sink *testsink.Sink
		took time.Duration
		cpu  time.Duration // process CPU time (user + system) during its rounds
		sent int
	}
	var modes [2]mode
	for i, observe := range []bool{false, true} {
		modes[i].s, modes[i].sink = benchStack(b, observe, rcv.url)
	}
	const rounds, conns = 10, 64
	chunk := max(conns, b.N/rounds/conns*conns)
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		for k := range 2 {
			m := &modes[(r+k)%2]
			before, cpu0 := m.sink.Count(), cpuTime()
			m.took += load(b, m.s.smtp, m.sink, chunk, conns, 0, before)
			// The CPU of a round includes sending its records to the
			// webhook, which goes on after the last delivery.
			for st := m.s.out.Stats(); len(st) > 0 && st[0].Backlog > 0; st = m.s.out.Stats() {
				time.Sleep(time.Millisecond)
			}
			m.cpu += cpuTime() - cpu0
			m.sent += chunk
		}
	}
	off := float64(modes[0].sent) / modes[0].took.Seconds()
	on := float64(modes[1].sent) / modes[1].took.Seconds()
	b.ReportMetric(off, "msgs/s-without")
	b.ReportMetric(on, "msgs/s-with")
	b.ReportMetric(100*(1-on/off), "%cost")
	// CPU per message counts everything in this process (the SMTP clients,
	// the sink and the receiver too), so it is the same load for both; it
	// is less sensitive than msgs/s to other processes on the machine.
	cpuOff := modes[0].cpu.Seconds() * 1e6 / float64(modes[0].sent)
	cpuOn := modes[1].cpu.Seconds() * 1e6 / float64(modes[1].sent)
	b.ReportMetric(cpuOff, "cpu-us/msg-without")
	b.ReportMetric(cpuOn, "cpu-us/msg-with")
	b.ReportMetric(100*(cpuOn/cpuOff-1), "%cpu-cost")
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWebhookLatency: at a steady 400 messages per second (two
// records each), the time from each record to its arrival at the
// webhook receiver, with the default batch_size and batch_wait.
func BenchmarkWebhookLatency(b *testing.B) {
	if b.N < 8 {
		return // the probe run: a latency needs a steady load
	}
	rcv := startLatencyReceiver(b, true)
	s, sink := benchStack(b, true, rcv.url)
	b.ResetTimer()
	load(b, s.smtp, sink, b.N, 8, 400, 0)
	deadline := time.Now().Add(30 * time.Second)
	for rcv.count() < 2*(b.N/8*8) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	rcv.mu.Lock()
	d := slices.Clone(rcv.delay)
	rcv.mu.Unlock()
	slices.Sort(d)
	q := func(p float64) float64 { return d[min(len(d)-1, int(p*float64(len(d))))].Seconds() * 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(d[len(d)-1].Seconds()*1000, "max-ms")
	b.ReportMetric(float64(len(d)), "events")
}
