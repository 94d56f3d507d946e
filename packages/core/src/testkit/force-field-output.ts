/**
 * Force-field output checks: arrays of the promised lengths, and no NaN anywhere a model may
 * sample. Energies may be +Infinity (overlapping atoms; the trainer drops such samples), never NaN
 * or −Infinity; the forces of a configuration with a finite energy are finite.
 */
import type { EnergyBatch, ForceField } from '../contracts/force-field.js';
import { fail } from './errors.js';
import {
  describeCoordinate,
  describeConfiguration,
  resolveProbes,
  type ProbeOptions,
  type ProbeSet,
} from './probes.js';

export interface OutputCheckOptions {
  /** Configurations to test (flat). Default: the probe set. */
  points?: Float64Array;
  /** How to spread the default probe set. */
  probes?: ProbeOptions;
}

/** What is wrong with the array lengths of a batch of n configurations of D coordinates, if anything. */
export function lengthProblem(b: EnergyBatch, n: number, D: number, energiesOnly: boolean): string | undefined {
  if (b.energies?.length !== n) return `energies has length ${b.energies?.length}, expected n = ${n}`;
  const f = b.forces?.length;
  if (energiesOnly ? f !== 0 && f !== n * D : f !== n * D)
    return `forces has length ${f}, expected n · D = ${n} · ${D} = ${n * D}${energiesOnly ? ' (or 0)' : ''}`;
  for (const [name, t] of Object.entries(b.terms ?? {}))
    if (t?.length !== n) return `terms.${name} has length ${t?.length}, expected n = ${n}`;
  return undefined;
}

/**
 * `evaluate` returns n energies and n·D forces (with `energiesOnly`: n energies, forces empty or
 * n·D, energies equal to a full evaluation's); per-term arrays, when asked for and given, have n
 * values. Costs 3n evaluations.
 */
export async function checkOutputShapes(ff: ForceField, o: OutputCheckOptions = {}): Promise<string> {
  const D = ff.dimension;
  const { points, n } = resolveProbes(ff, o.points, o.probes);
  const full = await ff.evaluate(points, n);
  let problem = lengthProblem(full, n, D, false);
  if (problem) fail('output shapes', `${ff.name}: a batch of ${n} configurations of ${D} coordinates: ${problem}`);
  const only = await ff.evaluate(points, n, { energiesOnly: true });
  problem = lengthProblem(only, n, D, true);
  if (problem) fail('output shapes', `${ff.name}: with energiesOnly, a batch of ${n}: ${problem}`);
  for (let i = 0; i < n; i++) {
    const a = full.energies[i]!,
      b = only.energies[i]!;
    if (!Object.is(a, b) && !(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a))))
      fail('output shapes', `${ff.name}: configuration ${i}: energy ${a}, but ${b} with energiesOnly`);
  }
  const withTerms = await ff.evaluate(points, n, { terms: true });
  problem = lengthProblem(withTerms, n, D, false);
  if (problem) fail('output shapes', `${ff.name}: with terms, a batch of ${n}: ${problem}`);
  const terms = Object.keys(withTerms.terms ?? {}).length;
  return `${n} configurations: ${n} energies, ${n * D} forces${terms ? `, ${terms} terms` : ''}`;
}

/**
 * No NaN: every energy of the probe set is a number or +Infinity, and the forces of each
 * configuration with a finite energy are finite. Costs n evaluations.
 */
export async function checkFiniteOutput(ff: ForceField, o: OutputCheckOptions = {}): Promise<string> {
  const set = resolveProbes(ff, o.points, o.probes);
  const batch = await ff.evaluate(set.points, set.n);
  const problem = finiteProblem(ff, set, batch);
  if (problem) fail('finite output', `${ff.name}: ${problem}`);
  const overlapping = batch.energies.filter((e) => e === Infinity).length;
  return `${set.n} configurations finite${overlapping ? ` (${overlapping} at +Infinity)` : ''}`;
}

/**
 * The first NaN of a batch evaluated at `set`: an energy that is NaN or −Infinity, or a force that
 * is not finite at a finite energy. Undefined when there is none.
 */
export function finiteProblem(ff: ForceField, set: ProbeSet, { energies, forces }: EnergyBatch): string | undefined {
  const D = ff.dimension;
  for (let i = 0; i < set.n; i++) {
    const e = energies[i]!;
    if (e === Infinity) continue;
    if (!Number.isFinite(e)) return `${describeConfiguration(set, i, D)}: energy is ${e} (only +Infinity is allowed)`;
    for (let k = 0; k < D; k++) {
      const f = forces[i * D + k];
      if (f === undefined || !Number.isFinite(f))
        return `${describeConfiguration(set, i, D)}: force ${describeCoordinate(ff, k)} is ${f} at a finite energy ${e}`;
    }
  }
  return undefined;
}
