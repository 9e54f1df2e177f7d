package policycost

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

// BenchmarkMessage is what the end-to-end policy scenario pays per message
// in calls: the four hooks that are not cached (on_mail_from, on_rcpt,
// on_message, select_pool) of policies/go/default, the module that
// scenario loads, on inputs like smtp-source's. One op is one message.

var (
	defaultOnce    sync.Once
	defaultMods    map[bool]*hostabi.Module // by guard on
	defaultLoadErr error
)

// defaultModules loads policies/go/default into a host with the guard and
// one without (UnsafeNoDeadline).
func defaultModules(b *testing.B) map[bool]*hostabi.Module {
	defaultOnce.Do(func() {
		wasm, err := policytest.BuildGo(ctx, filepath.Join("..", "..", "policies", "go", "default"))
		if err != nil {
			defaultLoadErr = err
			return
		}
		defaultMods = map[bool]*hostabi.Module{}
		for _, guard := range []bool{true, false} {
			h, err := hostabi.New(ctx, hostabi.Config{
				CallTimeout:      time.Second,
				InitTimeout:      20 * time.Second,
				UnsafeNoDeadline: !guard,
				CacheDir:         filepath.Join(os.TempDir(), "wasmta-wazero-cache"),
				Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				defaultLoadErr = err
				return
			}
			if defaultMods[guard], err = h.Load(ctx, "", wasm); err != nil {
				defaultLoadErr = fmt.Errorf("bench: load default: %w", err)
				return
			}
		}
	})
	if defaultLoadErr != nil {
		b.Fatal(defaultLoadErr)
	}
	return defaultMods
}

var (
	msgPeer   = policy.Peer{Addr: "127.0.0.1:40312", Helo: "source.bench.example"}
	msgHeader = []byte("From: <sender@source.bench.example>\r\nTo: <rcpt@bench.example>\r\n" +
		"Date: Thu, 26 Nov 2026 21:00:00 +0000\r\nMessage-Id: <20261126210000.1234@source.bench.example>\r\n" +
		"Subject: test message 1234\r\nReceived: from source.bench.example (localhost [127.0.0.1])\r\n" +
		"\tby wasmta with ESMTP id 0123456789abcdef; Thu, 26 Nov 2026 21:00:00 +0000")
)

// messageCalls are the four calls of one message, in order.
func messageCalls(m *hostabi.Module) []func() error {
	return []func() error{
		func() error {
			_, err := m.OnMailFrom(ctx, &policy.MailFromInput{Peer: msgPeer, Sender: "sender@source.bench.example"})
			return err
		},
		func() error {
			_, err := m.OnRcpt(ctx, &policy.RcptInput{Peer: msgPeer, Sender: "sender@source.bench.example", Recipient: "rcpt@bench.example"})
			return err
		},
		func() error {
			_, err := m.OnMessage(ctx, &policy.MessageInput{Peer: msgPeer, Sender: "sender@source.bench.example",
				Recipients: []string{"rcpt@bench.example"}, Header: msgHeader, Size: 4400})
			return err
		},
		func() error {
			_, err := m.SelectPool(ctx, &policy.PoolInput{Domain: "bench.example", Site: "mx.bench.example"})
			return err
		},
	}
}

// oneMessage makes the four calls of one message.
func oneMessage(m *hostabi.Module) error {
	for _, call := range messageCalls(m) {
		if err := call(); err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkMessage(b *testing.B) {
	mods := defaultModules(b)
	for _, guard := range []bool{true, false} {
		name := "wasm-guard"
		if !guard {
			name = "wasm-noguard"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := oneMessage(mods[guard]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMessageNewGoroutine makes each message's calls from a new
// goroutine, as reception does for each SMTP connection (smtp-source opens
// one per message): the first entry into wazero then grows the goroutine's
// stack.
func BenchmarkMessageNewGoroutine(b *testing.B) {
	m := defaultModules(b)[true]
	b.ReportAllocs()
	for b.Loop() {
		done := make(chan error)
		go func() { done <- oneMessage(m) }()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageHandoff is BenchmarkMessageNewGoroutine with every call
// handed over channels to one long-lived goroutine, whose stack has
// grown once, as per-instance worker goroutines would do: the round trip
// per call against the stack growth per new goroutine it avoids.
func BenchmarkMessageHandoff(b *testing.B) {
	m := defaultModules(b)[true]
	req := make(chan func() error)
	resp := make(chan error)
	go func() {
		for f := range req {
			resp <- f()
		}
	}()
	defer close(req)
	calls := messageCalls(m)
	b.ReportAllocs()
	for b.Loop() {
		done := make(chan error)
		go func() {
			for _, call := range calls {
				req <- call
				if err := <-resp; err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
