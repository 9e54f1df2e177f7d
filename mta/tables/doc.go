// Package tables keeps the key -> value tables policies read at run time
// (a tenant -> pool map, a domain block list, a warm-up schedule): named
// tables per tenant and global ones, pushed as CSV or JSON lines, each
// push an atomic new version, listed, fetched, rolled back and deleted,
// durable in the spool (Pebble), and read by the ABI's lookup host
// function through policy.Tables.
//
// # Layout (spool aux namespace "tables")
//
//	h TENANT \x00 NAME        the table's head: its versions (JSON)
//	d DATA(8) KEY             one row of the data set DATA
//	p DATA(8)                 a load in progress (deleted at Open after a crash)
//	n                         the next data set number
//
// A push streams its rows into a fresh data set in batches of bounded
// size (spool.AuxBatch), never holding the table in memory: a 10-million-row
// table loads with a Bloom filter of its keys (12 MB) to find duplicates,
// confirmed by one Pebble read. Until the head names the new data set,
// lookups read the old one; writing the head is the switch. A refused or
// failed load deletes its data set with one range deletion, and so does
// garbage collection of versions no head keeps (the current one and the
// one rollback returns to).
//
// # Lookups
//
// The version in force of every table is in memory (one map behind an
// atomic pointer); a lookup resolves the name (the tenant's own table, else
// the global one), then reads a sharded LRU cache keyed by (data set, key),
// else Pebble. Data sets are immutable, so the cache is never invalidated:
// a new version has a new data set number. Built-in tables (names starting
// with "@": the tenant's suppression list, the configured pools and
// sources) are answered by functions the engine installs.
//
// It never decides anything with a table and never runs a policy: hostabi
// calls Lookup, the engine's policy.Guard calls Current to know whether a
// cached decision read a table that changed since.
package tables
