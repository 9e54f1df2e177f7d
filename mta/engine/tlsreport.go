package engine

import (
	"context"
	"net/netip"
	"time"

	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/tlspolicy"
	"github.com/wasmta/wasmta/mta/tlsrpt"
)

// tlsReportInterval is how often TLS report counts are saved and due
// reports looked for.
const tlsReportInterval = time.Minute

// initTLSReports makes the TLS-RPT reporter (delivery.tls_reports) once
// the policies are set up.
func (e *Engine) initTLSReports(server string) error {
	if !e.conf().Delivery.TLSReports || e.tlsp.res == nil {
		return nil
	}
	r, err := tlsrpt.New(tlsrpt.Options{Store: e.spool, Submitter: e.conf().Hostname, Logger: e.log,
		DNS:   &dnsquery.Client{Server: server, Timeout: e.conf().Delivery.DNSTimeout},
		Roots: e.tlsp.res.Roots, Mail: e.submitTLSReport})
	if err != nil {
		return err
	}
	e.tlsp.rpt = r
	return nil
}

// TLSChecked counts every check of a session against a policy for the
// domain's TLS report.
func (h *handler) TLSChecked(p *egress.Path, pol *tlspolicy.Policy, host string, peer netip.Addr, f *tlspolicy.Failure) {
	if r := h.tlsp.rpt; r != nil {
		r.Record(pol, p.Source.Addr, host, peer, f)
	}
}

// submitTLSReport queues a report mail like any other message, with a
// null return path so that a failure to deliver it makes no bounce.
func (e *Engine) submitTLSReport(ctx context.Context, to string, body []byte) error {
	now := time.Now()
	m := &message.Message{ID: message.NewID(now), Recipients: []message.Recipient{{Addr: to}},
		ReceivedAt: now, Size: int64(len(body)), Peer: "local", Helo: e.conf().Hostname, Protocol: "TLSRPT"}
	return e.Submit(ctx, m, body, func() {
		e.record(&events.Record{Type: events.Reception, Time: now, ID: m.ID.String(),
			Recipients: 1, Size: m.Size, Peer: "local", Protocol: "TLSRPT"})
	})
}
