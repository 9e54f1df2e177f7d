//go:build providersim && !wasip1

package main

import "testing"

// go test -tags providersim: the build for the simulator shapes the
// four simulated providers with the simulated presets.
func TestProvidersimBuildUsesTheSimulatedPresets(t *testing.T) {
	for name, s := range simulatedPresets {
		if presets[name].shape != s {
			t.Errorf("%s: preset %+v, want the simulated %+v", name, presets[name].shape, s)
		}
	}
}
