// Package message holds the types that describe a message as the engine
// tracks it: its identifier, its envelope, the tenant and campaign it belongs
// to, and the delivery state of each recipient.
//
// It owns no storage and no I/O: the spool persists these values, the queue
// schedules them, reception creates them and delivery updates them.
package message
