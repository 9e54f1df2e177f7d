// The AssemblyScript example of docs/policies.md ("Other languages"), kept
// compiling and tested against policies/go/example/acme.cases.toml by
// e2e/conformance. Outside this repository the two imports read
// from "@wasmta/sdk" (see the docs).
import {
  Action, Category, Classification, ClassifyInput, PoolInput, RcptInput, RcptResult,
  Reply, Scope, contains, runClassify, runRcpt, runSelectPool,
} from "../../../../sdk/assemblyscript/assembly";
export { wasmta_abi_v1 } from "../../../../sdk/assemblyscript/assembly";

export function select_pool(): i32 { return runSelectPool(pool); }
export function on_rcpt(): i32 { return runRcpt(rcpt); }
export function classify(): i32 { return runClassify(classifyReply); }

// Pools: newsletters out of acme-bulk, everything else acme-transactional.
function pool(input: PoolInput): string | null {
  if (input.tenant != "acme") return null; // no opinion: the default decides
  return input.campaign.startsWith("news-") ? "acme-bulk" : "acme-transactional";
}

// Refuse example.invalid at RCPT.
function rcpt(input: RcptInput): RcptResult | null {
  if (!input.recipient.endsWith("@example.invalid")) return null;
  return RcptResult.reject(new Reply(550, "5.7.1", "acme does not send to example.invalid"));
}

// Yahoo's [TSS04] suspends the path for an hour.
function classifyReply(input: ClassifyInput): Classification | null {
  if (!contains(input.text, "[TSS04]")) return null;
  const c = new Classification();
  c.category = Category.RateLimited;
  c.action = Action.Retry;
  c.scope = Scope.Path;
  c.suspend = true;
  c.durationMs = 3600000;
  return c;
}
