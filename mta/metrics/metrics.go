package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/mx"
)

// Metrics holds every metric of a wasmta process.
type Metrics struct {
	reg *prometheus.Registry

	recipients    *prometheus.CounterVec
	deliveryTLS   *prometheus.CounterVec
	maybeDup      *prometheus.CounterVec
	received      *prometheus.CounterVec
	receivedRcpts *prometheus.CounterVec
	rejections    *prometheus.CounterVec
	faults        *prometheus.CounterVec
	actions       *prometheus.CounterVec
	policyChanges *prometheus.CounterVec
	feedback      *prometheus.CounterVec
	hookCalls     *prometheus.HistogramVec
	webhookDelay  *prometheus.HistogramVec

	providers sync.Map // site -> provider name
}

// Outcomes of recipients, the "event" label of wasmta_recipients_total.
var outcomes = map[events.Type]string{
	events.Delivery:         "delivered",
	events.TransientFailure: "deferred",
	events.Bounce:           "bounced",
	events.Expiration:       "expired",
	events.AdminBounce:      "admin_bounced",
}

// New returns the metrics, registered with the Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.recipients = m.counter("wasmta_recipients_total",
		"Recipient outcomes (event = delivered, deferred, bounced, expired, admin_bounced), from the records.",
		"event", "tenant", "pool", "source", "provider")
	m.deliveryTLS = m.counter("wasmta_delivery_tls_total",
		"Recipient outcomes by transport security: policy = none, dane, mta-sts enforce, mta-sts testing; "+
			"tls = plaintext, encrypted, verified (a policy's check passed) or the RFC 8460 result type of a failed check.",
		"event", "policy", "tls")
	m.maybeDup = m.counter("wasmta_maybe_delivered_total",
		"Recipients of failed attempts that may have delivered the message all the same (the connection lost after the whole "+
			"message was sent, before the server's reply; RFC 1047): their retry may deliver a duplicate.",
		"tenant", "provider")
	m.received = m.counter("wasmta_messages_received_total", "Messages accepted (Reception records).", "tenant")
	m.receivedRcpts = m.counter("wasmta_received_recipients_total", "Recipients of the messages accepted.", "tenant")
	m.rejections = m.counter("wasmta_rejections_total", "Refusals at reception (Rejection records), by reason.", "tenant", "reason")
	m.faults = m.counter("wasmta_policy_faults_total", "Policy hook calls that failed and fell back to the default (PolicyFault records).", "tenant", "hook")
	m.actions = m.counter("wasmta_traffic_actions_total", "Suspensions and shaping changes (Suspension, ShapingChange records).", "type", "scope")
	m.policyChanges = m.counter("wasmta_policy_changes_total", "Policy module pushes and rollbacks (PolicyChange records).", "tenant")
	m.feedback = m.counter("wasmta_feedback_total",
		"Reports that came back (OOB and Feedback records): kind = bounce, delayed, delivered, autoreply, unknown, or the complaint's feedback type.",
		"type", "tenant", "kind", "category")
	m.hookCalls = m.histogram("wasmta_policy_call_seconds",
		"Duration of policy hook calls into a tenant's module (cached decisions are not calls); _count is the number of calls.",
		prometheus.ExponentialBuckets(1e-6, 4, 10), "tenant", "hook")
	m.webhookDelay = m.histogram("wasmta_webhook_delay_seconds",
		"Time from a record's entry in the outbox to its acknowledgement, per acknowledged batch (oldest record).",
		prometheus.ExponentialBuckets(0.01, 2.5, 10), "webhook")
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	m.reg.MustRegister(c)
	return c
}

func (m *Metrics) histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	m.reg.MustRegister(h)
	return h
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is where more collectors can be registered.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Record implements events.Sink.
func (m *Metrics) Record(r *events.Record) {
	if ev, ok := outcomes[r.Type]; ok {
		m.recipients.WithLabelValues(ev, r.Tenant, r.Pool, r.Source, m.provider(r.Site)).Inc()
		if r.MaybeDelivered {
			m.maybeDup.WithLabelValues(r.Tenant, m.provider(r.Site)).Inc()
		}
		if r.Type != events.AdminBounce && r.Type != events.Expiration {
			pol, tls := tlsOutcome(r.TLS)
			m.deliveryTLS.WithLabelValues(ev, pol, tls).Inc()
		}
		return
	}
	switch r.Type {
	case events.Reception:
		m.received.WithLabelValues(r.Tenant).Inc()
		m.receivedRcpts.WithLabelValues(r.Tenant).Add(float64(r.Recipients))
	case events.Rejection:
		m.rejections.WithLabelValues(r.Tenant, r.Reason).Inc()
	case events.PolicyFault:
		m.faults.WithLabelValues(r.Tenant, r.Hook).Inc()
	case events.Suspension, events.ShapingChange:
		m.actions.WithLabelValues(string(r.Type), r.Scope).Inc()
	case events.PolicyChange:
		m.policyChanges.WithLabelValues(r.Tenant).Inc()
	case events.OOB, events.Feedback:
		m.feedback.WithLabelValues(string(r.Type), r.Tenant, r.Meta["kind"], r.Category).Inc()
	}
}

// tlsOutcome labels an attempt's transport security.
func tlsOutcome(t *events.TLS) (policy, outcome string) {
	switch {
	case t == nil:
		return "none", "plaintext"
	case t.Failure != "":
		outcome = t.Failure
	case t.Policy != "":
		outcome = "verified"
	case t.Version != "":
		outcome = "encrypted"
	default:
		outcome = "plaintext"
	}
	policy = t.Policy
	if policy == "" {
		policy = "none"
	}
	return policy, outcome
}

// provider names the mailbox provider of a site ("" when unknown),
// remembered per site.
func (m *Metrics) provider(site string) string {
	if site == "" {
		return ""
	}
	if p, ok := m.providers.Load(site); ok {
		return p.(string)
	}
	p := mx.Provider([]string{site})
	m.providers.Store(site, p)
	return p
}

// ObserveWebhook records an acknowledged webhook batch (webhook.Options.Observe).
func (m *Metrics) ObserveWebhook(name string, _ int, delay time.Duration) {
	m.webhookDelay.WithLabelValues(name).Observe(delay.Seconds())
}
