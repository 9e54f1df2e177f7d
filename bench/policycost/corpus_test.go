package policycost

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

// BenchmarkClassifyCorpus is the cost per reply of the bounce classifiers
// on real replies (the 179 of testdata/corpora/smtp-responses-dev.tsv, in
// a fixed rotation): the built-in one (mta/policy, native) and the
// policies/go/default and policies/go/classifier modules as the engine
// runs them (wasm, with the deadline guard), uncached.
func BenchmarkClassifyCorpus(b *testing.B) {
	rows := corpusReplies(b)
	b.Run("builtin-native", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink = policy.ClassifyResponse(&rows[i%len(rows)])
		}
	})
	for _, name := range []string{"default", "classifier"} {
		b.Run(name+"-wasm", func(b *testing.B) {
			m := corpusModule(b, name)
			for i := 0; b.Loop(); i++ {
				c, err := m.Classify(ctx, &rows[i%len(rows)])
				if err != nil {
					b.Fatal(err)
				}
				sink = c
			}
		})
	}
}

var (
	corpusMu   sync.Mutex
	corpusMods = map[string]*hostabi.Module{}
)

// corpusModule builds and loads policies/go/NAME once, with the guard.
func corpusModule(b *testing.B, name string) *hostabi.Module {
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if m := corpusMods[name]; m != nil {
		return m
	}
	wasm, err := policytest.BuildGo(ctx, filepath.Join("..", "..", "policies", "go", name))
	if err != nil {
		b.Fatal(err)
	}
	h, err := hostabi.New(ctx, hostabi.Config{
		CallTimeout: time.Second, InitTimeout: 20 * time.Second,
		CacheDir: filepath.Join(os.TempDir(), "wasmta-wazero-cache"),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	m, err := h.Load(ctx, "", wasm)
	if err != nil {
		b.Fatal(fmt.Errorf("bench: load %s: %w", name, err))
	}
	corpusMods[name] = m
	return m
}

// corpusReplies reads the shared corpus as the engine's classify inputs.
func corpusReplies(b *testing.B) []policy.ClassifyInput {
	path := filepath.Join("..", "..", "testdata", "corpora", "smtp-responses-dev.tsv")
	f, err := os.Open(path)
	if err != nil {
		b.Fatalf("the SMTP response corpus is missing: %v", err)
	}
	defer f.Close()
	var out []policy.ClassifyInput
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 5 || fields[0] == "file" {
			continue
		}
		code, _ := strconv.Atoi(fields[2])
		out = append(out, policy.ClassifyInput{Stage: "rcpt", Code: code, Enhanced: fields[1], Text: fields[4]})
	}
	if len(out) < 100 {
		b.Fatalf("%s: only %d rows", path, len(out))
	}
	return out
}
