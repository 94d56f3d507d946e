/**
 * Per-dimension output scales from the names a transform gives its coordinates ("bond …",
 * "angle …", "torsion …", as the internal-coordinates transform names them). Bonds, angles and
 * torsions differ in stiffness by two orders of magnitude, so model plugins standardise each
 * coordinate by its kind's scale; this is the one place that reads the kinds off the names.
 */

import { backboneTorsions, requireCoordinateNames } from './torsion-names.js';

export interface ScalesByKind {
  bond: number;
  angle: number;
  torsion: number;
  /**
   * Optional scale of the backbone torsions φ and ψ (found by names), which roam the whole circle
   * while the other torsions stay near their minima; without it they take `torsion`.
   */
  backbone?: number;
}

const KINDS = ['bond', 'angle', 'torsion'] as const;

/**
 * `who` prefixes the errors ("flow model"); `transformName` names the run's transform in them
 * (undefined: the run has none).
 */
export function scalesByKind(
  kinds: ScalesByKind,
  givenNames: readonly string[] | undefined,
  dimension: number,
  o: { who: string; transformName?: string },
): Float64Array {
  const names = requireCoordinateNames(givenNames, dimension, { ...o, option: 'scaleByKind' });
  const scales = Float64Array.from(names, (n, i) => {
    const kind = String(n).split(' ')[0]!;
    if (!(KINDS as readonly string[]).includes(kind))
      throw new RangeError(`${o.who}: option scaleByKind: coordinate ${i} ("${n}") is not a bond, angle or torsion`);
    return kinds[kind as (typeof KINDS)[number]];
  });
  if (kinds.backbone !== undefined) {
    const { phi, psi } = backboneTorsions(names);
    if (phi.length + psi.length === 0)
      throw new RangeError(
        `${o.who}: option scaleByKind.backbone: no φ (C-N-CA-C) or ψ (N-CA-C-N) torsion among the transform's coordinate names`,
      );
    for (const i of [...phi, ...psi]) scales[i] = kinds.backbone;
  }
  return scales;
}
