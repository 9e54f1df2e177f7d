package rates

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

func TestCounterWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 20, 0, time.UTC)
	c := New(func() time.Time { return now })
	records := []struct {
		typ      events.Type
		category string
		site     string
		ago      time.Duration
		code     int
	}{
		{events.Delivery, "", "gmail-smtp-in.l.google.com", 0, 0},
		{events.Delivery, "", "aspmx.l.google.com", time.Minute, 0},
		{events.TransientFailure, "RateLimited", "mta5.am0.yahoodns.net", 0, 421},
		{events.TransientFailure, "Other", "mta5.am0.yahoodns.net", 0, 451},
		// A provider metering by reputation (451 4.7.650) is a throttle;
		// a 5xx reputation block deferred (a dead path's) is not.
		{events.TransientFailure, "ReputationBlock", "mta5.am0.yahoodns.net", 0, 451},
		{events.TransientFailure, "ReputationBlock", "mta5.am0.yahoodns.net", 0, 554},
		{events.Bounce, "", "mx.example.test", 2 * time.Minute, 550},
		{events.Delivery, "", "mx.example.test", 61 * time.Minute, 0}, // out of the window
		{events.Reception, "", "", 0, 0},                              // not an outcome
	}
	for _, r := range records {
		rec := &events.Record{Type: r.typ, Category: r.category, Site: r.site, Source: "ip1", Time: now.Add(-r.ago)}
		if r.code != 0 {
			rec.Response = &message.Response{Code: r.code}
		}
		c.Record(rec)
	}
	w := c.Snapshot(ByProvider)
	byKey := map[string]Series{}
	for _, s := range w.Series {
		byKey[s.Key] = s
	}
	tests := []struct {
		key, kind string
		total     int64
		last      int64 // in the current minute
	}{
		{"google", Delivered, 2, 1},
		{"yahoo", Throttled, 2, 2},
		{"yahoo", Deferred, 2, 2},
		{"mx.example.test", Bounced, 1, 0},
		{"mx.example.test", Delivered, 0, 0},
	}
	for _, tt := range tests {
		s := byKey[tt.key]
		if s.Totals[tt.kind] != tt.total || s.Counts[tt.kind][Minutes-1] != tt.last {
			t.Errorf("%s %s: total %d, last minute %d; want %d, %d", tt.key, tt.kind,
				s.Totals[tt.kind], s.Counts[tt.kind][Minutes-1], tt.total, tt.last)
		}
	}
	src := c.Snapshot(BySource)
	if len(src.Series) != 1 || src.Series[0].Key != "ip1" || src.Series[0].Totals[Delivered] != 2 {
		t.Errorf("by source: %+v", src.Series)
	}
	if !w.Start.Equal(time.Date(2026, 3, 1, 9, 31, 0, 0, time.UTC)) {
		t.Errorf("window starts %v", w.Start)
	}
}
