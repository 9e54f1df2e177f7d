package policytest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// TestSDKReadsLongInputs sends inputs far larger than the SDK's first
// buffer (1 KiB): the SDK must ask again with a larger one and see every
// byte.
func TestSDKReadsLongInputs(t *testing.T) {
	mods := loadAll(t)
	for _, n := range []int{1023, 1024, 1025, 5000, 200_000} {
		site := strings.Repeat("s", n)
		text := strings.Repeat("x", n)
		cases := []Case{
			{Name: "site " + strconv.Itoa(n), Hook: policy.HookSelectPool,
				Input:  map[string]any{"site": site, "tenant": "t"},
				Expect: map[string]any{"pool": poolForSite(n)}},
			{Name: "text " + strconv.Itoa(n), Hook: policy.HookClassify,
				Input:  map[string]any{"stage": "rcpt", "code": int64(450), "enhanced": "4.2.0", "text": text},
				Expect: map[string]any{"threshold": int64(n), "max_connections": int64(450), "duration_ms": int64(5000)}},
		}
		var out bytes.Buffer
		if passed, failed := RunPolicy(testCtx, mods["sdkprobe"], cases, &out); failed != 0 || passed != 2 {
			t.Fatalf("length %d:\n%s", n, out.String())
		}
	}
}

func poolForSite(n int) string {
	if n > 1000 {
		return "long-site-" + strconv.Itoa(n)
	}
	return "t--"
}

// TestDefaultModuleMatchesBuiltin: the default policy compiled to wasm
// decides every corpus reply, and the sample inputs of the other hooks,
// exactly as the built-in policy.Default.
func TestDefaultModuleMatchesBuiltin(t *testing.T) {
	mod := loadAll(t)["default"]
	def := &policy.Default{}
	rows := corpusReplies(t)
	for _, in := range rows {
		got, err := mod.Classify(testCtx, &in)
		want, _ := def.Classify(testCtx, &in)
		if err != nil || got != want {
			t.Errorf("classify %d %q %q: module %+v (%v), builtin %+v", in.Code, in.Enhanced, in.Text, got, err, want)
		}
	}
	shape, err := mod.Shape(testCtx, &policy.ShapeInput{Source: "s", Site: "mx.example.com", MXHosts: []string{"mx.example.com"}})
	if err != nil || shape != def.Shape0() {
		t.Errorf("shape: module %+v (%v), builtin %+v", shape, err, def.Shape0())
	}
	pool, err := mod.SelectPool(testCtx, &policy.PoolInput{Tenant: "acme"})
	wantPool, _ := def.SelectPool(testCtx, &policy.PoolInput{Tenant: "acme"})
	if err != nil || pool != wantPool {
		t.Errorf("select_pool: module %q (%v), builtin %q", pool, err, wantPool)
	}
	t.Logf("%d corpus replies classified identically", len(rows))
}

// corpusReplies reads the SMTP response corpus (testdata/corpora)
// as classify inputs, each with and without its enhanced code.
func corpusReplies(t *testing.T) []policy.ClassifyInput {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "corpora", "smtp-responses-dev.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the SMTP response corpus is missing: %v (testdata/corpora/ in the repository)", err)
	}
	defer f.Close()
	var out []policy.ClassifyInput
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 5 {
			continue
		}
		code, err := strconv.Atoi(fields[2])
		if err != nil && fields[2] != "" {
			continue // the header line
		}
		in := policy.ClassifyInput{Stage: "rcpt", Code: code, Text: fields[4]}
		out = append(out, in)
		in.Enhanced = fields[1]
		out = append(out, in)
	}
	if len(out) < 200 {
		t.Fatalf("%s: only %d replies", path, len(out)/2)
	}
	return out
}
