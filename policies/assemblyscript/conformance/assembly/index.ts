// The AssemblyScript build of the cross-language reference policy: the
// rules of testdata/conformance/README.md, checked by
// testdata/conformance/cases.toml. Keep it a literal reading of the README.
//
// Build: npx asc --config asconfig.json --target release

import {
  Category, Classification, ClassifyInput, PoolInput, RcptInput, RcptResult, Reply, Route,
  RouteInput, Scope, Action, Shape, ShapeInput, Signal, Suppress, Tls, TlsPolicy,
  contains, lookup, runClassify, runRcpt, runRoute, runSelectPool, runShape,
} from "../../../../sdk/assemblyscript/assembly";
export { wasmta_abi_v1 } from "../../../../sdk/assemblyscript/assembly";

export function on_rcpt(): i32 { return runRcpt(rcpt); }
export function route(): i32 { return runRoute(routeFor); }
export function select_pool(): i32 { return runSelectPool(pool); }
export function shape(): i32 { return runShape(shapeFor); }
export function classify(): i32 { return runClassify(classifyReply); }

// Rule 1: refuse recipients of blocked.example (domain after the last @,
// ASCII-lowercased; String#toLowerCase would also fold non-ASCII letters).
function rcpt(input: RcptInput): RcptResult | null {
  const recipient = input.recipient;
  const domain = recipient.substring(recipient.lastIndexOf("@") + 1);
  if (asciiLower(domain) != "blocked.example") return null;
  return RcptResult.reject(new Reply(550, "5.7.1", "recipient domain blocked by policy"));
}

// Rule 2: tenant acme goes through its smart host; other tenants through
// the smart host the table smart_hosts names for the domain.
function routeFor(input: RouteInput): Route | null {
  if (input.tenant == "acme") return Route.host("smtp.acme-relay.example:2525");
  // ABI v1.4: the domain's smart host from the table smart_hosts.
  const host = lookup("smart_hosts", input.domain);
  if (host === null) return null;
  return Route.host(host);
}

// Rule 3: a tenant or campaign with a bad reputation goes to quarantine,
// then bulk campaigns, then acme's own pool.
function pool(input: PoolInput): string | null {
  if (input.reputation("tenant.1h.complaint_rate_ppm") > 1000 ||
      input.reputation("campaign.24h.bounce_rate_ppm") >= 50000) return "quarantine";
  if (input.campaign.startsWith("bulk-")) return "bulk";
  if (input.tenant == "acme") {
    // ABI v1.7: acme's complaints through its own pool.
    if (input.poolReputation("acme-pool", "1h.complaint_rate_ppm") > 1000) return "acme-backup";
    return "acme-pool";
  }
  return null;
}

// Rule 4: Google-hosted sites.
function shapeFor(input: ShapeInput): Shape | null {
  const hosts = input.mxHosts;
  for (let i = 0; i < hosts.length; i++) {
    if (hosts[i].endsWith(".google.com")) {
      const s = new Shape();
      s.maxConnections = 5;
      s.messagesPerSecond = 2.5;
      s.messagesPerConnection = 50;
      s.tls = Tls.Required;
      s.tlsPolicy = TlsPolicy.Enforce;
      s.retryInitialMs = 600000;
      s.adapt.maxConnections = 20;
      s.adapt.factor = 0.5;
      s.adapt.signals = Signal.RateLimited | Signal.Refused;
      s.adapt.minMessagesPerConnection = 10;
      s.adapt.maxMessagesPerConnection = 100;
      return s;
    }
  }
  return null;
}

// Rule 5: four classification rules, in order.
function classifyReply(input: ClassifyInput): Classification | null {
  const c = new Classification();
  if (contains(input.text, "[TSS04]")) {
    c.category = Category.RateLimited;
    c.action = Action.Retry;
    c.scope = Scope.Path;
    c.suspend = true;
    c.durationMs = 3600000;
    return c;
  }
  const enhanced = input.enhanced;
  if (input.code == 421 && enhanced == "4.7.28") {
    c.category = Category.RateLimited;
    c.scope = Scope.Path;
    c.rateFactor = 0.5;
    c.durationMs = 1800000;
    c.threshold = 5;
    c.windowMs = 60000;
    return c;
  }
  if (enhanced == "5.1.1") {
    c.category = Category.InvalidRecipient;
    c.action = Action.Bounce;
    c.suppress = Suppress.Global;
    c.suppressForMs = 2592000000;
    return c;
  }
  if (enhanced == "5.7.10") {
    c.category = Category.TLSFailure;
    c.action = Action.Retry;
    return c;
  }
  return null;
}

function asciiLower(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}
