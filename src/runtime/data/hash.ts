/**
 * Hashes and a seeded random generator for the data stage. All of them are
 * pure 32-bit integer arithmetic, so results are identical on every
 * platform and independent of how the input was chunked.
 */

/**
 * Returns the 32-bit FNV-1a hash of the UTF-8 bytes of `value` (offset
 * basis 2166136261, prime 16777619), as an unsigned integer. Lone
 * surrogates are hashed as U+FFFD, the bytes `TextEncoder` would write.
 */
export function fnv1a32(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i);
    if (code < 0x80) {
      hash = Math.imul(hash ^ code, 0x01000193);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        code = 0xfffd;
      }
    }
    if (code < 0x800) {
      hash = Math.imul(hash ^ (0xc0 | (code >> 6)), 0x01000193);
    } else if (code < 0x10000) {
      hash = Math.imul(hash ^ (0xe0 | (code >> 12)), 0x01000193);
      hash = Math.imul(hash ^ (0x80 | ((code >> 6) & 0x3f)), 0x01000193);
    } else {
      hash = Math.imul(hash ^ (0xf0 | (code >> 18)), 0x01000193);
      hash = Math.imul(hash ^ (0x80 | ((code >> 12) & 0x3f)), 0x01000193);
      hash = Math.imul(hash ^ (0x80 | ((code >> 6) & 0x3f)), 0x01000193);
    }
    hash = Math.imul(hash ^ (0x80 | (code & 0x3f)), 0x01000193);
  }
  return hash >>> 0;
}

/** Mixes the bits of a 32-bit integer (the MurmurHash3 finaliser). */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Returns a uniform number in [0, 1) determined by `seed` and a
 * non-negative integer `index` (row numbers up to 2^53 are distinct).
 */
export function hashUnit(seed: number, index: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 4294967296) >>> 0;
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ low);
  h = mix32(h ^ Math.imul(high + 1, 0x27d4eb2f));
  return h / 4294967296;
}

/**
 * A small seeded generator (mulberry32): fast, 32-bit state, good enough
 * for shuffling and sampling, not for cryptography.
 */
export class Random {
  private state: number;

  /** Seeds the generator from any number of integers (seed, epoch, ...). */
  constructor(...seeds: number[]) {
    let h = 0x6a09e667;
    for (const seed of seeds) h = mix32(h ^ mix32(seed | 0));
    this.state = h;
  }

  /** Returns a uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns a uniform integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Returns a standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Fills `order` with a permutation of 0..length-1 drawn by Fisher-Yates. */
export function shuffledOrder(length: number, random: Random): Int32Array {
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  for (let i = length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
