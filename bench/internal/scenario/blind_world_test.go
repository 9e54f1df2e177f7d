package scenario

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestBlindDrawWithinRanges draws many worlds and checks every limit
// against the documented range: a quarter to four times the shipped
// preset (connections rounded, at least 1), the halving provider's limits
// halved, the load within its bounds, and one seed giving one world.
func TestBlindDrawWithinRanges(t *testing.T) {
	for _, quick := range []bool{false, true} {
		bp := (&Env{Quick: quick}).blindParams()
		for seed := uint64(1); seed <= 500; seed++ {
			draws := drawWorld(seed, bp)
			if len(draws) != len(blindSpecs) {
				t.Fatalf("seed %d: %d providers", seed, len(draws))
			}
			for _, d := range draws {
				checkDraw(t, seed, d, bp)
			}
		}
	}
	a, b := drawWorld(42, (&Env{}).blindParams()), drawWorld(42, (&Env{}).blindParams())
	for i := range a {
		if a[i].conns != b[i].conns || a[i].rate != b[i].rate || a[i].load != b[i].load {
			t.Fatalf("seed 42 drew %+v then %+v", a[i], b[i])
		}
	}
}

func checkDraw(t *testing.T, seed uint64, d blindDraw, bp blindParams) {
	t.Helper()
	s := d.spec
	lo := max(1, int(math.Floor(blindLow*float64(s.shipConns))))
	hi := int(math.Ceil(blindHigh * float64(s.shipConns)))
	if d.conns < lo || d.conns > hi {
		t.Fatalf("seed %d %s: %d connections, range [%d, %d]", seed, s.name, d.conns, lo, hi)
	}
	// Rates keep two decimals: allow the rounding.
	if d.rate < blindLow*s.shipRate-0.005 || d.rate > blindHigh*s.shipRate+0.005 {
		t.Fatalf("seed %d %s: rate %.2f, range [%.2f, %.2f]", seed, s.name, d.rate, blindLow*s.shipRate, blindHigh*s.shipRate)
	}
	if s.halves && (d.conns2 != max(1, (d.conns+1)/2) || math.Abs(d.rate2-d.rate/2) > 0.006) {
		t.Fatalf("seed %d %s: halved to %d, %.2f from %d, %.2f", seed, s.name, d.conns2, d.rate2, d.conns, d.rate)
	}
	if d.load < 10 || d.load > bp.maxPer {
		t.Fatalf("seed %d %s: load %d outside [10, %d]", seed, s.name, d.load, bp.maxPer)
	}
}

// TestBlindPresetsMatchShipped reads the shipped shaping presets' source
// and checks that the draw is centred on the figures it holds, so that a
// change of a preset moves the blind ranges with it.
func TestBlindPresetsMatchShipped(t *testing.T) {
	src, err := os.ReadFile("../../../policies/go/shaping/presets.go")
	if err != nil {
		t.Fatal(err)
	}
	presetOf := map[string]string{"gmail": "gmail", "yahoo": "yahoo", "microsoft": "microsoft", "apple": "apple", "exim": "default"}
	for _, s := range blindSpecs {
		re := regexp.MustCompile(`"` + presetOf[s.name] + `": \{wasmta\.Shape\{\s*MaxConnections:\s*(\d+),\s*MessagesPerSecond:\s*([0-9.]+),`)
		m := re.FindSubmatch(src)
		if m == nil {
			t.Fatalf("%s: preset %q not found in policies/go/shaping/presets.go", s.name, presetOf[s.name])
		}
		conns, _ := strconv.Atoi(string(m[1]))
		rate, _ := strconv.ParseFloat(string(m[2]), 64)
		if conns != s.shipConns || rate != s.shipRate {
			t.Errorf("%s: blind mix centred on %d conns, %.1f msg/s; the shipped preset has %d, %.1f", s.name, s.shipConns, s.shipRate, conns, rate)
		}
	}
}

// TestBlindProviders checks the simulator's providers built from a draw:
// the drawn limits, strict greeting refusal, the halving scheduled for
// the halving provider only, and the Exim MX's throttle without an
// enhanced code at DATA.
func TestBlindProviders(t *testing.T) {
	bp := (&Env{}).blindParams()
	for _, d := range drawWorld(7, bp) {
		p, err := d.provider("127.0.12.1", 2525, bp.halve)
		if err != nil {
			t.Fatal(err)
		}
		if p.MaxConnsPerIP != d.conns || p.RatePerIP != d.rate || !p.StrictConnLimit || p.ConnLimitReply.Code != 421 {
			t.Fatalf("%s: %+v does not carry the draw %+v", d.spec.name, p, d)
		}
		if d.spec.halves != (len(p.Changes) == 1) {
			t.Fatalf("%s: changes %+v", d.spec.name, p.Changes)
		}
		if d.spec.halves {
			c := p.Changes[0]
			if c.After != 30*time.Second || c.RatePerIP != d.rate2 || c.MaxConnsPerIP != d.conns2 {
				t.Fatalf("%s: change %+v, want halving to %d, %.2f", d.spec.name, c, d.conns2, d.rate2)
			}
		}
		if d.spec.name == "exim" && (p.ThrottleReply.Enhanced != "" || p.ThrottleAt != "data" || p.ThrottleReply.Code != 451) {
			t.Fatalf("exim throttle %+v at %s", p.ThrottleReply, p.ThrottleAt)
		}
	}
}
