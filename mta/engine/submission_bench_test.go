package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
)

// BenchmarkInject measures reception throughput of the same 4 KiB message
// over SMTP and over the HTTP API (raw, and as structured content), by 16
// concurrent clients with persistent connections, into a running engine
// that spools (synced) and delivers to a counting sink; then with DKIM
// signing (RSA-2048, Ed25519, both). It reports msgs/s and the CPU time of
// the whole process per message (clients and sink included, so compare
// rows with each other, not with the dkim package's signing benchmark).
//
//	go test -run '^$' -bench Inject -benchtime 3000x ./mta/engine/
//	go test -run '^$' -bench Inject/nodkim -benchtime 3000x ./mta/engine/
func BenchmarkInject(b *testing.B) {
	for _, keys := range []string{"nodkim", "rsa2048", "ed25519", "both"} {
		b.Run(keys, func(b *testing.B) {
			for _, proto := range []string{"smtp", "http-raw", "http-content"} {
				b.Run(proto, func(b *testing.B) { benchInject(b, proto, keys) })
			}
		})
	}
}

const benchClients = 16

func benchInject(b *testing.B, proto, keys string) {
	sink := testsink.Start(b, testsink.Options{CountOnly: true})
	dir := b.TempDir()
	cfg := "[http]\nlisten = \"127.0.0.1:0\"\n" + routeTo(sink) + benchDKIM(b, dir, keys) +
		"[[tenant]]\nname = \"bench\"\napi_tokens_sha256 = [\"" + tokenHash(apiToken) + "\"]\n"
	e := benchEngine(b, dir, cfg)
	send := smtpSender(b, e)
	if proto != "smtp" {
		send = httpSender(b, apiURL(e), proto)
	}
	var next atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((benchClients + procs - 1) / procs) // RunParallel runs parallelism x GOMAXPROCS clients
	cpu0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := send()
		for pb.Next() {
			if err := c(int(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/msg")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := sink.WaitCount(ctx, b.N); err != nil {
		b.Fatal(err)
	}
}

// benchMessage is a 4096-byte message from sender.example.
func benchMessage(i int) string {
	head := fmt.Sprintf("From: Shop <shop@sender.example>\r\nTo: r@example.org\r\nSubject: bench %08d\r\n"+
		"Date: Tue, 04 Nov 2025 10:00:00 +0000\r\nMessage-ID: <%08d@sender.example>\r\n\r\n", i, i)
	line := strings.Repeat("x", 62) + "\r\n"
	body := strings.Repeat(line, (4096-len(head))/len(line))
	return head + body + strings.Repeat("y", 4096-len(head)-len(body)-2) + "\r\n"
}

// smtpSender returns a factory of per-client send functions, each on its
// own SMTP connection.
func smtpSender(b *testing.B, e *Engine) func() func(int) error {
	addr := e.SMTPAddrs()[0].String()
	return func() func(int) error {
		c, err := smtp.Dial(addr)
		if err == nil {
			err = c.Hello("bench.test")
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return func(i int) error {
			return c.SendMail("b@sender.example", []string{fmt.Sprintf("r%d@example.org", i)}, strings.NewReader(benchMessage(i)))
		}
	}
}

// httpSender returns a factory of send functions sharing one keep-alive
// client.
func httpSender(b *testing.B, url, proto string) func() func(int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients * 2}}
	b.Cleanup(client.CloseIdleConnections)
	return func() func(int) error {
		return func(i int) error {
			msg := benchMessage(i)
			req := benchRequest{Sender: "b@sender.example", Recipients: []benchRcpt{{fmt.Sprintf("r%d@example.org", i)}}}
			if proto == "http-raw" {
				req.Raw = msg
			} else {
				req.Content = &benchContent{From: "Shop <shop@sender.example>", Subject: fmt.Sprintf("bench %08d", i),
					Text: msg[strings.Index(msg, "\r\n\r\n")+4:]}
			}
			return postBench(client, url, &req)
		}
	}
}

// The request types of a client that knows its JSON (a map costs the
// client more to encode).
type benchRequest struct {
	Sender     string        `json:"sender"`
	Recipients []benchRcpt   `json:"recipients"`
	Raw        string        `json:"raw,omitempty"`
	Content    *benchContent `json:"content,omitempty"`
}

type benchRcpt struct {
	Address string `json:"address"`
}

type benchContent struct {
	From    string `json:"from"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

func postBench(client *http.Client, url string, v any) error {
	data, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}

// benchDKIM installs the keys of a benchmark and returns their [dkim].
func benchDKIM(b *testing.B, dir, keys string) string {
	files := map[string][]string{"rsa2048": {"rsa2048-pkcs1.pem"}, "ed25519": {"ed25519-pkcs8.pem"},
		"both": {"rsa2048-pkcs1.pem", "ed25519-pkcs8.pem"}}[keys]
	if len(files) == 0 {
		return ""
	}
	out := "[dkim]\n"
	for i, f := range files {
		data, err := os.ReadFile(filepath.Join(keyDir, f))
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("key%d.pem", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		out += fmt.Sprintf("[[dkim.key]]\ndomain = \"sender.example\"\nselector = \"s%d\"\nkey_file = %q\n", i, path)
	}
	return out
}

// benchEngine starts an engine for a benchmark (testEngine wants a *testing.T).
func benchEngine(b *testing.B, dir, toml string) *Engine {
	cfg, err := config.Parse([]byte(fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\nlog_level = \"error\"\n", dir) + toml +
		"[records]\nenabled = false\n"))
	if err != nil {
		b.Fatal(err)
	}
	cfg.SMTP.Listen = cfg.SMTP.Listen[:1]
	cfg.SMTP.Listen[0] = mustAddrPort("127.0.0.1:0")
	cfg.SMTP.MinFreeDisk = 0
	e, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Start(); err != nil {
		e.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// cpuTime is the CPU time (user and system) of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInjectInterleaved compares SMTP and HTTP (raw) on one engine in
// alternating rounds of 400 messages, so that the load of a shared machine
// drifting during the run weighs on both alike. It reports each
// protocol's msgs/s over all its rounds and http/smtp, their ratio.
//
//	go test -run '^$' -bench InjectInterleaved -benchtime 10x ./mta/engine/
func BenchmarkInjectInterleaved(b *testing.B) {
	sink := testsink.Start(b, testsink.Options{CountOnly: true})
	dir := b.TempDir()
	e := benchEngine(b, dir, "[http]\nlisten = \"127.0.0.1:0\"\n"+routeTo(sink)+
		"[[tenant]]\nname = \"bench\"\napi_tokens_sha256 = [\""+tokenHash(apiToken)+"\"]\n")
	senders := map[string]func() func(int) error{"smtp": smtpSender(b, e), "http-raw": httpSender(b, apiURL(e), "http-raw")}
	clients := map[string][]func(int) error{}
	for name, mk := range senders {
		for range benchClients {
			clients[name] = append(clients[name], mk())
		}
	}
	const round = 400
	spent := map[string]time.Duration{}
	var next atomic.Int64
	for b.Loop() {
		for _, name := range []string{"smtp", "http-raw"} {
			t0 := time.Now()
			runRound(b, clients[name], round, &next)
			spent[name] += time.Since(t0)
		}
	}
	n := float64(b.N * round)
	smtpRate, httpRate := n/spent["smtp"].Seconds(), n/spent["http-raw"].Seconds()
	b.ReportMetric(smtpRate, "smtp-msgs/s")
	b.ReportMetric(httpRate, "http-msgs/s")
	b.ReportMetric(httpRate/smtpRate, "http/smtp")
}

// runRound sends n messages with the clients concurrently.
func runRound(b *testing.B, clients []func(int) error, n int, next *atomic.Int64) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := c(int(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkSigningCost runs three engines side by side, without DKIM, with
// an Ed25519 key and with an RSA-2048 key, and sends them alternating
// rounds of 200 messages over SMTP (16 clients), each round waiting for its
// deliveries. It reports each engine's msgs/s and CPU per message (the
// whole process, while only that engine works), so that the difference
// between the rows is the cost of signing at full throughput.
//
//	go test -run '^$' -bench SigningCost -benchtime 10x ./mta/engine/
func BenchmarkSigningCost(b *testing.B) {
	type setup struct {
		name    string
		sink    *testsink.Sink
		clients []func(int) error
		spent   time.Duration
		cpu     time.Duration
	}
	var setups []*setup
	for _, keys := range []string{"nodkim", "ed25519", "rsa2048"} {
		s := &setup{name: keys, sink: testsink.Start(b, testsink.Options{CountOnly: true})}
		dir := b.TempDir()
		e := benchEngine(b, dir, routeTo(s.sink)+benchDKIM(b, dir, keys))
		mk := smtpSender(b, e)
		for range benchClients {
			s.clients = append(s.clients, mk())
		}
		setups = append(setups, s)
	}
	const round = 200
	var next atomic.Int64
	for b.Loop() {
		for _, s := range setups {
			t0, c0 := time.Now(), cpuTime()
			want := s.sink.Count() + round
			runRound(b, s.clients, round, &next)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			if err := s.sink.WaitCount(ctx, want); err != nil {
				b.Fatal(err)
			}
			cancel()
			s.spent += time.Since(t0)
			s.cpu += cpuTime() - c0
		}
	}
	n := float64(b.N * round)
	for _, s := range setups {
		b.ReportMetric(n/s.spent.Seconds(), s.name+"-msgs/s")
		b.ReportMetric(float64(s.cpu.Microseconds())/n, s.name+"-cpu-µs/msg")
	}
}
