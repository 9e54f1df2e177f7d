// Package adaptive learns the limits of one egress path from what the path
// observes, the way TCP congestion control and Postfix's destination
// concurrency feedback do: additive increase while deliveries succeed
// without a throttling signal, multiplicative decrease on one.
//
// A Controller holds the learned connection limit and message rate of one
// path. It starts from the preset (the shape hook's values), raises a limit
// by one step per quiet period in which the path was held back by that
// limit and saw no signal (by half per one-second round until the limit is
// first cut: slow start), and cuts it by a factor on a signal the policy
// counts (a reply classified RateLimited, a timeout) — at most once per
// hold-off, so that the burst of replies one overshoot provokes counts as
// one signal. A refused connection lands the connection limit on the
// sessions that work, and refused probes above a limit found that way
// space the next probes out. Limits stay within
// the policy's floor and ceiling. A rate cut starts from what the path
// really sent, not from a nominal rate it never reached.
//
// It is pure: every method takes the time, nothing runs in the background,
// so its tests are deterministic tables. It never touches a connection, a
// token bucket or the spool: mta/egress applies the limits, the engine
// stores and restores them (Snapshot, Restore).
package adaptive
