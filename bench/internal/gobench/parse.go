package gobench

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Line is one result line.
type Line struct {
	Name    string             // without the "Benchmark" prefix and the -GOMAXPROCS suffix
	Procs   int                // GOMAXPROCS suffix (0 if absent)
	N       int64              // iterations
	Metrics map[string]float64 // unit → value ("ns/op", "msgs/s", "B/op" ...)
}

// Parse reads benchmark result lines from r, skipping every other line.
func Parse(r io.Reader) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l, ok := ParseLine(sc.Text()); ok {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// ParseLine parses one line; ok is false when it is not a result line.
func ParseLine(s string) (Line, bool) {
	f := strings.Fields(s)
	if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") || len(f[0]) == len("Benchmark") {
		return Line{}, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n <= 0 {
		return Line{}, false
	}
	l := Line{Name: strings.TrimPrefix(f[0], "Benchmark"), N: n, Metrics: map[string]float64{}}
	if i := strings.LastIndexByte(l.Name, '-'); i > 0 {
		if p, err := strconv.Atoi(l.Name[i+1:]); err == nil {
			l.Name, l.Procs = l.Name[:i], p
		}
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return Line{}, false
		}
		l.Metrics[f[i+1]] = v
	}
	return l, true
}

// Split returns the benchmark's top name and its sub-benchmark path:
// "Put/writers=8" → ("Put", "writers=8").
func (l Line) Split() (top, sub string) {
	top, sub, _ = strings.Cut(l.Name, "/")
	return top, sub
}
