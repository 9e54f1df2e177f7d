/*
 * A policy that traps, for the fault tests (e2e/conformance): route
 * traps for the domain panic.example, classify when the text mentions
 * "panic" (__builtin_trap is wasm's unreachable, what abort() compiles to).
 * Everything else: no opinion.
 */
#include "wasmta.h"

WASMTA_ABI_V1

WASMTA_HOOK(route)
{
	if (wasmta_str_eq(wasmta_input("domain"), "panic.example"))
		__builtin_trap();
	return WASMTA_NO_OPINION;
}

WASMTA_HOOK(classify)
{
	if (wasmta_str_contains(wasmta_input("text"), "panic"))
		__builtin_trap();
	return WASMTA_NO_OPINION;
}
