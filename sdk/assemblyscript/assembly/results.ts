// The decisions a hook returns. A field left at its zero value is not
// sent to the host: unset and zero mean the same in ABI v1.

/** An SMTP rejection chosen by a reception hook. */
export class Reply {
  constructor(
    /** 400–599. */
    public code: i32,
    /** e.g. "5.7.1"; "" derives it from the code. */
    public enhanced: string = "",
    /** One line; "" = a standard text. */
    public text: string = "",
  ) {}
}

/** A header field to add. */
export class HeaderField {
  constructor(public name: string, public value: string) {}
}

/** Decision of `on_mail_from`. A null reject accepts. */
export class MailFromResult {
  reject: Reply | null = null;
  /** Replaces the session's tenant ("" = keep). */
  tenant: string = "";
  /** Replaces the session's campaign ("" = keep). */
  campaign: string = "";
  meta: Map<string, string> = new Map<string, string>();
}

/** Decision of `on_rcpt`. A null reject accepts. */
export class RcptResult {
  reject: Reply | null = null;
  static accept(): RcptResult { return new RcptResult(); }
  static reject(reply: Reply): RcptResult {
    const r = new RcptResult();
    r.reject = reply;
    return r;
  }
}

/** Decision of `on_message`. */
export class MessageResult {
  reject: Reply | null = null;
  tenant: string = "";
  campaign: string = "";
  meta: Map<string, string> = new Map<string, string>();
  addHeaders: HeaderField[] = [];
  /** "off", "DOMAIN" or "DOMAIN:SELECTOR"; "" = the configured default. */
  dkim: string = "";
}

/** The next hop of a recipient domain. Neither field set: MX of the recipient domain. */
export class Route {
  /** Deliver to the MX hosts of this routing domain. */
  mxDomain: string = "";
  /** Deliver to these hosts in order (a smart host), at most 16. */
  hosts: string[] = [];
  /** MX lookup of the recipient domain itself. */
  static mx(): Route { return new Route(); }
  /** The MX hosts of another domain. */
  static via(domain: string): Route {
    const r = new Route();
    r.mxDomain = domain;
    return r;
  }
  /** One smart host, `host` or `host:port`. */
  static host(host: string): Route {
    const r = new Route();
    r.hosts.push(host);
    return r;
  }
}

/** TLS modes of a Shape. */
export namespace Tls {
  export const Opportunistic = "opportunistic";
  export const Required = "required";
  export const RequiredVerify = "required_verify";
  export const Disabled = "disabled";
}

/**
 * TLS policy modes of a Shape (ABI v1.5): how the path applies the MTA-STS
 * and DANE policies its recipient domains publish.
 */
export namespace TlsPolicy {
  export const Default = "default";
  /** An MTA-STS policy in testing mode is enforced too. */
  export const Enforce = "enforce";
  /** Failed checks are reported; delivery goes on. */
  export const ReportOnly = "report_only";
}

/** Limits of an egress path. Zero = unset: no limit, or the engine's default. */
export class Shape {
  maxConnections: i32 = 0;
  messagesPerSecond: f64 = 0;
  messageBurst: i32 = 0;
  connectionsPerSecond: f64 = 0;
  messagesPerConnection: i32 = 0;
  idleTimeoutMs: i64 = 0;
  /** One of Tls; "" = opportunistic. */
  tls: string = "";
  /** ABI v1.5: one of TlsPolicy; "" = default (an older host refuses a set one). */
  tlsPolicy: string = "";
  retryInitialMs: i64 = 0;
  retryMaxMs: i64 = 0;
  maxAgeMs: i64 = 0;
  connectTimeoutMs: i64 = 0;
  commandTimeoutMs: i64 = 0;
  dataTimeoutMs: i64 = 0;
  /** How the path learns its limits from maxConnections,
   * messagesPerSecond and messagesPerConnection (ABI v1.2: an older host refuses a shape that sets
   * any of it). The default learns with the host's defaults. */
  adapt: Adaptation = new Adaptation();
}

/** The adapt_* results of shape (hostabi/ABI.md 3.4). A zero field takes
 * the host's default: floors of 1 connection and a tenth of the rate,
 * ceilings of 4 times the preset, steps of 1 connection and a tenth of the
 * rate per 5 s quiet period, a factor of 0.7, every signal. */
export class Adaptation {
  /** Keep maxConnections and messagesPerSecond: no learning. */
  off: bool = false;
  minConnections: i32 = 0;
  maxConnections: i32 = 0;
  /** Messages per second. */
  minRate: f64 = 0;
  maxRate: f64 = 0;
  /** Connections added per quiet period. */
  connectionStep: i32 = 0;
  /** Messages per second added per quiet period. */
  rateStep: f64 = 0;
  /** A cut multiplies a limit by this, strictly between 0 and 1. */
  factor: f64 = 0;
  quietMs: i64 = 0;
  /** The Signal bits that cut; 0 = all. */
  signals: i32 = 0;
  /** ABI v1.9 (an older host refuses a shape that sets either): the floor
   * and ceiling of the messages per connection the path learns from
   * messagesPerConnection; 0 = 1 and 4 times it. The path never ends its
   * own sessions below the floor; a destination that ends them sooner
   * still does. */
  minMessagesPerConnection: i32 = 0;
  maxMessagesPerConnection: i32 = 0;
}

/** Throttling signals of Adaptation.signals. */
export namespace Signal {
  /** A reply classified RateLimited. */
  export const RateLimited: i32 = 1;
  /** A refused connection: at connect, greeting, EHLO or TLS. */
  export const Refused: i32 = 2;
  /** A connect, command or data timeout. */
  export const Timeout: i32 = 4;
}

/** Actions of a Classification. */
export namespace Action {
  /** 4xx and connection failures retry, 5xx bounce. */
  export const Default = "";
  export const Retry = "retry";
  export const Bounce = "bounce";
}

/** Scopes of traffic control. */
export namespace Scope {
  export const None = "";
  /** This egress source to this site. */
  export const Path = "path";
  /** This site from every source. */
  export const Site = "site";
  /** This source to every site. */
  export const Source = "source";
  /** This tenant's messages to this site. */
  export const Tenant = "tenant";
}

/** Bounce categories (ABI.md section 3.5), exact spelling. */
export namespace Category {
  export const InvalidRecipient = "InvalidRecipient";
  export const InactiveMailbox = "InactiveMailbox";
  export const QuotaIssues = "QuotaIssues";
  export const BadDomain = "BadDomain";
  export const BadConnection = "BadConnection";
  export const SpamBlock = "SpamBlock";
  export const SpamContent = "SpamContent";
  export const Virus = "Virus";
  export const PolicyRelated = "PolicyRelated";
  export const AuthenticationFailed = "AuthenticationFailed";
  export const RateLimited = "RateLimited";
  export const MessageExpired = "MessageExpired";
  export const MessageTooLarge = "MessageTooLarge";
  export const RoutingErrors = "RoutingErrors";
  export const ProtocolErrors = "ProtocolErrors";
  export const TransientFailure = "TransientFailure";
  export const Other = "Other";
  // Added in ABI v1.1 (older hosts refuse them).
  export const TLSFailure = "TLSFailure";
  export const ReputationBlock = "ReputationBlock";
  export const DNSFailure = "DNSFailure";
  export const NoAnswerFromHost = "NoAnswerFromHost";
  export const RelayDenied = "RelayDenied";
  export const InvalidSender = "InvalidSender";
  export const TooManyRecipients = "TooManyRecipients";
  export const ProhibitedContent = "ProhibitedContent";
  export const BadConfiguration = "BadConfiguration";
  export const Suppressed = "Suppressed";
}

/**
 * Decision of `classify`. Traffic control (suspend, rateFactor,
 * maxConnections) applies to scope for durationMs once threshold such
 * responses were seen within windowMs (counted as events: responses less
 * than a second apart are one).
 */
export class Classification {
  /** One of Category; "" = Other. */
  category: string = "";
  /** One of Action; "" = default. */
  action: string = "";
  /** One of Scope; "" = none. */
  scope: string = "";
  suspend: bool = false;
  /** 0 = unchanged, else strictly between 0 and 1. */
  rateFactor: f64 = 0;
  /** 0 = unchanged. */
  maxConnections: i32 = 0;
  durationMs: i64 = 0;
  threshold: i32 = 0;
  windowMs: i64 = 0;
  /**
   * ABI v1.6: one of Suppress; "" = default (a hard bounce about the
   * recipient itself, in band or out of band, and a complaint go on the
   * tenant's list).
   */
  suppress: string = "";
  /** How long the entry stays; 0 = until removed. */
  suppressForMs: i64 = 0;
}

/** Suppression list choices of a Classification (ABI v1.6). */
export namespace Suppress {
  export const None = "none";
  export const Tenant = "tenant";
  export const Global = "global";
}
