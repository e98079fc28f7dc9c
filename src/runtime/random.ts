/**
 * The runtime's only source of randomness: a seeded generator on the host.
 *
 * Initial weights, dropout masks, codebook initialisation and dead-code
 * resets all draw from it and are uploaded as plain tensors, so one seed
 * gives the same numbers on every tfjs backend. The generator is
 * xoshiro128** (Blackman and Vigna, 2018) with its 128-bit state filled by
 * splitmix32 from the seed.
 */

/** Mixes a 32-bit value with the splitmix32 finaliser. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes a string to 32 bits (FNV-1a), used to derive named streams. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A seeded xoshiro128** generator. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** Creates a generator whose whole sequence is fixed by `seed`. */
  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      return splitmix32(state);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * Returns the generator of the stream `name` without drawing from this
   * one, so a name always gets the same stream, whatever was drawn or
   * derived before it.
   */
  derive(name: string): Random {
    const mixed = splitmix32(this.s0 ^ Math.imul(this.s1, 0x9e3779b1));
    return new Random((mixed ^ splitmix32(hashString(name) ^ this.s2)) >>> 0);
  }

  /**
   * Returns an independent generator for the stream `name`. Streams keep
   * weight initialisation stable when an unrelated stream (dropout) draws
   * more or fewer numbers.
   */
  fork(name: string): Random {
    return new Random((this.nextUint32() ^ hashString(name)) >>> 0);
  }

  /**
   * Returns the generator state as eight 16-bit halves, each exact in a
   * float32, so checkpoints can store it with the weights.
   */
  getState(): number[] {
    const words = [this.s0, this.s1, this.s2, this.s3];
    return words.flatMap((word) => [word >>> 16, word & 0xffff]);
  }

  /** Restores a state returned by `getState`. */
  setState(halves: ArrayLike<number>): void {
    if (halves.length !== 8) {
      throw new Error(
        `generator state has ${halves.length} values, expected 8`,
      );
    }
    const word = (i: number): number =>
      ((halves[2 * i] << 16) | halves[2 * i + 1]) >>> 0;
    this.s0 = word(0);
    this.s1 = word(1);
    this.s2 = word(2);
    this.s3 = word(3);
    this.spareNormal = null;
  }

  /** Returns the next uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Returns a float in [0, 1) with 24 random bits (exact in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Returns an integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Returns a standard normal sample (Box-Muller, both halves used). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    // 1 - u keeps the logarithm's argument in (0, 1].
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with uniform samples in [-limit, limit). */
  fillUniform(out: Float32Array, limit: number): Float32Array {
    for (let i = 0; i < out.length; i++) {
      out[i] = (this.nextFloat() * 2 - 1) * limit;
    }
    return out;
  }

  /** Fills `out` with normal samples of mean 0 and deviation `std`. */
  fillNormal(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal() * std;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
