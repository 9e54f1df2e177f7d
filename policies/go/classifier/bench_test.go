//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// BenchmarkClassify: the reference classifier's cost per reply (native
// build), cycling through the corpus.
func BenchmarkClassify(b *testing.B) {
	rows := readCorpus(b)
	ins := make([]wasmta.ClassifyInput, len(rows))
	for i, r := range rows {
		ins[i] = wasmta.ClassifyInput{Stage: "rcpt", Code: r.code, Text: r.text}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sink wasmta.Classification
	for i := 0; i < b.N; i++ {
		sink = classify(&ins[i%len(ins)])
	}
	_ = sink
}
