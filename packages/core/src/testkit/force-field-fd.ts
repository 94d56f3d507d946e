/** Forces equal −∇U: central finite differences of the energy at every probe configuration. */
import type { EnergyBatch, ForceField } from '../contracts/force-field.js';
import type { Rng } from '../util/random.js';
import { fail } from './errors.js';
import { lengthProblem } from './force-field-output.js';
import { describeCoordinate, resolveProbes, whereIs, type ProbeOptions } from './probes.js';

export interface ForceCheckOptions {
  /** Configurations to test (flat). Default: the probe set. */
  points?: Float64Array;
  /** Where each of `points` came from, for messages (default "given"). */
  labels?: readonly string[];
  /** `ff.evaluate(points, n)` when the caller has it already: saves those n evaluations. */
  base?: EnergyBatch;
  /** How to spread the default probe set. */
  probes?: ProbeOptions;
  /** Finite-difference step (in coordinate units). */
  h?: number;
  /** Allowed error relative to the force RMS of the configuration (plus `atol`). */
  rtol?: number;
  /**
   * A force scale the tolerance is relative to at least (default 0): rtol·max(RMS, |force|,
   * forceScale) + atol. At a minimum the forces, and with them the tolerance, vanish, while the
   * finite differences keep their O(h²) error; a scale from other configurations keeps it fair.
   */
  forceScale?: number;
  atol?: number;
  /** Coordinates to check per configuration (all by default; molecules may sample). */
  maxCoordinates?: number;
  /**
   * Draw the `maxCoordinates` coordinates of each configuration at random (distinct) from this
   * stream. Default: evenly spaced, the same for every configuration.
   */
  rng?: Rng;
}

/** The component furthest outside its tolerance, and how many are outside. */
interface Worst {
  ratio: number;
  i: number;
  k: number;
  an: number;
  fd: number;
  err: number;
  tol: number;
  outside: number;
}

/** `count` of the D coordinates: distinct ones at random from `rng`, else evenly spaced. */
function pickCoordinates(D: number, count: number, rng?: Rng): number[] {
  const step = D / count;
  if (!rng) return Array.from({ length: count }, (_, c) => Math.floor(c * step));
  // A partial Fisher–Yates shuffle: the first `count` entries are a uniform draw without replacement.
  const all = Array.from({ length: D }, (_, k) => k);
  for (let c = 0; c < count; c++) {
    const j = c + rng.int(D - c);
    [all[c], all[j]] = [all[j]!, all[c]!];
  }
  return all.slice(0, count);
}

/** Energies at x ± h along each of `coords`: rows (+h, −h) per coordinate. */
async function displacedEnergies(ff: ForceField, x: Float64Array, coords: number[], h: number): Promise<Float64Array> {
  const D = ff.dimension;
  const m = 2 * coords.length;
  const rows = new Float64Array(m * D);
  coords.forEach((k, c) => {
    for (const [j, s] of [
      [0, 1],
      [1, -1],
    ] as const) {
      const row = rows.subarray((2 * c + j) * D, (2 * c + j + 1) * D);
      row.set(x);
      row[k] = x[k]! + s * h;
    }
  });
  const e = await ff.evaluate(rows, m, { energiesOnly: true });
  const problem = lengthProblem(e, m, D, true);
  if (problem)
    fail('forces vs finite differences', `${ff.name}: with energiesOnly, a batch of ${m} configurations: ${problem}`);
  return e.energies;
}

/**
 * Forces equal −∇U by central finite differences. Reports the worst component, so a force field
 * with the wrong sign or a wrong term names where it is most wrong. Costs n·(1 + 2·coordinates)
 * evaluations for the n probe configurations (n·2·coordinates given `base`); configurations at
 * +Infinity energy are skipped.
 */
export async function checkForcesFiniteDifference(ff: ForceField, o: ForceCheckOptions = {}): Promise<string> {
  const D = ff.dimension;
  const set = resolveProbes(ff, o.points, o.probes, o.labels);
  const { points: pts, n } = set;
  const h = o.h ?? 1e-5;
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const base = o.base ?? (await ff.evaluate(pts, n));
  const coords = Math.min(D, o.maxCoordinates ?? D);
  const worst: Worst = { ratio: 0, i: -1, k: -1, an: 0, fd: 0, err: 0, tol: 0, outside: 0 };
  let checked = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(base.energies[i]!)) continue;
    checked++;
    const x = pts.subarray(i * D, (i + 1) * D);
    let rms = 0;
    for (let k = 0; k < D; k++) rms += base.forces[i * D + k]! ** 2;
    rms = Math.sqrt(rms / D);
    const picked = pickCoordinates(D, coords, o.rng);
    const e = await displacedEnergies(ff, x, picked, h);
    picked.forEach((k, c) => {
      const fd = -(e[2 * c]! - e[2 * c + 1]!) / (2 * h);
      const an = base.forces[i * D + k]!;
      const err = Math.abs(fd - an);
      const tol = rtol * Math.max(rms, Math.abs(an), o.forceScale ?? 0) + atol;
      // NaN compares false: a NaN force or difference counts as infinitely wrong.
      const ratio = err <= Infinity ? err / tol : Infinity;
      if (!(err <= tol)) worst.outside++;
      if (!(ratio <= worst.ratio)) Object.assign(worst, { ratio, i, k, an, fd, err, tol });
    });
  }
  if (worst.outside > 0) {
    fail(
      'forces vs finite differences',
      `${ff.name}: configuration ${worst.i}, ${describeCoordinate(ff, worst.k)}: force ${worst.an} but −dU/dx by finite differences ${worst.fd} (|error| ${worst.err.toExponential(2)} > tolerance ${worst.tol.toExponential(2)}); the worst of ${worst.outside} components outside tolerance; configuration ${worst.i} is ${whereIs(set, worst.i, D)}`,
    );
  }
  return `max error/tolerance ${worst.ratio.toFixed(3)} over ${checked} configurations × ${coords} coordinates`;
}
