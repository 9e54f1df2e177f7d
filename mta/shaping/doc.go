// Package shaping owns the live traffic-control actions of an MTA: the
// suspensions and shaping overrides that a policy's classify hook asks for
// ("suspend this source to Yahoo for an hour", "halve the rate to Gmail for
// 30 minutes") and those an operator sets through the admin API and CLI.
//
// A Registry holds every active action with its selector (which tenant,
// campaign, domain, provider, site and/or source it covers), its expiry,
// its reason and its origin. It lists and cancels them, ends them when they
// expire, writes a record for every start, extension, cancellation and
// expiry, keeps them in the spool's aux namespace so that a restart keeps
// them until they expire, and tells its owner about every change so the
// owner can apply it within the second. It answers the questions the
// delivery path asks on every message — is this subject suspended, what
// shape is in force on this path, how long must this tenant's next message
// wait — from an immutable snapshot, without locks.
//
// It never touches a queue, a connection or a message itself: the engine
// applies what the registry decides (it holds suspended messages back in
// the scheduled queue, never bounces them). It never decides that an
// action is needed: classify and the operator do. It never talks to other
// nodes: in a fleet, mta/fleet passes on what Options.Share tells it and
// brings other nodes' changes back through Apply and Remove.
package shaping
