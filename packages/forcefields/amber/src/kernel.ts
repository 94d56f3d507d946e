/**
 * The numerical core: energies and forces of a range of configurations, Float64 throughout,
 * with every buffer allocated once per evaluator. Term ↔ OpenMM Force (file):
 *   bond      HarmonicBondForce (bonded-terms.ts)
 *   angle     HarmonicAngleForce (bonded-terms.ts)
 *   torsion   PeriodicTorsionForce, propers and impropers (torsion-term.ts)
 *   nonbonded NonbondedForce, NoCutoff: Coulomb + LJ of all pairs, exceptions replace pairs (nonbonded-term.ts)
 *   gb        polar part of GBSAOBCForce (OBC2) / the OBC1 CustomGBForce (generalized-born.ts)
 *   gbSurface ACE surface-area part of the same Force; gb + gbSurface = that Force's energy
 */
import { angleEnergy, bondEnergy } from './bonded-terms.js';
import type { CompiledSystem } from './compiled.js';
import { GeneralizedBorn } from './generalized-born.js';
import { nonbondedEnergy } from './nonbonded-term.js';
import { torsionEnergy } from './torsion-term.js';

/** Per-term energies, n each. */
export interface TermArrays {
  bond: Float64Array;
  angle: Float64Array;
  torsion: Float64Array;
  nonbonded: Float64Array;
  gb?: Float64Array;
  gbSurface?: Float64Array;
}

/** Names of the terms a compiled system produces, in output order. */
export function termNames(sys: CompiledSystem): Array<keyof TermArrays> {
  return sys.gb
    ? ['bond', 'angle', 'torsion', 'nonbonded', 'gb', 'gbSurface']
    : ['bond', 'angle', 'torsion', 'nonbonded'];
}

/** Atoms closer than this (nm) count as "on top of each other" when a result is not finite. */
export const OVERLAP_DISTANCE = 1e-6;

/** Evaluates configurations of one compiled system; holds the scratch buffers. */
export class Kernel {
  private readonly force: Float64Array;
  /** The GB terms, when the system has implicit solvent. */
  private readonly gb: GeneralizedBorn | undefined;

  constructor(readonly sys: CompiledSystem) {
    this.force = new Float64Array(3 * sys.nAtoms);
    this.gb = sys.gb ? new GeneralizedBorn(sys, sys.gb) : undefined;
  }

  /**
   * Evaluate configurations [start, end) of `positions` (whole batch, flat), writing energies[c],
   * forces[c·3N…] (when `forces` is given) and terms[name][c]. Returns the indices of
   * configurations whose atoms overlap (energy set to +Infinity, forces to 0).
   */
  evaluateRange(
    positions: Float64Array,
    start: number,
    end: number,
    energies: Float64Array,
    forces: Float64Array | undefined,
    terms: TermArrays | undefined,
    overlaps: number[],
  ): void {
    const n3 = this.sys.nAtoms * 3;
    const f = this.force;
    for (let c = start; c < end; c++) {
      const base = c * n3;
      f.fill(0);
      const sys = this.sys;
      const eBond = bondEnergy(sys, positions, base, f);
      const eAngle = angleEnergy(sys, positions, base, f);
      const eTorsion = torsionEnergy(sys, positions, base, f);
      const eNonbonded = nonbondedEnergy(sys, positions, base, f);
      let eGb = 0,
        eSurface = 0;
      if (this.gb) {
        this.gb.evaluate(positions, base, f);
        eGb = this.gb.energy;
        eSurface = this.gb.surface;
      }
      let e = eBond + eAngle + eTorsion + eNonbonded + eGb + eSurface;
      let finite = Number.isFinite(e);
      for (let k = 0; finite && k < n3; k++) finite = Number.isFinite(f[k]!);
      if (!finite) {
        if (this.hasOverlap(positions, base) || e === Infinity) {
          overlaps.push(c);
          e = Infinity;
          f.fill(0);
        } else {
          throw new Error(
            `configuration ${c}: the energy is not finite (${e}) although no atoms overlap; this is a bug, please report it with the coordinates`,
          );
        }
      }
      energies[c] = e;
      if (forces) forces.set(f, base);
      if (terms) {
        terms.bond[c] = Kernel.fix(eBond);
        terms.angle[c] = Kernel.fix(eAngle);
        terms.torsion[c] = Kernel.fix(eTorsion);
        terms.nonbonded[c] = Kernel.fix(eNonbonded);
        if (terms.gb) terms.gb[c] = Kernel.fix(eGb);
        if (terms.gbSurface) terms.gbSurface[c] = Kernel.fix(eSurface);
      }
    }
  }

  private static fix(v: number): number {
    return Number.isNaN(v) ? Infinity : v;
  }

  private hasOverlap(x: Float64Array, base: number): boolean {
    const n = this.sys.nAtoms;
    const limit = OVERLAP_DISTANCE * OVERLAP_DISTANCE;
    for (let i = 0; i < n; i++) {
      const xi = x[base + 3 * i]!,
        yi = x[base + 3 * i + 1]!,
        zi = x[base + 3 * i + 2]!;
      for (let j = i + 1; j < n; j++) {
        const dx = xi - x[base + 3 * j]!,
          dy = yi - x[base + 3 * j + 1]!,
          dz = zi - x[base + 3 * j + 2]!;
        if (dx * dx + dy * dy + dz * dz < limit) return true;
      }
    }
    return false;
  }
}
