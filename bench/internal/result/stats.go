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
	// The epsilon keeps 99.9% of 1000 at rank 999 despite rounding.
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	return sorted[min(max(rank, 1), len(sorted))-1]
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
