// Package reputation counts, per tenant, campaign and pool, what happens
// to a tenant's mail over sliding windows of one hour and one day:
// deliveries, bounces (hard ones apart), out-of-band bounces and
// complaints. It reads the records (it is an events.Sink), exports the
// counts as Prometheus gauges, and answers the engine's question "how is
// this tenant doing" for select_pool's input.
//
// The windows slide by the minute (one hour: 60 one-minute buckets) and
// by the hour (one day: 24 one-hour buckets), so a key costs about 3 KB
// whatever its traffic. Counts live in memory only: a restart starts
// them from zero.
//
// It never decides: policies read the counts (a complaint rate over 0.1%
// can move a tenant to a quarantine pool).
package reputation
