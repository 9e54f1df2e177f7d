// String helpers that loop as little as possible. The host stops runaway
// guests with a check at every loop iteration (tens of nanoseconds each):
// String#includes tries every position, contains below tests four UTF-16
// units per iteration and compares only where the first unit matches.

const ONES16: u64 = 0x0001000100010001;
const HIGH16: u64 = 0x8000800080008000;

/** The n UTF-16 units at a and b are equal; no loop up to 8 units. */
function unitsEqual(a: usize, b: usize, n: usize): bool {
  const bytes = n << 1;
  if (bytes >= 8) {
    for (let i: usize = 0; i + 8 < bytes; i += 8) {
      if (load<u64>(a + i) != load<u64>(b + i)) return false;
    }
    return load<u64>(a + bytes - 8) == load<u64>(b + bytes - 8);
  }
  if (bytes >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + bytes - 4) == load<u32>(b + bytes - 4);
  return bytes == 0 || load<u16>(a) == load<u16>(b);
}

/** haystack contains needle (same answer as haystack.includes(needle)). */
export function contains(haystack: string, needle: string): bool {
  const n = <usize>needle.length;
  const len = <usize>haystack.length;
  if (n == 0) return true;
  if (n > len) return false;
  const h = changetype<usize>(haystack);
  const nd = changetype<usize>(needle);
  const last = len - n; // the last possible start
  if (len < 4) {
    for (let i: usize = 0; i <= last; i++) {
      if (unitsEqual(h + (i << 1), nd, n)) return true;
    }
    return false;
  }
  const pattern = ONES16 * <u64>load<u16>(nd);
  for (let i: usize = 0; i <= last; i += 4) {
    const blk = i + 4 <= len ? i : len - 4; // the last block overlaps the one before
    const x = load<u64>(h + (blk << 1)) ^ pattern;
    let hits = (x - ONES16) & ~x & HIGH16; // may flag extra units, never misses one
    while (hits) {
      const pos = blk + <usize>(ctz(hits) >> 4);
      if (pos <= last && unitsEqual(h + (pos << 1), nd, n)) return true;
      hits &= hits - 1;
    }
  }
  return false;
}
