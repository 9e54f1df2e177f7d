//! The decisions a hook returns. A field left at its default is not sent
//! to the host: unset and zero mean the same in ABI v1.

use core::time::Duration;
use std::string::String;
use std::vec::Vec;

/// An SMTP rejection chosen by a reception hook.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// 400–599.
    pub code: u16,
    /// e.g. `5.7.1`; "" derives it from the code.
    pub enhanced: String,
    /// One line; "" = a standard text.
    pub text: String,
}

impl Reply {
    /// A rejection with this code, enhanced code and text.
    pub fn new(code: u16, enhanced: &str, text: &str) -> Reply {
        Reply { code, enhanced: enhanced.into(), text: text.into() }
    }
}

/// Decision of `on_mail_from`. `reject: None` accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailFromResult {
    pub reject: Option<Reply>,
    /// Replaces the session's tenant.
    pub tenant: Option<String>,
    /// Replaces the session's campaign.
    pub campaign: Option<String>,
    /// Metadata to set, as (name, value).
    pub meta: Vec<(String, String)>,
}

/// Decision of `on_rcpt`. `reject: None` accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RcptResult {
    pub reject: Option<Reply>,
}

impl RcptResult {
    /// Accept the recipient.
    pub fn accept() -> RcptResult {
        RcptResult { reject: None }
    }
    /// Refuse the recipient with `reply`.
    pub fn reject(reply: Reply) -> RcptResult {
        RcptResult { reject: Some(reply) }
    }
}

/// Decision of `on_message`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageResult {
    pub reject: Option<Reply>,
    pub tenant: Option<String>,
    pub campaign: Option<String>,
    pub meta: Vec<(String, String)>,
    /// Header fields to add, as (name, value).
    pub add_headers: Vec<(String, String)>,
    /// `off`, `DOMAIN` or `DOMAIN:SELECTOR`; None = the configured default.
    pub dkim: Option<String>,
}

/// The next hop of a recipient domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// MX lookup of the recipient domain itself.
    Mx,
    /// Deliver to the MX hosts of this routing domain.
    MxDomain(String),
    /// Deliver to these hosts in order (a smart host), at most 16.
    Hosts(Vec<String>),
}

impl Route {
    /// A smart-host route through one host (`host` or `host:port`).
    pub fn host(host: &str) -> Route {
        Route::Hosts(std::vec![host.into()])
    }
}

/// TLS mode of an egress path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    Opportunistic,
    Required,
    RequiredVerify,
    Disabled,
}

impl Tls {
    pub fn as_str(self) -> &'static str {
        match self {
            Tls::Opportunistic => "opportunistic",
            Tls::Required => "required",
            Tls::RequiredVerify => "required_verify",
            Tls::Disabled => "disabled",
        }
    }
}

/// How an egress path applies the MTA-STS and DANE policies its recipient
/// domains publish (ABI v1.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsPolicy {
    /// As published (not sent: an older host accepts the shape).
    #[default]
    Default,
    /// An MTA-STS policy in testing mode is enforced too.
    Enforce,
    /// Failed checks are reported; delivery goes on.
    ReportOnly,
}

impl TlsPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsPolicy::Default => "default",
            TlsPolicy::Enforce => "enforce",
            TlsPolicy::ReportOnly => "report_only",
        }
    }
}

/// Limits of an egress path. A zero field is unset: "no limit" for
/// limits, the engine's default for timeouts and retries. Durations are
/// sent in whole milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    pub max_connections: u32,
    pub messages_per_second: f64,
    pub message_burst: u32,
    pub connections_per_second: f64,
    pub messages_per_connection: u32,
    pub idle_timeout: Duration,
    /// None = opportunistic.
    pub tls: Option<Tls>,
    /// ABI v1.5: how the path applies the domains' MTA-STS and DANE
    /// policies; an older host refuses a shape that sets it.
    pub tls_policy: TlsPolicy,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub max_age: Duration,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    pub data_timeout: Duration,
    /// How the path learns its limits from max_connections,
    /// messages_per_second and messages_per_connection (ABI v1.2: an older host refuses a shape that
    /// sets any of it). The default learns with the host's defaults.
    pub adapt: Adaptation,
}

/// The adapt_* results of shape (hostabi/ABI.md 3.4). A zero field takes
/// the host's default: floors of 1 connection and a tenth of the rate,
/// ceilings of 4 times the preset, steps of 1 connection and a tenth of the
/// rate per 5 s quiet period, a factor of 0.7, every signal.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Adaptation {
    /// Keep max_connections and messages_per_second: no learning.
    pub off: bool,
    pub min_connections: u32,
    pub max_connections: u32,
    /// Messages per second.
    pub min_rate: f64,
    pub max_rate: f64,
    /// Connections added per quiet period.
    pub connection_step: u32,
    /// Messages per second added per quiet period.
    pub rate_step: f64,
    /// A cut multiplies a limit by this, strictly between 0 and 1.
    pub factor: f64,
    pub quiet: Duration,
    /// The SIGNAL_* bits that cut; 0 = all.
    pub signals: u32,
    /// ABI v1.9 (an older host refuses a shape that sets either): the
    /// floor and ceiling of the messages per connection the path learns
    /// from messages_per_connection; 0 = 1 and 4 times it. The path never
    /// ends its own sessions below the floor; a destination that ends
    /// them sooner still does.
    pub min_messages_per_connection: u32,
    pub max_messages_per_connection: u32,
}

/// A reply classified RateLimited (Adaptation::signals).
pub const SIGNAL_RATE_LIMITED: u32 = 1;
/// A refused connection: at connect, greeting, EHLO or TLS.
pub const SIGNAL_REFUSED: u32 = 2;
/// A connect, command or data timeout.
pub const SIGNAL_TIMEOUT: u32 = 4;

/// What to do with the message after a classified response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    /// 4xx and connection failures retry, 5xx bounce.
    #[default]
    Default,
    Retry,
    Bounce,
}

/// Where traffic control applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    #[default]
    None,
    /// This egress source to this site.
    Path,
    /// This site from every source.
    Site,
    /// This source to every site.
    Source,
    /// This tenant's messages to this site.
    Tenant,
}

/// Whether a bounce or complaint puts the recipient on a suppression list
/// (ABI v1.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Suppress {
    /// The host's default: a hard bounce about the recipient itself (in
    /// band or out of band) and a complaint go on the tenant's list.
    #[default]
    Default,
    /// Add nothing.
    None,
    /// The tenant's list.
    Tenant,
    /// The list every tenant's mail is checked against.
    Global,
}

/// Bounce categories of ABI.md section 3.5. Non-exhaustive: ABI v1 only
/// adds categories (the last ten came with v1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Category {
    InvalidRecipient,
    InactiveMailbox,
    QuotaIssues,
    BadDomain,
    BadConnection,
    SpamBlock,
    SpamContent,
    Virus,
    PolicyRelated,
    AuthenticationFailed,
    RateLimited,
    MessageExpired,
    MessageTooLarge,
    RoutingErrors,
    ProtocolErrors,
    TransientFailure,
    Other,
    TLSFailure,
    ReputationBlock,
    DNSFailure,
    NoAnswerFromHost,
    RelayDenied,
    InvalidSender,
    TooManyRecipients,
    ProhibitedContent,
    BadConfiguration,
    Suppressed,
}

impl Category {
    /// The category's exact spelling.
    pub fn as_str(self) -> &'static str {
        use Category::*;
        match self {
            InvalidRecipient => "InvalidRecipient",
            InactiveMailbox => "InactiveMailbox",
            QuotaIssues => "QuotaIssues",
            BadDomain => "BadDomain",
            BadConnection => "BadConnection",
            SpamBlock => "SpamBlock",
            SpamContent => "SpamContent",
            Virus => "Virus",
            PolicyRelated => "PolicyRelated",
            AuthenticationFailed => "AuthenticationFailed",
            RateLimited => "RateLimited",
            MessageExpired => "MessageExpired",
            MessageTooLarge => "MessageTooLarge",
            RoutingErrors => "RoutingErrors",
            ProtocolErrors => "ProtocolErrors",
            TransientFailure => "TransientFailure",
            Other => "Other",
            TLSFailure => "TLSFailure",
            ReputationBlock => "ReputationBlock",
            DNSFailure => "DNSFailure",
            NoAnswerFromHost => "NoAnswerFromHost",
            RelayDenied => "RelayDenied",
            InvalidSender => "InvalidSender",
            TooManyRecipients => "TooManyRecipients",
            ProhibitedContent => "ProhibitedContent",
            BadConfiguration => "BadConfiguration",
            Suppressed => "Suppressed",
        }
    }
}

/// Decision of `classify`. Traffic control (`suspend`, `rate_factor`,
/// `max_connections`) applies to `scope` for `duration` once `threshold`
/// such responses were seen within `window` (counted as events: responses
/// less than a second apart are one).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classification {
    /// None = Other.
    pub category: Option<Category>,
    pub action: Action,
    pub scope: Scope,
    pub suspend: bool,
    /// 0 = unchanged, else strictly between 0 and 1.
    pub rate_factor: f64,
    /// 0 = unchanged.
    pub max_connections: u32,
    pub duration: Duration,
    pub threshold: u32,
    pub window: Duration,
    /// ABI v1.6: suppression list entry after this bounce or complaint
    /// (`stage() == "feedback"`).
    pub suppress: Suppress,
    /// How long the entry stays; zero = until removed (only with
    /// `Suppress::Tenant` or `Suppress::Global`).
    pub suppress_for: Duration,
}
