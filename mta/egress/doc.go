// Package egress owns the ready queues: one per egress path, the pair
// (egress source, destination site). A path holds the jobs that are due
// now, runs up to its connection limit of SMTP sessions to the site's
// hosts from its source address, and enforces the path's shape (message
// rate, connection rate, messages per connection, idle timeout). It also
// holds the sources and the weighted pools that select_pool picks from.
//
// It reports every outcome to a Handler and decides nothing about retries
// or bounces: that is the engine's job.
package egress
