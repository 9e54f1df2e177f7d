// Package admin owns the admin HTTP API: queue summaries, message
// inspection, admin bounce and rebind, policy push, list and rollback,
// liveness and readiness, and the Prometheus /metrics endpoint, all behind
// one bearer token. docs/openapi.yaml describes it; the wasmta CLI is its
// client.
//
// Each group of endpoints lives in its own file and registers itself on a
// Server with Handle: New registers this package's groups, and a new file
// adds a group without touching them, by exporting a
// func RegisterX(s *Server) that calls s.Handle and that cmd/wasmta calls
// after New. Handlers return a value (written as JSON) or an error made by
// Errorf (its status and message written as {"error": ...}); DecodeJSON,
// SelectorFromJSON and CheckTenant are the shared input checks.
//
// It never touches the spool or the queues itself: every action goes
// through the engine's methods, and policy modules through the
// policy.Modules interface, which the wasm registry implements.
package admin
