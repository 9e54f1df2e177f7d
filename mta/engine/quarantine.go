package engine

import (
	"errors"
	"strconv"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
)

// A message whose stored data is damaged (spool.ErrCorrupt) cannot be
// delivered and must not be retried: every attempt would read the same
// damaged block. It goes to the spool's quarantine, which keeps what can
// still be read for `wasmta spool salvage`, and leaves the queues with a
// Quarantine record; every other message goes on.

// quarantine moves message id (m when its envelope was read) to the
// spool's quarantine because of err, and records it.
func (e *Engine) quarantine(id message.ID, m *message.Message, err error) {
	moved, qerr := e.spool.Quarantine(id, err.Error())
	if qerr != nil {
		e.log.Error("spool: quarantine", "id", id, "err", qerr)
	}
	if !moved && qerr == nil {
		return // another delivery of the message met the damage first
	}
	r := &events.Record{Type: events.Quarantine, ID: id.String(), Reason: err.Error()}
	if m != nil {
		r.Tenant, r.Campaign, r.Sender, r.Recipients = m.Tenant, m.Campaign, m.Sender, len(m.Recipients)
		r.Size, r.Meta = m.Size, m.Meta
	}
	e.record(r)
}

// dropQuarantined ends a job whose message could not be loaded because
// its data is damaged: its items leave the queues without a state (the
// message is no longer in the spool).
func (e *Engine) dropQuarantined(j *egress.Job, o egress.Outcome) bool {
	if !errors.Is(o.Err, spool.ErrCorrupt) {
		return false
	}
	e.itemDone(j.Msg.ID, len(j.Items))
	return true
}

// reportLoss records what the start found missing or damaged in the
// spool; the spool has logged it at ERROR already.
func (e *Engine) reportLoss() {
	l := e.spool.Loss()
	if !l.Any() {
		return
	}
	e.record(&events.Record{Type: events.SpoolLoss, Time: l.Time, Reason: l.String(), Meta: map[string]string{
		"lost": strconv.FormatInt(l.Lost(), 10), "wal_tail": strconv.FormatInt(l.WALTail, 10),
		"missing": strconv.FormatInt(l.Missing, 10), "returned": strconv.FormatInt(l.Returned, 10),
		"quarantined": strconv.FormatInt(l.Quarantined, 10), "damaged_ranges": strconv.Itoa(len(l.Damaged)),
	}})
}
