package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wasmta/wasmta/mta/events"
)

func TestDeliveryTLSOutcomes(t *testing.T) {
	m := New()
	recs := []*events.Record{
		{Type: events.Delivery},
		{Type: events.Delivery, TLS: &events.TLS{Version: "TLS 1.3"}},
		{Type: events.Delivery, TLS: &events.TLS{Version: "TLS 1.3", Policy: "dane"}},
		{Type: events.Delivery, TLS: &events.TLS{Version: "TLS 1.3", Policy: "mta-sts testing", Failure: "certificate-expired"}},
		{Type: events.TransientFailure, TLS: &events.TLS{Policy: "mta-sts enforce", Failure: "certificate-expired"}},
		{Type: events.TransientFailure, TLS: &events.TLS{Policy: "mta-sts enforce", Failure: "certificate-expired"}},
	}
	for _, r := range recs {
		m.Record(r)
	}
	tests := []struct {
		event, policy, tls string
		want               float64
	}{
		{"delivered", "none", "plaintext", 1},
		{"delivered", "none", "encrypted", 1},
		{"delivered", "dane", "verified", 1},
		{"delivered", "mta-sts testing", "certificate-expired", 1},
		{"deferred", "mta-sts enforce", "certificate-expired", 2},
	}
	for _, tt := range tests {
		if got := testutil.ToFloat64(m.deliveryTLS.WithLabelValues(tt.event, tt.policy, tt.tls)); got != tt.want {
			t.Errorf("%s/%s/%s = %v, want %v", tt.event, tt.policy, tt.tls, got, tt.want)
		}
	}
}

// wasmta_maybe_delivered_total counts the failed attempts whose records
// say the message may have been delivered all the same, and nothing else.
func TestMaybeDeliveredCounted(t *testing.T) {
	m := New()
	for _, r := range []*events.Record{
		{Type: events.TransientFailure, Tenant: "acme", MaybeDelivered: true},
		{Type: events.TransientFailure, Tenant: "acme", MaybeDelivered: true},
		{Type: events.TransientFailure, Tenant: "acme"},
		{Type: events.Delivery, Tenant: "acme"},
		{Type: events.Expiration, Tenant: "beta", MaybeDelivered: true},
	} {
		m.Record(r)
	}
	if got := testutil.ToFloat64(m.maybeDup.WithLabelValues("acme", "")); got != 2 {
		t.Errorf("acme: %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.maybeDup.WithLabelValues("beta", "")); got != 1 {
		t.Errorf("beta: %v, want 1", got)
	}
}
