// Package queue owns the scheduled queues: every message recipient that is
// waiting for its next delivery attempt, grouped by (tenant, campaign,
// recipient domain) and ordered by due time. It hands items to the engine
// when they fall due, holds them while their queue is paused, and answers
// the admin's questions (summary, select for bounce or rebind).
//
// It keeps only small fixed-size items in memory (message id, recipient
// indices, attempts, due time); envelopes and bodies stay in the spool. It
// never talks to the network or the disk.
package queue
