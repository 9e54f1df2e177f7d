// The host imports of ABI v1 (hostabi/ABI.md section 2.1) and the byte
// plumbing between AssemblyScript strings (UTF-16) and the UTF-8 the host
// speaks. Keys and values are encoded into static buffers, so a call
// allocates only the strings it reads.

@external("wasmta", "get")
declare function host_get(key: usize, keyLen: usize, buf: usize, cap: usize): i32;
@external("wasmta", "get_i64")
declare function host_get_i64(key: usize, keyLen: usize): i64;
@external("wasmta", "count")
declare function host_count(key: usize, keyLen: usize): i32;
@external("wasmta", "get_at")
declare function host_get_at(key: usize, keyLen: usize, index: i32, buf: usize, cap: usize): i32;
@external("wasmta", "set")
declare function host_set(key: usize, keyLen: usize, val: usize, valLen: usize): i32;
@external("wasmta", "set_i64")
declare function host_set_i64(key: usize, keyLen: usize, value: i64): i32;
@external("wasmta", "set_f64")
declare function host_set_f64(key: usize, keyLen: usize, value: f64): i32;
@external("wasmta", "log")
declare function host_log(level: i32, msg: usize, msgLen: usize): i32;
@external("wasmta", "lookup")
declare function host_lookup(table: usize, tableLen: usize, key: usize, keyLen: usize, buf: usize, cap: usize): i32;

/** Statuses of the host functions (ABI.md section 2.1). */
export const NOT_FOUND: i32 = -1;
export const BAD_ARGUMENT: i32 = -2;
export const NOT_AVAILABLE: i32 = -3;
export const WRONG_TYPE: i32 = -4;
export const INVALID_VALUE: i32 = -5;
export const LIMIT: i32 = -6;

// A UTF-16 code unit takes at most 3 UTF-8 bytes, so a string of n units
// fits in 3n bytes.
const KEY_CAP: i32 = 1024;
const keyBuf: usize = memory.data(KEY_CAP);
const VAL_CAP: i32 = 4096 * 3;
const valBuf: usize = memory.data(VAL_CAP);
const SCRATCH: i32 = 4096;
const scratch: usize = memory.data(SCRATCH);

/** The status of the last failed read, for callers of the raw readers. */
export let lastStatus: i32 = 0;

/** A UTF-8 view of a string: static buffer when it fits, else heap bytes. */
class Bytes {
  ptr: usize = 0;
  len: usize = 0;
  heap: ArrayBuffer | null = null;
}

const key = new Bytes();
const val = new Bytes();

// Literal strings (keys, categories, pool names...) live in static memory
// below __heap_base and never change, so their UTF-8 is kept in a small
// direct-mapped cache: a hook's keys are encoded once per instance, not
// once per call (encoding loops over every character). A call that
// encodes two strings (a key and its value, a table and its key) passes
// the first one's bytes as busy: a second string in the same slot would
// overwrite them (in 2026-12 "category" and "InvalidRecipient" came to
// share a slot when strings were added, and the host read the key
// "InvalidR"), so it goes to its buffer instead.
const CACHE_SLOTS: usize = 64;
const CACHE_BYTES: usize = 64; // a cached string is at most 21 UTF-16 units
const cacheOwner: usize = memory.data(<i32>(CACHE_SLOTS * sizeof<usize>()));
const cacheLen: usize = memory.data(<i32>(CACHE_SLOTS * 4));
const cacheBytes: usize = memory.data(<i32>(CACHE_SLOTS * CACHE_BYTES));

function encode(s: string, out: Bytes, buf: usize, cap: i32, busy: usize = 0): void {
  const p = changetype<usize>(s);
  out.heap = null;
  const slot = (p >> 4) & (CACHE_SLOTS - 1);
  const at = cacheBytes + slot * CACHE_BYTES;
  if (p < __heap_base && <usize>s.length * 3 <= CACHE_BYTES && at != busy) {
    if (load<usize>(cacheOwner + slot * sizeof<usize>()) != p) {
      store<u32>(cacheLen + (slot << 2), <u32>String.UTF8.encodeUnsafe(p, s.length, at));
      store<usize>(cacheOwner + slot * sizeof<usize>(), p);
    }
    out.ptr = at;
    out.len = load<u32>(cacheLen + (slot << 2));
    return;
  }
  if (s.length * 3 <= cap) {
    out.ptr = buf;
    out.len = String.UTF8.encodeUnsafe(p, s.length, buf);
    return;
  }
  const b = String.UTF8.encode(s);
  out.heap = b;
  out.ptr = changetype<usize>(b);
  out.len = b.byteLength;
}

/**
 * Decodes host bytes. The host stops runaway guests with a check at every
 * loop iteration (tens of nanoseconds each), so the common case, ASCII, is
 * checked and widened to UTF-16 eight bytes per iteration. Other valid
 * UTF-8 takes AssemblyScript's decoder; invalid UTF-8 (a reply text may
 * hold anything) turns each maximal invalid subsequence into U+FFFD, as
 * Rust's from_utf8_lossy does, so the ASCII around a stray byte is never
 * swallowed.
 */
function decode(ptr: usize, len: usize): string {
  if (isASCII(ptr, len)) return widenASCII(ptr, len);
  if (validUTF8(ptr, len)) return String.UTF8.decodeUnsafe(ptr, len);
  const out = heap.alloc(len << 2); // at most two UTF-16 units per input byte
  let o: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const n = sequence(ptr + i, len - i);
    if (n <= 0) {
      store<u16>(out + o, 0xfffd);
      o += 2;
      i += n < 0 ? <usize>(-n) : 1;
      continue;
    }
    let cp = codePoint(ptr + i, n);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      store<u16>(out + o, <u16>(0xd800 | (cp >> 10)));
      store<u16>(out + o + 2, <u16>(0xdc00 | (cp & 0x3ff)));
      o += 4;
    } else {
      store<u16>(out + o, <u16>cp);
      o += 2;
    }
    i += <usize>n;
  }
  const s = String.UTF16.decodeUnsafe(out, o);
  heap.free(out);
  return s;
}

const HIGH_BITS: u64 = 0x8080808080808080;

/** No byte of the len bytes at p has its high bit set. */
function isASCII(p: usize, len: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) {
    if (load<u64>(p + i) & HIGH_BITS) return false;
  }
  if (len >= 8) return (load<u64>(p + len - 8) & HIGH_BITS) == 0;
  for (; i < len; i++) {
    if (load<u8>(p + i) >= 0x80) return false;
  }
  return true;
}

/** Spreads 4 bytes into 4 UTF-16 units. */
// @ts-ignore: decorator
@inline
function widen4(x: u32): u64 {
  const v = <u64>x;
  return (v & 0xff) | ((v & 0xff00) << 8) | ((v & 0xff0000) << 16) | ((v & 0xff000000) << 24);
}

/** An ASCII byte string as a string, 8 bytes per iteration. */
function widenASCII(p: usize, len: usize): string {
  const out = changetype<usize>(__new(len << 1, idof<String>()));
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) {
    store<u64>(out + (i << 1), widen4(load<u32>(p + i)));
    store<u64>(out + (i << 1) + 8, widen4(load<u32>(p + i + 4)));
  }
  if (i < len && len >= 8) {
    // The last 8 bytes, overlapping what is already written.
    const j = len - 8;
    store<u64>(out + (j << 1), widen4(load<u32>(p + j)));
    store<u64>(out + (j << 1) + 8, widen4(load<u32>(p + j + 4)));
    return changetype<string>(out);
  }
  for (; i < len; i++) store<u16>(out + (i << 1), <u16>load<u8>(p + i));
  return changetype<string>(out);
}

function validUTF8(ptr: usize, len: usize): bool {
  let i: usize = 0;
  while (i < len) {
    if (load<u8>(ptr + i) < 0x80) {
      i++;
      continue;
    }
    const n = sequence(ptr + i, len - i);
    if (n <= 0) return false;
    i += <usize>n;
  }
  return true;
}

/**
 * The length of the well-formed UTF-8 sequence at p (Unicode table 3-7),
 * or minus the length of its longest valid prefix (at least 1) when it is
 * ill-formed.
 */
function sequence(p: usize, left: usize): i32 {
  const b = load<u8>(p);
  if (b < 0x80) return 1;
  let n: i32 = 0;
  let lo: u8 = 0x80;
  let hi: u8 = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b == 0xe0) lo = 0xa0;
    if (b == 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b == 0xf0) lo = 0x90;
    if (b == 0xf4) hi = 0x8f;
  } else return -1;
  for (let k: i32 = 1; k < n; k++) {
    if (<usize>k >= left) return -k;
    const c = load<u8>(p + <usize>k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) return -k;
  }
  return n;
}

function codePoint(p: usize, n: i32): u32 {
  const b = <u32>load<u8>(p);
  if (n == 1) return b;
  if (n == 2) return ((b & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
  if (n == 3) return ((b & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
  return ((b & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) |
    ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
}

/** Reads the string input k; null (and lastStatus) on a negative status. */
export function readString(k: string): string | null {
  encode(k, key, keyBuf, KEY_CAP);
  const n = host_get(key.ptr, key.len, scratch, SCRATCH);
  if (n < 0) {
    lastStatus = n;
    return null;
  }
  if (n <= SCRATCH) return decode(scratch, n);
  const buf = heap.alloc(n);
  const m = host_get(key.ptr, key.len, buf, n);
  const s = decode(buf, <usize>min(m, n));
  heap.free(buf);
  return s;
}

/**
 * The value of k in the data table `table` (ABI v1.4): the calling
 * tenant's table of that name, else the global one; built-in tables start
 * with "@". null (and lastStatus NOT_FOUND) when the table or the key does
 * not exist. At most 64 lookups and 1 MiB of values per call.
 */
export function lookup(table: string, k: string): string | null {
  encode(table, key, keyBuf, KEY_CAP);
  encode(k, val, valBuf, VAL_CAP, key.ptr);
  const n = host_lookup(key.ptr, key.len, val.ptr, val.len, scratch, SCRATCH);
  if (n < 0) {
    lastStatus = n;
    return null;
  }
  if (n <= SCRATCH) return decode(scratch, n);
  const buf = heap.alloc(n);
  const m = host_lookup(key.ptr, key.len, val.ptr, val.len, buf, n);
  const s = decode(buf, <usize>min(m, n));
  heap.free(buf);
  return s;
}

/** Reads item index of the list input k; null (and lastStatus) on a negative status. */
export function readItem(k: string, index: i32): string | null {
  encode(k, key, keyBuf, KEY_CAP);
  const n = host_get_at(key.ptr, key.len, index, scratch, SCRATCH);
  if (n < 0) {
    lastStatus = n;
    return null;
  }
  if (n <= SCRATCH) return decode(scratch, n);
  const buf = heap.alloc(n);
  const m = host_get_at(key.ptr, key.len, index, buf, n);
  const s = decode(buf, <usize>min(m, n));
  heap.free(buf);
  return s;
}

/** Reads the int input k: >= 0, or a negative status. */
export function readInt(k: string): i64 {
  encode(k, key, keyBuf, KEY_CAP);
  return host_get_i64(key.ptr, key.len);
}

/** The number of items of the list input k, or a negative status. */
export function readCount(k: string): i32 {
  encode(k, key, keyBuf, KEY_CAP);
  return host_count(key.ptr, key.len);
}

/** Reads every item of the list input k ([] when absent). */
export function readList(k: string): string[] {
  const n = readCount(k);
  const out = new Array<string>(0);
  for (let i = 0; i < n; i++) {
    const s = readItem(k, i);
    if (s !== null) out.push(s);
  }
  return out;
}

/** Sets a string result, or appends an item to a list result. */
export function writeString(k: string, v: string): i32 {
  encode(k, key, keyBuf, KEY_CAP);
  encode(v, val, valBuf, VAL_CAP, key.ptr);
  return host_set(key.ptr, key.len, val.ptr, val.len);
}

/** Sets an int result. */
export function writeInt(k: string, v: i64): i32 {
  encode(k, key, keyBuf, KEY_CAP);
  return host_set_i64(key.ptr, key.len, v);
}

/** Sets a float result. */
export function writeFloat(k: string, v: f64): i32 {
  encode(k, key, keyBuf, KEY_CAP);
  return host_set_f64(key.ptr, key.len, v);
}

/** Log levels of ABI.md section 2.1. */
export const DEBUG: i32 = 0;
export const INFO: i32 = 1;
export const WARN: i32 = 2;
export const ERROR: i32 = 3;

/**
 * Writes one line to the host log (tenant, hook and module version are
 * attached by the host). Past 4096 bytes a line is truncated; past 64
 * lines in one call, lines are dropped.
 */
export function log(level: i32, msg: string): void {
  encode(msg, val, valBuf, VAL_CAP);
  host_log(level, val.ptr, val.len);
}
