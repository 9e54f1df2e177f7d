// A policy that aborts, for the fault tests (e2e/conformance): route
// throws for the domain panic.example, classify indexes an empty array
// when the text mentions "panic". Both call env.abort, which the host
// turns into a fault ("abort: MSG at FILE:LINE:COL"). Everything else: no
// opinion.

import {
  Classification, ClassifyInput, Route, RouteInput, runClassify, runRoute,
} from "../../../../sdk/assemblyscript/assembly";
export { wasmta_abi_v1 } from "../../../../sdk/assemblyscript/assembly";

export function route(): i32 { return runRoute(routeFor); }
export function classify(): i32 { return runClassify(classifyReply); }

function routeFor(input: RouteInput): Route | null {
  if (input.domain == "panic.example") throw new Error("policy panic");
  return null;
}

function classifyReply(input: ClassifyInput): Classification | null {
  const text = input.text;
  if (text.includes("panic")) {
    const empty = new Array<string>(0);
    const c = new Classification();
    c.category = empty[text.length];
    return c;
  }
  return null;
}
