// Package providersim simulates mailbox providers (Gmail, Yahoo, Microsoft,
// Apple and a generic Postfix MX) for tests and benchmarks of delivery and
// traffic shaping.
//
// Each provider is a real SMTP server (go-smtp) on its own loopback address,
// with its own latency per command, a connection limit per client IP, a
// message-rate limit per client IP (a token bucket), a maximum of messages
// per connection, a rate of random temporary failures, a set of unknown
// users and optional STARTTLS. Once a limit is exceeded it answers with the
// provider's real reply text, at the stage where the provider answers it.
// It counts, per provider and per client IP, connections (opened, open now,
// peak, refused), messages and recipients accepted, every refusal it sent,
// and the messages accepted in each second, so that a test can compute the
// rate a sender achieved over any window.
//
// It owns the simulated servers and their counters, nothing else. It never
// resolves names: which domain goes to which provider is the test DNS's
// job (Sim.Domains suggests the MX records to serve). It never stores or
// forwards a message: bodies are read and dropped. It never listens beyond
// the addresses it is given, which should be loopback ones.
//
// Randomness (jitter, failures, the tokens in reply texts) is seeded per
// provider, so a sequential run is reproducible.
//
// Typical use in a test:
//
//	gm, _ := providersim.Preset("gmail")
//	gm.Addr = "127.0.10.1:0"
//	sim, err := providersim.Start(ctx, []providersim.Provider{gm}, providersim.Options{})
//	...
//	defer sim.Close()
//	// point the sender at sim.Addr("gmail") (or serve sim.Domains() in a test DNS)
//	st := sim.Stats()["gmail"].PerIP["127.0.0.2"]
//
// cmd/provider-sim wraps it in a binary with a JSON admin API; see
// docs/provider-sim.md for the presets and the sources of their figures.
package providersim
