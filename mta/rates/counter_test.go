package rates

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

func TestCounterWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 20, 0, time.UTC)
	c := New(func() time.Time { return now })
	records := []struct {
		typ      events.Type
		category string
		site     string
		ago      time.Duration
	}{
		{events.Delivery, "", "gmail-smtp-in.l.google.com", 0},
		{events.Delivery, "", "aspmx.l.google.com", time.Minute},
		{events.TransientFailure, "RateLimited", "mta5.am0.yahoodns.net", 0},
		{events.TransientFailure, "Other", "mta5.am0.yahoodns.net", 0},
		{events.Bounce, "", "mx.example.test", 2 * time.Minute},
		{events.Delivery, "", "mx.example.test", 61 * time.Minute}, // out of the window
		{events.Reception, "", "", 0},                              // not an outcome
	}
	for _, r := range records {
		c.Record(&events.Record{Type: r.typ, Category: r.category, Site: r.site, Source: "ip1", Time: now.Add(-r.ago)})
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
		{"yahoo", Throttled, 1, 1},
		{"yahoo", Deferred, 1, 1},
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
