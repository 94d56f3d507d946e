import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basinBottoms, chooseScanCandidates, farthestPoints } from './component-scan.js';

const TAU = 2 * Math.PI;

/** A circular landscape with minima at 0 (deep), 2.5 (middle) and −2 (shallow): log p̃ = −U. */
function threeWells(x: number): number {
  const w = (c: number, depth: number) => depth * Math.exp(-((x - c - TAU * Math.round((x - c) / TAU)) ** 2) / 0.18);
  return w(0, 10) + w(2.5, 6) + w(-2, 3);
}

test('basin bottoms are the minima of a circular landscape, deepest first; wrapping joins 3.1 and −3.1', () => {
  const n = 629;
  const points = Float64Array.from({ length: n }, (_, i) => -Math.PI + (i * TAU) / n);
  const logTarget = Float64Array.from(points, threeWells);
  const bottoms = basinBottoms(logTarget, points, 1, [TAU], 0.5);
  assert.equal(bottoms.length, 3);
  const at = bottoms.map((i) => points[i]!);
  assert.ok(Math.abs(at[0]!) < 0.02, `deepest at ${at[0]}`);
  assert.ok(Math.abs(at[1]! - 2.5) < 0.02, `middle at ${at[1]}`);
  assert.ok(Math.abs(at[2]! + 2) < 0.02, `shallow at ${at[2]}`);
  // The landscape rises from −3 to −π and goes on rising past π's side: unwrapped, the end −π
  // has no better neighbour and counts as a fourth bottom; wrapped, it is a slope.
  const flat = basinBottoms(logTarget, points, 1, [0], 0.5);
  assert.equal(flat.length, 4);
  assert.ok(flat.includes(0) && !bottoms.includes(0));
  // A non-finite value is never a bottom and never blocks one.
  const withHole = Float64Array.from(logTarget);
  withHole[bottoms[0]!] = -Infinity;
  const after = basinBottoms(withHole, points, 1, [TAU], 0.5);
  assert.ok(!after.includes(bottoms[0]!));
  assert.ok(
    after.some((i) => Math.abs(points[i]!) < 0.03),
    'a neighbour of the removed minimum takes its place',
  );
});

test('farthest points alternate across a line and wrap on a circle', () => {
  const line = [0, 1, 2, 3, 10];
  assert.deepEqual(farthestPoints(line, 1, [0], [0, 1, 2, 3, 4], 3, [0]), [0, 4, 3]);
  // On a circle of period 10, 9 is next to 0, so 5 is the farthest from 0.
  const circle = [0, 9, 5, 3];
  assert.deepEqual(farthestPoints(circle, 1, [10], [0, 1, 2, 3], 2, [0]), [0, 2]);
  // Two columns: distance is Euclidean over both.
  const plane = [0, 0, 3, 0, 0, 4, 1, 1];
  assert.deepEqual(farthestPoints(plane, 2, [0, 0], [0, 1, 2, 3], 2, [0]), [0, 2]);
  assert.throws(() => farthestPoints(line, 1, [0], [0, 1], 3, [0]), /cannot choose 3/);
});

test('chooseScanCandidates takes the best bottoms, fills up by farthest points, and names a scan with too few finite energies', () => {
  const n = 629;
  const points = Float64Array.from({ length: n }, (_, i) => -Math.PI + (i * TAU) / n);
  const logTarget = Float64Array.from(points, threeWells);
  const two = chooseScanCandidates(logTarget, points, 1, [TAU], 2, { radius: 0.5, keep: 0.05 });
  assert.equal(two.bottoms, 3);
  assert.deepEqual(
    two.chosen.map((i) => Math.round(points[i]! * 10) / 10 + 0),
    [0, 2.5],
  );
  const five = chooseScanCandidates(logTarget, points, 1, [TAU], 5, { radius: 0.5, keep: 0.2 });
  assert.equal(five.chosen.length, 5);
  assert.equal(new Set(five.chosen).size, 5);
  // The two extra rows come from the best 20 % (the three wells' cores), away from the bottoms.
  const best20 = [...logTarget].sort((a, b) => b - a)[Math.ceil(0.2 * n) - 1]!;
  for (const i of five.chosen.slice(3)) assert.ok(logTarget[i]! >= best20);
  const sparse = Float64Array.from(logTarget, (v, i) => (i < 3 ? v : -Infinity));
  assert.throws(
    () => chooseScanCandidates(sparse, points, 1, [TAU], 4, { radius: 0.5, keep: 0.05 }),
    /only 3 had a finite energy, fewer than the 4 components; raise priorMixture.scan.candidates/,
  );
});
