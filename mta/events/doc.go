// Package events defines the record of everything that happens to a message
// (Reception, Delivery, TransientFailure, Bounce, Expiration, ...) and the
// writers that persist records as JSON lines.
//
// The Record type is the stable, documented schema (docs/events.md) that
// logs, webhooks and metrics are built on: fields are only ever added.
package events
