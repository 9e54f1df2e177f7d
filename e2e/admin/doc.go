// Package admin holds end-to-end tests of the admin API with WebAssembly
// policies: the stack as `wasmta serve` wires it (internal/teststack) with a
// real hostabi registry, so that pushing, rolling back and running modules
// shows in the API, the records, the webhooks and the metrics. The API's
// other tests live beside it in mta/admin, with native policies only: the
// engine's tree never builds a wasm host.
package admin
