/*
 * The C build of the cross-language reference policy: the rules of
 * testdata/conformance/README.md, checked by testdata/conformance/cases.toml.
 * Keep it a literal reading of the README. Freestanding (no libc):
 *
 *   clang --target=wasm32 -O2 -nostdlib -ffreestanding -I ../../../sdk/c \
 *       -Wl,--no-entry -Wl,--strip-all -o conformance.wasm conformance.c
 */
#include "wasmta.h"

WASMTA_ABI_V1

/* Rule 1: refuse recipients of blocked.example (domain after the last @,
 * ASCII-lowercased). */
WASMTA_HOOK(on_rcpt)
{
	wasmta_str domain = wasmta_str_after_last(wasmta_input("recipient"), '@');
	if (!wasmta_str_eq_ascii_nocase(domain, "blocked.example"))
		return WASMTA_NO_OPINION;
	wasmta_reject(550, "5.7.1", "recipient domain blocked by policy");
	return WASMTA_DECIDED;
}

/* Rule 2: tenant acme goes through its smart host; other tenants through
 * the smart host the table smart_hosts names for the domain (ABI v1.4). */
WASMTA_HOOK(route)
{
	if (wasmta_str_eq(wasmta_input("tenant"), "acme")) {
		wasmta_route_host("smtp.acme-relay.example:2525");
		return WASMTA_DECIDED;
	}
	wasmta_str host = wasmta_lookup("smart_hosts", wasmta_input("domain"));
	if (host.status < 0)
		return WASMTA_NO_OPINION;
	wasmta_set_bytes("host", host);
	return WASMTA_DECIDED;
}

/* Rule 3: a tenant or campaign with a bad reputation goes to quarantine,
 * then bulk campaigns, then acme's own pool, or its backup pool when
 * acme's complaints through its own pool passed 0.1% (ABI v1.7). */
WASMTA_HOOK(select_pool)
{
	if (wasmta_reputation("tenant.1h.complaint_rate_ppm") > 1000 ||
	    wasmta_reputation("campaign.24h.bounce_rate_ppm") >= 50000) {
		wasmta_pool("quarantine");
		return WASMTA_DECIDED;
	}
	if (wasmta_str_has_prefix(wasmta_input("campaign"), "bulk-")) {
		wasmta_pool("bulk");
		return WASMTA_DECIDED;
	}
	if (wasmta_str_eq(wasmta_input("tenant"), "acme")) {
		if (wasmta_pool_reputation("acme-pool", "1h.complaint_rate_ppm") > 1000)
			wasmta_pool("acme-backup");
		else
			wasmta_pool("acme-pool");
		return WASMTA_DECIDED;
	}
	return WASMTA_NO_OPINION;
}

/* Rule 4: Google-hosted sites. */
WASMTA_HOOK(shape)
{
	int32_t n = wasmta_input_count("mx_hosts");
	for (int32_t i = 0; i < n; i++) {
		if (wasmta_str_has_suffix(wasmta_input_at("mx_hosts", i), ".google.com")) {
			struct wasmta_shape s = {
				.max_connections = 5,
				.messages_per_second = 2.5,
				.messages_per_connection = 50,
				.tls = "required",
				.tls_policy = "enforce",
				.retry_initial_ms = 600000,
				.adapt_max_connections = 20,
				.adapt_factor = 0.5,
				.adapt_signals = WASMTA_SIGNAL_RATE_LIMITED | WASMTA_SIGNAL_REFUSED,
				.adapt_min_messages_per_connection = 10,
				.adapt_max_messages_per_connection = 100,
			};
			wasmta_shape_set(&s);
			return WASMTA_DECIDED;
		}
	}
	return WASMTA_NO_OPINION;
}

/* Rule 5: four classification rules, in order. */
WASMTA_HOOK(classify)
{
	if (wasmta_str_contains(wasmta_input("text"), "[TSS04]")) {
		struct wasmta_classification c = {
			.category = "RateLimited",
			.action = "retry",
			.scope = "path",
			.suspend = 1,
			.duration_ms = 3600000,
		};
		wasmta_classification_set(&c);
		return WASMTA_DECIDED;
	}
	wasmta_str enhanced = wasmta_input("enhanced");
	if (wasmta_input_int("code") == 421 && wasmta_str_eq(enhanced, "4.7.28")) {
		struct wasmta_classification c = {
			.category = "RateLimited",
			.scope = "path",
			.rate_factor = 0.5,
			.duration_ms = 1800000,
			.threshold = 5,
			.window_ms = 60000,
		};
		wasmta_classification_set(&c);
		return WASMTA_DECIDED;
	}
	if (wasmta_str_eq(enhanced, "5.1.1")) {
		struct wasmta_classification c = {
			.category = "InvalidRecipient",
			.action = "bounce",
			.suppress = "global",
			.suppress_for_ms = 2592000000LL,
		};
		wasmta_classification_set(&c);
		return WASMTA_DECIDED;
	}
	if (wasmta_str_eq(enhanced, "5.7.10")) {
		struct wasmta_classification c = {.category = "TLSFailure", .action = "retry"};
		wasmta_classification_set(&c);
		return WASMTA_DECIDED;
	}
	return WASMTA_NO_OPINION;
}
