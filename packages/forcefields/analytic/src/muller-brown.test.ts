import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import {
  createMullerBrown,
  createMullerBrownReference,
  MULLER_BROWN_DEFAULT_SCALE,
  mullerBrownMinima,
  mullerBrownRaw,
  mullerBrownRawGradient,
} from './muller-brown.js';
import { simpson } from './numerics.js';
import {
  assertBadInputHandled,
  assertBatchInvariant,
  assertForcesMatchFiniteDifferences,
  binomialZ,
} from './testing.test.util.js';

// One reference for the whole file: the label grid and each β's quadrature are computed once.
const ref = createMullerBrownReference();

test('Müller–Brown: the three minima are stationary, ordered, at the textbook places', () => {
  const m = mullerBrownMinima();
  const g = [0, 0];
  for (const p of m) {
    mullerBrownRawGradient(p.x, p.y, g);
    assert.ok(Math.hypot(g[0]!, g[1]!) < 1e-9, `${p.name}: gradient ${g}`);
  }
  assert.deepEqual(
    m.map((p) => [p.name, p.x.toFixed(3), p.y.toFixed(3), p.energy.toFixed(2)]),
    [
      ['A', '-0.558', '1.442', '-146.70'],
      ['B', '0.623', '0.028', '-108.17'],
      ['C', '-0.050', '0.467', '-80.77'],
    ],
  );
});

test('Müller–Brown: forces are −∇U (finite differences), batch-invariant, bad input refused', async () => {
  const ff = createMullerBrown();
  const rng = createRng(11);
  const pts = Float64Array.from({ length: 2 * 16 }, (_, i) =>
    i % 2 === 0 ? -1.5 + 2.7 * rng.uniform() : -0.5 + 2.5 * rng.uniform(),
  );
  await assertForcesMatchFiniteDifferences(ff, pts);
  await assertBatchInvariant(ff, pts);
  await assertBadInputHandled(ff);
  const r = ff.evaluate(Float64Array.from([0.1, 0.2]), 1) as { energies: Float64Array };
  assert.ok(Math.abs(r.energies[0]! - MULLER_BROWN_DEFAULT_SCALE * mullerBrownRaw(0.1, 0.2)) < 1e-12);
});

test('Müller–Brown: log Z is converged in grid spacing and box size, and matches an independent Simpson rule', () => {
  const q = ref.quadrature(1);
  const coarse = createMullerBrownReference({ gridSpacing: 0.01 }).quadrature(1);
  assert.ok(Math.abs(q.logZ - coarse.logZ) < 1e-9, `h = 0.005: ${q.logZ}, h = 0.01: ${coarse.logZ}`);
  const wider = createMullerBrownReference({ gridSpacing: 0.01 }, { extraMargin: 0.6, boundaryCutoff: 80 }).quadrature(
    1,
  );
  assert.ok(Math.abs(wider.logZ - coarse.logZ) < 1e-12, `box enlarged: ${wider.logZ} vs ${coarse.logZ}`);
  // Independent: 2-D Simpson (iterated) over a fixed generous box.
  const s = MULLER_BROWN_DEFAULT_SCALE;
  const [x0, x1, y0, y1, m] = [-4.5, 3, -2.5, 4, 1500];
  const hx = (x1 - x0) / m;
  const hy = (y1 - y0) / m;
  const row = new Float64Array(m + 1);
  const col = new Float64Array(m + 1);
  for (let j = 0; j <= m; j++) {
    for (let i = 0; i <= m; i++) row[i] = Math.exp(-s * mullerBrownRaw(x0 + i * hx, y0 + j * hy));
    col[j] = simpson(row, hx);
  }
  const independent = Math.log(simpson(col, hy));
  assert.ok(Math.abs(q.logZ - independent) < 1e-8, `${q.logZ} vs independent ${independent}`);
});

test('Müller–Brown: basin masses sum to 1, converge with the grid, and match the documented values', () => {
  const basins = ref.basins!(1);
  assert.deepEqual(
    basins.map((b) => b.name),
    ['A', 'B', 'C'],
  );
  assert.ok(Math.abs(basins.reduce((t, b) => t + b.mass, 0) - 1) < 1e-12);
  const coarse = createMullerBrownReference({ gridSpacing: 0.01 }).basins!(1);
  basins.forEach((b, k) =>
    assert.ok(Math.abs(b.mass - coarse[k]!.mass) < 3e-4, `${b.name}: ${b.mass} vs ${coarse[k]!.mass}`),
  );
  // The README and the option description quote these (default scale, β = 1).
  assert.deepEqual(
    basins.map((b) => (100 * b.mass).toFixed(1)),
    ['80.6', '12.9', '6.5'],
  );
  // Colder: the deep well takes over.
  const cold = ref.basins!(4);
  assert.ok(cold[0]!.mass > 0.999 && cold[2]!.mass < cold[1]!.mass);
});

test('Müller–Brown: basin labels agree with a continuous steepest-descent flow', () => {
  const minima = mullerBrownMinima();
  const g = [0, 0];
  const flow = (x: number, y: number): number => {
    for (let it = 0; it < 200000; it++) {
      for (let k = 0; k < 3; k++) if (Math.hypot(x - minima[k]!.x, y - minima[k]!.y) < 0.03) return k;
      mullerBrownRawGradient(x, y, g);
      const norm = Math.hypot(g[0]!, g[1]!);
      const step = Math.min(1e-3, 1e-4 * norm) / norm;
      x -= step * g[0]!;
      y -= step * g[1]!;
    }
    return -1;
  };
  const rng = createRng(21);
  let disagree = 0;
  const n = 300;
  for (let t = 0; t < n; t++) {
    const x = -1.5 + 2.7 * rng.uniform();
    const y = -0.4 + 2.4 * rng.uniform();
    const k = flow(x, y);
    const label = ref.basinIndex(x, y);
    if (k !== label) {
      disagree++;
      // Only allowed within a few grid cells of a basin boundary.
      const near = [-1, 0, 1].some((dx) => [-1, 0, 1].some((dy) => ref.basinIndex(x + 0.02 * dx, y + 0.02 * dy) === k));
      assert.ok(near, `(${x}, ${y}): flow reaches ${k}, label ${label}`);
    }
  }
  assert.ok(disagree <= 3, `${disagree} of ${n} disagree`);
  minima.forEach((p, k) => {
    const bs = ref.basins!(1);
    assert.deepEqual(
      bs.map((b) => b.contains([p.x, p.y])),
      [0, 1, 2].map((j) => j === k),
    );
  });
  // Outside the label box: nearest minimum.
  assert.equal(ref.basinIndex(-10, 20), 0);
  assert.equal(ref.basinIndex(10, -20), 1);
});

test('Müller–Brown: exact sampler reproduces the basin masses', () => {
  const rng = createRng(8);
  const n = 30000;
  const x = ref.sample!(1, n, () => rng.uniform());
  const basins = ref.basins!(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const p = [x[2 * i]!, x[2 * i + 1]!];
    const k = basins.findIndex((b) => b.contains(p));
    counts[k] = counts[k]! + 1;
  }
  basins.forEach((b, k) =>
    assert.ok(Math.abs(binomialZ(counts[k]!, n, b.mass)) < 4.5, `${b.name}: ${counts[k]! / n} vs ${b.mass}`),
  );
  // Mean energy against the quadrature: E[βU] = −d log Z/d log β, by a central difference in β.
  const ff = createMullerBrown();
  const e = (ff.evaluate(x, n, { energiesOnly: true }) as { energies: Float64Array }).energies;
  let mean = 0;
  let m2 = 0;
  for (const v of e) {
    mean += v / n;
    m2 += (v * v) / n;
  }
  const db = 1e-3;
  const dlogZ = (ref.logZ(1 + db) - ref.logZ(1 - db)) / (2 * db);
  assert.ok(Math.abs(mean + dlogZ) < 4.5 * Math.sqrt((m2 - mean * mean) / n), `E[U] ${mean} vs −dlogZ/dβ ${-dlogZ}`);
});
