package policy

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusInputs reads the SMTP response corpus (testdata/corpora) as
// classify inputs: the reply code, the enhanced code Sisimai recorded, the
// text.
func corpusInputs(tb testing.TB) []ClassifyInput {
	tb.Helper()
	path := filepath.Join("..", "..", "testdata", "corpora", "smtp-responses-dev.tsv")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("the SMTP response corpus is missing: %v", err)
	}
	defer f.Close()
	var out []ClassifyInput
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 5 || fields[0] == "file" {
			continue
		}
		code, _ := strconv.Atoi(fields[2])
		out = append(out, ClassifyInput{Stage: "rcpt", Code: code, Enhanced: fields[1], Text: fields[4]})
	}
	if len(out) < 100 {
		tb.Fatalf("%s: only %d rows", path, len(out))
	}
	return out
}

// BenchmarkClassifyResponse: the built-in classifier's cost per reply,
// cycling through the corpus (real reply lengths and rule positions).
func BenchmarkClassifyResponse(b *testing.B) {
	rows := corpusInputs(b)
	b.ReportAllocs()
	var sink string
	for i := 0; i < b.N; i++ {
		sink = ClassifyResponse(&rows[i%len(rows)])
	}
	_ = sink
}
