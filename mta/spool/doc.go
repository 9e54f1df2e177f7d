// Package spool is the durable store of accepted mail: each message's
// envelope, its body (stored once, however many recipients), the delivery
// state of each recipient, and small auxiliary values of other subsystems.
// It is a Pebble database in one directory.
//
// It owns durability and disk-space safety, nothing else: it never
// schedules, never decides when a recipient is due, never talks SMTP, never
// holds bodies in memory. The scheduler decides; the spool remembers.
//
// # Layout
//
//	m/<id>            envelope, written once by Put (message.Message, encoded)
//	b/<id>            body, written once by Put
//	r/<id><idx u16>   state of recipient idx, written when it progresses
//	a/<ns>\x00<key>   aux values of namespace ns
//	c/acked, c/gone   the ledger: messages acknowledged, and deleted or written off
//	q/<id>, qb/<id>   the quarantine: what could be read of a damaged message, and why
//
// Envelope and state values start with an encoding version byte (see
// codec.go). A recipient without an r/ key is Pending, due at ReceivedAt,
// with no attempts, so a fresh message costs one synced batch of two keys.
//
// Envelopes and bodies are immutable: an ID is Put once, and Delete removes
// them with SingleDelete, whose tombstone and the Set it deletes cancel out
// in the next flush or compaction. That is what keeps a spool with a high
// turnover small, and it is only correct for a key set exactly once. Put
// reads first and refuses an ID already stored, unless this process minted
// the ID (message.ID.Minted): such an ID cannot be stored yet, and the read
// was about 5% of the CPU of a relayed message. A later change to an envelope (an admin rebind) must
// therefore go in a key of its own, never in a second Put.
//
// # No due index on disk
//
// There is no due-time index on disk. Each state carries its Due time, and
// the scheduler keeps the due index in memory, rebuilt at start from Scan.
// An on-disk index would cost a second write (delete old entry, add new one)
// for every deferral, and a restart must read every envelope and state
// anyway to rebuild the in-memory queues; the index would make nothing
// faster and would be one more thing to keep consistent after a crash.
//
// # Durability
//
// Put returns once its batch is synced to the WAL. Concurrent Puts share
// fsyncs: Pebble's commit pipeline queues every batch that arrives while a
// sync is running and covers them all with the next one (group commit;
// measured by BenchmarkPut). SetStates syncs only when asked: losing a
// deferral or a delivery in a crash can only make the MTA try a recipient
// again, never lose it. Delete is not synced for the same reason. A new
// WAL is written ahead with zeros (walfill.go), so that each of those
// syncs rewrites blocks already allocated instead of also changing the
// file's extent map.
//
// # Full disk
//
// Three layers, so that no accepted message is lost and the process keeps
// running:
//
//  1. Put refuses with ErrFull while the free space is below
//     Options.MinFreeBytes. The free space is read with statfs every 250 ms
//     and whenever the bytes written since could have crossed the threshold,
//     never once per message.
//  2. A ballast file (Options.BallastBytes) reserves space. The filesystem
//     under Pebble is wrapped with vfs.OnDiskFull: the first write that
//     meets ENOSPC deletes the ballast, the write is retried and succeeds,
//     and the store refuses Puts with ErrFull until free space is back above
//     the threshold plus room for a new ballast. Deliveries, deletes and
//     flushes keep working meanwhile, which is how space comes back.
//  3. If a WAL write or sync still fails (the ballast is gone, or the disk
//     returns EIO), Pebble cannot go on, by design: it never retries an
//     fsync (after a failed fsync the kernel may have dropped the dirty
//     pages, so a later success proves nothing); the failed sync reaches
//     Logger.Fatalf from DB.Apply, and a commit that meets the dead WAL
//     writer panics in commitWrite with the commit pipeline's mutex held,
//     so no later write could complete. The store logs the cause and exits
//     the process, as Pebble's default logger does, for Fatalf and for a
//     panic out of any write method alike (a recovered panic upstream would
//     leave reception answering on a store that can only hang). Every Put
//     that returned nil is in the synced WAL and comes back at the next
//     Open; the Put that failed never returned nil. TestWALFailureExits
//     shows it with injected EIO.
//
// # Loss detection and damage
//
// A spool can lose acknowledged mail without Pebble noticing: a WAL that
// lost its tail (truncated, or a disk that lied about fsync) replays as if
// it ended there, and a WAL deleted between two others is simply not
// replayed. The ledger (ledger.go) counts acknowledged and removed
// messages in the same batches, and the acknowledged count also outside
// Pebble (the ACKNOWLEDGED file, rewritten every second and at Close); the
// first full Scan after Open compares them with the envelopes it finds and
// reports any shortfall (Loss, logged at ERROR and kept in the store).
//
// A WAL with damaged bytes before the last one makes Pebble refuse to open
// the store; Open moves it to corrupt/ and opens without it
// (walrepair.go). A table whose block fails its checksum is found by Open, which checks
// every table before serving, and repaired (repair.go): the file is copied
// to corrupt/, what can still be read of its key range is kept (from every
// table, repairgap.go), the rest is excised. Pebble's default on detected corruption is to end the
// process, and a compaction that meets a damaged block panics: either
// would make every start crash again. Damage met later by a read makes
// that message quarantined (quarantine.go); Scan steps over the key range
// of a damaged table (span.go). Every other message goes on.
//
// Pebble's background work degrades more gently: a flush or compaction that
// meets ENOSPC is logged and retried, and the memtable it could not flush
// keeps the data (and the WAL the durability). A failed MANIFEST write or
// WAL file creation is fatal, though; the ballast is sized against that:
// larger than one memtable, so that the flush that meets ENOSPC, and the
// MANIFEST edit after it, can finish.
package spool
