//! String search that loops as little as possible. The host stops runaway
//! guests with a check at every loop iteration, which costs about as much
//! as a host call (tens of nanoseconds): `str::contains` walks the text
//! with a per-position search, [`contains`] tests 8 bytes per iteration
//! and compares only where the needle's first byte occurs.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes at `at` as one little-endian word: one unaligned load (a
/// copy into an array would call memcpy, a loop).
#[inline(always)]
fn load64(b: &[u8], at: usize) -> u64 {
    assert!(at + 8 <= b.len());
    // In bounds (checked above); wasm loads may be unaligned.
    u64::from_le(unsafe { core::ptr::read_unaligned(b.as_ptr().add(at) as *const u64) })
}

/// `a == b` for byte strings of equal length, 8 bytes per iteration (no
/// loop up to 16 bytes).
#[inline]
fn eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n < 8 {
        return a == b;
    }
    let mut i = 0;
    while i + 8 < n {
        if load64(a, i) != load64(b, i) {
            return false;
        }
        i += 8;
    }
    load64(a, n - 8) == load64(b, n - 8)
}

/// `haystack.contains(needle)`, with the same answer, in fewer iterations.
pub fn contains(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    let last = h.len() - n.len(); // the last possible start
    if h.len() < 8 {
        return (0..=last).any(|i| eq(&h[i..i + n.len()], n));
    }
    let pattern = ONES * n[0] as u64;
    let mut i = 0;
    while i <= last {
        let blk = if i + 8 <= h.len() { i } else { h.len() - 8 }; // the last block overlaps
        let x = load64(h, blk) ^ pattern;
        let mut hits = x.wrapping_sub(ONES) & !x & HIGHS; // may flag extra bytes, never misses one
        while hits != 0 {
            let pos = blk + (hits.trailing_zeros() / 8) as usize;
            if pos <= last && eq(&h[pos..pos + n.len()], n) {
                return true;
            }
            hits &= hits - 1;
        }
        i += 8;
    }
    false
}
