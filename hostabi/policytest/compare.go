package policytest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// mismatch is one checked key whose value differs.
type mismatch struct {
	key       string
	got, want any
}

// compare checks every expected key against the decision.
func compare(want map[string]any, got decision) []mismatch {
	var out []mismatch
	for _, k := range sortedKeys(want) {
		if k == "fault" {
			continue // checked by the runner, which has the error
		}
		if !equal(want[k], got[k]) {
			out = append(out, mismatch{k, got[k], want[k]})
		}
	}
	return out
}

// equal compares an expected TOML value with a decision value, treating an
// absent decision value as the zero value, bools as 0/1 and ints as floats
// where the other side is a float.
func equal(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, _ := got.(string)
		return g == w
	case bool:
		switch g := got.(type) {
		case bool:
			return g == w
		case int64:
			return (g == 1) == w
		}
		return !w && got == nil
	case int64:
		return equalFloat(float64(w), got)
	case float64:
		return equalFloat(w, got)
	case []any:
		g, _ := got.([]string)
		if len(g) != len(w) {
			return false
		}
		for i := range w {
			if s, ok := w[i].(string); !ok || s != g[i] {
				return false
			}
		}
		return true
	}
	return false
}

func equalFloat(w float64, got any) bool {
	var g float64
	switch v := got.(type) {
	case int64:
		g = float64(v)
	case float64:
		g = v
	case bool:
		if v {
			g = 1
		}
	case nil:
	default:
		return false
	}
	return math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
}

// show formats a value the way it is written in a case file.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []any:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = show(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// showDecision prints every key of a decision, sorted, one line.
func showDecision(d decision) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = " + show(d[k])
	}
	return strings.Join(parts, ", ")
}
