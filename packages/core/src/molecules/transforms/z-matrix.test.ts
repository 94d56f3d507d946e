import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng, type Rng } from '../../util/random.js';
import type { Topology } from '../../contracts/force-field.js';
import { readPdb } from '../io/pdb.js';
import { loadSystemJson } from '../system/system-json.js';
import { dihedral } from '../observables/dihedrals.js';
import { canonicalFrame, fixedCoordinates } from './rigid-body.js';
import { angleIndex, bondIndex, torsionIndex, validateZMatrix, type ZMatrixRow } from './z-matrix.js';
import { buildZMatrix } from './z-matrix-from-bonds.js';
import { createInternalCoordinateTransform } from './internal-coordinates.js';
import { internalCoordinatesPlugin } from '../../molecular-transform-plugins.js';
import { chiralityCenters, wrongChirality, wrongChiralityRate } from './chirality.js';

tf.enableProdMode();

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const alaDir = join(repoRoot(), 'examples', 'alanine-dipeptide');
const pdb = readPdb(join(alaDir, 'ala2.pdb'));
const topology: Topology = { atoms: pdb.atoms, bonds: loadSystemJson(join(alaDir, 'system-vacuum.json')).bonds };
const N = 22,
  D = 3 * N,
  d = D - 6;
const x0 = pdb.positions.slice(0, D);

/** A proper random rotation (unit quaternion) and a shift of every configuration. */
function moveRigidly(x: Float64Array, n: number, rng: Rng): Float64Array {
  const out = new Float64Array(x.length);
  for (let f = 0; f < n; f++) {
    let [a, b, c, e] = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const s = Math.hypot(a, b, c, e);
    [a, b, c, e] = [a / s, b / s, c / s, e / s];
    const R = [
      [a * a + b * b - c * c - e * e, 2 * (b * c - a * e), 2 * (b * e + a * c)],
      [2 * (b * c + a * e), a * a - b * b + c * c - e * e, 2 * (c * e - a * b)],
      [2 * (b * e - a * c), 2 * (c * e + a * b), a * a - b * b - c * c + e * e],
    ];
    const t = [rng.normal(), rng.normal(), rng.normal()];
    for (let i = 0; i < N; i++) {
      const o = f * D + 3 * i;
      for (let r = 0; r < 3; r++)
        out[o + r] = R[r]![0]! * x[o]! + R[r]![1]! * x[o + 1]! + R[r]![2]! * x[o + 2]! + t[r]!;
    }
  }
  return out;
}

/** The reference structure followed by `n − 1` copies with 0.01 nm Gaussian noise, each moved rigidly. */
function configurations(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n * D);
  for (let f = 0; f < n; f++) for (let k = 0; k < D; k++) x[f * D + k] = x0[k]! + (f === 0 ? 0 : 0.01 * rng.normal());
  return moveRigidly(x, n, rng);
}

const bondLength = (x: ArrayLike<number>, f: number, i: number, j: number) =>
  Math.hypot(
    x[f * D + 3 * i]! - x[f * D + 3 * j]!,
    x[f * D + 3 * i + 1]! - x[f * D + 3 * j + 1]!,
    x[f * D + 3 * i + 2]! - x[f * D + 3 * j + 2]!,
  );

/** Every atom once; each reference placed earlier, distinct, and bonded along the chain. */
function assertValidZMatrix(zm: readonly ZMatrixRow[], top: Topology): void {
  const bonded = (p: number, q: number) => top.bonds.some(([a, b]) => (a === p && b === q) || (a === q && b === p));
  assert.deepEqual(
    [...zm.map((r) => r[0])].sort((p, q) => p - q),
    [...Array(N).keys()],
    'every atom exactly once',
  );
  const seen = new Set<number>();
  zm.forEach((row, r) => {
    const refs = row.slice(1, Math.min(r, 3) + 1);
    assert.ok(
      row.slice(Math.min(r, 3) + 1).every((v) => v === -1),
      `row ${r}: unused entries are −1`,
    );
    for (const a of refs) assert.ok(seen.has(a), `row ${r}: reference ${a} placed before`);
    assert.equal(new Set([row[0], ...refs]).size, refs.length + 1, `row ${r}: distinct atoms`);
    if (r >= 1) assert.ok(bonded(row[0], row[1]), `row ${r}: atom bonded to j`);
    if (r >= 2) assert.ok(bonded(row[1], row[2]), `row ${r}: j bonded to k`);
    if (r >= 3)
      assert.ok(
        bonded(row[2], row[3]) || bonded(row[1], row[3]),
        `row ${r}: l bonded to k (proper) or to j (improper)`,
      );
    seen.add(row[0]);
  });
}

/** log|det A| by LU with partial pivoting. */
function logAbsDet(A: number[][]): number {
  const a = A.map((r) => r.slice());
  const n = a.length;
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const m = a[r]![c]! / piv;
      for (let k = c; k < n; k++) a[r]![k]! -= m * a[c]![k]!;
    }
  }
  return s;
}

const ic = createInternalCoordinateTransform({ nAtoms: N, zMatrix: buildZMatrix(topology), topology });
const frame = { nAtoms: N, ...ic.anchors };

test('automatic Z-matrix: every atom once with bonded, earlier references; frame N, CA, C; φ and ψ are coordinates', () => {
  assertValidZMatrix(ic.zMatrix, topology);
  assert.deepEqual(ic.anchors, { origin: 6, axis: 8, plane: 14 });
  assert.equal(ic.inputDimension, 60);
  assert.equal(ic.outputDimension, 66);
  assert.equal(ic.names.length, 60);
  assert.deepEqual(
    [...ic.circular.keys()].filter((k) => ic.circular[k]),
    [...Array(19).keys()].map((k) => 41 + k),
    'the 19 torsions are circular',
  );
  assert.ok(
    ic.names.slice(0, 21).every((s) => s.startsWith('bond ')) &&
      ic.names.slice(21, 41).every((s) => s.startsWith('angle ')),
  );
  const y = ic.inverse64(x0, 1).y;
  const phi = dihedral(x0, D, 0, [4, 6, 8, 14]),
    psi = dihedral(x0, D, 0, [6, 8, 14, 16]);
  assert.ok(
    [...y.slice(41)].some((v) => Math.abs(v - phi) < 1e-12),
    'φ is a torsion coordinate',
  );
  assert.ok(
    [...y.slice(41)].some((v) => Math.abs(v - psi) < 1e-12),
    'ψ is a torsion coordinate',
  );
  assert.ok(ic.names.includes('torsion N:2-CA-C:2-N:3'), 'ψ is named after its atoms');
  // Without backbone names the frame falls back to the best-connected heavy atoms.
  const anonymous: Topology = {
    atoms: topology.atoms.map((a, i) => ({ ...a, name: `${a.element}${i}` })),
    bonds: topology.bonds,
  };
  const zm = buildZMatrix(anonymous);
  assertValidZMatrix(zm, anonymous);
  const t = createInternalCoordinateTransform({ nAtoms: N, zMatrix: zm });
  assert.ok(t.anchors.origin !== 6 || t.anchors.axis !== 8, 'a different frame');
  assert.equal(t.names[0], `bond #${zm[0]![0]}-#${zm[1]![0]}`);
  const back = t.forward64(t.inverse64(x0, 1).y, 1).x;
  const c = canonicalFrame(x0, 1, { nAtoms: N, ...t.anchors });
  assert.ok(back.every((v, k) => Math.abs(v - c[k]!) < 1e-10));
});

test('round trips: x → y → x equals the canonical frame to 1e-10 (reference and 20 perturbations, any orientation); y → x → y', () => {
  const n = 21;
  const x = configurations(n, 1);
  const { y, logDetJ: inv } = ic.inverse64(x, n);
  const { x: back, logDetJ } = ic.forward64(y, n);
  const c = canonicalFrame(x, n, frame);
  let worst = 0;
  for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(back[k]! - c[k]!));
  assert.ok(worst < 1e-10, `max |Δx| = ${worst}`);
  for (let f = 0; f < n; f++) {
    assert.ok(Math.abs(inv[f]! + logDetJ[f]!) < 1e-12, 'inverse64 gives −log|det J|');
    for (let r = 3; r < N; r++) {
      const phi = y[f * d + torsionIndex(r, N)]!;
      assert.ok(phi > -Math.PI && phi <= Math.PI, 'torsions in (−π, π]');
    }
  }
  const y2 = ic.inverse64(back, n).y;
  for (let k = 0; k < y.length; k++) assert.ok(Math.abs(y2[k]! - y[k]!) < 1e-10, `y[${k}] round trip`);
});

test('log|det J| equals the log-determinant of a central-difference Jacobian of y → free canonical coordinates', () => {
  const fixed = new Set(fixedCoordinates(ic.anchors));
  const free = [...Array(D).keys()].filter((k) => !fixed.has(k));
  assert.equal(free.length, d);
  const n = 3;
  const ys = ic.inverse64(configurations(n, 2), n).y;
  const h = 1e-5;
  for (let f = 0; f < n; f++) {
    const y = ys.slice(f * d, (f + 1) * d);
    // Columns of J, one per y coordinate; the transpose has the same determinant.
    const J: number[][] = [];
    for (let c = 0; c < d; c++) {
      const yp = y.slice(),
        ym = y.slice();
      yp[c]! += h;
      ym[c]! -= h;
      const xp = ic.forward64(yp, 1).x,
        xm = ic.forward64(ym, 1).x;
      J.push(free.map((k) => (xp[k]! - xm[k]!) / (2 * h)));
    }
    const exact = ic.forward64(y, 1).logDetJ[0]!;
    const numeric = logAbsDet(J);
    assert.ok(Math.abs(exact - numeric) < 1e-6, `configuration ${f}: ${exact} vs numerical ${numeric}`);
  }
});

for (const backend of ['cpu', 'wasm'])
  test(`forward (tfjs, ${backend}) matches forward64 to float32 precision; gradients are finite and right`, async () => {
    await tf.setBackend(backend);
    const n = 5;
    const y32 = Float32Array.from(ic.inverse64(configurations(n, 3), n).y);
    const y64 = Float64Array.from(y32);
    const ref = ic.forward64(y64, n);
    const yt = tf.tensor2d(y32, [n, d]);
    const { x, logDetJ } = ic.forward(yt);
    assert.deepEqual(x.shape, [n, D]);
    const xs = x.dataSync(),
      ls = logDetJ.dataSync();
    let worst = 0;
    for (let k = 0; k < xs.length; k++) worst = Math.max(worst, Math.abs(xs[k]! - ref.x[k]!));
    assert.ok(worst < 2e-5, `max |Δx| = ${worst} nm`);
    for (let f = 0; f < n; f++)
      assert.ok(
        Math.abs(ls[f]! - ref.logDetJ[f]!) < 1e-4 * Math.abs(ref.logDetJ[f]!),
        `logDetJ ${ls[f]} vs ${ref.logDetJ[f]}`,
      );

    // Σ w·x + Σ log|det J|: the gradient is finite, its log-det part analytic (2/b, cot θ), and its
    // directional derivative matches a float64 central difference.
    const rng = createRng(4);
    const w = Float32Array.from({ length: n * D }, () => rng.uniform() - 0.5);
    const wt = tf.tensor2d(w, [n, D]);
    const v = tf.variable(yt);
    const { grads } = tf.variableGrads(() => {
      const out = ic.forward(v as unknown as tf.Tensor2D);
      return tf.add(tf.sum(tf.mul(out.x, wt)), tf.sum(out.logDetJ)) as tf.Scalar;
    }, [v]);
    const g = grads[v.name]!.dataSync();
    assert.ok(g.every(Number.isFinite), 'finite gradient');
    const { grads: gl } = tf.variableGrads(
      () => tf.sum(ic.forward(v as unknown as tf.Tensor2D).logDetJ) as tf.Scalar,
      [v],
    );
    const gld = gl[v.name]!.dataSync();
    for (let f = 0; f < n; f++) {
      const o = f * d;
      assert.ok(Math.abs(gld[o + bondIndex(1)]!) < 1e-6);
      assert.ok(Math.abs(gld[o + bondIndex(2)]! - 1 / y64[o + bondIndex(2)]!) < 1e-3 / y64[o + bondIndex(2)]!);
      for (let r = 3; r < N; r++) {
        const b = y64[o + bondIndex(r)]!,
          th = y64[o + angleIndex(r, N)]!;
        assert.ok(Math.abs(gld[o + bondIndex(r)]! - 2 / b) < 1e-3 * (2 / b), `d/db row ${r}`);
        assert.ok(
          Math.abs(gld[o + angleIndex(r, N)]! - 1 / Math.tan(th)) < 1e-3 * (1 + Math.abs(1 / Math.tan(th))),
          `d/dθ row ${r}`,
        );
        assert.ok(Math.abs(gld[o + torsionIndex(r, N)]!) < 1e-6, `d/dφ row ${r}`);
      }
    }
    const dir = Float64Array.from({ length: n * d }, () => rng.normal());
    const h = 1e-6;
    const yp = y64.map((yv, k) => yv + h * dir[k]!),
      ym = y64.map((yv, k) => yv - h * dir[k]!);
    const Fp = ic.forward64(yp, n),
      Fm = ic.forward64(ym, n);
    let fd = 0,
      ad = 0,
      scale = 0;
    for (let k = 0; k < n * D; k++) fd += (w[k]! * (Fp.x[k]! - Fm.x[k]!)) / (2 * h);
    for (let f = 0; f < n; f++) fd += (Fp.logDetJ[f]! - Fm.logDetJ[f]!) / (2 * h);
    for (let k = 0; k < n * d; k++) {
      ad += g[k]! * dir[k]!;
      scale += Math.abs(g[k]! * dir[k]!);
    }
    assert.ok(Math.abs(ad - fd) < 1e-4 * scale, `directional derivative ${ad} vs finite difference ${fd}`);
    tf.dispose([yt, x, logDetJ, wt, v, grads, gl]);
  });

test('changing torsions (and angles) keeps every bond length exactly; negated torsions give the mirror image', () => {
  const rng = createRng(5);
  const y = ic.inverse64(x0, 1).y;
  const before = ic.forward64(y, 1).x;
  for (let trial = 0; trial < 10; trial++) {
    const y2 = y.slice();
    for (let r = 3; r < N; r++) y2[torsionIndex(r, N)] = Math.PI * (2 * rng.uniform() - 1);
    if (trial % 2) for (let r = 2; r < N; r++) y2[angleIndex(r, N)]! += 0.2 * (rng.uniform() - 0.5);
    const after = ic.forward64(y2, 1).x;
    for (const [i, j] of topology.bonds) {
      assert.ok(Math.abs(bondLength(after, 0, i, j) - bondLength(before, 0, i, j)) < 1e-12, `bond ${i}-${j}`);
    }
  }
  // Reflecting z → −z keeps the frame atoms (z = 0) and flips every dihedral's sign.
  const flipped = y.slice();
  for (let r = 3; r < N; r++) flipped[torsionIndex(r, N)] = -flipped[torsionIndex(r, N)]!;
  const mirror = ic.forward64(flipped, 1).x;
  for (let k = 0; k < D; k++) assert.ok(Math.abs(mirror[k]! - (k % 3 === 2 ? -before[k]! : before[k]!)) < 1e-12);
});

test('chirality: CA is the only centre; the reference has no wrong centre, its mirror image all wrong', () => {
  const centers = chiralityCenters(topology);
  assert.deepEqual(centers, [{ center: 8, neighbours: [6, 9, 10, 14] }]);
  const n = 21;
  const x = configurations(n, 6);
  assert.equal(wrongChiralityRate(x, n, centers, x0), 0);
  const mirror = x.map((v, k) => (k % 3 === 0 ? -v : v));
  assert.equal(wrongChiralityRate(mirror, n, centers, x0), 1);
  const mixed = Float64Array.from([...x.slice(0, D), ...mirror.slice(D, 2 * D)]);
  assert.deepEqual([...wrongChirality(mixed, 2, centers, x0)], [0, 1]);
  // The transform keeps handedness; swapping the torsions that place CB and HA about N-CA (both
  // referenced to C) is D-Ala, a configuration an internal-coordinate model can well produce.
  const y = ic.inverse64(x, n).y;
  assert.equal(wrongChiralityRate(ic.forward64(y, n).x, n, centers, x0), 0);
  const tCB = torsionIndex(
    ic.zMatrix.findIndex((row) => row[0] === 10),
    N,
  );
  const tHA = torsionIndex(
    ic.zMatrix.findIndex((row) => row[0] === 9),
    N,
  );
  assert.deepEqual([ic.names[tCB], ic.names[tHA]], ['torsion C:2-N:2-CA-CB', 'torsion C:2-N:2-CA-HA']);
  for (let f = 0; f < n; f++) [y[f * d + tCB], y[f * d + tHA]] = [y[f * d + tHA]!, y[f * d + tCB]!];
  assert.equal(wrongChiralityRate(ic.forward64(y, n).x, n, centers, x0), 1);
  assert.throws(() => wrongChiralityRate(x, n - 1, centers, x0), /expected 20 × 66 coordinates/);
});

test('explicit Z-matrices: accepted when valid, clear errors naming the row otherwise', () => {
  const rows = ic.zMatrix.map((r, i) => r.slice(0, Math.min(i, 3) + 1));
  assert.deepEqual(validateZMatrix(rows, N), ic.zMatrix, 'short frame rows');
  assert.deepEqual(
    validateZMatrix(
      ic.zMatrix.map((r) => [...r]),
      N,
    ),
    ic.zMatrix,
    'frame rows padded with −1',
  );
  const edit = (r: number, row: number[]) => rows.map((x, i) => (i === r ? row : x));
  assert.throws(() => validateZMatrix(rows.slice(1), N), /zMatrix has 21 rows for 22 atoms/);
  assert.throws(() => validateZMatrix(edit(5, [6, 8, 14, 4]), N), /row 5: atom 6 is already placed by row 0/);
  assert.throws(
    () => validateZMatrix(edit(3, [4, 6, 8, 10]), N),
    /row 3: atom 4 refers to atom 10, which no earlier row places/,
  );
  assert.throws(
    () => validateZMatrix(edit(3, [4, 6, 8, 22]), N),
    /row 3: entry 3 = 22 is not an atom index in 0\.\.21/,
  );
  assert.throws(() => validateZMatrix(edit(3, [4, 6, 6, 14]), N), /row 3: references 6, 6, 14 must be different atoms/);
  assert.throws(() => validateZMatrix(edit(4, [7, 6, 8]), N), /row 4: expected 4 atom indices/);
  assert.throws(() => validateZMatrix(edit(1, [8, 6, 14]), N), /row 1: entry 2 must be −1/);
  assert.throws(() => validateZMatrix(edit(3, [4, 4, 8, 14]), N), /row 3: atom 4 refers to itself/);
  const cut: Topology = {
    atoms: topology.atoms,
    bonds: topology.bonds.filter(([a, b]) => !(Math.min(a, b) === 4 && Math.max(a, b) === 6)),
  };
  assert.throws(
    () => buildZMatrix(cut),
    /bond graph is disconnected: 6 atom\(s\) cannot be reached from atom 6 by bonds: 0 \(CH3\), 1 \(H1\)/,
  );
  assert.throws(() => buildZMatrix({ atoms: topology.atoms, bonds: [[0, 22]] }), /topology bond 0 \[0, 22\]/);
});

test('plugin: Z-matrix from the topology, or given; clear errors without bonds', async () => {
  const logs: string[] = [];
  const ctx = { configDir: '.', seed: 0, log: (m: string) => logs.push(m) };
  const ff = {
    name: 'ala',
    dimension: D,
    topology,
    evaluate: () => ({ energies: new Float64Array(), forces: new Float64Array() }),
  };
  const t = await internalCoordinatesPlugin.create({}, { ...ctx, forceField: ff });
  assert.equal(t.name, 'internal-coordinates');
  assert.equal(t.inputDimension, 60);
  assert.match(logs[0]!, /automatic Z-matrix, frame atoms 6, 8, 14; 60 coordinates, 19 circular torsions/);
  const noTop = { ...ff, topology: undefined };
  await assert.rejects(
    async () => internalCoordinatesPlugin.create({}, { ...ctx, forceField: noTop }),
    /no topology bonds .* give option zMatrix/,
  );
  const given = await internalCoordinatesPlugin.create(
    { zMatrix: ic.zMatrix.map((r) => [...r]) },
    { ...ctx, forceField: noTop },
  );
  const a = given.inverse64(x0, 1).y,
    b = ic.inverse64(x0, 1).y;
  assert.deepEqual([...a], [...b]);
  await assert.rejects(
    async () => internalCoordinatesPlugin.create({ zMatrix: [[0], [1, 0]] }, { ...ctx, forceField: noTop }),
    /has 2 rows for 22 atoms/,
  );
  await assert.rejects(
    async () => internalCoordinatesPlugin.create({}, { ...ctx, forceField: { ...ff, dimension: 2 } }),
    /not 3 per atom/,
  );
});
