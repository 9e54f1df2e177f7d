// Package history keeps every record that concerns a message (reception,
// each attempt and deferral, delivery, bounce, expiry, admin bounce,
// out-of-band reports, complaints, refusals of suppressed recipients)
// findable by message id, by recipient and by campaign for a configured
// time ([history] retention) after the message has left the queue, and
// the PolicyFault records of each tenant. `wasmta message trace`, the
// admin API's trace endpoints and the dashboard's search read it.
//
// Index is an events.Sink fed by the records writer, like the webhook
// outbox: Record copies the record's JSON line into a buffer, and one
// writer goroutine stores what accumulated in one Pebble batch of the
// spool's "history" aux namespace, never synced (a crash loses the last
// fraction of a second of history, never mail). It refuses to write while
// the spool refuses mail for want of disk space: history is worth less
// than the mail it describes.
//
// # Layout
//
// Every key starts with its hour bucket, so that expiry is one range
// deletion of the buckets older than the retention, never a scan:
//
//	<hour u32> 'r' <time ns u64> <seq u64>                        the record's JSON line
//	<hour u32> 'i' <kind> <value> 0x00 <time ns u64> <seq u64>    index entry (empty value)
//
// kinds: 'm' message id, 'p' recipient (lowercased), 'c' tenant 0x01
// campaign (Reception records only: one entry per message), 'f' tenant
// (PolicyFault records). seq is a counter started at the process's start
// time in nanoseconds, which makes keys unique across restarts. A lookup
// reads the index prefix of each hour bucket in the retention (a message
// id's from its reception hour on) and then the records it names.
//
// It never decides anything about mail and never blocks delivery on its
// disk writes for longer than its buffer allows.
package history
