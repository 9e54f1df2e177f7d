// Package fleet joins a wasmta node to a fleet of nodes that share, through
// Redis, what decides how mail is sent: live actions (suspensions and
// shaping overrides), policy modules and their version numbers, suppression
// entries, reputation counts, membership, and limits that hold across the
// fleet. It is configured by the [cluster] section; without it the engine
// never creates a Fleet and the node is the island it always was.
//
// Redis is the source of truth and pub/sub the fast path: a change is
// written to a hash (or a stream) and announced on one channel; every node
// applies announcements within milliseconds, and reads the whole state
// again whenever its subscription is (re)established and every few
// seconds, so a missed announcement costs seconds, never a divergence.
// Every key carries the hash tag {wasmta}, so that every multi-key
// operation and script stays on one slot of a Redis Cluster.
//
// When Redis cannot be reached a node goes on with what it knew last:
// actions in force stay in force (they are also in its own spool), local
// changes wait in an outbox and are written when Redis returns, shared
// limits fall back to the node's share (the limit divided by the live
// node count it knew last). It reports the outage in logs and metrics.
//
// It never queues, delivers or refuses mail itself, and never decides
// anything: it carries other packages' decisions between nodes (the
// engine wires it to mta/shaping, mta/suppress, mta/reputation and the
// policy registry). The client is go-redis (github.com/redis/go-redis/v9),
// the Redis project's own Go client, which speaks to a single server and
// to Redis Cluster through one interface (docs/cluster.md).
package fleet
