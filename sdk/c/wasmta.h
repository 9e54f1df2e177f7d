/*
 * wasmta.h — C SDK for wasmta policy modules (ABI v1; the contract is
 * hostabi/ABI.md in the wasmta repository). One header, no libc: it builds
 * freestanding with
 *
 *   clang --target=wasm32 -O2 -mbulk-memory -nostdlib -ffreestanding -I sdk/c \
 *       -Wl,--no-entry -Wl,--strip-all -o policy.wasm policy.c
 *
 * (Debian: clang and lld). It also works with wasi-libc
 * (--target=wasm32-wasi --sysroot=/usr -mexec-model=reactor).
 *
 * A policy defines one function per hook it decides with WASMTA_HOOK and
 * puts WASMTA_ABI_V1 once in the module:
 *
 *   #include "wasmta.h"
 *   WASMTA_ABI_V1
 *
 *   WASMTA_HOOK(route) {
 *       wasmta_str tenant = wasmta_input("tenant");
 *       if (!wasmta_str_eq(tenant, "acme"))
 *           return WASMTA_NO_OPINION;
 *       wasmta_route_host("relay.example.net:2525");
 *       return WASMTA_DECIDED;
 *   }
 *
 * What the header owns: the host imports, the marker and hook export
 * macros, inputs read into a per-call arena (so a value of any length is
 * read whole and NUL-terminated), typed result setters, and the few byte
 * helpers a policy needs without libc. Keys and result values are C
 * strings; inputs are (ptr, len) views that stay valid until the hook
 * returns. Everything is static inline: a module has no SDK code it does
 * not call.
 */
#ifndef WASMTA_H
#define WASMTA_H

#include <stddef.h>
#include <stdint.h>

/* Hook return values (ABI.md section 3). */
#define WASMTA_DECIDED 0
#define WASMTA_NO_OPINION 1
#define WASMTA_FAULT 2

/* Statuses of the host functions (ABI.md section 2.1). */
#define WASMTA_NOT_FOUND (-1)
#define WASMTA_BAD_ARGUMENT (-2)
#define WASMTA_NOT_AVAILABLE (-3)
#define WASMTA_WRONG_TYPE (-4)
#define WASMTA_INVALID_VALUE (-5)
#define WASMTA_LIMIT (-6)

/* Log levels. */
#define WASMTA_DEBUG 0
#define WASMTA_INFO 1
#define WASMTA_WARN 2
#define WASMTA_ERROR 3

/* ---- host imports --------------------------------------------------- */

#define WASMTA_IMPORT(name) __attribute__((import_module("wasmta"), import_name(#name)))

WASMTA_IMPORT(get) int32_t wasmta_host_get(const char *key, size_t key_len, char *buf, size_t cap);
WASMTA_IMPORT(get_i64) int64_t wasmta_host_get_i64(const char *key, size_t key_len);
WASMTA_IMPORT(count) int32_t wasmta_host_count(const char *key, size_t key_len);
WASMTA_IMPORT(get_at) int32_t wasmta_host_get_at(const char *key, size_t key_len, int32_t index, char *buf, size_t cap);
WASMTA_IMPORT(set) int32_t wasmta_host_set(const char *key, size_t key_len, const char *val, size_t val_len);
WASMTA_IMPORT(set_i64) int32_t wasmta_host_set_i64(const char *key, size_t key_len, int64_t value);
WASMTA_IMPORT(set_f64) int32_t wasmta_host_set_f64(const char *key, size_t key_len, double value);
WASMTA_IMPORT(log) int32_t wasmta_host_log(int32_t level, const char *msg, size_t msg_len);
WASMTA_IMPORT(lookup) int32_t wasmta_host_lookup(const char *table, size_t table_len, const char *key, size_t key_len, char *buf, size_t cap); /* v1.4 */

/* ---- exports ------------------------------------------------------- */

/* The ABI marker: put it once in the module, at file scope. */
#define WASMTA_ABI_V1 \
	__attribute__((export_name("wasmta_abi_v1"))) void wasmta_abi_v1(void) {}

/*
 * WASMTA_HOOK(name) { ... return WASMTA_DECIDED; } defines the hook
 * `name` (on_mail_from, on_rcpt, on_message, route, select_pool, shape,
 * classify). The body returns WASMTA_DECIDED or WASMTA_NO_OPINION; the
 * export around it starts a fresh input arena for the call.
 */
#define WASMTA_HOOK(name) \
	static int wasmta_hook_##name(void); \
	__attribute__((export_name(#name))) int32_t wasmta_export_##name(void) \
	{ \
		wasmta_arena_reset(); \
		return wasmta_hook_##name(); \
	} \
	static int wasmta_hook_##name(void)

/* ---- byte helpers (no libc) --------------------------------------------- */

/* A view of input bytes: NUL-terminated, valid until the hook returns.
 * status is 0, or the negative status of the read (len is then 0). */
typedef struct {
	const char *ptr;
	uint32_t len;
	int32_t status;
} wasmta_str;

static inline size_t wasmta_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/*
 * Loops are what a policy pays most for: the host stops runaway guests
 * with a check at every loop iteration (tens of nanoseconds each), so the
 * byte helpers below work 8 bytes per iteration (unaligned 64-bit loads)
 * and compare short strings without a loop.
 */
static inline uint64_t wasmta_load64(const char *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline uint32_t wasmta_load32(const char *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

/* The n bytes at a and b are equal. No loop below 17 bytes. */
static inline int wasmta_mem_eq(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (wasmta_load64(a + i) != wasmta_load64(b + i))
				return 0;
		return wasmta_load64(a + n - 8) == wasmta_load64(b + n - 8);
	}
	if (n >= 4)
		return wasmta_load32(a) == wasmta_load32(b) && wasmta_load32(a + n - 4) == wasmta_load32(b + n - 4);
	if (n >= 2 && (a[1] != b[1] || a[n - 1] != b[n - 1]))
		return 0;
	return n == 0 || a[0] == b[0];
}

static inline char wasmta_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

/* s equals the C string lit, byte for byte. */
static inline int wasmta_str_eq(wasmta_str s, const char *lit)
{
	size_t n = wasmta_strlen(lit);
	return s.len == n && wasmta_mem_eq(s.ptr, lit, n);
}

/* s equals lit with ASCII A-Z folded to a-z (no other folding). */
static inline int wasmta_str_eq_ascii_nocase(wasmta_str s, const char *lit)
{
	size_t n = wasmta_strlen(lit);
	if (s.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (wasmta_ascii_lower(s.ptr[i]) != wasmta_ascii_lower(lit[i]))
			return 0;
	return 1;
}

static inline int wasmta_str_has_prefix(wasmta_str s, const char *lit)
{
	size_t n = wasmta_strlen(lit);
	return s.len >= n && wasmta_mem_eq(s.ptr, lit, n);
}

static inline int wasmta_str_has_suffix(wasmta_str s, const char *lit)
{
	size_t n = wasmta_strlen(lit);
	return s.len >= n && wasmta_mem_eq(s.ptr + (s.len - n), lit, n);
}

/* The n bytes at needle occur in the len bytes at hay. It scans 8 bytes
 * per iteration for the needle's first byte (a SWAR zero-byte test) and
 * compares only at candidate positions. */
static inline int wasmta_mem_contains(const char *hay, size_t len, const char *needle, size_t n)
{
	if (n == 0)
		return 1;
	if (n > len)
		return 0;
	size_t last = len - n; /* the last possible start */
	if (len < 8) {
		for (size_t i = 0; i <= last; i++)
			if (wasmta_mem_eq(hay + i, needle, n))
				return 1;
		return 0;
	}
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t pattern = ones * (unsigned char)needle[0];
	for (size_t i = 0; i <= last; i += 8) {
		size_t blk = i + 8 <= len ? i : len - 8; /* the last block overlaps the one before */
		uint64_t x = wasmta_load64(hay + blk) ^ pattern;
		uint64_t hits = (x - ones) & ~x & highs; /* may flag extra bytes, never misses one */
		while (hits) {
			size_t pos = blk + (size_t)(__builtin_ctzll(hits) >> 3);
			if (pos <= last && wasmta_mem_eq(hay + pos, needle, n))
				return 1;
			hits &= hits - 1;
		}
	}
	return 0;
}

/* s contains lit anywhere ("" is always contained). */
static inline int wasmta_str_contains(wasmta_str s, const char *lit)
{
	return wasmta_mem_contains(s.ptr, s.len, lit, wasmta_strlen(lit));
}

/* The bytes after the last c of s (all of s when there is none). */
static inline wasmta_str wasmta_str_after_last(wasmta_str s, char c)
{
	for (uint32_t i = s.len; i > 0; i--) {
		if (s.ptr[i - 1] == c) {
			wasmta_str r = {s.ptr + i, s.len - i, 0};
			return r;
		}
	}
	return s;
}

/* ---- the per-call input arena ------------------------------------------ */

/*
 * Inputs are copied into an arena that starts in static memory and grows
 * with memory.grow for long values; it is rewound at the start of every
 * hook, so a call never sees another call's bytes and memory does not
 * grow from call to call.
 */
#ifndef WASMTA_STATIC_ARENA
#define WASMTA_STATIC_ARENA 4096
#endif

static char wasmta_arena_static[WASMTA_STATIC_ARENA];
static char *wasmta_arena_base = wasmta_arena_static;
static size_t wasmta_arena_cap = WASMTA_STATIC_ARENA;
static size_t wasmta_arena_used;

static inline void wasmta_arena_reset(void) { wasmta_arena_used = 0; }

/* Room for n more bytes, or 0 when memory cannot grow. A larger arena
 * replaces the static one for the rest of the instance's life; views
 * already returned in this call stay valid (the old block is kept). */
static inline char *wasmta_arena_room(size_t n)
{
	if (wasmta_arena_cap - wasmta_arena_used >= n)
		return wasmta_arena_base + wasmta_arena_used;
	size_t pages = (n + 2 * wasmta_arena_cap + 65535) / 65536;
	size_t old = __builtin_wasm_memory_grow(0, pages);
	if (old == (size_t)-1)
		return 0;
	wasmta_arena_base = (char *)(old * 65536);
	wasmta_arena_cap = pages * 65536;
	wasmta_arena_used = 0;
	return wasmta_arena_base;
}

/* Reads with a get-like host call: into the arena, again with the full
 * length when the first try did not fit, then NUL-terminated. */
#define WASMTA_READ(call_with_buf_cap) \
	do { \
		size_t cap = wasmta_arena_cap - wasmta_arena_used; \
		char *buf = wasmta_arena_base + wasmta_arena_used; \
		int32_t n = call_with_buf_cap; \
		if (n >= 0 && (size_t)n + 1 > cap) { \
			buf = wasmta_arena_room((size_t)n + 1); \
			cap = (size_t)n + 1; \
			if (buf == 0) { \
				wasmta_str oom = {"", 0, WASMTA_LIMIT}; \
				return oom; \
			} \
			n = call_with_buf_cap; \
		} \
		if (n < 0) { \
			wasmta_str bad = {"", 0, n}; \
			return bad; \
		} \
		buf[n] = 0; \
		wasmta_arena_used += (size_t)n + 1; \
		wasmta_str ok = {buf, (uint32_t)n, 0}; \
		return ok; \
	} while (0)

/* ---- inputs ------------------------------------------------------------ */

/* The string input key ("tenant", "text", "meta.NAME", ...). */
static inline wasmta_str wasmta_input(const char *key)
{
	size_t kl = wasmta_strlen(key);
	WASMTA_READ(wasmta_host_get(key, kl, buf, cap));
}

/* Item index of the list input key ("mx_hosts", "recipients", "meta"). */
static inline wasmta_str wasmta_input_at(const char *key, int32_t index)
{
	size_t kl = wasmta_strlen(key);
	WASMTA_READ(wasmta_host_get_at(key, kl, index, buf, cap));
}

/* The number of items of the list input key, or a negative status. */
static inline int32_t wasmta_input_count(const char *key)
{
	return wasmta_host_count(key, wasmta_strlen(key));
}

/* The int input key ("code", "size", "peer.tls"): >= 0, or a negative status. */
static inline int64_t wasmta_input_int(const char *key)
{
	return wasmta_host_get_i64(key, wasmta_strlen(key));
}

/*
 * A reputation count or rate of select_pool and on_message (ABI v1.3):
 * name is "SCOPE.WINDOW.NAME" with SCOPE tenant or campaign (for a pool:
 * wasmta_pool_reputation, below), WINDOW 1h or
 * 24h, NAME deliveries, bounces, hard_bounces, oob_bounces, complaints,
 * complaint_rate_ppm or bounce_rate_ppm
 * (wasmta_reputation("tenant.1h.complaint_rate_ppm")). 0 when the host
 * has no such key (a host older than v1.3) or name is longer than 64 bytes.
 */
static inline int64_t wasmta_reputation(const char *name)
{
	char key[11 + 64];
	size_t n = wasmta_strlen(name);
	if (n > 64)
		return 0;
	__builtin_memcpy(key, "reputation.", 11);
	__builtin_memcpy(key + 11, name, n);
	int64_t v = wasmta_host_get_i64(key, 11 + n);
	return v < 0 ? 0 : v;
}

/*
 * The candidate pools of select_pool (ABI v1.7): the configured pools in
 * name order, as the list input "pools" (wasmta_input_count("pools"),
 * wasmta_input_at("pools", i)). How the tenant's mail through one of them
 * is doing: name is "WINDOW.NAME" as for wasmta_reputation
 * (wasmta_pool_reputation("bulk", "1h.complaint_rate_ppm")). 0 when the
 * pool is not a candidate, the host is older than v1.7, or pool is longer
 * than 128 bytes or name than 32.
 */
static inline int64_t wasmta_pool_reputation(const char *pool, const char *name)
{
	char key[16 + 128 + 1 + 32];
	size_t p = wasmta_strlen(pool), n = wasmta_strlen(name);
	if (p > 128 || n > 32)
		return 0;
	__builtin_memcpy(key, "reputation.pool.", 16);
	__builtin_memcpy(key + 16, pool, p);
	key[16 + p] = '.';
	__builtin_memcpy(key + 17 + p, name, n);
	int64_t v = wasmta_host_get_i64(key, 17 + p + n);
	return v < 0 ? 0 : v;
}

/*
 * The value of key in the data table `table` (ABI v1.4): the calling
 * tenant's table of that name, else the global one; built-in tables start
 * with '@'. status is WASMTA_NOT_FOUND (-1) when the table or the key does
 * not exist. key is (ptr, len) so an input can be looked up as read
 * (wasmta_lookup("tenant_pools", wasmta_input("tenant"))). At most 64
 * lookups and 1 MiB of values per call.
 */
static inline wasmta_str wasmta_lookup(const char *table, wasmta_str key)
{
	size_t tl = wasmta_strlen(table);
	WASMTA_READ(wasmta_host_lookup(table, tl, key.ptr, key.len, buf, cap));
}

/* ---- results ----------------------------------------------------------- */

/*
 * Setters return the host's status. A refused result faults the call on
 * the host side whatever the hook returns, so checking is optional.
 */
static inline int32_t wasmta_set_str(const char *key, const char *value)
{
	return wasmta_host_set(key, wasmta_strlen(key), value, wasmta_strlen(value));
}

static inline int32_t wasmta_set_bytes(const char *key, wasmta_str value)
{
	return wasmta_host_set(key, wasmta_strlen(key), value.ptr, value.len);
}

static inline int32_t wasmta_set_int(const char *key, int64_t value)
{
	return wasmta_host_set_i64(key, wasmta_strlen(key), value);
}

static inline int32_t wasmta_set_float(const char *key, double value)
{
	return wasmta_host_set_f64(key, wasmta_strlen(key), value);
}

static inline int32_t wasmta_log(int32_t level, const char *msg)
{
	return wasmta_host_log(level, msg, wasmta_strlen(msg));
}

/* Reception hooks: refuse with code (400-599), enhanced ("" = derived)
 * and text ("" = a standard text). */
static inline int32_t wasmta_reject(int code, const char *enhanced, const char *text)
{
	int32_t s = wasmta_set_int("reject.code", code);
	if (s >= 0 && enhanced[0])
		s = wasmta_set_str("reject.enhanced", enhanced);
	if (s >= 0 && text[0])
		s = wasmta_set_str("reject.text", text);
	return s;
}

/* route: deliver to the MX hosts of a routing domain. */
static inline int32_t wasmta_route_mx(const char *domain) { return wasmta_set_str("mx_domain", domain); }

/* route: append a smart host (host or host:port); call once per host, in order. */
static inline int32_t wasmta_route_host(const char *host) { return wasmta_set_str("host", host); }

/* select_pool: the egress pool. */
static inline int32_t wasmta_pool(const char *pool) { return wasmta_set_str("pool", pool); }

/* shape: the limits of an egress path. Zero fields (and NULL tls) are not
 * sent: unset means "no limit" or the engine's default. */
struct wasmta_shape {
	int32_t max_connections;
	double messages_per_second;
	int32_t message_burst;
	double connections_per_second;
	int32_t messages_per_connection;
	int64_t idle_timeout_ms;
	const char *tls; /* "opportunistic", "required", "required_verify", "disabled" */
	/* ABI v1.5: how the path applies the domains' MTA-STS and DANE
	 * policies: "enforce" (a testing policy too), "report_only"; NULL =
	 * default, as published. An older host refuses a shape that sets it. */
	const char *tls_policy;
	int64_t retry_initial_ms;
	int64_t retry_max_ms;
	int64_t max_age_ms;
	int64_t connect_timeout_ms;
	int64_t command_timeout_ms;
	int64_t data_timeout_ms;
	/* How the path learns its limits from max_connections,
	 * messages_per_second and messages_per_connection (ABI v1.2: an older
	 * host refuses a shape that sets any of these). 0 takes the host's default: floors of 1
	 * connection and a tenth of the rate, ceilings of 4 times the preset,
	 * steps of 1 connection and a tenth of the rate per 5 s quiet period,
	 * a factor of 0.7, every signal. */
	int adapt_off;                 /* 1: keep the preset, learn nothing */
	int32_t adapt_min_connections;
	int32_t adapt_max_connections;
	double adapt_min_rate;         /* messages per second */
	double adapt_max_rate;
	int32_t adapt_connection_step; /* connections added per quiet period */
	double adapt_rate_step;        /* messages per second added per quiet period */
	double adapt_factor;           /* a cut multiplies a limit by this, in (0, 1) */
	int64_t adapt_quiet_ms;
	int32_t adapt_signals;         /* WASMTA_SIGNAL_* bits that cut; 0 = all */
	/* ABI v1.9 (an older host refuses a shape that sets either): the floor
	 * and ceiling of the messages per connection the path learns from
	 * messages_per_connection. 0 takes the host's default: 1 and 4 times
	 * messages_per_connection. The path never ends its own sessions below
	 * the floor; a destination that ends them sooner still does. */
	int32_t adapt_min_messages_per_connection;
	int32_t adapt_max_messages_per_connection;
};

/* Throttling signals of wasmta_shape.adapt_signals. */
#define WASMTA_SIGNAL_RATE_LIMITED 1 /* a reply classified RateLimited */
#define WASMTA_SIGNAL_REFUSED 2      /* a refused connection: connect, greeting, EHLO, TLS */
#define WASMTA_SIGNAL_TIMEOUT 4      /* a connect, command or data timeout */

/* classify: category, action, traffic control. Zero fields and NULL
 * strings are not sent. */
struct wasmta_classification {
	const char *category; /* "InvalidRecipient", "RateLimited", "TLSFailure", ... (ABI.md 3.5) */
	const char *action;   /* "retry", "bounce"; NULL = default */
	const char *scope;    /* "path", "site", "source", "tenant"; NULL = none */
	int suspend;
	double rate_factor;
	int32_t max_connections;
	int64_t duration_ms;
	int32_t threshold;    /* events within window_ms: replies < 1 s apart are one */
	int64_t window_ms;
	const char *suppress;    /* ABI v1.6: "none", "tenant", "global"; NULL = default */
	int64_t suppress_for_ms; /* 0 = until removed (with "tenant" or "global") */
};

static inline int32_t wasmta_set_nonzero(const char *key, int64_t v)
{
	return v ? wasmta_set_int(key, v) : 0;
}

static inline int32_t wasmta_set_nonzero_float(const char *key, double v)
{
	return v != 0 ? wasmta_set_float(key, v) : 0;
}

static inline int32_t wasmta_set_nonnull(const char *key, const char *v)
{
	return (v && v[0]) ? wasmta_set_str(key, v) : 0;
}

/* Worst (most negative) of two statuses. */
static inline int32_t wasmta_worst(int32_t a, int32_t b) { return a < b ? a : b; }

__attribute__((always_inline)) static inline int32_t wasmta_shape_set(const struct wasmta_shape *s)
{
	int32_t r = wasmta_set_nonzero("max_connections", s->max_connections);
	r = wasmta_worst(r, wasmta_set_nonzero_float("messages_per_second", s->messages_per_second));
	r = wasmta_worst(r, wasmta_set_nonzero("message_burst", s->message_burst));
	r = wasmta_worst(r, wasmta_set_nonzero_float("connections_per_second", s->connections_per_second));
	r = wasmta_worst(r, wasmta_set_nonzero("messages_per_connection", s->messages_per_connection));
	r = wasmta_worst(r, wasmta_set_nonzero("idle_timeout_ms", s->idle_timeout_ms));
	r = wasmta_worst(r, wasmta_set_nonnull("tls", s->tls));
	r = wasmta_worst(r, wasmta_set_nonnull("tls_policy", s->tls_policy));
	r = wasmta_worst(r, wasmta_set_nonzero("retry_initial_ms", s->retry_initial_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("retry_max_ms", s->retry_max_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("max_age_ms", s->max_age_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("connect_timeout_ms", s->connect_timeout_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("command_timeout_ms", s->command_timeout_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("data_timeout_ms", s->data_timeout_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_off", s->adapt_off));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_min_connections", s->adapt_min_connections));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_max_connections", s->adapt_max_connections));
	r = wasmta_worst(r, wasmta_set_nonzero_float("adapt_min_rate", s->adapt_min_rate));
	r = wasmta_worst(r, wasmta_set_nonzero_float("adapt_max_rate", s->adapt_max_rate));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_connection_step", s->adapt_connection_step));
	r = wasmta_worst(r, wasmta_set_nonzero_float("adapt_rate_step", s->adapt_rate_step));
	r = wasmta_worst(r, wasmta_set_nonzero_float("adapt_factor", s->adapt_factor));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_quiet_ms", s->adapt_quiet_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_signals", s->adapt_signals));
	r = wasmta_worst(r, wasmta_set_nonzero("adapt_min_messages_per_connection", s->adapt_min_messages_per_connection));
	return wasmta_worst(r, wasmta_set_nonzero("adapt_max_messages_per_connection", s->adapt_max_messages_per_connection));
}

__attribute__((always_inline)) static inline int32_t wasmta_classification_set(const struct wasmta_classification *c)
{
	int32_t r = wasmta_set_nonnull("category", c->category);
	r = wasmta_worst(r, wasmta_set_nonnull("action", c->action));
	r = wasmta_worst(r, wasmta_set_nonnull("scope", c->scope));
	r = wasmta_worst(r, wasmta_set_nonzero("suspend", c->suspend ? 1 : 0));
	r = wasmta_worst(r, wasmta_set_nonzero_float("rate_factor", c->rate_factor));
	r = wasmta_worst(r, wasmta_set_nonzero("max_connections", c->max_connections));
	r = wasmta_worst(r, wasmta_set_nonzero("duration_ms", c->duration_ms));
	r = wasmta_worst(r, wasmta_set_nonzero("threshold", c->threshold));
	r = wasmta_worst(r, wasmta_set_nonzero("window_ms", c->window_ms));
	r = wasmta_worst(r, wasmta_set_nonnull("suppress", c->suppress));
	return wasmta_worst(r, wasmta_set_nonzero("suppress_for_ms", c->suppress_for_ms));
}

#endif /* WASMTA_H */
