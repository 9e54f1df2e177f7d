package smtptrace

import (
	"net/netip"
	"testing"
)

func TestTracerFollowsFilters(t *testing.T) {
	h := NewHub()
	peer := netip.MustParseAddrPort("192.0.2.1:25")
	if h.Tracer("ip1", "mx.a", "mx.a", peer) != nil {
		t.Fatal("a tracer with no watcher")
	}
	evs, stop := h.Watch(Filter{Sites: []string{"mx.a"}, Source: "ip1"})
	tests := []struct {
		source, site string
		want         bool
	}{{"ip1", "mx.a", true}, {"ip2", "mx.a", false}, {"ip1", "mx.b", false}}
	for _, tt := range tests {
		if got := h.Tracer(tt.source, tt.site, "h", peer) != nil; got != tt.want {
			t.Errorf("Tracer(%s, %s) traced %v, want %v", tt.source, tt.site, got, tt.want)
		}
	}
	tr := h.Tracer("ip1", "mx.a", "mx.a", peer)
	tr(true, []byte("EHLO me\r\n"))
	if ev := <-evs; !ev.Sent || ev.Text != "EHLO me" || ev.Peer != "192.0.2.1:25" {
		t.Errorf("event %+v", ev)
	}
	// A watcher that does not read loses events, counted, never blocks.
	for range 1100 {
		tr(false, []byte("250 ok"))
	}
	for range 1024 {
		<-evs
	}
	tr(false, []byte("250 last"))
	if ev := <-evs; ev.Dropped != 1100-1024 || ev.Text != "250 last" {
		t.Errorf("after an overflow: %+v", ev)
	}
	stop()
	if h.Tracer("ip1", "mx.a", "mx.a", peer) != nil {
		t.Error("a tracer after stop")
	}
}
