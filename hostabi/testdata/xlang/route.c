// route.c: the minimal route hook in freestanding C, against ABI v1 directly.
// Built by the Makefile with Debian clang + lld; the .wasm is committed.
#include <stdint.h>
#define IMPORT(n) __attribute__((import_module("wasmta"), import_name(n)))
IMPORT("get") int32_t wasmta_get(const char*, uint32_t, char*, uint32_t);
IMPORT("set") int32_t wasmta_set(const char*, uint32_t, const char*, uint32_t);
__attribute__((export_name("wasmta_abi_v1"))) void abi(void) {}
static char buf[256];
__attribute__((export_name("route"))) int32_t route(void) {
  int32_t n = wasmta_get("domain", 6, buf, sizeof buf);
  if (n < 0 || n > 253) return 1;
  wasmta_set("mx_domain", 9, buf, (uint32_t)n);
  return 0;
}
