package policy

import (
	"context"
	"errors"
	"time"
)

// ErrNotImplemented is returned by a Policy for a hook it does not export.
// Guard answers it with the default policy and records no fault.
var ErrNotImplemented = errors.New("policy: hook not implemented")

// Hook names, as used in records, metrics and ABI export names.
const (
	HookMailFrom   = "on_mail_from"
	HookRcpt       = "on_rcpt"
	HookMessage    = "on_message"
	HookRoute      = "route"
	HookSelectPool = "select_pool"
	HookShape      = "shape"
	HookClassify   = "classify"
)

// Policy makes the decisions of ABI v1. Every method may be called from many
// goroutines at once. A method returns ErrNotImplemented for a hook the policy
// does not have, and any other error for a fault (trap, deadline, memory
// cap, bad output); the caller then uses the default decision.
type Policy interface {
	// Version identifies the policy code: decisions cached under one version
	// are dropped when the version changes.
	Version() string

	OnMailFrom(ctx context.Context, in *MailFromInput) (MailFromResult, error)
	OnRcpt(ctx context.Context, in *RcptInput) (RcptResult, error)
	OnMessage(ctx context.Context, in *MessageInput) (MessageResult, error)
	Route(ctx context.Context, in *RouteInput) (Route, error)
	SelectPool(ctx context.Context, in *PoolInput) (string, error)
	Shape(ctx context.Context, in *ShapeInput) (Shape, error)
	Classify(ctx context.Context, in *ClassifyInput) (Classification, error)
}

// Registry hands out the policy in force for a tenant. For must be cheap
// (an atomic load): it is called on every decision so that a hot swap is
// seen by the next decision.
type Registry interface {
	// For returns the tenant's policy, else the global one, else nil (the
	// caller then uses Default).
	For(tenant string) Policy
}

// Reply is an SMTP reply a policy chooses to send to a client.
type Reply struct {
	Code     int    // 4xx or 5xx
	Enhanced string // e.g. "5.7.1"; derived from Code when empty
	Text     string
}

// Peer describes the SMTP client (or HTTP injector) of a message.
type Peer struct {
	Addr string // ip:port
	// IP is Addr's host (the ABI's peer.ip), when the caller has it
	// already: reception splits a session's address once, not for each
	// of its messages' calls. "" leaves it to the policy host.
	IP       string
	Helo     string
	AuthUser string // "" when not authenticated
	TLS      bool
}

// MailFromInput is the input of on_mail_from.
type MailFromInput struct {
	Peer   Peer
	Tenant string // from authentication, "" otherwise
	Sender string
}

// MailFromResult is the output of on_mail_from. A nil Reject accepts.
// Tenant and Campaign, when non-empty, replace the session's.
type MailFromResult struct {
	Reject   *Reply
	Tenant   string
	Campaign string
	Meta     map[string]string
}

// RcptInput is the input of on_rcpt.
type RcptInput struct {
	Peer      Peer
	Tenant    string
	Campaign  string
	Sender    string
	Recipient string
}

// RcptResult is the output of on_rcpt. A nil Reject accepts.
type RcptResult struct {
	Reject *Reply
}

// Header is one header field to add to a message.
type Header struct {
	Name  string
	Value string
}

// MessageInput is the input of on_message, called once the whole message is
// received and before it is spooled.
type MessageInput struct {
	Peer       Peer
	Tenant     string
	Campaign   string
	Sender     string
	Recipients []string
	Header     []byte // the raw header block, CRLF line endings, without the blank line
	Size       int64
	Meta       map[string]string
	// Reputation is the tenant's (and campaign's) recent counts, filled in
	// by the Guard when the engine keeps them (nil otherwise); read-only.
	Reputation *Reputation
}

// MessageResult is the output of on_message.
type MessageResult struct {
	Reject     *Reply
	Tenant     string // non-empty replaces
	Campaign   string // non-empty replaces
	Meta       map[string]string
	AddHeaders []Header
	// DKIM chooses signing: "" leaves the configured default; "off" turns
	// signing off; otherwise "domain" or "domain:selector".
	DKIM string
}

// RouteKind says how the next hop of a domain is found.
type RouteKind uint8

const (
	RouteMX    RouteKind = iota // MX lookup of Domain (the recipient domain when empty)
	RouteHosts                  // connect to Hosts in order (a smart host)
)

// RouteInput is the input of route. It is called once per (tenant,
// campaign, domain) and cached per policy version, so it must not depend on
// anything else.
type RouteInput struct {
	Tenant   string
	Campaign string
	Domain   string
}

// Route is the next hop for a recipient domain.
type Route struct {
	Kind   RouteKind
	Domain string   // RouteMX: the routing domain whose MX to use ("" = recipient domain)
	Hosts  []string // RouteHosts: host or host:port, tried in order
}

// PoolInput is the input of select_pool.
type PoolInput struct {
	Tenant   string
	Campaign string
	Domain   string
	Site     string
	Meta     map[string]string
	// Reputation is the tenant's recent counts (nil when the engine keeps
	// none); read-only.
	Reputation *Reputation
}

// ShapeInput is the input of shape: one egress path, (source, site). It is
// called when the path's ready queue is created and again when the policy
// changes, on the global policy (paths are shared between tenants).
type ShapeInput struct {
	Source   string   // egress source name
	Pool     string   // pool the source was picked from
	Site     string   // destination site name
	Domain   string   // a recipient domain that maps to the site
	MXHosts  []string // the site's MX host names, lowercased, in preference order
	Provider string   // provider name when known ("gmail", "yahoo", ...), else ""
}

// TLSMode is how delivery uses STARTTLS.
type TLSMode uint8

const (
	TLSOpportunistic  TLSMode = iota // use STARTTLS when offered; do not verify
	TLSRequired                      // fail (temporarily) without STARTTLS; do not verify
	TLSRequiredVerify                // fail without STARTTLS and a valid certificate
	TLSDisabled                      // never STARTTLS
)

// TLSPolicyMode is how a path applies the transport security policies
// its recipient domains publish (MTA-STS, DANE; mta/tlspolicy).
type TLSPolicyMode uint8

const (
	// TLSPolicyDefault applies each policy as published: MTA-STS enforce
	// and DANE stop delivery on a failed check, MTA-STS testing reports.
	TLSPolicyDefault TLSPolicyMode = iota
	// TLSPolicyEnforce also stops delivery on a failed check of an
	// MTA-STS policy in testing mode.
	TLSPolicyEnforce
	// TLSPolicyReportOnly never stops delivery for a domain's policy: a
	// failed check is recorded and reported (TLS-RPT), the mail goes on.
	TLSPolicyReportOnly
)

// Shape is the set of limits of one egress path. Zero values mean "no limit"
// (or "keep default" for the retry fields).
type Shape struct {
	MaxConnections    int           // concurrent connections
	MessagesPerSecond float64       // token bucket rate, all connections together
	MessageBurst      int           // bucket size; 0 = max(1, rate)
	ConnectionsPerSec float64       // new connections per second
	MessagesPerMinute float64       // a second token bucket, one minute's worth deep; 0 = no limit
	MessagesPerHour   float64       // a third token bucket, one hour's worth deep; 0 = no limit
	MessagesPerConn   int           // deliver at most this many messages on one connection
	IdleTimeout       time.Duration // close an idle connection after this
	TLS               TLSMode       //
	// TLSPolicy is how the recipient domains' MTA-STS and DANE policies
	// apply on this path (ABI v1.5): as published, enforced, or only
	// reported.
	TLSPolicy      TLSPolicyMode
	RetryInitial   time.Duration // first retry delay (then doubling)
	RetryMax       time.Duration // cap of the retry delay
	MaxAge         time.Duration // expire after this long in the queue
	ConnectTimeout time.Duration
	CommandTimeout time.Duration
	DataTimeout    time.Duration
	// Adapt bounds and tunes how the path learns its connection limit and
	// message rate from what it observes, starting from MaxConnections and
	// MessagesPerSecond (see docs/shaping.md). The zero value learns with
	// the defaults.
	Adapt Adaptation
}

// Adaptation is the policy's control of a path's learned limits. Zero
// fields take the defaults of mta/adaptive: floors of one connection, a
// tenth of the preset rate and one message per connection, ceilings of
// four times the preset, steps of one connection and a tenth of the
// preset rate per 5 s quiet period, a factor of 0.7, every signal.
type Adaptation struct {
	Off            bool          // keep the preset: learn nothing
	MinConnections int           // floor of the connection limit
	MaxConnections int           // ceiling of the connection limit
	MinRate        float64       // floor of the message rate, per second
	MaxRate        float64       // ceiling of the message rate, per second
	ConnectionStep int           // connections added per quiet period
	RateStep       float64       // messages per second added per quiet period
	Factor         float64       // a cut multiplies a limit by this, in (0, 1)
	Quiet          time.Duration // a period without signals that allows one increase
	Signals        Signals       // the signals that cut; 0 = all of them
	// MinMessagesPerConn and MaxMessagesPerConn bound the messages per
	// connection the path learns (ABI v1.9): the count it ends its own
	// sessions at never goes below the floor (a destination that ends
	// sessions sooner still ends them) nor above the ceiling. A limit of
	// none (MessagesPerConn 0) stays none until the destination shows a
	// count; the bounds then apply to that count.
	MinMessagesPerConn int
	MaxMessagesPerConn int
}

// Signals is a set of throttling signals (a bit set, as in the ABI).
type Signals uint8

// Throttling signals a path may count.
const (
	SignalRateLimited Signals = 1 << iota // a reply classified RateLimited (not one mailbox's rate), or a 4xx ReputationBlock
	SignalRefused                         // a connection refused: at connect, greeting, EHLO or TLS
	SignalTimeout                         // a connect, command or data timeout
)

// ClassifyInput is the input of classify: a non-2xx response or a connection
// failure on one egress path.
type ClassifyInput struct {
	Tenant   string // the message's tenant; "" for path-level failures
	Site     string
	Domain   string
	Source   string
	Stage    string // "connect", "ehlo", "starttls", "mail", "rcpt", "data"
	Code     int    // 0 for a connection failure
	Enhanced string
	Text     string
	// OutOfBand marks a failure reported after delivery, by a bounce
	// message that came back (mta/feedback), rather than a reply on one of
	// our own connections: Site and Source are then empty, Code is the
	// reply code the report quotes (0 when it quotes none, as for a
	// failure without a reply in band), and Stage the SMTP stage the
	// report says the reply answered ("" when it does not say).
	OutOfBand bool
}

// Action is what the engine does with the message after a classified
// response.
type Action uint8

const (
	ActionDefault Action = iota // 4xx and connection failures retry, 5xx bounce
	ActionRetry
	ActionBounce
)

// Scope is what a traffic-control action applies to.
type Scope uint8

const (
	ScopeNone   Scope = iota
	ScopePath         // this egress source to this site
	ScopeSite         // this site, every source
	ScopeSource       // this source, every site
	ScopeTenant       // this tenant's messages to this site
)

// Classification is the output of classify.
type Classification struct {
	Category string // one of the Category* constants
	Action   Action

	// Traffic control, applied when Scope != ScopeNone and the threshold is
	// met: suspend, or lower the rate / connections, for Duration.
	Scope      Scope
	Suspend    bool
	RateFactor float64 // multiply the path's message rate (0 < f < 1), 0 = unchanged
	MaxConns   int     // cap the connections, 0 = unchanged
	Duration   time.Duration
	Threshold  int           // act after this many such responses ...
	Window     time.Duration // ... within this window (0 = act at once)

	// Suppress decides whether the recipient goes on a suppression list
	// after a bounce (in band or out of band) or a complaint (Stage
	// "feedback"), and SuppressFor how long it stays (0: until removed).
	Suppress    SuppressChoice
	SuppressFor time.Duration
}

// SuppressChoice is classify's decision on a suppression list entry.
type SuppressChoice uint8

const (
	// SuppressDefault leaves it to the engine: a permanent bounce with a
	// hard category (HardCategory) about the recipient itself (in band its
	// own RCPT reply, out of band a final report), for the tenant's
	// hard_bounce_suppress_for, and every complaint but auth-failure and
	// not-spam go on the tenant's list, nothing else.
	SuppressDefault SuppressChoice = iota
	SuppressNone                   // add nothing
	SuppressTenant                 // add to the tenant's list
	SuppressGlobal                 // add to the list every tenant's mail is checked against
)

// StageFeedback is the ClassifyInput.Stage of a complaint report: Text is
// its Feedback-Type (abuse, fraud, virus, other, opt-out, auth-failure,
// not-spam), Code 0, OutOfBand true. Only Suppress and SuppressFor of the
// answer are used.
const StageFeedback = "feedback"
