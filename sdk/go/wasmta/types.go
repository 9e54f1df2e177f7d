package wasmta

import (
	"math"
	"math/bits"
	"time"
)

// Peer is the SMTP client (or HTTP injector) of a reception hook.
type Peer struct {
	Addr     string // ip:port ([v6]:port for IPv6)
	IP       string // without the port
	Helo     string // HELO/EHLO name, "" for HTTP
	AuthUser string // "" when not authenticated
	TLS      bool
}

// Reply is an SMTP rejection chosen by a reception hook.
type Reply struct {
	Code     int    // 400–599
	Enhanced string // e.g. "5.7.1"; "" derives it from Code
	Text     string // one line; "" = a standard text
}

// MailFromInput is the input of on_mail_from.
type MailFromInput struct {
	Peer   Peer
	Tenant string // tenant so far ("" when unknown)
	Sender string // envelope sender, "" for the null sender
}

// MailFromResult is the decision of on_mail_from. A nil Reject accepts;
// non-empty Tenant/Campaign replace the session's; Meta sets metadata.
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
	Recipient string // the RCPT TO address being decided
}

// RcptResult is the decision of on_rcpt. A nil Reject accepts.
type RcptResult struct {
	Reject *Reply
}

// MessageInput is the input of on_message, once the whole message is
// received and before it is spooled.
type MessageInput struct {
	Peer       Peer
	Tenant     string
	Campaign   string
	Sender     string
	Recipients []string
	Size       int64
	Header     string // raw header block, CRLF line endings, no blank line
	Meta       map[string]string
	Reputation Reputation // the tenant's recent counts (ABI v1.3)
}

// HeaderField is one header field to add to a message.
type HeaderField struct {
	Name  string
	Value string
}

// MessageResult is the decision of on_message.
type MessageResult struct {
	Reject     *Reply
	Tenant     string // non-empty replaces
	Campaign   string // non-empty replaces
	Meta       map[string]string
	AddHeaders []HeaderField
	// DKIM is "" (configured default), "off", "DOMAIN" or "DOMAIN:SELECTOR".
	DKIM string
}

// RouteInput is the input of route. The decision is cached per module
// version, so it must depend only on these fields.
type RouteInput struct {
	Tenant   string
	Campaign string
	Domain   string // recipient domain, lowercase
}

// Route is the next hop of a recipient domain. The zero Route means "MX
// lookup of the recipient domain". Set at most one of MXDomain and Hosts.
type Route struct {
	MXDomain string   // deliver to the MX hosts of this routing domain
	Hosts    []string // deliver to these hosts in order (smart host), at most 16
}

// PoolInput is the input of select_pool.
type PoolInput struct {
	Tenant   string
	Campaign string
	Domain   string
	Site     string // destination site (the MX host set of Domain)
	Meta     map[string]string
	// Reputation is how the tenant's (and campaign's) mail is doing
	// (ABI v1.3): a policy can move a tenant whose complaint rate passes
	// 0.1% to a quarantine pool. All zero on a host older than v1.3.
	Reputation Reputation
}

// Reputation is what happened to a tenant's mail over sliding windows of
// one hour and one day, for all its mail and for the message's campaign
// (zero without a campaign).
type Reputation struct {
	Tenant1h, Tenant24h     ReputationCounts
	Campaign1h, Campaign24h ReputationCounts
	// Pools (select_pool only, ABI v1.7) is the tenant's mail through each
	// configured pool, select_pool's candidates, in name order; empty in
	// on_message and on a host older than v1.7.
	Pools []PoolReputation
}

// PoolReputation is how a tenant's mail through one pool is doing.
type PoolReputation struct {
	Pool    string
	H1, H24 ReputationCounts
}

// Pool returns the counts of the named pool; ok is false when it is not
// one of Pools.
func (r *Reputation) Pool(name string) (p PoolReputation, ok bool) {
	for _, p := range r.Pools {
		if p.Pool == name {
			return p, true
		}
	}
	return PoolReputation{}, false
}

// ReputationCounts is what happened to mail in one window.
type ReputationCounts struct {
	Deliveries  int64 // recipients delivered
	Bounces     int64 // recipients bounced in band (a 5xx reply)
	HardBounces int64 // of those, InvalidRecipient, InactiveMailbox or BadDomain
	OOBBounces  int64 // bounces reported after delivery
	Complaints  int64 // complaint reports (not auth-failure or not-spam)
}

// ComplaintRatePPM is Complaints per million Deliveries, rounded down, 0
// without deliveries: the host's complaint_rate_ppm.
func (c ReputationCounts) ComplaintRatePPM() int64 { return ppm(c.Complaints, c.Deliveries) }

// BounceRatePPM is Bounces+OOBBounces per million recipients sent
// (Deliveries+Bounces), rounded down, 0 with nothing sent: the host's
// bounce_rate_ppm.
func (c ReputationCounts) BounceRatePPM() int64 {
	return ppm(c.Bounces+c.OOBBounces, c.Deliveries+c.Bounces)
}

// ppm is n per million of d, rounded down, 0 when d is 0 (the host's
// formula, ABI.md section 3.6): exact for any counts, through a 128-bit
// product, and capped at the largest int64.
func ppm(n, d int64) int64 {
	if d <= 0 || n <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(n), 1_000_000)
	if hi == 0 {
		// Any n below 1.8e13: one 64-bit division. bits.Div64 is a long
		// software routine under wasm, 26 cache lines of compiled code
		// per call from cold caches.
		return int64(min(lo/uint64(d), math.MaxInt64))
	}
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	return int64(min(q, math.MaxInt64))
}

// ShapeInput is the input of shape: one egress path (source, site).
type ShapeInput struct {
	Source   string
	Pool     string
	Site     string
	Domain   string   // one recipient domain of the site
	MXHosts  []string // lowercase, in preference order
	Provider string   // "gmail", "yahoo", "microsoft", "apple", ... or ""
}

// TLS modes of a Shape.
const (
	TLSOpportunistic  = "opportunistic"
	TLSRequired       = "required"
	TLSRequiredVerify = "required_verify"
	TLSDisabled       = "disabled"
)

// TLS policy modes of a Shape (ABI v1.5): how the path applies the
// MTA-STS and DANE policies its recipient domains publish.
const (
	TLSPolicyDefault    = "default"     // as published
	TLSPolicyEnforce    = "enforce"     // an MTA-STS policy in testing mode is enforced too
	TLSPolicyReportOnly = "report_only" // failed checks are reported, delivery goes on
)

// Shape is the set of limits of an egress path. A zero field is unset: "no
// limit" for limits, the engine's default for timeouts and retries.
// Durations are sent in whole milliseconds.
type Shape struct {
	MaxConnections        int
	MessagesPerSecond     float64
	MessageBurst          int
	ConnectionsPerSecond  float64
	MessagesPerConnection int
	IdleTimeout           time.Duration
	TLS                   string // one of the TLS* constants, "" = opportunistic
	// TLSPolicy (ABI v1.5) is one of the TLSPolicy* constants, "" =
	// default; an older host refuses a shape that sets it.
	TLSPolicy      string
	RetryInitial   time.Duration
	RetryMax       time.Duration
	MaxAge         time.Duration
	ConnectTimeout time.Duration
	CommandTimeout time.Duration
	DataTimeout    time.Duration
	// Adapt bounds and tunes how the path learns its limits, starting from
	// MaxConnections, MessagesPerSecond and MessagesPerConnection; the zero
	// value learns with the host's defaults. Added in ABI v1.2: a host older than v1.2 refuses a
	// shape that sets any of it.
	Adapt Adaptation
}

// Adaptation is the adapt_* results of shape (hostabi/ABI.md 3.4). A zero
// field takes the host's default: floors of 1 connection, a tenth of the
// rate and 1 message per connection, ceilings of 4 times the preset,
// steps of 1 connection and a tenth of the rate per 5 s quiet period, a
// factor of 0.7, every signal.
type Adaptation struct {
	Off            bool    // keep MaxConnections and MessagesPerSecond: no learning
	MinConnections int     // floor of the connection limit
	MaxConnections int     // ceiling of the connection limit
	MinRate        float64 // floor of the message rate, per second
	MaxRate        float64 // ceiling of the message rate, per second
	ConnectionStep int     // connections added per quiet period
	RateStep       float64 // messages per second added per quiet period
	Factor         float64 // a cut multiplies a limit by this, strictly between 0 and 1
	Quiet          time.Duration
	Signals        int // the Signal* bits that cut; 0 = all
	// MinMessagesPerConnection and MaxMessagesPerConnection bound the
	// messages per connection the path learns, starting from
	// Shape.MessagesPerConnection (ABI v1.9: a host older than v1.9
	// refuses a shape that sets either). The path never ends its own
	// sessions below the floor, nor runs them past the ceiling; a
	// destination that ends sessions sooner than the floor still does.
	MinMessagesPerConnection int
	MaxMessagesPerConnection int
}

// Throttling signals of Adaptation.Signals.
const (
	SignalRateLimited = 1 // a reply classified RateLimited, or a 4xx ReputationBlock
	SignalRefused     = 2 // a refused connection: at connect, greeting, EHLO or TLS
	SignalTimeout     = 4 // a connect, command or data timeout
)

// ClassifyInput is the input of classify: one non-2xx response or
// connection failure. The decision is cached per module version on (site,
// stage, code, enhanced, text), so it must depend only on these fields.
type ClassifyInput struct {
	Tenant   string // "" for path-level failures
	Site     string
	Domain   string
	Source   string
	Stage    string // "connect", "ehlo", "starttls", "mail", "rcpt", "data"
	Code     int    // 0 for a connection failure
	Enhanced string // e.g. "4.7.28", "" when absent
	Text     string // reply lines joined with "\n", or the connection error
}

// Actions of a Classification.
const (
	ActionDefault = "default" // 4xx and connection failures retry, 5xx bounce
	ActionRetry   = "retry"
	ActionBounce  = "bounce"
)

// Scopes of a traffic-control action.
const (
	ScopeNone   = "none"
	ScopePath   = "path"   // this egress source to this site
	ScopeSite   = "site"   // this site from every source
	ScopeSource = "source" // this source to every site
	ScopeTenant = "tenant" // this tenant's messages to this site
)

// Classification is the decision of classify. Traffic control (Suspend,
// RateFactor, MaxConnections) applies to Scope for Duration once Threshold
// such responses were seen within Window (counted as events: responses
// less than a second apart are one).
type Classification struct {
	Category       string // one of Categories; "" = Other
	Action         string // one of the Action* constants; "" = default
	Scope          string // one of the Scope* constants; "" = none
	Suspend        bool
	RateFactor     float64 // 0 = unchanged, else strictly between 0 and 1
	MaxConnections int     // 0 = unchanged
	Duration       time.Duration
	Threshold      int
	Window         time.Duration
	// Suppress (ABI v1.6): whether the recipient goes on a suppression
	// list after this bounce or complaint, one of the Suppress* constants;
	// "" = default (a hard bounce about the recipient itself, in band or
	// out of band, and a complaint go on the tenant's list). SuppressFor is how long (0 = until removed; only
	// with SuppressTenant or SuppressGlobal).
	Suppress    string
	SuppressFor time.Duration
}

// Suppression choices of a Classification (ABI v1.6).
const (
	SuppressDefault = "default"
	SuppressNone    = "none"
	SuppressTenant  = "tenant" // the tenant's list
	SuppressGlobal  = "global" // the list every tenant's mail is checked against
)

// StageFeedback is the ClassifyInput.Stage of a complaint report (ABI
// v1.6): Text is its Feedback-Type (abuse, fraud, virus, other, opt-out,
// auth-failure, not-spam) and Code 0; only Suppress and SuppressFor of
// the decision are used.
const StageFeedback = "feedback"

// Bounce categories (ABI.md section 3.5), exact spelling.
const (
	InvalidRecipient     = "InvalidRecipient"
	InactiveMailbox      = "InactiveMailbox"
	QuotaIssues          = "QuotaIssues"
	BadDomain            = "BadDomain"
	BadConnection        = "BadConnection"
	SpamBlock            = "SpamBlock"
	SpamContent          = "SpamContent"
	Virus                = "Virus"
	PolicyRelated        = "PolicyRelated"
	AuthenticationFailed = "AuthenticationFailed"
	RateLimited          = "RateLimited"
	MessageExpired       = "MessageExpired"
	MessageTooLarge      = "MessageTooLarge"
	RoutingErrors        = "RoutingErrors"
	ProtocolErrors       = "ProtocolErrors"
	TransientFailure     = "TransientFailure"
	Other                = "Other"

	// Added in ABI v1.1: a host older than v1.1 refuses them (the call
	// faults and gets the default decision).
	TLSFailure        = "TLSFailure"
	ReputationBlock   = "ReputationBlock"
	DNSFailure        = "DNSFailure"
	NoAnswerFromHost  = "NoAnswerFromHost"
	RelayDenied       = "RelayDenied"
	InvalidSender     = "InvalidSender"
	TooManyRecipients = "TooManyRecipients"
	ProhibitedContent = "ProhibitedContent"
	BadConfiguration  = "BadConfiguration"
	Suppressed        = "Suppressed"
)

// Categories lists every category of ABI v1, in documentation order.
var Categories = []string{
	InvalidRecipient, InactiveMailbox, QuotaIssues, BadDomain, BadConnection,
	SpamBlock, SpamContent, Virus, PolicyRelated, AuthenticationFailed,
	RateLimited, MessageExpired, MessageTooLarge, RoutingErrors,
	ProtocolErrors, TransientFailure, Other,
	TLSFailure, ReputationBlock, DNSFailure, NoAnswerFromHost, RelayDenied,
	InvalidSender, TooManyRecipients, ProhibitedContent, BadConfiguration, Suppressed,
}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}
