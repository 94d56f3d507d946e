/** Checks shared by this package's tests (excluded from the published tarball by its name). */
import assert from 'node:assert/strict';
import type { ForceField } from '@embedcg/core';

/**
 * Forces against a 5-point central difference of the energy (error O(h⁴), so a relative
 * tolerance of 1e-6 measures the analytic force, not the stencil).
 */
export async function assertForcesMatchFiniteDifferences(
  ff: ForceField,
  points: Float64Array,
  rtol = 1e-6,
  h = 1e-4,
): Promise<number> {
  const d = ff.dimension;
  const n = points.length / d;
  const base = await ff.evaluate(points, n);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const x = points.slice(i * d, (i + 1) * d);
    let norm = 0;
    for (let k = 0; k < d; k++) norm = Math.max(norm, Math.abs(base.forces[i * d + k]!));
    const probes = new Float64Array(4 * d * d);
    const steps = [2, 1, -1, -2];
    for (let k = 0; k < d; k++) {
      steps.forEach((s, j) => {
        const row = probes.subarray((4 * k + j) * d, (4 * k + j + 1) * d);
        row.set(x);
        row[k] = x[k]! + s * h;
      });
    }
    const e = (await ff.evaluate(probes, 4 * d, { energiesOnly: true })).energies;
    for (let k = 0; k < d; k++) {
      const [e2, e1, em1, em2] = [e[4 * k]!, e[4 * k + 1]!, e[4 * k + 2]!, e[4 * k + 3]!];
      const dU = (-e2 + 8 * e1 - 8 * em1 + em2) / (12 * h);
      const f = base.forces[i * d + k]!;
      const rel = Math.abs(f + dU) / Math.max(norm, 1e-3);
      worst = Math.max(worst, rel);
      assert.ok(
        rel < rtol,
        `${ff.name}: configuration ${i}, coordinate ${k}: force ${f} vs −dU/dx ${-dU} (relative error ${rel.toExponential(2)})`,
      );
    }
  }
  return worst;
}

/** Evaluating n at once gives bit-identical results to one at a time, and energiesOnly agrees. */
export async function assertBatchInvariant(ff: ForceField, points: Float64Array): Promise<void> {
  const d = ff.dimension;
  const n = points.length / d;
  const all = await ff.evaluate(points, n);
  assert.equal(all.energies.length, n);
  assert.equal(all.forces.length, n * d);
  for (let i = 0; i < n; i++) {
    const one = await ff.evaluate(points.slice(i * d, (i + 1) * d), 1);
    assert.equal(one.energies[0], all.energies[i], `${ff.name}: energy of configuration ${i} depends on the batch`);
    assert.deepEqual(Array.from(one.forces), Array.from(all.forces.subarray(i * d, (i + 1) * d)));
  }
  const eo = await ff.evaluate(points, n, { energiesOnly: true });
  assert.deepEqual(Array.from(eo.energies), Array.from(all.energies));
  assert.equal(eo.forces.length, 0);
}

/** NaN coordinates name the configuration; a wrong length is refused; huge coordinates give no NaN. */
export async function assertBadInputHandled(ff: ForceField): Promise<void> {
  const d = ff.dimension;
  const pts = new Float64Array(3 * d);
  pts[2 * d + d - 1] = NaN;
  await assert.rejects(
    async () => ff.evaluate(pts, 3),
    (e: Error) => /configuration 2/.test(e.message) && e.message.includes(ff.name),
  );
  pts[2 * d + d - 1] = Infinity;
  await assert.rejects(async () => ff.evaluate(pts, 3), /configuration 2/);
  await assert.rejects(async () => ff.evaluate(new Float64Array(2 * d + 1), 2), /expected 2 configurations/);
  await assert.rejects(async () => ff.evaluate(new Float64Array(d), 1.5), /batch size/);
  for (const big of [1e5, 1e160, -1e300, Number.MAX_VALUE]) {
    const r = await ff.evaluate(new Float64Array(d).fill(big), 1);
    assert.ok(!Number.isNaN(r.energies[0]!), `${ff.name}: energy NaN at coordinates ${big}`);
    assert.ok(
      r.forces.every((v) => !Number.isNaN(v)),
      `${ff.name}: force NaN at coordinates ${big}`,
    );
  }
}

/** Two-sided z-score of an observed binomial fraction against its expected probability. */
export function binomialZ(count: number, n: number, p: number): number {
  return (count / n - p) / Math.sqrt(Math.max(p * (1 - p), 1e-12) / n);
}
