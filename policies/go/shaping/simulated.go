package main

import (
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// simulatedPresets shape the paths to the provider simulator
// (internal/providersim/presets.go) for the benchmark's provider mix, the
// way a deliverability engineer who knows a provider's limits configures
// them. They are compiled in only with the build tag providersim
// (simulated_select.go); the reference presets stay the default. Every
// figure follows one rule from the simulator's per-IP figures, the same
// ones the benchmark tunes Postfix from (PRESETS.md, "Simulated
// providers"); simulated_test.go checks them against the simulator.
var simulatedPresets = map[string]wasmta.Shape{
	// simulator: 10 connections, 10/s (burst 20), no cap per connection
	"gmail": simulated(10, 10, 20, 0),
	// simulator: 10 connections, 5/s (burst 10), 20 messages per connection
	"yahoo": simulated(10, 5, 10, 20),
	// simulator: 5 connections, 5/s (burst 10), no cap per connection
	"microsoft": simulated(5, 5, 10, 0),
	// simulator: 10 connections, 3/s (burst 6), no cap per connection
	"apple": simulated(10, 3, 6, 0),
}

// Margins below the provider's limits: the provider counts a message when
// MAIL FROM arrives, wasmta when it takes the token, before dialling, so
// the gaps the provider sees vary by a session's setup time. Half the
// provider's burst left unused absorbs a second of that at full rate.
const (
	simRateShare  = 0.95
	simBurstShare = 0.5
)

// simulated derives a shape from a simulated provider's per-IP limits:
// connections, message rate and burst, messages per connection (0 = no
// cap, then KumoMTA's default of 100).
func simulated(conns int, rate float64, burst, perConn int) wasmta.Shape {
	if perConn == 0 {
		perConn = 100
	}
	return wasmta.Shape{
		MaxConnections:        conns,
		MessagesPerSecond:     rate * simRateShare,
		MessageBurst:          max(1, int(float64(burst)*simBurstShare)),
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: perConn,
		// As Postfix in the benchmark (smtp_tls_security_level = none).
		TLS: wasmta.TLSDisabled,
		// Postfix's minimal_backoff_time and maximal_backoff_time defaults.
		RetryInitial: 300 * time.Second,
		RetryMax:     4000 * time.Second,
	}
}
