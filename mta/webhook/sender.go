package webhook

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/wasmta/wasmta/mta/spool"
)

// send posts the webhook's records in order until ctx ends: a batch is
// retried until it is acknowledged, then the next one is read.
func (h *hook) send(ctx context.Context) {
	for ctx.Err() == nil {
		batch := h.nextBatch(ctx)
		if len(batch) == 0 || !h.deliver(ctx, batch) {
			continue
		}
		h.ack(batch)
	}
}

// nextBatch waits for a full batch, or for the oldest record to have
// waited batch_wait, and returns it (nil when ctx ends).
func (h *hook) nextBatch(ctx context.Context) []event {
	size := h.cfg.BatchSize
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		h.load()
		if len(h.queue) >= size {
			return h.queue[:size]
		}
		wait := time.Hour
		if len(h.queue) > 0 {
			if wait = time.Until(h.queue[0].at.Add(h.cfg.BatchWait)); wait <= 0 {
				return h.queue
			}
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-h.notify:
		case <-t.C:
		}
	}
}

// load reads segments until a batch is complete or none is left.
func (h *hook) load() {
	for len(h.queue) < h.cfg.BatchSize && h.readSeg <= h.written.Load() {
		seg := h.readSeg
		v, err := h.o.st.GetAux(namespace, segmentKey(h.cfg.Name, seg))
		if errors.Is(err, spool.ErrNotFound) {
			h.o.log.Error("webhook: outbox segment missing", "webhook", h.cfg.Name, "segment", seg)
			h.readSeg++
			continue
		}
		if err != nil {
			h.o.log.Error("webhook: read outbox", "webhook", h.cfg.Name, "segment", seg, "err", err)
			return // tried again at the next notification
		}
		h.readSeg++
		at, lines, _ := decodeSegment(v)
		start := 0
		if seg == h.pos.seg {
			start = h.pos.off
		}
		for i := start; i < len(lines); i++ {
			h.queue = append(h.queue, event{seg: seg, idx: i, last: i == len(lines)-1, at: at, line: lines[i]})
		}
	}
}

// deliver posts a batch until a 2xx answer; false when ctx ended first.
func (h *hook) deliver(ctx context.Context, batch []event) bool {
	body := h.body(batch)
	delay := h.cfg.RetryInitial
	for attempt := 1; ; attempt++ {
		err := h.post(ctx, body, batch)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		h.failed(err)
		if attempt == 1 || attempt%10 == 0 {
			h.o.log.Warn("webhook: POST failed; retrying", "webhook", h.cfg.Name, "attempt", attempt,
				"records", len(batch), "backlog", h.backlog.Load(), "err", err)
		}
		// +-20% so that webhooks failing together do not retry together.
		wait := time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64()))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		delay = min(delay*2, h.cfg.RetryMax)
	}
}

// ack moves the cursor past an acknowledged batch and deletes the
// segments it finished. Deletes go before the cursor in the WAL, so a
// durable cursor implies durable deletes; losing both in a crash only
// sends the batch again.
func (h *hook) ack(batch []event) {
	n := len(batch)
	last := batch[n-1]
	done := last.seg - 1
	next := position{seg: last.seg, off: last.idx + 1}
	if last.last {
		done, next = last.seg, position{seg: last.seg + 1}
	}
	for s := h.pos.seg; s <= done; s++ {
		if err := h.o.st.DeleteAux(namespace, segmentKey(h.cfg.Name, s), false); err != nil {
			h.o.log.Error("webhook: delete sent segment", "webhook", h.cfg.Name, "segment", s, "err", err)
		}
	}
	h.pos = next
	if err := h.o.st.PutAux(namespace, cursorKey(h.cfg.Name), next.encode(), false); err != nil {
		h.o.log.Error("webhook: save cursor", "webhook", h.cfg.Name, "err", err)
	}
	h.queue = append(h.queue[:0:0], h.queue[n:]...)
	h.backlog.Add(-int64(n))
	h.delivered.Add(int64(n))
	h.posts.Add(1)
	if h.o.opts.Observe != nil {
		h.o.opts.Observe(h.cfg.Name, n, time.Since(batch[0].at))
	}
}
