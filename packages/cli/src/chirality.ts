/** `--chirality report|filter` of `sample` and `evaluate`: wrong-enantiomer rate, optional filtering. */
import { type ForceField, type SampleSet } from '@embedcg/core';
import { rightHandedSamples } from '@embedcg/core/molecules';
import { log } from './context.js';
import { UsageError } from './errors.js';

export const CHIRALITY_MODES = ['report', 'filter'] as const;
export type ChiralityMode = (typeof CHIRALITY_MODES)[number];

export const chiralityOption = {
  choices: CHIRALITY_MODES,
  default: 'report' as ChiralityMode,
  describe:
    'Stereocentres of molecular systems: report the wrong-enantiomer rate, or filter wrong enantiomers out (weights renormalised over the rest)',
};

/**
 * Check the samples' stereocentres against the force field's initial structure. Returns the
 * samples to use (filtered when asked) and the rate, or undefined for systems without atoms.
 */
export function applyChirality(
  mode: ChiralityMode,
  s: SampleSet,
  ff: ForceField,
): { samples: SampleSet; wrongRate?: number } {
  if (!ff.topology) {
    if (mode === 'filter')
      throw new UsageError(
        `--chirality filter: force field "${ff.name}" has no atoms, so there are no stereocentres to check`,
      );
    return { samples: s };
  }
  if (!ff.initialPositions) {
    if (mode === 'filter')
      throw new UsageError(
        `--chirality filter: force field "${ff.name}" gives no initial structure to take the right handedness from`,
      );
    return { samples: s };
  }
  const r = rightHandedSamples(s, ff.topology, ff.initialPositions);
  if (r.centres === 0) return { samples: s };
  const pct = (100 * r.wrongRate).toFixed(3);
  if (mode === 'filter') {
    if (r.samples.n === 0)
      throw new UsageError(
        `--chirality filter: every one of the ${s.n} samples has a wrong-handed stereocentre; nothing is left`,
      );
    log(
      `chirality: ${r.centres} stereocentre(s); dropped ${s.n - r.samples.n} of ${s.n} samples (${pct} %) with the wrong handedness`,
    );
    return { samples: r.samples, wrongRate: r.wrongRate };
  }
  log(
    `chirality: ${r.centres} stereocentre(s); ${pct} % of the samples have the wrong handedness (--chirality filter drops them)`,
  );
  return { samples: s, wrongRate: r.wrongRate };
}
