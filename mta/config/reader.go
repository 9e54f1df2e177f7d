package config

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Error is one problem in a configuration: the key path (e.g.
// "smtp.max_message_size", "route[1].hosts[0]") and what is wrong.
type Error struct {
	Key     string
	Problem string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return "config: " + e.Problem
	}
	return "config: " + e.Key + ": " + e.Problem
}

// problems collects every Error of one file, in the order found.
type problems struct{ list []error }

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, &Error{Key: key, Problem: fmt.Sprintf(format, args...)})
}

// table reads one TOML table into typed values. Each getter leaves its
// destination (holding the default) untouched when the key is absent or
// invalid, and records a problem for an invalid value. done reports the keys
// no getter asked for.
type table struct {
	path  string
	m     map[string]any
	used  map[string]bool
	asked []string // every key a getter asked for, to suggest one for a typo
	p     *problems
}

func newTable(path string, m map[string]any, p *problems) *table {
	return &table{path: path, m: m, used: make(map[string]bool), p: p}
}

func (t *table) key(k string) string {
	if t.path == "" {
		return k
	}
	return t.path + "." + k
}

func (t *table) get(k string) (any, bool) {
	t.asked = append(t.asked, k)
	v, ok := t.m[k]
	if ok {
		t.used[k] = true
	}
	return v, ok
}

func (t *table) wrongType(k string, v any, want string) {
	t.p.add(t.key(k), "got %s, want %s", describe(v), want)
}

// done reports unknown keys, sorted so the output is stable.
func (t *table) done() {
	var unknown []string
	for k := range t.m {
		if !t.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if why, ok := comingSections[withoutIndexes(t.key(k))]; ok {
			t.p.add(t.key(k), "not supported yet (%s)", why)
			continue
		}
		if near := t.nearest(k); near != "" {
			t.p.add(t.key(k), "unknown key (did you mean %s?)", near)
			continue
		}
		t.p.add(t.key(k), "unknown key")
	}
}

// nearest returns the known key within two edits of k, if there is one.
func (t *table) nearest(k string) string {
	best, bestDist := "", 3
	for _, a := range t.asked {
		if d := editDistance(k, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// str reads a string; it returns true when the key held one.
func (t *table) str(k string, dst *string) bool {
	v, ok := t.get(k)
	if !ok {
		return false
	}
	s, ok := v.(string)
	if !ok {
		t.wrongType(k, v, "a string")
		return false
	}
	*dst = s
	return true
}

// integer reads an integer in [lo, hi].
func (t *table) integer(k string, dst *int, lo, hi int) {
	v, ok := t.get(k)
	if !ok {
		return
	}
	n, ok := v.(int64)
	if !ok {
		t.wrongType(k, v, "an integer")
		return
	}
	if n < int64(lo) || n > int64(hi) {
		t.p.add(t.key(k), "%d is out of range (%s)", n, rangeText(lo, hi))
		return
	}
	*dst = int(n)
}

func rangeText(lo, hi int) string {
	if hi == math.MaxInt {
		return fmt.Sprintf("at least %d", lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// fraction reads a number in [0, 1); an integer 0 is accepted.
func (t *table) fraction(k string, dst *float64) {
	f, ok := t.number(k)
	if !ok {
		return
	}
	if !(f >= 0 && f < 1) {
		t.p.add(t.key(k), "%v is out of range (0 to 1, 1 excluded)", f)
		return
	}
	*dst = f
}

// number reads an integer or a float; false when absent or not a number
// (a problem is recorded for the latter).
func (t *table) number(k string) (float64, bool) {
	v, ok := t.get(k)
	if !ok {
		return 0, false
	}
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	t.wrongType(k, v, "a number")
	return 0, false
}

func (t *table) boolean(k string, dst *bool) {
	v, ok := t.get(k)
	if !ok {
		return
	}
	b, ok := v.(bool)
	if !ok {
		t.wrongType(k, v, "true or false")
		return
	}
	*dst = b
}

// duration reads a duration string of at least min.
func (t *table) duration(k string, dst *time.Duration, min time.Duration) {
	var s string
	if !t.str(k, &s) {
		return
	}
	d, err := ParseDuration(s)
	if err != nil {
		t.p.add(t.key(k), "%v", err)
		return
	}
	if d < min {
		t.p.add(t.key(k), "%q is too short (at least %v)", s, min)
		return
	}
	*dst = d
}

// size reads a byte count, an integer or a string with a unit, of at least
// min.
func (t *table) size(k string, dst *int64, min int64) {
	v, ok := t.get(k)
	if !ok {
		return
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case string:
		var err error
		if n, err = ParseSize(x); err != nil {
			t.p.add(t.key(k), "%v", err)
			return
		}
	default:
		t.wrongType(k, v, "a size (bytes or a string with a unit: 10MiB)")
		return
	}
	if n < min {
		t.p.add(t.key(k), "%v is too small (at least %d bytes)", v, min)
		return
	}
	*dst = n
}

// strings reads an array of strings.
func (t *table) strings(k string, dst *[]string) bool {
	v, ok := t.get(k)
	if !ok {
		return false
	}
	arr, ok := v.([]any)
	if !ok {
		t.wrongType(k, v, "an array of strings")
		return false
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.p.add(fmt.Sprintf("%s[%d]", t.key(k), i), "got %s, want a string", describe(e))
			return false
		}
		out = append(out, s)
	}
	*dst = out
	return true
}

// sub returns the sub-table k, empty when absent.
func (t *table) sub(k string) *table {
	v, ok := t.get(k)
	m, isMap := v.(map[string]any)
	if ok && !isMap {
		t.wrongType(k, v, "a table")
	}
	if m == nil {
		m = map[string]any{}
	}
	return newTable(t.key(k), m, t.p)
}

// array returns the tables of an array of tables ([[k]] or k = [{...}]).
func (t *table) array(k string) []*table {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	var maps []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		maps = x
	case []any:
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				t.p.add(fmt.Sprintf("%s[%d]", t.key(k), i), "got %s, want a table", describe(e))
				return nil
			}
			maps = append(maps, m)
		}
	default:
		t.wrongType(k, v, "an array of tables")
		return nil
	}
	out := make([]*table, len(maps))
	for i, m := range maps {
		out[i] = newTable(fmt.Sprintf("%s[%d]", t.key(k), i), m, t.p)
	}
	return out
}

// describe names a decoded TOML value's type, with the value when short.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", x)
	case int64:
		return fmt.Sprintf("an integer (%d)", x)
	case float64:
		return fmt.Sprintf("a float (%v)", x)
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}

// comingSections are sections that a later version will read; naming them
// in the error tells the operator the key is not a typo.
var comingSections = map[string]string{
	"tenant.webhook": "a tenant's webhook is a [[webhook]] with tenant = NAME",
}

// withoutIndexes turns "tenant[2].webhook" into "tenant.webhook".
func withoutIndexes(key string) string {
	out := make([]byte, 0, len(key))
	skip := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			out = append(out, c)
		}
	}
	return string(out)
}
