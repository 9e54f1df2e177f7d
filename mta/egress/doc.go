// Package egress owns the ready queues: one per egress path, the pair
// (egress source, destination site). A path holds the jobs that are due
// now, runs up to its connection limit of SMTP sessions to the site's
// hosts from its source address, and enforces the path's shape exactly:
// concurrent connections (never one more, even while the limit is being
// lowered), token buckets of messages per second, minute and hour,
// new connections per second, messages per connection, the idle timeout
// and the TLS mode. A path keeps the shape its policy gave and derives the
// shape in force through the set's Adjust hook, so live overrides apply
// and lift without asking the policy again. It also holds the sources
// (checked at start: a source that cannot bind is named) and the weighted
// pools that select_pool picks from.
//
// It bounds the memory of the ready queues (WaitRoom for all paths,
// Full per path) and asks an optional Gate right before each job is sent.
// The transport security policy of each job's recipient domain (MTA-STS,
// DANE: mta/tlspolicy, from an optional TLSPolicies handler) decides which
// hosts a job may go to and whether a session will do; a job no host
// satisfies is deferred with 451 4.7.5 and the failure named.
//
// It reports every outcome to a Handler and decides nothing about
// retries, bounces or actions: that is the engine's job.
package egress
