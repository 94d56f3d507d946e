/**
 * HostAdam's update of one variable as one WebAssembly SIMD call (nn/simd/activations.c's
 * adam_step), four lanes at a time. It gives the same bits as HostAdam's loop: that loop rounds
 * every operation to float32 with Math.fround, and WebAssembly's f32x4 arithmetic rounds each one
 * correctly too. The loop costs about 30–50 ns per value, which at the flow's 2e5 parameters is
 * several milliseconds a step; the call costs the copies in and out.
 */
import { scratchKernels } from '../nn/simd/simd-kernels.js';
import { benchSwitch } from '../util/bench-switch.js';

/** Adam's float32 scalars in the order adam_step reads them: s, b1, c1, b2, c2, d1, d2, eps, −lr. */
export type AdamScalars = readonly [number, number, number, number, number, number, number, number, number];

// The scalars sit at byte 16 (not 0: a null pointer), the arrays from byte 64, each in a slot
// of n floats plus a vector of slack.
const SCALARS_AT = 16;
const ARRAYS_AT = 64;

/**
 * Benchmarks switch the call off to time HostAdam's loop in the same process (tools/bench/
 * train-profile.mjs --off adam).
 */
const simdAdam = benchSwitch('simdAdam');
export const setSimdAdamEnabled = simdAdam.set;

/**
 * x + Adam's step for gradient g (zeros when absent), with m and v updated in place; undefined
 * where the SIMD module is unavailable or switched off (then HostAdam runs its loop).
 */
export function simdAdamStep(
  x: Float32Array,
  g: Float32Array | undefined,
  m: Float32Array,
  v: Float32Array,
  scalars: AdamScalars,
): Float32Array | undefined {
  if (!simdAdam.enabled()) return undefined;
  const n = x.length;
  const slot = 4 * (n + 4);
  const kernels = scratchKernels(ARRAYS_AT + 5 * slot);
  if (!kernels) return undefined;
  const buf = kernels.memory.buffer;
  const at = (i: number) => ARRAYS_AT + i * slot;
  const view = (i: number) => new Float32Array(buf, at(i), n);
  new Float32Array(buf, SCALARS_AT, scalars.length).set(scalars);
  view(0).set(x);
  if (g) view(1).set(g);
  else view(1).fill(0);
  view(2).set(m);
  view(3).set(v);
  kernels.exports.adam_step(at(0), at(1), at(2), at(3), at(4), n, SCALARS_AT);
  m.set(view(2));
  v.set(view(3));
  return view(4).slice();
}
