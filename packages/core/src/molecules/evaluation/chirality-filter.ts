/**
 * Filtering of wrong enantiomers from model samples, a failure known from internal-coordinate
 * Boltzmann generators (Midgley et al., "Flow Annealed Importance Sampling Bootstrap"). A model in
 * internal coordinates can flip a stereocentre (D-Ala for L-Ala) at no energy cost, since the
 * force field sees the same bonds, angles and energy. The mirror image is another molecule, so the
 * target is p restricted to the reference handedness: dropping the wrong frames and renormalising
 * the importance weights of the rest is the consistent estimator for it.
 */
import type { Topology } from '../../contracts/force-field.js';
import type { SampleSet } from '../../training/sampling.js';
import { selectSamples } from '../../training/select-samples.js';
import { wrongChirality } from '../transforms/chirality.js';
import { chiralCentres } from './geometry.js';

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
