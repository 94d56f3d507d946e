import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardEnergies } from './energy-guard.js';

/** A 2-D anisotropic quadratic with energies spanning many decades: U = a x² + b y². */
const U = (x: number, y: number) => 3 * x * x + 0.5 * y * y;
const F = (x: number, y: number): [number, number] => [-6 * x, -y];

function guarded(points: number[][], maxEnergy: number, dropFraction = 0) {
  const e = Float64Array.from(points, ([x, y]) => U(x!, y!));
  const f = Float64Array.from(points.flatMap(([x, y]) => F(x!, y!)));
  return guardEnergies(e, f, 2, { maxEnergy, dropFraction });
}

test('energies at or below maxEnergy and their forces pass through unchanged', () => {
  const pts = [
    [0.1, 0.2],
    [-1, 2],
    [2, -3],
    [0, 0],
  ];
  const g = guarded(pts, 100);
  pts.forEach(([x, y], i) => {
    assert.equal(g.energies[i], U(x!, y!));
    assert.deepEqual([g.forces[2 * i], g.forces[2 * i + 1]], F(x!, y!));
  });
  assert.deepEqual(Array.from(g.mask), [1, 1, 1, 1]);
  assert.equal(g.dropped, 0);
});

test('above maxEnergy: M + log1p(u − M), and the forces are minus the gradient of that (finite differences)', () => {
  const M = 50;
  const pts = [
    [5, 1],
    [-20, 3],
    [4.2, -1],
    [1000, 7],
  ];
  const g = guarded(pts, M);
  const h = 1e-6;
  const ge = (x: number, y: number) => guarded([[x, y]], M).energies[0]!;
  pts.forEach(([x, y], i) => {
    const u = U(x!, y!);
    assert.ok(u > M);
    assert.equal(g.energies[i], M + Math.log1p(u - M));
    const scale = 1 / (1 + u - M);
    const f = F(x!, y!);
    assert.ok(Math.abs(g.forces[2 * i]! - f[0] * scale) <= 1e-15 * Math.abs(f[0]) + 1e-300);
    // Finite differences of the guarded energy, relative step so huge energies are resolved.
    const hx = h * Math.max(1, Math.abs(x!)),
      hy = h * Math.max(1, Math.abs(y!));
    const fx = -(ge(x! + hx, y!) - ge(x! - hx, y!)) / (2 * hx);
    const fy = -(ge(x!, y! + hy) - ge(x!, y! - hy)) / (2 * hy);
    assert.ok(
      Math.abs(fx - g.forces[2 * i]!) < 1e-6 * Math.max(1, Math.abs(fx)),
      `point ${i}: F_x ${g.forces[2 * i]} vs FD ${fx}`,
    );
    assert.ok(
      Math.abs(fy - g.forces[2 * i + 1]!) < 1e-6 * Math.max(1, Math.abs(fy)),
      `point ${i}: F_y ${g.forces[2 * i + 1]} vs FD ${fy}`,
    );
  });
  // The guard is continuous with a continuous derivative across u = M (no kink for the optimiser).
  const x0 = Math.sqrt(M / 3);
  for (const dx of [-1e-7, 1e-7]) {
    const e = guarded([[x0 + dx, 0]], M);
    assert.ok(Math.abs(e.energies[0]! - U(x0 + dx, 0)) < 1e-9);
    const f0 = F(x0 + dx, 0)[0];
    assert.ok(
      Math.abs(e.forces[0]! - f0) < 1e-4 * Math.abs(f0),
      `force ${e.forces[0]} vs ${f0} at u − M = ${U(x0 + dx, 0) - M}`,
    );
  }
});

test('non-finite energies or forces are masked out with zeros, and counted', () => {
  const e = Float64Array.from([1, Infinity, NaN, 2, 3]);
  const f = Float64Array.from([1, 1, 2, 2, 3, 3, NaN, 4, 5, -Infinity]);
  const g = guardEnergies(e, f, 2, { maxEnergy: 1e8, dropFraction: 0 });
  assert.deepEqual(Array.from(g.mask), [1, 0, 0, 0, 0]);
  assert.equal(g.nonFinite, 4);
  assert.equal(g.dropped, 4);
  assert.ok(g.energies.every(Number.isFinite) && g.forces.every(Number.isFinite));
  assert.deepEqual(Array.from(g.energies), [1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(g.forces), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('dropFraction drops the highest energies, counting non-finite ones towards the quota', () => {
  const energies = [5, 90, -3, 40, 12, 77, 0.5, 60, 8, 1];
  const f = new Float64Array(20).fill(1);
  const g = guardEnergies(Float64Array.from(energies), f, 2, { maxEnergy: 1e8, dropFraction: 0.3 });
  const droppedIdx = [...g.mask.keys()].filter((i) => g.mask[i] === 0).sort((a, b) => a - b);
  assert.deepEqual(droppedIdx, [1, 5, 7], 'the three highest energies (90, 77, 60)');
  assert.equal(g.dropped, 3);
  // One infinite energy already fills one of the three slots: only two finite ones are dropped.
  const withInf = energies.slice();
  withInf[2] = Infinity;
  const g2 = guardEnergies(Float64Array.from(withInf), f, 2, { maxEnergy: 1e8, dropFraction: 0.3 });
  assert.deepEqual(
    [...g2.mask.keys()].filter((i) => g2.mask[i] === 0).sort((a, b) => a - b),
    [1, 2, 5],
  );
  assert.equal(g2.dropped, 3);
  assert.equal(g2.nonFinite, 1);
  for (const i of [1, 2, 5]) assert.equal(g2.forces[2 * i], 0);
});
