package wasmta

import (
	"math"
	"math/big"
	"testing"
)

// TestPPMExact checks ppm against the exact quotient on both of its
// paths: the one 64-bit division (n*1e6 fits 64 bits) and the 128-bit one.
func TestPPMExact(t *testing.T) {
	for _, c := range []struct{ n, d int64 }{
		{0, 10}, {5, 0}, {-1, 10}, {1, 1000}, {3, 7}, {999_999, 1_000_000},
		{18_446_744_073_709, 3},        // the largest n of the 64-bit path
		{18_446_744_073_710, 3},        // the smallest of the 128-bit path
		{math.MaxInt64, math.MaxInt64}, // 1e6
		{math.MaxInt64, 1},             // capped
		{math.MaxInt64 / 7, 1_234_567},
	} {
		want := int64(0)
		if c.n > 0 && c.d > 0 {
			q := new(big.Int).Mul(big.NewInt(c.n), big.NewInt(1_000_000))
			q.Quo(q, big.NewInt(c.d))
			if q.IsInt64() {
				want = q.Int64()
			} else {
				want = math.MaxInt64
			}
		}
		if got := ppm(c.n, c.d); got != want {
			t.Errorf("ppm(%d, %d) = %d, want %d", c.n, c.d, got, want)
		}
	}
}
