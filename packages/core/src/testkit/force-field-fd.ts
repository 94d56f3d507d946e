/** Forces equal −∇U: central finite differences of the energy at every probe configuration. */
import type { ForceField } from '../contracts/force-field.js';
import { fail } from './errors.js';
import { describeCoordinate, resolveProbes, whereIs, type ProbeOptions } from './probes.js';

export interface ForceCheckOptions {
  /** Configurations to test (flat). Default: the probe set. */
  points?: Float64Array;
  /** How to spread the default probe set. */
  probes?: ProbeOptions;
  /** Finite-difference step (in coordinate units). */
  h?: number;
  /** Allowed error relative to the force RMS (plus `atol`). */
  rtol?: number;
  atol?: number;
  /** Coordinates to check per configuration (all by default; molecules may sample). */
  maxCoordinates?: number;
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

/**
 * Forces equal −∇U by central finite differences. Reports the worst component, so a force field
 * with the wrong sign or a wrong term names where it is most wrong. Costs n·(1 + 2·coordinates)
 * evaluations for the n probe configurations; configurations at +Infinity energy are skipped.
 */
export async function checkForcesFiniteDifference(ff: ForceField, o: ForceCheckOptions = {}): Promise<string> {
  const D = ff.dimension;
  const set = resolveProbes(ff, o.points, o.probes);
  const { points: pts, n } = set;
  const h = o.h ?? 1e-5;
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const base = await ff.evaluate(pts, n);
  const coords = Math.min(D, o.maxCoordinates ?? D);
  const step = D / coords;
  const worst: Worst = { ratio: 0, i: -1, k: -1, an: 0, fd: 0, err: 0, tol: 0, outside: 0 };
  let checked = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(base.energies[i]!)) continue;
    checked++;
    const x = pts.subarray(i * D, (i + 1) * D);
    let rms = 0;
    for (let k = 0; k < D; k++) rms += base.forces[i * D + k]! ** 2;
    rms = Math.sqrt(rms / D);
    const probes = new Float64Array(2 * coords * D);
    for (let c = 0; c < coords; c++) {
      const k = Math.floor(c * step);
      for (const [j, s] of [
        [0, 1],
        [1, -1],
      ] as const) {
        const row = probes.subarray((2 * c + j) * D, (2 * c + j + 1) * D);
        row.set(x);
        row[k] = x[k]! + s * h;
      }
    }
    const e = await ff.evaluate(probes, 2 * coords, { energiesOnly: true });
    for (let c = 0; c < coords; c++) {
      const k = Math.floor(c * step);
      const fd = -(e.energies[2 * c]! - e.energies[2 * c + 1]!) / (2 * h);
      const an = base.forces[i * D + k]!;
      const err = Math.abs(fd - an);
      const tol = rtol * Math.max(rms, Math.abs(an)) + atol;
      // NaN compares false: a NaN force or difference counts as infinitely wrong.
      const ratio = err <= Infinity ? err / tol : Infinity;
      if (!(err <= tol)) worst.outside++;
      if (!(ratio <= worst.ratio)) Object.assign(worst, { ratio, i, k, an, fd, err, tol });
    }
  }
  if (worst.outside > 0) {
    fail(
      'forces vs finite differences',
      `${ff.name}: configuration ${worst.i}, ${describeCoordinate(ff, worst.k)}: force ${worst.an} but −dU/dx by finite differences ${worst.fd} (|error| ${worst.err.toExponential(2)} > tolerance ${worst.tol.toExponential(2)}); the worst of ${worst.outside} components outside tolerance; configuration ${worst.i} is ${whereIs(set, worst.i, D)}`,
    );
  }
  return `max error/tolerance ${worst.ratio.toFixed(3)} over ${checked} configurations × ${coords} coordinates`;
}
