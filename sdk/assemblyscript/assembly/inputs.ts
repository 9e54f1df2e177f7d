// The inputs of each hook. Every getter asks the host when it is read (one
// host call per string or int), so a hook pays only for what it uses.

import { readInt, readList, readString } from "./host";

/** A string key the hook always has; "" on an SDK/host mismatch. */
function str(key: string): string {
  const s = readString(key);
  return s === null ? "" : s;
}

function int(key: string): i64 {
  const v = readInt(key);
  return v < 0 ? 0 : v;
}

/** A `meta.NAME` / `header.NAME` value, or null when absent. */
/**
 * A reputation count or rate (ABI v1.3): `name` is `SCOPE.WINDOW.NAME`
 * (`tenant.1h.complaint_rate_ppm`); 0 when the host has no such key.
 */
function readReputation(name: string): i64 { return int("reputation." + name); }

function family(prefix: string, name: string): string | null {
  return readString(prefix + name);
}

/** The SMTP client (or HTTP injector) of a reception hook. */
export class Peer {
  /** `ip:port` (`[v6]:port` for IPv6). */
  get addr(): string { return str("peer.addr"); }
  /** The IP without the port. */
  get ip(): string { return str("peer.ip"); }
  /** The HELO/EHLO name, "" for HTTP. */
  get helo(): string { return str("peer.helo"); }
  /** The authenticated user, "" when not authenticated. */
  get authUser(): string { return str("peer.auth_user"); }
  /** The session uses TLS. */
  get tls(): bool { return int("peer.tls") == 1; }
}

const peer = new Peer();

/** Input of `on_mail_from`. */
export class MailFromInput {
  get peer(): Peer { return peer; }
  /** The tenant so far ("" when unknown). */
  get tenant(): string { return str("tenant"); }
  /** The envelope sender, "" for the null sender. */
  get sender(): string { return str("sender"); }
}

/** Input of `on_rcpt`. */
export class RcptInput {
  get peer(): Peer { return peer; }
  get tenant(): string { return str("tenant"); }
  get campaign(): string { return str("campaign"); }
  get sender(): string { return str("sender"); }
  /** The RCPT TO address being decided. */
  get recipient(): string { return str("recipient"); }
}

/** Input of `on_message`, once the whole message is received. */
export class MessageInput {
  get peer(): Peer { return peer; }
  get tenant(): string { return str("tenant"); }
  get campaign(): string { return str("campaign"); }
  get sender(): string { return str("sender"); }
  /** The accepted recipients, in order. */
  get recipients(): string[] { return readList("recipients"); }
  /** The message size in bytes. */
  get size(): i64 { return int("size"); }
  /** The raw header block, CRLF line endings, without the blank line. */
  get header(): string { return str("header"); }
  /** The first header field named name (case-insensitive), unfolded; null when absent. */
  headerField(name: string): string | null { return family("header.", name); }
  /** The names of the message metadata, sorted. */
  get metaNames(): string[] { return readList("meta"); }
  /** The metadata value name, or null. */
  meta(name: string): string | null { return family("meta.", name); }
  /** How the tenant's mail is doing (ABI v1.3); see PoolInput.reputation. */
  reputation(name: string): i64 { return readReputation(name); }
}

/** Input of `route`. The decision is cached per module version. */
export class RouteInput {
  /** The message tenant ("" = none). */
  get tenant(): string { return str("tenant"); }
  /** The message campaign ("" = none). */
  get campaign(): string { return str("campaign"); }
  /** The recipient domain, lowercase. */
  get domain(): string { return str("domain"); }
}

/** Input of `select_pool`. */
export class PoolInput {
  get tenant(): string { return str("tenant"); }
  get campaign(): string { return str("campaign"); }
  get domain(): string { return str("domain"); }
  /** The destination site (the MX host set of the domain). */
  get site(): string { return str("site"); }
  get metaNames(): string[] { return readList("meta"); }
  meta(name: string): string | null { return family("meta.", name); }
  /**
   * How the tenant's mail is doing (ABI v1.3): `name` is
   * `SCOPE.WINDOW.NAME` with SCOPE `tenant` or `campaign`, WINDOW `1h` or
   * `24h`, NAME `deliveries`, `bounces`, `hard_bounces`, `oob_bounces`,
   * `complaints`, `complaint_rate_ppm` or `bounce_rate_ppm`.
   */
  reputation(name: string): i64 { return readReputation(name); }
  /**
   * The candidate pools: every configured pool, in name order (ABI v1.7;
   * empty on an older host).
   */
  get pools(): string[] { return readList("pools"); }
  /**
   * How the tenant's mail through `pool` is doing (ABI v1.7): `name` is
   * `WINDOW.NAME` as for reputation (`poolReputation("bulk",
   * "1h.complaint_rate_ppm")`); 0 for a pool that is not a candidate, or
   * on an older host.
   */
  poolReputation(pool: string, name: string): i64 { return readReputation("pool." + pool + "." + name); }
}

/** Input of `shape`: one egress path (source, site). */
export class ShapeInput {
  get source(): string { return str("source"); }
  get pool(): string { return str("pool"); }
  get site(): string { return str("site"); }
  /** One recipient domain of the site. */
  get domain(): string { return str("domain"); }
  /** The site's MX host names, lowercase, in preference order. */
  get mxHosts(): string[] { return readList("mx_hosts"); }
  /** `gmail`, `yahoo`, `microsoft`, `apple`, ... when known, else "". */
  get provider(): string { return str("provider"); }
}

/** Input of `classify`: one non-2xx response or connection failure. */
export class ClassifyInput {
  /** The message tenant, "" for path-level failures. */
  get tenant(): string { return str("tenant"); }
  get site(): string { return str("site"); }
  get domain(): string { return str("domain"); }
  get source(): string { return str("source"); }
  /** `connect`, `ehlo`, `starttls`, `mail`, `rcpt` or `data`. */
  get stage(): string { return str("stage"); }
  /** The SMTP reply code; 0 for a connection failure. */
  get code(): i32 { return <i32>int("code"); }
  /** The enhanced status code (e.g. `4.7.28`), "" when absent. */
  get enhanced(): string { return str("enhanced"); }
  /** The reply text (lines joined with "\n"), or the connection error. */
  get text(): string { return str("text"); }
}
