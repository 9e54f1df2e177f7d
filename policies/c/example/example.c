/*
 * The C example of docs/policies.md ("Other languages"), kept compiling and
 * tested against policies/go/example/acme.cases.toml by e2e/conformance.
 */
#include "wasmta.h"

WASMTA_ABI_V1

/* Pools: newsletters out of acme-bulk, everything else acme-transactional. */
WASMTA_HOOK(select_pool)
{
	if (!wasmta_str_eq(wasmta_input("tenant"), "acme"))
		return WASMTA_NO_OPINION; /* the built-in default decides */
	int news = wasmta_str_has_prefix(wasmta_input("campaign"), "news-");
	wasmta_pool(news ? "acme-bulk" : "acme-transactional");
	return WASMTA_DECIDED;
}

/* Refuse example.invalid at RCPT. */
WASMTA_HOOK(on_rcpt)
{
	if (!wasmta_str_has_suffix(wasmta_input("recipient"), "@example.invalid"))
		return WASMTA_NO_OPINION;
	wasmta_reject(550, "5.7.1", "acme does not send to example.invalid");
	return WASMTA_DECIDED;
}

/* Yahoo's [TSS04] suspends the path for an hour. */
WASMTA_HOOK(classify)
{
	if (!wasmta_str_contains(wasmta_input("text"), "[TSS04]"))
		return WASMTA_NO_OPINION;
	struct wasmta_classification c = {
		.category = "RateLimited", .action = "retry", .scope = "path",
		.suspend = 1, .duration_ms = 3600000,
	};
	wasmta_classification_set(&c);
	return WASMTA_DECIDED;
}
