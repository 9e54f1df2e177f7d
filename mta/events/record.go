package events

import (
	"errors"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Type is the kind of a record.
type Type string

// Record types.
const (
	Reception        Type = "Reception"
	Rejection        Type = "Rejection"
	Delivery         Type = "Delivery"
	TransientFailure Type = "TransientFailure"
	Bounce           Type = "Bounce"
	Expiration       Type = "Expiration"
	AdminBounce      Type = "AdminBounce"
	Transfer         Type = "Transfer" // moved to another node of the fleet (wasmta xfer)
	PolicyFault      Type = "PolicyFault"
	PolicyChange     Type = "PolicyChange"
	Suspension       Type = "Suspension"
	ShapingChange    Type = "ShapingChange"
	SpoolLoss        Type = "SpoolLoss"  // a start found acknowledged messages missing or damage
	Quarantine       Type = "Quarantine" // a message's stored data is damaged: moved out of the queues
	// OOB is a report that came back after delivery (a bounce, a delay or
	// success notice, an auto-reply), Feedback a complaint report (ARF):
	// written by the inbound processor (docs/feedback.md).
	OOB      Type = "OOB"
	Feedback Type = "Feedback"
	// SuppressionAdded is a recipient put on a suppression list by a
	// bounce or a complaint, or by an operator (meta.origin "admin")
	// (Scope "tenant" or "global"); SuppressionRemoved one an operator
	// took off a list; Suppressed a recipient accepted and dropped because
	// it is on one (a tenant with suppressed_recipients = "drop").
	SuppressionAdded   Type = "SuppressionAdded"
	SuppressionRemoved Type = "SuppressionRemoved"
	Suppressed         Type = "Suppressed"
)

// Types lists every record type, in the order docs/events.md presents them.
var Types = []Type{Reception, Rejection, Delivery, TransientFailure, Bounce, Expiration,
	AdminBounce, PolicyFault, PolicyChange, Suspension, ShapingChange, SpoolLoss, Quarantine, OOB, Feedback,
	SuppressionAdded, SuppressionRemoved, Suppressed}

// ValidType reports whether s names a record type.
func ValidType(s string) bool {
	for _, t := range Types {
		if string(t) == s {
			return true
		}
	}
	return false
}

// Record is one event. Fields that do not apply are left empty and omitted
// from the JSON form.
type Record struct {
	Type Type      `json:"type"`
	Time time.Time `json:"time"`

	ID         string `json:"id,omitempty"` // message id
	Tenant     string `json:"tenant,omitempty"`
	Campaign   string `json:"campaign,omitempty"`
	Sender     string `json:"sender,omitempty"`
	Recipient  string `json:"recipient,omitempty"`
	Recipients int    `json:"recipients,omitempty"` // Reception: how many
	Size       int64  `json:"size,omitempty"`

	Queue  string `json:"queue,omitempty"` // scheduled queue name
	Site   string `json:"site,omitempty"`
	Pool   string `json:"pool,omitempty"`
	Source string `json:"source,omitempty"` // egress source name

	Peer     string `json:"peer,omitempty"`      // reception: client ip:port; delivery: next hop ip:port
	PeerName string `json:"peer_name,omitempty"` // delivery: MX host name
	Protocol string `json:"protocol,omitempty"`
	TLS      *TLS   `json:"tls,omitempty"`

	Response *message.Response `json:"response,omitempty"`
	Category string            `json:"category,omitempty"`
	Attempts int               `json:"attempts,omitempty"`
	// QueueTime is seconds since reception.
	QueueTime float64 `json:"queue_time,omitempty"`
	// NextAttempt is when a deferred recipient will be tried again.
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	// MaybeDelivered: the attempt failed after the whole message was sent
	// and before the server's reply to it (the connection lost, or no
	// reply within the data timeout): the server may have taken it, and
	// the retry may deliver it twice (RFC 1047; RFC 5321 6.1 prefers a
	// duplicate to a loss).
	MaybeDelivered bool `json:"maybe_delivered,omitempty"`

	Hook          string `json:"hook,omitempty"`
	PolicyVersion string `json:"policy_version,omitempty"`
	Reason        string `json:"reason,omitempty"` // free text: fault, action reason
	// Action records (Suspension, ShapingChange).
	Scope   string     `json:"scope,omitempty"`
	Target  string     `json:"target,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`

	Meta map[string]string `json:"meta,omitempty"`

	// OriginalHeader is the failed message's header block, on Bounce and
	// Expiration records of tenants that want delivery status
	// notifications (mta/dsn attaches it to the report). Records are
	// written after the message may have left the spool, so the engine
	// copies it while the message is still at hand. Never encoded.
	OriginalHeader []byte `json:"-"`
	// RequireTLS: the message was sent with REQUIRETLS (RFC 8689), so its
	// delivery status notification must be too (mta/dsn). Never encoded.
	RequireTLS bool `json:"-"`
	// RecipientAddrs: on a Reception record, the message's recipient
	// addresses when the producer has them at hand (SMTP reception), for
	// the history index, which would otherwise read the envelope back from
	// the spool. Never encoded.
	RecipientAddrs []string `json:"-"`
}

// TLS describes the TLS state of a connection and, on delivery records,
// the recipient domain's transport security policy (mta/tlspolicy). A
// deferral because no host satisfied the policy has no version.
type TLS struct {
	Version string `json:"version,omitempty"`
	Cipher  string `json:"cipher,omitempty"`
	// Policy is the policy in force: "dane", "mta-sts enforce",
	// "mta-sts testing"; empty without one.
	Policy string `json:"policy,omitempty"`
	// Failure is the RFC 8460 result type of a failed check
	// ("certificate-expired", "tlsa-invalid", ...), Detail its text; a
	// failure under a testing policy is only reported.
	Failure string `json:"failure,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Sink receives records. Record must not block for long: delivery and
// reception call it on their hot paths.
type Sink interface {
	Record(r *Record)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(r *Record)

// Record calls f(r).
func (f SinkFunc) Record(r *Record) { f(r) }

// Discard is a Sink that drops records.
var Discard Sink = SinkFunc(func(*Record) {})

// Tee returns a Sink that passes each record to every sink, in order. It
// is a LineSink (file.go), so that sinks behind it that take encoded lines
// still get them.
func Tee(sinks ...Sink) Sink { return tee(sinks) }

type tee []Sink

func (t tee) Record(r *Record) {
	for _, s := range t {
		s.Record(r)
	}
}

// Flush flushes every sink that is a Flusher.
func (t tee) Flush() error {
	var errs []error
	for _, s := range t {
		if f, ok := s.(Flusher); ok {
			errs = append(errs, f.Flush())
		}
	}
	return errors.Join(errs...)
}

func (t tee) RecordLine(r *Record, line []byte) {
	for _, s := range t {
		if ls, ok := s.(LineSink); ok {
			ls.RecordLine(r, line)
		} else {
			s.Record(r)
		}
	}
}
