// Package testrows streams generated CSV tables for tests and benchmarks
// of the policy data tables: millions of rows without holding them, as a
// client uploading a large file would.
package testrows

import (
	"fmt"
	"io"
)

// Source is a CSV table "key,pool" of N rows, row i being
// "Key(i),pool-(i%1000)"; N < 0 never ends.
type Source struct {
	N   int
	i   int
	buf []byte
}

// Key is the key of row i.
func Key(i int) string { return fmt.Sprintf("k%09d", i) }

// Value is the value of row i.
func Value(i int) string { return fmt.Sprintf("pool-%d", i%1000) }

// Rows is how many rows were generated so far.
func (r *Source) Rows() int { return r.i }

func (r *Source) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && (r.N < 0 || r.i < r.N) {
		if r.i == 0 {
			r.buf = append(r.buf, "key,pool\n"...)
		}
		r.buf = fmt.Appendf(r.buf, "k%09d,pool-%d\n", r.i, r.i%1000)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
