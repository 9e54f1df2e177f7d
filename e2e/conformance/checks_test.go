package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
)

// received returns what sink got for rcpt (exactly one message).
func received(t *testing.T, sink *testsink.Sink, rcpt string) testsink.Received {
	t.Helper()
	var found []testsink.Received
	for _, m := range sink.Messages() {
		for _, to := range m.To {
			if to == rcpt {
				found = append(found, m)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d messages at the sink, want 1", rcpt, len(found))
	}
	return found[0]
}

// checkRouteAndPool: acme's mail went through its smart host (route),
// from the source of acme-pool, or of bulk for a bulk- campaign
// (select_pool), and the records name the tenant's module.
func (w *world) checkRouteAndPool(t *testing.T) {
	t.Helper()
	for rcpt, pool := range map[string]string{"user@example.test": "acme-pool", "user2@example.test": "bulk"} {
		src := map[string]string{"acme-pool": "acme-src", "bulk": "bulk-src"}[pool]
		if m := received(t, w.relay, rcpt); m.Helo != src+".out.test" {
			t.Errorf("%s reached the smart host from EHLO %q, want %s.out.test (pool %s)", rcpt, m.Helo, src, pool)
		}
		d := byRecipient(t, w.rec, events.Delivery, rcpt)
		if d.Pool != pool || d.Source != src || d.Site != "route:smtp.acme-relay.example:2525" ||
			d.PolicyVersion != w.ver["acme"].String() {
			t.Errorf("%s Delivery record: pool %q source %q site %q policy %q; want %s, %s, the smart host, %s",
				rcpt, d.Pool, d.Source, d.Site, d.PolicyVersion, pool, src, w.ver["acme"])
		}
	}
	if n := len(w.relay.Messages()); n != 2 {
		t.Errorf("the smart host got %d messages, want acme's 2", n)
	}
}

// checkShape: the Google-hosted site got the shape's required TLS (the
// engine default is disabled), another site did not.
func (w *world) checkShape(t *testing.T) {
	t.Helper()
	if m := received(t, w.mx, "a@gmail.test"); !m.TLS {
		t.Errorf("a@gmail.test was delivered without TLS; the shape for *.google.com requires it")
	}
	if m := received(t, w.mx, "b@other.test"); m.TLS {
		t.Errorf("b@other.test was delivered with TLS; only Google-hosted sites are shaped to require it")
	}
	d := byRecipient(t, w.rec, events.Delivery, "a@gmail.test")
	if d.TLS == nil || d.Pool != "default" || d.PolicyVersion != w.ver[""].String() {
		t.Errorf("a@gmail.test Delivery record: tls %v pool %q policy %q; want TLS, default, %s",
			d.TLS, d.Pool, d.PolicyVersion, w.ver[""])
	}
}

// checkBounce: 550 5.1.1 was classified by the module (InvalidRecipient,
// bounce), not by the built-in default.
func (w *world) checkBounce(t *testing.T) {
	t.Helper()
	b := byRecipient(t, w.rec, events.Bounce, "gone@gmail.test")
	if b.Category != "InvalidRecipient" || b.PolicyVersion != w.ver[""].String() || b.Response == nil ||
		b.Response.Code != 550 {
		t.Errorf("gone@gmail.test Bounce record: category %q by %q, response %+v; want InvalidRecipient by %s",
			b.Category, b.PolicyVersion, b.Response, w.ver[""])
	}
}

// checkPanicFallback: crashy's route panicked, a PolicyFault names it,
// and the message was delivered by the default MX route all the same.
func (w *world) checkPanicFallback(t *testing.T) {
	t.Helper()
	var faults []events.Record
	for _, f := range w.rec.All(events.PolicyFault) {
		if f.Tenant == "crashy" {
			faults = append(faults, f)
		}
	}
	if len(faults) == 0 || faults[0].Hook != "route" || faults[0].PolicyVersion != w.ver["crashy"].String() ||
		!strings.Contains(faults[0].Reason, "trap") {
		t.Errorf("PolicyFault records for crashy: %+v; want a route trap of %s", faults, w.ver["crashy"])
	}
	received(t, w.mx, "x@panic.example")
	if d := byRecipient(t, w.rec, events.Delivery, "x@panic.example"); d.PolicyVersion != "builtin" {
		t.Errorf("x@panic.example was routed by %q, want the built-in default after the fault", d.PolicyVersion)
	}
}

// checkSuspension: [TSS04] was classified RateLimited and retried, and the
// path was suspended for an hour (classify's traffic control).
func (w *world) checkSuspension(t *testing.T) {
	t.Helper()
	w.rec.WaitFor(t, events.Suspension, 1, 10*time.Second)
	// The Suspension is recorded while the reply is classified, before the
	// deferral's own record: wait for that too.
	w.rec.WaitFor(t, events.TransientFailure, 1, 10*time.Second)
	tf := byRecipient(t, w.rec, events.TransientFailure, "tss@gmail.test")
	if tf.Category != "RateLimited" || tf.PolicyVersion != w.ver[""].String() {
		t.Errorf("tss@gmail.test TransientFailure: category %q by %q, want RateLimited by %s",
			tf.Category, tf.PolicyVersion, w.ver[""])
	}
	s := w.rec.All(events.Suspension)[0]
	if s.Scope != "path" || s.Category != "RateLimited" || s.Expires == nil ||
		time.Until(*s.Expires) < 59*time.Minute || time.Until(*s.Expires) > time.Hour {
		t.Errorf("Suspension record %+v, want scope path, RateLimited, for one hour", s)
	}
}
