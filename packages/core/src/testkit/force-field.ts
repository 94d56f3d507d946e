/**
 * Force-field behaviour checks: a batch gives the numbers of its configurations one at a time,
 * bad input is a clear error, and two instances with the same options agree exactly.
 */
import type { ForceField } from '../contracts/force-field.js';
import { fail } from './errors.js';
import { resolveProbes, type ProbeOptions } from './probes.js';

/**
 * Evaluating n configurations at once gives the same numbers as one at a time, and an empty batch
 * is legal. Costs 2n evaluations.
 */
export async function checkBatchInvariance(
  ff: ForceField,
  o: { points?: Float64Array; rtol?: number; probes?: ProbeOptions } = {},
): Promise<string> {
  const D = ff.dimension;
  const { points: pts, n } = resolveProbes(ff, o.points, o.probes);
  const rtol = o.rtol ?? 1e-12;
  const all = await ff.evaluate(pts, n);
  for (let i = 0; i < n; i++) {
    const one = await ff.evaluate(pts.slice(i * D, (i + 1) * D), 1);
    const e0 = all.energies[i]!,
      e1 = one.energies[0]!;
    if (!Object.is(e0, e1) && !(Math.abs(e0 - e1) <= rtol * Math.max(1, Math.abs(e0))))
      fail('batch invariance', `${ff.name}: configuration ${i}: energy ${e0} in a batch of ${n} but ${e1} alone`);
    if (!Number.isFinite(e0)) continue;
    for (let k = 0; k < D; k++) {
      const a = all.forces[i * D + k]!,
        b = one.forces[k]!;
      if (!(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(a))))
        fail(
          'batch invariance',
          `${ff.name}: configuration ${i}, coordinate ${k}: force ${a} in a batch but ${b} alone`,
        );
    }
  }
  // A zero-size batch is legal and returns empty arrays.
  const empty = await ff.evaluate(new Float64Array(0), 0);
  if (empty.energies.length !== 0)
    fail('batch invariance', `${ff.name}: an empty batch returned ${empty.energies.length} energies`);
  return `${n} configurations`;
}

/** NaN coordinates and wrong lengths are clear errors, never NaN results. Costs at most 2 evaluations. */
export async function checkBadInput(ff: ForceField, o: { probes?: ProbeOptions } = {}): Promise<string> {
  const D = ff.dimension;
  const pts = resolveProbes(ff, undefined, o.probes).points.slice(0, 2 * D);
  pts[D + (D > 1 ? 1 : 0)] = NaN;
  let threw = false;
  try {
    await ff.evaluate(pts, 2);
  } catch (e) {
    threw = true;
    if (!/1/.test((e as Error).message))
      fail(
        'bad input',
        `${ff.name}: the error for NaN coordinates does not name configuration 1: "${(e as Error).message}"`,
      );
  }
  if (!threw) fail('bad input', `${ff.name}: NaN coordinates were accepted`);
  threw = false;
  try {
    await ff.evaluate(new Float64Array(D + 1), 1);
  } catch {
    threw = true;
  }
  if (!threw) fail('bad input', `${ff.name}: a positions array of the wrong length was accepted`);
  return 'NaN and wrong-length input rejected';
}

/** Two instances created with the same options and seed give identical energies. Costs 2n evaluations. */
export async function checkForceFieldDeterminism(
  a: ForceField,
  b: ForceField,
  o: { points?: Float64Array; probes?: ProbeOptions } = {},
): Promise<string> {
  const { points, n } = resolveProbes(a, o.points, o.probes);
  const ea = (await a.evaluate(points, n)).energies;
  const eb = (await b.evaluate(points, n)).energies;
  for (let i = 0; i < n; i++)
    if (!Object.is(ea[i], eb[i]))
      fail(
        'determinism',
        `${a.name}: two instances with the same options and seed disagree at configuration ${i}: energy ${ea[i]} vs ${eb[i]}`,
      );
  return 'two instances agree exactly';
}
