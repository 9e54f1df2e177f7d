//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmta/wasmta/internal/providersim"
)

// The simulated presets must follow the simulator they are for: derived by
// the one rule from its figures, and below every limit it enforces.
func TestSimulatedPresetsFollowTheSimulator(t *testing.T) {
	for name, s := range simulatedPresets {
		t.Run(name, func(t *testing.T) {
			p, err := providersim.Preset(name)
			if err != nil {
				t.Fatal(err)
			}
			if want := simulated(p.MaxConnsPerIP, p.RatePerIP, p.Burst, p.MaxMsgsPerConn); s != want {
				t.Fatalf("preset %+v, derived from the simulator %+v", s, want)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			switch {
			case s.MaxConnections > p.MaxConnsPerIP:
				t.Errorf("%d connections, the simulator refuses over %d", s.MaxConnections, p.MaxConnsPerIP)
			case s.MessagesPerSecond >= p.RatePerIP || s.MessageBurst >= p.Burst:
				t.Errorf("%.2f/s burst %d, the simulator throttles over %.2f/s burst %d",
					s.MessagesPerSecond, s.MessageBurst, p.RatePerIP, p.Burst)
			case p.MaxMsgsPerConn > 0 && s.MessagesPerConnection > p.MaxMsgsPerConn:
				t.Errorf("%d messages per connection, the simulator refuses over %d", s.MessagesPerConnection, p.MaxMsgsPerConn)
			}
		})
	}
	for _, name := range []string{"gmail", "yahoo", "microsoft", "apple"} {
		if _, ok := simulatedPresets[name]; !ok {
			t.Errorf("no simulated preset for %s", name)
		}
	}
}
