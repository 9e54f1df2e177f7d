// Package engine assembles the MTA: it owns the path of a message from
// reception to its final record. It takes accepted messages from reception
// into the spool and the scheduled queues, routes due items (route, MX,
// site, select_pool, source) onto the egress paths, and turns every
// delivery outcome into recipient states, retries, bounces, expirations and
// records.
//
// It calls policies only through policy.Guard and never imports wazero or
// hostabi: cmd/wasmta hands it a policy.Registry.
package engine
