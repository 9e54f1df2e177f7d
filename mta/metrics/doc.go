// Package metrics owns wasmta's Prometheus metrics (client_golang) and
// the /metrics handler the admin API serves.
//
// Message counters are fed from records (Metrics is an events.Sink), so
// they agree with the records by construction: per tenant, pool, source
// and provider for delivered, deferred, bounced, expired and admin-bounced
// recipients; received messages; rejections; policy faults; traffic
// actions. Queue sizes, connections, the spool and the webhooks are read
// at scrape time from their owners. Hook calls and their latency come
// from WrapRegistry, which times each call to a tenant's policy module.
//
// It never changes what it measures and never blocks the path of a
// message: the sink only increments counters.
package metrics
