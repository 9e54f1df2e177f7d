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
// the policy's floor and ceiling.
//
// A new path (Cold) opens InitialConns connections and slow-starts from
// there; its rate is Paced (sent from a bucket one token deep) until a
// round saw the path send at least half of it, and only such rounds
// raise it (RFC 7661's validated window).
//
// The rate (rate.go) is cut only on a throttle that others confirm (one
// within ConfirmSpan transactions, two within ten times that), so that a
// lone temporary failure read as a throttle cuts nothing; throttles in the
// hold-off after a cut are the overshoot it answered, and neither cut nor
// confirm (one cut per overshoot, as TCP NewReno). A cut starts
// from the limit in force when that limit held the path back, else from
// what the path really sent (not from a nominal rate it never reached).
// After a cut the rate returns along a cubic curve, as TCP CUBIC's window
// does, to halfway between the cut and the level it started from within
// one quiet period, then probes above by steps.
//
// It is pure: every method takes the time, nothing runs in the background,
// so its tests are deterministic tables. It never touches a connection, a
// token bucket or the spool: mta/egress applies the limits, the engine
// stores and restores them (Snapshot, Restore).
package adaptive
