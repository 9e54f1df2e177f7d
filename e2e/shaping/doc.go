// Package shaping holds end-to-end tests of traffic shaping and real-time
// traffic control: a real engine receiving over SMTP and delivering from
// loopback source addresses (127.0.0.2, 127.0.0.3, ...) through a loopback
// DNS to the provider simulator (internal/providersim), with a native
// policy and the admin API's live actions (mta/admin, mta/shaping).
//
// The tests measure at the simulator, never inside the engine: the rate
// of each egress path against its limit, the peak of connections per
// source address, the share of each source of a pool, the time a
// suspension takes to stop a path and a resume to restart it; and they
// count records to prove that shaping lost or bounced nothing.
package shaping
