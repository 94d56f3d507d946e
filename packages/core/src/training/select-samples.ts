/** Subsets of a sample set, e.g. the samples a filter keeps. */
import type { SampleSet } from './sampling.js';

/** The samples at the given row indices, every per-sample array sliced alike. */
export function selectSamples(s: SampleSet, rows: ArrayLike<number>): SampleSet {
  const n = rows.length;
  const pick = (a: Float64Array, width: number) => {
    const out = new Float64Array(n * width);
    for (let i = 0; i < n; i++) out.set(a.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width);
    return out;
  };
  return {
    ...s,
    n,
    x: pick(s.x, s.dimension),
    y: pick(s.y, s.modelDimension),
    energies: pick(s.energies, 1),
    logQ: pick(s.logQ, 1),
    logw: pick(s.logw, 1),
    ...(s.z ? { z: pick(s.z, s.latentDim) } : {}),
  };
}
