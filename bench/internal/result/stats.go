package result

import (
	"math"
	"slices"
	"time"
)

// Median returns the median of vs (the mean of the middle two for an even
// count), or 0 for none. NaN values are ignored.
func Median(vs []float64) float64 {
	s := clean(vs)
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func clean(vs []float64) []float64 {
	s := make([]float64, 0, len(vs))
	for _, v := range vs {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	return s
}

func minOf(vs []float64) float64 {
	s := clean(vs)
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func maxOf(vs []float64) float64 {
	s := clean(vs)
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values
// at or below it. It returns 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[rank(len(sorted), p)-1]
}

// rank is the nearest rank (1-based) of the p-th percentile of n values.
func rank(n int, p float64) int {
	// The epsilon keeps 99.9% of 1000 at rank 999 despite rounding.
	r := int(math.Ceil(p/100*float64(n) - 1e-9))
	return min(max(r, 1), n)
}

// CensoredPercentile returns what is known of the p-th percentile
// (nearest rank, as Percentile) of a sample some of whose values are
// right-censored: known only to be greater than a bound, as the queue time
// of a message still queued when the measurement ended is greater than
// the time it had waited then. exact holds the values known, censored the
// bounds of the others; neither needs to be sorted.
//
// lo is the percentile with every censored value at its bound (what
// Percentile of both together gives, a lower bound). hi is the percentile
// with every censored value above every exact one (an upper bound): the
// exact value of that rank, or, when the rank falls among the censored
// values, none (open: the percentile is only known to be greater than lo).
// When no censored bound lies below the exact value of the rank, lo == hi
// and the percentile is known.
func CensoredPercentile(exact, censored []time.Duration, p float64) (lo, hi time.Duration, open bool) {
	n := len(exact) + len(censored)
	if n == 0 {
		return 0, 0, false
	}
	k := rank(n, p)
	all := slices.Concat(exact, censored)
	slices.Sort(all)
	lo = all[k-1]
	if k > len(exact) {
		return lo, 0, true
	}
	known := slices.Clone(exact)
	slices.Sort(known)
	return lo, known[k-1], false
}

// Mean returns the average of ds, or 0 for none.
func Mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// MedianCI returns a distribution-free confidence interval for the median
// of the population vs was drawn from: the k-th smallest and k-th largest
// values, with k the largest rank whose interval still covers the median
// with probability at least 0.95 (the sign test's binomial bound), and
// that probability. With fewer than 6 values no interval reaches 0.95 and
// it returns the smallest and largest value with the lower confidence
// they have. NaN values are ignored; none at all gives zeros.
func MedianCI(vs []float64) (lo, hi, conf float64) {
	s := clean(vs)
	n := len(s)
	if n == 0 {
		return 0, 0, 0
	}
	slices.Sort(s)
	// tail(k) = P(Binomial(n, 1/2) < k): the chance the median lies below
	// the k-th smallest value; the interval's confidence is 1 − 2·tail(k).
	tail := func(k int) float64 {
		p, c := 0.0, 1.0 // c = C(n, i)
		for i := range k {
			p += c
			c = c * float64(n-i) / float64(i+1)
		}
		return p / math.Pow(2, float64(n))
	}
	k := 1
	for k+1 <= (n+1)/2 && 1-2*tail(k+1) >= 0.95 {
		k++
	}
	return s[k-1], s[n-k], 1 - 2*tail(k)
}
