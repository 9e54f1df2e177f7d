package gobench

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/wasmta/wasmta/mta/spool
cpu: AMD EPYC
BenchmarkPut/writers=1-2         	     300	   4017263 ns/op	   1.02 MB/s	       248.9 msgs/s	         1.000 puts/sync	    9066 B/op	      40 allocs/op
BenchmarkPut/writers=32-2        	    3000	    188411 ns/op	  5307 msgs/s	        21.30 puts/sync
BenchmarkRoute/wasm-guard       	 1000000	      1234 ns/op
--- FAIL: BenchmarkBroken
BenchmarkNoIterations-2 	 x	 12 ns/op
PASS
ok  	github.com/wasmta/wasmta/mta/spool	12.3s
`
	ls, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 {
		t.Fatalf("parsed %d lines, want 3: %+v", len(ls), ls)
	}
	tests := []struct {
		i        int
		name     string
		procs    int
		n        int64
		unit     string
		val      float64
		top, sub string
	}{
		{0, "Put/writers=1", 2, 300, "msgs/s", 248.9, "Put", "writers=1"},
		{1, "Put/writers=32", 2, 3000, "puts/sync", 21.3, "Put", "writers=32"},
		{2, "Route/wasm-guard", 0, 1000000, "ns/op", 1234, "Route", "wasm-guard"},
	}
	for _, tt := range tests {
		l := ls[tt.i]
		top, sub := l.Split()
		if l.Name != tt.name || l.Procs != tt.procs || l.N != tt.n || l.Metrics[tt.unit] != tt.val || top != tt.top || sub != tt.sub {
			t.Errorf("line %d = %+v (%s, %s)", tt.i, l, top, sub)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add("BenchmarkPut/writers=1-2 300 4017263 ns/op 248.9 msgs/s")
	f.Add("Benchmark-x 1 1 a")
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := ParseLine(s)
		if ok && (l.N <= 0 || !strings.Contains(s, l.Name)) {
			t.Errorf("ParseLine(%q) = %+v", s, l)
		}
	})
}
