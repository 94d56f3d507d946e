/**
 * Filtering of wrong enantiomers from model samples (science.md §4). A model in internal
 * coordinates can flip a stereocentre (D-Ala for L-Ala) at no energy cost, since the force field
 * sees the same bonds, angles and energy. The mirror image is another molecule, so the target
 * is p restricted to the reference handedness: dropping the wrong frames and renormalising the
 * importance weights of the rest is the consistent estimator for it.
 */
import type { Topology } from '../contracts/force-field.js';
import { chiralCentres } from '../evaluation/geometry.js';
import { wrongChirality } from '../transforms/chirality.js';
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

export interface ChiralityFilterResult {
  /** The right-handed samples (all of them when the molecule has no stereocentre). */
  samples: SampleSet;
  /** Fraction of the input with at least one centre of the wrong handedness. */
  wrongRate: number;
  /** Number of stereocentres checked. */
  centres: number;
}

/**
 * Keep the samples whose every stereocentre has the handedness of `reference` (one configuration
 * in force-field space, e.g. the force field's initial positions).
 */
export function rightHandedSamples(
  s: SampleSet,
  topology: Topology,
  reference: ArrayLike<number>,
): ChiralityFilterResult {
  if (reference.length !== s.dimension) {
    throw new RangeError(
      `chirality filter: the reference structure has ${reference.length} coordinates, the samples ${s.dimension}`,
    );
  }
  const centres = chiralCentres(topology);
  if (centres.length === 0 || s.n === 0) return { samples: s, wrongRate: 0, centres: centres.length };
  const wrong = wrongChirality(s.x, s.n, centres, reference);
  const rows: number[] = [];
  for (let i = 0; i < s.n; i++) if (wrong[i] === 0) rows.push(i);
  return { samples: selectSamples(s, rows), wrongRate: (s.n - rows.length) / s.n, centres: centres.length };
}
