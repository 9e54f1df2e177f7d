// Package rates counts the outcomes of delivery attempts per minute over
// the last hour, per mailbox provider and per egress source: delivered,
// deferred, bounced and throttled (a deferral classified RateLimited, or a
// 4xx classified ReputationBlock: what the adaptive loop cuts the rate on).
// The dashboard draws its charts from it; Prometheus keeps the long view.
//
// Counter is an events.Sink: Record adds one to a slot of a 60-minute
// ring kept per (dimension, key), so its memory is fixed by the number of
// providers and sources, never by traffic. It never decides anything.
package rates
