package delivery

import (
	"bufio"
	"bytes"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
)

func benchBody() []byte {
	line := []byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n")
	body := append([]byte("Subject: benchmark\r\nFrom: a@src.test\r\nTo: b@dst.test\r\n\r\n"), bytes.Repeat(line, 64)...)
	return body[:4096]
}

func benchDeliver(b *testing.B, addr netip.AddrPort, opts Options) {
	s, err := Dial(ctx, addr, "bench.test", opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body, rcpts := benchBody(), []string{"b@dst.test"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		res, err := s.Deliver(ctx, "a@src.test", rcpts, body)
		if err != nil || res.Response.Code != 250 {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	// CPU of the whole test process (client and server) per message: on a
	// loaded machine wall time says little, CPU time still does.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
}

// BenchmarkDeliverSink measures messages per second over one reused
// connection to the go-smtp sink (its work is in the numbers too).
func BenchmarkDeliverSink(b *testing.B) {
	for _, m := range []struct {
		name string
		opts Options
	}{{"bdat", Options{}}, {"data", Options{NoChunking: true}}} {
		b.Run(m.name, func(b *testing.B) {
			sink := testsink.Start(b, testsink.Options{CountOnly: true})
			ap, _ := netip.ParseAddrPort(sink.Addr())
			benchDeliver(b, ap, m.opts)
		})
	}
}

// BenchmarkDeliverLean runs against a responder that allocates nothing per
// message, so allocs/op is the client's own.
func BenchmarkDeliverLean(b *testing.B) {
	for _, m := range []struct {
		name string
		opts Options
		ehlo string
	}{
		{"bdat", Options{}, "250-lean.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"},
		{"data", Options{}, "250-lean.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
	} {
		b.Run(m.name, func(b *testing.B) {
			benchDeliver(b, leanServer(b, m.ehlo), m.opts)
		})
	}
}

// leanServer answers one connection with fixed replies, reading BDAT chunks
// and DATA up to the final dot, without allocating per command.
func leanServer(b *testing.B, ehlo string) netip.AddrPort {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		leanServe(c, ehlo)
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func leanServe(c net.Conn, ehlo string) {
	r, w := bufio.NewReaderSize(c, 64<<10), bufio.NewWriter(c)
	w.WriteString("220 lean.test\r\n")
	w.Flush()
	ok := []byte("250 2.0.0 ok\r\n")
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		switch {
		case bytes.HasPrefix(line, []byte("EHLO")):
			w.WriteString(ehlo)
		case bytes.HasPrefix(line, []byte("BDAT")):
			r.Discard(chunkSize(line))
			w.Write(ok)
		case bytes.HasPrefix(line, []byte("DATA")):
			w.WriteString("354 go\r\n")
			w.Flush()
			for l, err := r.ReadSlice('\n'); err == nil && !bytes.Equal(l, []byte(".\r\n")); l, err = r.ReadSlice('\n') {
			}
			w.Write(ok)
		case bytes.HasPrefix(line, []byte("QUIT")):
			w.WriteString("221 bye\r\n")
			w.Flush()
			return
		default:
			w.Write(ok)
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}

// chunkSize reads n from "BDAT n LAST" without allocating.
func chunkSize(line []byte) int {
	n := 0
	for _, c := range line[len("BDAT "):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
