/**
 * Seeded randomness for everything embedcg draws. xoshiro128** over 32-bit state: fast, good
 * quality, and its state is four integers, so checkpoints can store it and resume exactly.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Fill with standard normals. */
  fillNormal(out: Float32Array | Float64Array): typeof out;
  /** Integer in [0, n). */
  int(n: number): number;
  getState(): number[];
  setState(state: number[]): void;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const init = splitmix32(Math.floor(seed) >>> 0);
  // The state lives in a typed array, not in closure variables: a 32-bit word above 2³¹ stored in
  // a closure slot is boxed as a heap number, one allocation per word per draw, which made a
  // normal cost five times its transcendentals.
  const st = new Uint32Array([init(), init(), init(), init()]);
  // A cached second Box–Muller normal would be hidden state; drawing pairs and discarding
  // keeps getState() complete.
  const next = (): number => {
    const s0 = st[0]!,
      s1 = st[1]!,
      s2 = st[2]! ^ s0,
      s3 = st[3]! ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    st[0] = s0 ^ s3;
    st[1] = s1 ^ s2;
    st[2] = s2 ^ (s1 << 9);
    st[3] = rotl(s3, 11);
    return result;
  };
  const uniform = (): number => next() * 2 ** -32 + (next() >>> 11) * 2 ** -53;
  const rng: Rng = {
    uniform: () => {
      const u = uniform();
      return u >= 1 ? 1 - 2 ** -53 : u;
    },
    normal() {
      let u = 0;
      while (u <= 0) u = rng.uniform();
      const v = rng.uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    fillNormal(out) {
      for (let i = 0; i < out.length; i += 2) {
        let u = 0;
        while (u <= 0) u = rng.uniform();
        const v = rng.uniform();
        const r = Math.sqrt(-2 * Math.log(u));
        out[i] = r * Math.cos(2 * Math.PI * v);
        if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
      }
      return out;
    },
    int: (n) => Math.floor(rng.uniform() * n),
    getState: () => [st[0]!, st[1]!, st[2]!, st[3]!],
    setState(state) {
      if (!Array.isArray(state) || state.length !== 4 || state.every((v) => v === 0)) {
        throw new Error(`invalid RNG state ${JSON.stringify(state)}: expected four 32-bit integers, not all zero`);
      }
      for (let i = 0; i < 4; i++) st[i] = state[i]! >>> 0;
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
