//go:build providersim

package main

// Built with -tags providersim, the policy shapes for the provider
// simulator instead of the real providers (the benchmark's provider mix).
func init() {
	for name, s := range simulatedPresets {
		presets[name] = preset{s}
	}
}
