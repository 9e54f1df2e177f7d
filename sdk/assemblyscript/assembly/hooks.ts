// The hook runners: each calls the author's decide function with the
// hook's input and writes the decision as result keys (ABI.md section 3).
// A policy exports one function per hook it decides:
//
//   export function route(): i32 { return runRoute(decideRoute); }

import { ERROR, log, writeFloat, writeInt, writeString } from "./host";
import {
  ClassifyInput, MailFromInput, MessageInput, PoolInput, RcptInput, RouteInput, ShapeInput,
} from "./inputs";
import {
  Classification, MailFromResult, MessageResult, RcptResult, Reply, Route, Shape,
} from "./results";

/** Hook return values. */
export const DECIDED: i32 = 0;
export const NO_OPINION: i32 = 1;
export const FAULT: i32 = 2;

// The first result the host refused in this call (the host has then
// already faulted the call); reported once the decision is written.
let refusedKey: string = "";
let refusedStatus: i32 = 0;

function check(key: string, status: i32): void {
  if (status < 0 && refusedStatus == 0) {
    refusedKey = key;
    refusedStatus = status;
  }
}

function str(key: string, v: string): void {
  if (v.length > 0) check(key, writeString(key, v));
}

function int(key: string, v: i64): void {
  if (v != 0) check(key, writeInt(key, v));
}

function float(key: string, v: f64): void {
  if (v != 0) check(key, writeFloat(key, v));
}

function finish(): i32 {
  if (refusedStatus == 0) return DECIDED;
  log(ERROR, "wasmta sdk: result " + refusedKey + " refused by the host: status " + refusedStatus.toString());
  refusedStatus = 0;
  return FAULT;
}

function reply(r: Reply | null): void {
  if (r === null) return;
  int("reject.code", r.code);
  str("reject.enhanced", r.enhanced);
  str("reject.text", r.text);
}

function meta(m: Map<string, string>): void {
  const names = m.keys();
  for (let i = 0; i < names.length; i++) {
    check("meta." + names[i], writeString("meta." + names[i], m.get(names[i])));
  }
}

const mailFromInput = new MailFromInput();
const rcptInput = new RcptInput();
const messageInput = new MessageInput();
const routeInput = new RouteInput();
const poolInput = new PoolInput();
const shapeInput = new ShapeInput();
const classifyInput = new ClassifyInput();

export function runMailFrom(decide: (input: MailFromInput) => MailFromResult | null): i32 {
  const r = decide(mailFromInput);
  if (r === null) return NO_OPINION;
  reply(r.reject);
  str("tenant", r.tenant);
  str("campaign", r.campaign);
  meta(r.meta);
  return finish();
}

export function runRcpt(decide: (input: RcptInput) => RcptResult | null): i32 {
  const r = decide(rcptInput);
  if (r === null) return NO_OPINION;
  reply(r.reject);
  return finish();
}

export function runMessage(decide: (input: MessageInput) => MessageResult | null): i32 {
  const r = decide(messageInput);
  if (r === null) return NO_OPINION;
  reply(r.reject);
  str("tenant", r.tenant);
  str("campaign", r.campaign);
  meta(r.meta);
  for (let i = 0; i < r.addHeaders.length; i++) {
    const h = r.addHeaders[i];
    check("header." + h.name, writeString("header." + h.name, h.value));
  }
  str("dkim", r.dkim);
  return finish();
}

export function runRoute(decide: (input: RouteInput) => Route | null): i32 {
  const r = decide(routeInput);
  if (r === null) return NO_OPINION;
  str("mx_domain", r.mxDomain);
  for (let i = 0; i < r.hosts.length; i++) check("host", writeString("host", r.hosts[i]));
  return finish();
}

export function runSelectPool(decide: (input: PoolInput) => string | null): i32 {
  const pool = decide(poolInput);
  if (pool === null) return NO_OPINION;
  str("pool", pool);
  return finish();
}

export function runShape(decide: (input: ShapeInput) => Shape | null): i32 {
  const s = decide(shapeInput);
  if (s === null) return NO_OPINION;
  int("max_connections", s.maxConnections);
  float("messages_per_second", s.messagesPerSecond);
  int("message_burst", s.messageBurst);
  float("connections_per_second", s.connectionsPerSecond);
  int("messages_per_connection", s.messagesPerConnection);
  int("idle_timeout_ms", s.idleTimeoutMs);
  str("tls", s.tls);
  str("tls_policy", s.tlsPolicy);
  int("retry_initial_ms", s.retryInitialMs);
  int("retry_max_ms", s.retryMaxMs);
  int("max_age_ms", s.maxAgeMs);
  int("connect_timeout_ms", s.connectTimeoutMs);
  int("command_timeout_ms", s.commandTimeoutMs);
  int("data_timeout_ms", s.dataTimeoutMs);
  const a = s.adapt;
  int("adapt_off", a.off ? 1 : 0);
  int("adapt_min_connections", a.minConnections);
  int("adapt_max_connections", a.maxConnections);
  float("adapt_min_rate", a.minRate);
  float("adapt_max_rate", a.maxRate);
  int("adapt_connection_step", a.connectionStep);
  float("adapt_rate_step", a.rateStep);
  float("adapt_factor", a.factor);
  int("adapt_quiet_ms", a.quietMs);
  int("adapt_signals", a.signals);
  int("adapt_min_messages_per_connection", a.minMessagesPerConnection);
  int("adapt_max_messages_per_connection", a.maxMessagesPerConnection);
  return finish();
}

export function runClassify(decide: (input: ClassifyInput) => Classification | null): i32 {
  const c = decide(classifyInput);
  if (c === null) return NO_OPINION;
  str("category", c.category);
  str("action", c.action);
  str("scope", c.scope);
  int("suspend", c.suspend ? 1 : 0);
  float("rate_factor", c.rateFactor);
  int("max_connections", c.maxConnections);
  int("duration_ms", c.durationMs);
  int("threshold", c.threshold);
  int("window_ms", c.windowMs);
  str("suppress", c.suppress);
  int("suppress_for_ms", c.suppressForMs);
  return finish();
}
