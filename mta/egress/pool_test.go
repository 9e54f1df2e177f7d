package egress

import (
	"math"
	"net/netip"
	"strings"
	"testing"
)

func TestPoolWeightsOver10000Picks(t *testing.T) {
	cases := []struct {
		name    string
		weights []int
	}{
		{"even", []int{1, 1}},
		{"one to three", []int{1, 3}},
		{"uneven", []int{5, 1, 2, 12}},
		{"zero weight left out", []int{3, 0, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ms []Member
			total := 0
			for i, w := range c.weights {
				ms = append(ms, Member{Source: &Source{Name: string(rune('a' + i))}, Weight: w})
				total += w
			}
			p := NewPool("p", ms)
			got := map[string]int{}
			const n = 10000
			for range n {
				got[p.Pick().Name]++
			}
			for i, w := range c.weights {
				want := float64(n) * float64(w) / float64(total)
				have := float64(got[string(rune('a'+i))])
				if math.Abs(have-want) > 0.05*want {
					t.Errorf("source %c: %v picks, want %v ±5%%", 'a'+i, have, want)
				}
			}
		})
	}
}

func TestPoolIsSmooth(t *testing.T) {
	// Weights 1:3 must interleave, never four of the heavy one in a row.
	p := NewPool("p", []Member{{Source: &Source{Name: "a"}, Weight: 1}, {Source: &Source{Name: "b"}, Weight: 3}})
	var seq strings.Builder
	for range 40 {
		seq.WriteString(p.Pick().Name)
	}
	if strings.Contains(seq.String(), "bbbb") || strings.Contains(seq.String(), "aa") {
		t.Fatalf("picks bunch up: %s", seq.String())
	}
	if NewPool("empty", nil).Pick() != nil {
		t.Fatal("an empty pool picked a source")
	}
}

func TestCheckBind(t *testing.T) {
	ok := []*Source{{Name: "any"}, {Name: "lo2", Addr: netip.MustParseAddr("127.0.0.2")}, {Name: "lo6", Addr: netip.MustParseAddr("::1")}}
	for _, s := range ok {
		if err := s.CheckBind(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	// 192.0.2.1 (TEST-NET-1) is never a local address: bind fails at once,
	// and nothing is sent anywhere.
	bad := &Source{Name: "ip-doc", Addr: netip.MustParseAddr("192.0.2.1")}
	err := bad.CheckBind()
	if err == nil || !strings.Contains(err.Error(), `source "ip-doc"`) || !strings.Contains(err.Error(), "192.0.2.1") {
		t.Fatalf("CheckBind = %v, want an error naming the source and its address", err)
	}
}
