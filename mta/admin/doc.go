// Package admin owns the admin HTTP API: queue summaries, message
// inspection, bounce and rebind (queue operations), live suspensions and
// shaping overrides (actions), policy push, list and rollback, webhook
// state, liveness and readiness, and the Prometheus /metrics endpoint, all
// behind one bearer token. docs/openapi.yaml describes it.
//
// It owns the API's wire types (wire.go: the JSON the API writes and
// clients decode; the engine answers with plain types) and its one Go
// client, Client, which the CLI and cmd/wasmta-demo use.
//
// Each group of endpoints lives in its own file with a register function;
// New calls every one of them, so a caller gets the whole API from New.
// Handlers return a value (written as JSON) or an error made by Errorf (its
// status and message written as {"error": ...}); DecodeJSON, CheckSelector
// and CheckTenant are the shared input checks.
//
// It never touches the spool or the queues itself: every operation goes
// through the engine's methods, and policy modules through the
// policy.Modules interface, which the wasm registry implements.
package admin
