/**
 * Where the force-field checks evaluate: configurations spread over the region a model will
 * sample early in training, not only a hair's breadth from the starting structure. A force field
 * that is only wrong far from its initial positions (NaN past some radius, say) must fail.
 */
import type { ForceField } from '../contracts/force-field.js';
import { createRng } from '../util/random.js';

/** How to spread the probe configurations (see {@link probeSet}). */
export interface ProbeOptions {
  /** Noise scales around the centre, in units of `lengthScale`. Default [0.01, 0.1, 1]. */
  scales?: number[];
  /** Configurations per scale. Default 2. */
  perScale?: number;
  /** The typical length. Default: a molecule's mean bond length in its initial structure, else 1. */
  lengthScale?: number;
  /**
   * Force fields without a molecular topology (analytic potentials): half-width of the box
   * [−box, box]^D (or one [lo, hi] per coordinate) that `boxPoints` uniform configurations are
   * drawn from. Default 3.
   */
  box?: number | Array<[number, number]>;
  /** Uniform configurations in the box (not for molecules). Default 4. */
  boxPoints?: number;
  /** Seed of the noise. Default 1. */
  seed?: number;
}

/** Probe configurations (flat, configuration-major) with a label saying where each came from. */
export interface ProbeSet {
  points: Float64Array;
  n: number;
  labels: string[];
}

/** Configurations to probe: around the force field's initial positions, else standard normals × scale. */
export function probePoints(ff: ForceField, n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  const D = ff.dimension;
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) {
      const base = ff.initialPositions ? ff.initialPositions[k]! : 0;
      out[i * D + k] = base + scale * rng.normal();
    }
  }
  return out;
}

/** A force field whose coordinates are 3 per atom of its topology. */
export function isMolecular(ff: ForceField): boolean {
  return ff.topology !== undefined && ff.dimension === 3 * ff.topology.atoms.length;
}

/** A molecule's mean bond length in its initial structure; 1 when there is no such structure. */
export function typicalLength(ff: ForceField): number {
  const x = ff.initialPositions;
  const bonds = ff.topology?.bonds ?? [];
  if (!x || bonds.length === 0 || !isMolecular(ff)) return 1;
  let s = 0;
  for (const [a, b] of bonds)
    s += Math.hypot(x[3 * a]! - x[3 * b]!, x[3 * a + 1]! - x[3 * b + 1]!, x[3 * a + 2]! - x[3 * b + 2]!);
  const mean = s / bonds.length;
  return Number.isFinite(mean) && mean > 0 ? mean : 1;
}

/**
 * The centre (initial positions, else the origin); `perScale` configurations with Gaussian noise
 * of each scale × the typical length around it; and, unless the force field is molecular (a box
 * in Cartesian space would tear molecules apart), `boxPoints` uniform configurations in a box.
 * Defaults: 7 configurations for a molecule, 11 otherwise.
 */
export function probeSet(ff: ForceField, o: ProbeOptions = {}): ProbeSet {
  const D = ff.dimension;
  const rng = createRng(o.seed ?? 1);
  const L = o.lengthScale ?? typicalLength(ff);
  const centre = ff.initialPositions ?? new Float64Array(D);
  const where = ff.initialPositions ? 'the initial positions' : 'the origin';
  const rows: Float64Array[] = [Float64Array.from(centre)];
  const labels = [where];
  for (const s of o.scales ?? [0.01, 0.1, 1]) {
    for (let j = 0; j < (o.perScale ?? 2); j++) {
      rows.push(Float64Array.from(centre, (c) => c + s * L * rng.normal()));
      labels.push(`${where} + noise of ${s} × ${+L.toPrecision(3)}`);
    }
  }
  if (!isMolecular(ff)) {
    const box = o.box ?? 3;
    const range = (k: number): [number, number] => (typeof box === 'number' ? [-box, box] : (box[k] ?? [-3, 3]));
    const name = typeof box === 'number' ? `[−${box}, ${box}]^${D}` : 'the given box';
    for (let j = 0; j < (o.boxPoints ?? 4); j++) {
      rows.push(
        Float64Array.from({ length: D }, (_, k) => {
          const [lo, hi] = range(k);
          return lo + (hi - lo) * rng.uniform();
        }),
      );
      labels.push(`uniform in ${name}`);
    }
  }
  const points = new Float64Array(rows.length * D);
  rows.forEach((r, i) => points.set(r, i * D));
  return { points, n: rows.length, labels };
}

/** Given points (labelled by `labels`, else "given"), or the default probe set. */
export function resolveProbes(
  ff: ForceField,
  points?: Float64Array,
  probes?: ProbeOptions,
  labels?: readonly string[],
): ProbeSet {
  if (!points) return probeSet(ff, probes);
  const n = points.length / ff.dimension;
  return { points, n, labels: Array.from({ length: n }, (_, i) => labels?.[i] ?? 'given') };
}

/** Where configuration i came from: "the origin + noise of 1 × 1 at (2.1, −0.3)" (coordinates when D ≤ 3). */
export function whereIs(set: ProbeSet, i: number, D: number): string {
  const label = set.labels[i] ?? 'given';
  if (D > 3) return label;
  const x = Array.from(set.points.subarray(i * D, (i + 1) * D), (v) => +v.toPrecision(4));
  return `${label} at (${x.join(', ')})`;
}

/** "configuration 4 (the origin + noise of 1 × 1 at (2.1, −0.3))". */
export function describeConfiguration(set: ProbeSet, i: number, D: number): string {
  return `configuration ${i} (${whereIs(set, i, D)})`;
}

/** "coordinate 31 (atom 10 z)" for molecules, "coordinate 1" otherwise. */
export function describeCoordinate(ff: ForceField, k: number): string {
  if (!isMolecular(ff)) return `coordinate ${k}`;
  const atom = Math.floor(k / 3);
  const name = ff.topology?.atoms[atom]?.name;
  return `coordinate ${k} (atom ${atom}${name ? ` ${name}` : ''} ${'xyz'[k % 3]})`;
}
