// AssemblyScript SDK for wasmta policy modules (ABI v1; the contract is
// hostabi/ABI.md in the wasmta repository).
//
// A policy's entry file re-exports the ABI marker and exports one function
// per hook it decides, each handing its decide function to a runner:
//
//   import { RouteInput, Route, runRoute } from "@wasmta/sdk";
//   export { wasmta_abi_v1 } from "@wasmta/sdk";
//
//   export function route(): i32 { return runRoute(decideRoute); }
//
//   function decideRoute(input: RouteInput): Route | null {
//     if (input.tenant == "acme") return Route.host("relay.example.net:2525");
//     return null; // no opinion: the built-in default decides
//   }
//
// The SDK owns the host imports, UTF-16 <-> UTF-8 conversion through
// static buffers, inputs read lazily (one host call per getter), and
// writing decisions (zero fields are not sent). A throw, a failed assert
// or an out-of-range index calls env.abort, which the host turns into a
// fault with the message and location; the default decision is then used.

export * from "./host";
export * from "./inputs";
export * from "./results";
export * from "./hooks";
export * from "./text";

/** The ABI marker; re-export it from the policy's entry file. */
export function wasmta_abi_v1(): void {}
