package result

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{math.NaN(), 2, 4}, 3},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 500 * time.Millisecond},
		{99, 990 * time.Millisecond},
		{99.9, 999 * time.Millisecond},
		{100, 1000 * time.Millisecond},
		{0.01, time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(d, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if Percentile(nil, 50) != 0 || Mean(nil) != 0 {
		t.Error("empty input must give 0")
	}
	if m := Mean(d[:3]); m != 2*time.Millisecond {
		t.Errorf("Mean = %v", m)
	}
}

// A censored value is known only to exceed its bound: a percentile whose
// rank falls among the censored values is open (greater than lo), and one
// with a censored bound below the exact value of its rank lies between
// the two.
func TestCensoredPercentile(t *testing.T) {
	s := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Second
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name            string
		exact, censored []time.Duration
		p               float64
		lo, hi          time.Duration
		open            bool
	}{
		{"nothing censored", s(hundred...), nil, 99, 99 * time.Second, 99 * time.Second, false},
		{"a censored bound above the rank's value: known", s(hundred[:99]...), s(150), 99, 99 * time.Second, 99 * time.Second, false},
		{"a censored bound below the rank's value: between", s(hundred[:99]...), s(90), 99, 98 * time.Second, 99 * time.Second, false},
		{"the rank among the censored: window bounds", s(hundred[:98]...), s(100, 100), 99, 100 * time.Second, 0, true},
		{"the rank among the censored: lower bounds", s(hundred[:90]...), s(50, 60, 70, 80, 95, 96, 97, 98, 99, 100), 99, 99 * time.Second, 0, true},
		{"every value censored", nil, s(5, 3), 50, 3 * time.Second, 0, true},
		{"bounds at the window, the rank exact", s(hundred[:99]...), s(100), 99, 99 * time.Second, 99 * time.Second, false},
		{"empty", nil, nil, 99, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, open := CensoredPercentile(tc.exact, tc.censored, tc.p)
			if lo != tc.lo || hi != tc.hi || open != tc.open {
				t.Fatalf("got lo %v hi %v open %v, want %v %v %v", lo, hi, open, tc.lo, tc.hi, tc.open)
			}
		})
	}
}

func TestRowAddKeepsMedianAndRange(t *testing.T) {
	s := &Scenario{Name: "relay"}
	r := s.Row("wasmta", "4KiB")
	for _, v := range []float64{900, 1100, 1000} {
		r.Add("delivered_per_s", "msg/s", Higher, v)
	}
	if s.Row("wasmta", "4KiB") != r || len(s.Rows) != 1 {
		t.Fatal("Row did not return the existing row")
	}
	m := r.Metric("delivered_per_s")
	if m.Median != 1000 || m.Min != 900 || m.Max != 1100 || len(m.Runs) != 3 {
		t.Errorf("metric = %+v", m)
	}
}

func file(v map[string][3]float64, better string) *File {
	f := &File{Schema: SchemaVersion}
	s := &Scenario{Name: "relay"}
	f.Scenarios = append(f.Scenarios, s)
	for name, runs := range v {
		r := s.Row("wasmta", "4KiB")
		for _, x := range runs {
			r.Add(name, "u", better, x)
		}
	}
	return f
}

func TestCompareFlagsRegressionsByDirection(t *testing.T) {
	tests := []struct {
		name     string
		better   string
		old, new [3]float64
		wantReg  bool
	}{
		{"throughput down 20%", Higher, [3]float64{100, 100, 100}, [3]float64{80, 80, 80}, true},
		{"throughput down 5%", Higher, [3]float64{100, 100, 100}, [3]float64{95, 95, 95}, false},
		{"throughput up", Higher, [3]float64{100, 100, 100}, [3]float64{150, 150, 150}, false},
		{"cpu up 20%", Lower, [3]float64{10, 10, 10}, [3]float64{12, 12, 12}, true},
		{"cpu down", Lower, [3]float64{10, 10, 10}, [3]float64{5, 5, 5}, false},
		{"informative", "", [3]float64{10, 10, 10}, [3]float64{50, 50, 50}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(file(map[string][3]float64{"m": tt.old}, tt.better), file(map[string][3]float64{"m": tt.new}, tt.better), 10)
			if len(c.Changes) != 1 || c.Changes[0].Regression != tt.wantReg {
				t.Fatalf("changes = %+v, want regression %v", c.Changes, tt.wantReg)
			}
		})
	}
}

func TestCompareListsMissingFiguresAndPrints(t *testing.T) {
	old := file(map[string][3]float64{"a": {1, 2, 3}, "gone": {1, 1, 1}}, Higher)
	cur := file(map[string][3]float64{"a": {0.5, 0.5, 0.5}, "added": {1, 1, 1}}, Higher)
	c := Compare(old, cur, 10)
	if len(c.OnlyOld) != 1 || len(c.OnlyNew) != 1 || c.Regressions() != 1 {
		t.Fatalf("comparison = %+v", c)
	}
	var b bytes.Buffer
	c.Print(&b, "old.json", "new.json", 10)
	for _, want := range []string{"!! relay / wasmta / 4KiB / a", "only in old: relay / wasmta / 4KiB / gone", "1 regression(s)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	f := file(map[string][3]float64{"a": {1, 2, 3}}, Higher)
	f.Commit = "abc"
	p := filepath.Join(t.TempDir(), "r.json")
	if err := f.Write(p); err != nil {
		t.Fatal(err)
	}
	g, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if g.Commit != "abc" || g.Scenario("relay").Find("wasmta", "4KiB").Metric("a").Median != 2 {
		t.Errorf("round trip lost data: %+v", g)
	}
	f.Schema = 99
	if err := f.Write(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p); err == nil {
		t.Error("Read accepted a file of another schema")
	}
}

func TestMedianCI(t *testing.T) {
	for _, tt := range []struct {
		vs         []float64
		lo, hi     float64
		minC, maxC float64
	}{
		{[]float64{5, 1, 3}, 1, 5, 0.74, 0.76},                         // 1 − 2/8
		{[]float64{6, 2, 4, 1, 3, 5}, 1, 6, 0.968, 0.969},              // 1 − 2/64
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 2, 9, 0.978, 0.979}, // 1 − 2·11/1024
		{[]float64{3}, 3, 3, 0, 0},
	} {
		lo, hi, c := MedianCI(tt.vs)
		if lo != tt.lo || hi != tt.hi || c < tt.minC || c > tt.maxC {
			t.Errorf("MedianCI(%v) = %v, %v, %v; want %v, %v, confidence in [%v, %v]", tt.vs, lo, hi, c, tt.lo, tt.hi, tt.minC, tt.maxC)
		}
	}
}
