package providersim

import (
	"net"
	"testing"

	"github.com/emersion/go-smtp"
)

// benchSim starts the generic preset with no latency, no limits and no
// failures: what is left is the simulator's own cost per message.
func benchSim(b *testing.B, ip string) *Sim {
	p, _ := Preset("generic")
	p.Addr = net.JoinHostPort(ip, "0")
	p.Latency, p.RatePerIP, p.TempFailRate, p.MaxConnsPerIP = Latency{}, 0, 0, 0
	sim, err := Start(b.Context(), []Provider{p}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sim.Close() })
	return sim
}

func benchClient(b *testing.B, addr string) *smtp.Client {
	c, err := smtp.Dial(addr)
	if err == nil {
		err = c.Hello("bench.test")
	}
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkAccept measures one small message (~100 bytes), one recipient, over one
// persistent connection.
func BenchmarkAccept(b *testing.B) {
	sim := benchSim(b, "127.0.13.1")
	c := benchClient(b, sim.Addr("generic"))
	defer c.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := send(c, "a@example.test"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAcceptParallel runs one connection per goroutine.
func BenchmarkAcceptParallel(b *testing.B) {
	sim := benchSim(b, "127.0.13.2")
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := benchClient(b, sim.Addr("generic"))
		defer c.Close()
		for pb.Next() {
			if _, err := send(c, "a@example.test"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
