// Package webhook owns the event webhooks: it keeps the records each
// configured webhook wants in a durable outbox in the spool (the "webhook"
// aux namespace), and POSTs them in order, batched and signed, retrying
// with backoff until the receiver acknowledges them with a 2xx.
//
// Outbox is an events.Sink (and LineSink) fed by the records writer. Its
// Record only appends to an in-memory buffer; one writer goroutine turns
// what accumulated into one outbox segment per webhook (a single Pebble
// write, not synced) while the next records accumulate, so the cost on the
// delivery path is a copy, and a receiver that is slow or down only makes
// its outbox longer on disk. Each webhook has one sender goroutine and at
// most one POST in flight, which is what keeps records in order.
//
// # Layout
//
//	q\x00<webhook>\x00<segment u64 BE>  written-at (u64 BE Unix ns) + JSON lines
//	c\x00<webhook>                      cursor: segment u64 BE + records acknowledged in it u32 BE
//
// Segments of a webhook are numbered without gaps, so a sender reads the
// next one with a point lookup and never scans over the tombstones that
// acknowledged segments leave behind.
//
// # Durability
//
// A record reaches the outbox (a Pebble write, not synced) within a few
// milliseconds of the event (records gather for Options.Coalesce, 5 ms).
// Pebble keeps unsynced WAL writes in its own memory until a block fills
// or some write is synced, so the outbox makes sure the WAL is synced
// within Options.SyncEvery (100 ms) of its first unsynced write: by the
// spool's own syncs under reception traffic, else by a synced write of
// its own. A crash, of the process or of the machine, therefore loses at
// most the records of the last ~100 ms; a clean shutdown loses nothing. Delivery is at least
// once: a crash between a POST and the save of its acknowledgement sends
// that batch again, with the same event ids.
//
// It never decides what happens to mail and never blocks reception or
// delivery on a receiver.
package webhook
