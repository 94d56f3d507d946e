/**
 * Internal coordinates (the Z-matrix bijection of internal-coordinate Boltzmann generators, e.g.
 * Midgley et al., "Flow Annealed Importance Sampling Bootstrap"): the model works in y = [bonds (N−1), angles (N−2),
 * torsions (N−3)], one of each per Z-matrix row in row order, the force field in x ∈ R^(3N).
 *
 * A Z-matrix row [i, j, k, l] places atom i at distance b from j, with angle θ = ∠(i, j, k) and
 * torsion φ = dihedral(l, k, j, i) (IUPAC sign, like observables/dihedrals.ts). The first three
 * rows are the frame: row 0 at the origin, row 1 on +x, row 2 in the xy plane with y > 0 — the
 * rigid-body transform's canonical frame with origin/axis/plane = rows 0/1/2, so T is a bijection
 * onto that submanifold, and `inverse64` accepts any orientation (internal coordinates do not see
 * rigid motion; proper rotations keep torsion signs).
 *
 * log|det J| of y → (free canonical-frame coordinates): the map is block-triangular (each atom
 * depends on its own internal coordinates and on atoms placed before it), so the determinant is
 * the product of the per-atom blocks: 1 for row 1 (x = b), b for row 2 (polar coordinates in the
 * plane), b² |sin θ| for the rest (spherical coordinates about the parent).
 * `inverse64` returns the log-determinant of the inverse map, −log|det J_T(y)|, as the flows do.
 *
 * Torsions are circular: `inverse64` gives them in (−π, π]; `forward` accepts any real value.
 */
import * as tf from '@tensorflow/tfjs';
import type { Topology } from '../../contracts/force-field.js';
import type { CoordinateTransform } from '../../contracts/transform.js';
import { InputError } from '../../errors.js';
import { backboneAnchors, type RigidBodyAnchors } from './rigid-body.js';

/** One row [atom, bonded to, angle reference, torsion reference]; −1 where the frame has none. */
export type ZMatrixRow = readonly [number, number, number, number];

/** The internal-coordinates transform and the metadata models need to treat y correctly. */
export interface InternalCoordinateTransform extends CoordinateTransform {
  /** The Z-matrix, rows in build order (one per atom). */
  readonly zMatrix: readonly ZMatrixRow[];
  /** The frame atoms (rows 0, 1, 2), as the rigid-body transform names them. */
  readonly anchors: RigidBodyAnchors;
  /** 1 at the y indices that are angles on a circle (the torsions), 0 elsewhere. */
  readonly circular: Uint8Array;
  /** A name for every y coordinate, e.g. "torsion N:2-CA-C:2-N:3" (names shared by residues get the residue number). */
  readonly names: readonly string[];
}

export interface InternalCoordinateOptions {
  nAtoms: number;
  /** Rows as validated by {@link validateZMatrix} or built by {@link buildZMatrix}. */
  zMatrix: readonly ZMatrixRow[];
  /** For readable coordinate names; indices are used without it. */
  topology?: Topology;
}

/** Index in y of row r's bond (r ≥ 1), angle (r ≥ 2) and torsion (r ≥ 3), for N atoms. */
export function bondIndex(r: number): number {
  return r - 1;
}
export function angleIndex(r: number, nAtoms: number): number {
  return nAtoms - 1 + r - 2;
}
export function torsionIndex(r: number, nAtoms: number): number {
  return 2 * nAtoms - 3 + r - 3;
}

/**
 * Check an explicit Z-matrix: one row per atom, each referring only to distinct atoms placed in
 * earlier rows. Rows 0–2 may be shorter (only the references they use) or padded with −1.
 * Errors name the row and the problem.
 */
export function validateZMatrix(rows: ReadonlyArray<ReadonlyArray<number>>, nAtoms: number): ZMatrixRow[] {
  const fail = (msg: string): never => {
    throw new InputError(`internal-coordinates transform: zMatrix ${msg}`);
  };
  if (!Number.isInteger(nAtoms) || nAtoms < 3) fail(`needs a system of at least 3 atoms, got ${nAtoms}`);
  if (!Array.isArray(rows)) fail('must be an array of rows [atom, bondedTo, angleRef, torsionRef]');
  if (rows.length !== nAtoms) fail(`has ${rows.length} rows for ${nAtoms} atoms; every atom needs exactly one row`);
  const rowOf = new Map<number, number>();
  const out: ZMatrixRow[] = [];
  rows.forEach((row, r) => {
    const used = Math.min(r, 3) + 1;
    if (!Array.isArray(row) || row.length < used || row.length > 4) {
      fail(`row ${r}: expected ${used}${used < 4 ? ' to 4' : ''} atom indices, got ${JSON.stringify(row)}`);
    }
    for (let c = 0; c < row.length; c++) {
      const v = row[c]!;
      if (c >= used) {
        if (v !== -1)
          fail(
            `row ${r}: entry ${c} must be −1 (row ${r} of the frame has no ${['', 'bond', 'angle', 'torsion'][c]} reference), got ${v}`,
          );
      } else if (!Number.isInteger(v) || v < 0 || v >= nAtoms) {
        fail(`row ${r}: entry ${c} = ${v} is not an atom index in 0..${nAtoms - 1}`);
      }
    }
    const [i, ...refs] = row.slice(0, used) as number[];
    if (rowOf.has(i!)) fail(`row ${r}: atom ${i} is already placed by row ${rowOf.get(i!)}`);
    for (const a of refs) {
      if (a === i) fail(`row ${r}: atom ${i} refers to itself`);
      if (!rowOf.has(a)) fail(`row ${r}: atom ${i} refers to atom ${a}, which no earlier row places`);
    }
    if (new Set(refs).size !== refs.length) fail(`row ${r}: references ${refs.join(', ')} must be different atoms`);
    rowOf.set(i!, r);
    out.push([i!, refs[0] ?? -1, refs[1] ?? -1, refs[2] ?? -1]);
  });
  return out;
}

function isHeavy(top: Topology, i: number): boolean {
  const a = top.atoms[i]!;
  const e = (a.element || a.name.trim()[0] || '').toUpperCase();
  return e !== 'H' && e !== 'D';
}

/**
 * A Z-matrix from the topology's bonds. The frame is N, CA, C of the first residue that has them
 * bonded (the rigid-body anchors of Schöberl, Zabaras & Koutsourelakis, so φ and ψ come out as coordinates), else the best-connected heavy atom,
 * its best-connected neighbour and a neighbour of those. Atoms are then placed breadth-first from
 * the frame, heavy and well-connected children first: each atom i is bonded to j, the angle
 * reference k is the atom j was placed from, and the torsion reference is an atom already bonded
 * to j when there is one (an improper-like torsion that branching makes nearly rigid — easy for
 * a flow) and otherwise a neighbour of k (a proper torsion).
 */
export function buildZMatrix(top: Topology): ZMatrixRow[] {
  const N = top.atoms.length;
  if (N < 3) throw new InputError(`internal-coordinates transform: needs at least 3 atoms, the topology has ${N}`);
  const nbrs: number[][] = Array.from({ length: N }, () => []);
  top.bonds.forEach(([a, b], r) => {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= N || b >= N || a === b) {
      throw new InputError(
        `internal-coordinates transform: topology bond ${r} [${a}, ${b}] is not a pair of different atoms in 0..${N - 1}`,
      );
    }
    if (!nbrs[a]!.includes(b)) {
      nbrs[a]!.push(b);
      nbrs[b]!.push(a);
    }
  });
  const heavyDegree = nbrs.map((ns) => ns.filter((m) => isHeavy(top, m)).length);
  // Higher first: heavy, more heavy neighbours, more neighbours, lower index.
  const better = (p: number, q: number) =>
    Number(isHeavy(top, q)) - Number(isHeavy(top, p)) ||
    heavyDegree[q]! - heavyDegree[p]! ||
    nbrs[q]!.length - nbrs[p]!.length ||
    p - q;
  const bonded = (p: number, q: number) => nbrs[p]!.includes(q);

  let frame: [number, number, number] | undefined;
  const bb = backboneAnchors(top);
  if (bb && bonded(bb.origin, bb.axis) && bonded(bb.axis, bb.plane)) frame = [bb.origin, bb.axis, bb.plane];
  else {
    const z0 = [...Array(N).keys()].sort(better)[0]!;
    const z1 = [...nbrs[z0]!].sort(better)[0];
    if (z1 !== undefined) {
      const z2 = [
        ...nbrs[z1]!.filter((m) => m !== z0).sort(better),
        ...nbrs[z0]!.filter((m) => m !== z1).sort(better),
      ][0];
      if (z2 !== undefined) frame = [z0, z1, z2];
    }
    if (!frame)
      throw new InputError(
        `internal-coordinates transform: atom ${z0} and its bonded neighbours do not make 3 connected atoms; the bond graph is disconnected`,
      );
  }

  const [z0, z1, z2] = frame;
  const placed = new Int32Array(N).fill(-1); // placement order, −1 while unplaced
  const parent = new Int32Array(N).fill(-1);
  const order: number[] = [];
  const rows: ZMatrixRow[] = [];
  const place = (row: ZMatrixRow) => {
    placed[row[0]] = order.length;
    parent[row[0]] = row[1];
    order.push(row[0]);
    rows.push(row);
  };
  place([z0, -1, -1, -1]);
  place([z1, z0, -1, -1]);
  place(bonded(z1, z2) ? [z2, z1, z0, -1] : [z2, z0, z1, -1]);
  const earliest = (cands: number[]) => cands.sort((p, q) => placed[p]! - placed[q]!)[0];
  for (let q = 0; q < order.length; q++) {
    const j = order[q]!;
    for (const i of nbrs[j]!.filter((m) => placed[m]! < 0).sort(better)) {
      const k = parent[j]! >= 0 ? parent[j]! : earliest(nbrs[j]!.filter((m) => placed[m]! >= 0))!;
      const sibling = earliest(nbrs[j]!.filter((m) => placed[m]! >= 0 && m !== k));
      let l = sibling;
      if (l === undefined) {
        const proper = nbrs[k]!.filter((m) => placed[m]! >= 0 && m !== j);
        l = proper.includes(parent[k]!) ? parent[k]! : proper.sort(better)[0];
      }
      l ??= order.find((m) => m !== j && m !== k)!;
      place([i, j, k, l]);
    }
  }
  if (order.length < N) {
    const missing = [...Array(N).keys()].filter((m) => placed[m]! < 0);
    const shown = missing
      .slice(0, 10)
      .map((m) => `${m} (${top.atoms[m]!.name})`)
      .join(', ');
    throw new InputError(
      `internal-coordinates transform: the bond graph is disconnected: ${missing.length} atom(s) cannot be reached from atom ${z0} by bonds: ` +
        `${shown}${missing.length > 10 ? ', …' : ''}; give an explicit zMatrix`,
    );
  }
  return rows;
}

/** Atom labels: the name when unique in the molecule, else name:residue number (1-based). */
function atomLabels(nAtoms: number, top?: Topology): string[] {
  if (!top || top.atoms.length !== nAtoms) return Array.from({ length: nAtoms }, (_, i) => `#${i}`);
  const count = new Map<string, number>();
  for (const a of top.atoms) count.set(a.name.trim(), (count.get(a.name.trim()) ?? 0) + 1);
  return top.atoms.map((a) =>
    count.get(a.name.trim())! > 1 ? `${a.name.trim()}:${a.residueIndex + 1}` : a.name.trim(),
  );
}

/** Names of the y coordinates, chain-ordered from the references to the placed atom. */
export function internalCoordinateNames(zMatrix: readonly ZMatrixRow[], topology?: Topology): string[] {
  const N = zMatrix.length;
  const lab = atomLabels(N, topology);
  const names = new Array<string>(3 * N - 6);
  zMatrix.forEach(([i, j, k, l], r) => {
    if (r >= 1) names[bondIndex(r)] = `bond ${lab[j]}-${lab[i]}`;
    if (r >= 2) names[angleIndex(r, N)] = `angle ${lab[k]}-${lab[j]}-${lab[i]}`;
    if (r >= 3) names[torsionIndex(r, N)] = `torsion ${lab[l]}-${lab[k]}-${lab[j]}-${lab[i]}`;
  });
  return names;
}

type Vec = [number, number, number];

function at(x: ArrayLike<number>, o: number, i: number): Vec {
  return [x[o + 3 * i]!, x[o + 3 * i + 1]!, x[o + 3 * i + 2]!];
}
const sub = (u: Vec, v: Vec): Vec => [u[0] - v[0], u[1] - v[1], u[2] - v[2]];
const dot = (u: Vec, v: Vec) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const cross = (u: Vec, v: Vec): Vec => [
  u[1] * v[2] - u[2] * v[1],
  u[2] * v[0] - u[0] * v[2],
  u[0] * v[1] - u[1] * v[0],
];
const norm = (u: Vec) => Math.hypot(u[0], u[1], u[2]);

/** The internal-coordinates transform (see the file comment for the conventions). */
export function createInternalCoordinateTransform(options: InternalCoordinateOptions): InternalCoordinateTransform {
  const N = options.nAtoms;
  const zm = validateZMatrix(options.zMatrix, N);
  const D = 3 * N;
  const d = D - 6;
  const circular = new Uint8Array(d);
  for (let r = 3; r < N; r++) circular[torsionIndex(r, N)] = 1;
  const [z0, z1, z2] = [zm[0]![0], zm[1]![0], zm[2]![0]];
  // Row 2 lies along +x from z0 or −x from z1, rotated by θ towards +y.
  const ux2 = zm[2]![1] === z0 ? 1 : -1;

  const logDet64 = (y: Float64Array, o: number) => {
    let s = Math.log(Math.abs(y[o + bondIndex(2)]!));
    for (let r = 3; r < N; r++)
      s += 2 * Math.log(Math.abs(y[o + bondIndex(r)]!)) + Math.log(Math.abs(Math.sin(y[o + angleIndex(r, N)]!)));
    return s;
  };

  return {
    name: 'internal-coordinates',
    inputDimension: d,
    outputDimension: D,
    zMatrix: zm,
    anchors: { origin: z0, axis: z1, plane: z2 },
    circular,
    names: internalCoordinateNames(zm, options.topology),
    forward(y) {
      if (y.shape[1] !== d)
        throw new RangeError(`internal-coordinates transform: forward expects n × ${d}, got ${y.shape.join(' × ')}`);
      const n = y.shape[0];
      return tf.tidy(() => {
        // Column slices, element-wise ops and one concat only: every gradient here exists on wasm
        // (a gather's scatter-add does not). N is small, so a loop over atoms is cheap enough.
        const bonds = tf.slice(y, [0, 0], [n, N - 1]);
        const angles = tf.slice(y, [0, N - 1], [n, N - 2]);
        const torsions = tf.slice(y, [0, 2 * N - 3], [n, N - 3]);
        const cosA = tf.cos(angles),
          sinA = tf.sin(angles),
          cosT = tf.cos(torsions),
          sinT = tf.sin(torsions);
        const col = (t: tf.Tensor, c: number) => tf.slice(t, [0, c], [n, 1]);
        type V = [tf.Tensor, tf.Tensor, tf.Tensor];
        const zero = tf.zeros([n, 1]);
        const pos = new Array<V>(N);
        pos[z0] = [zero, zero, zero];
        pos[z1] = [col(bonds, 0), zero, zero];
        const b2 = col(bonds, 1);
        pos[z2] = [tf.add(pos[zm[2]![1]]![0], tf.mul(tf.mul(b2, col(cosA, 0)), ux2)), tf.mul(b2, col(sinA, 0)), zero];
        const vsub = (u: V, v: V): V => [tf.sub(u[0], v[0]), tf.sub(u[1], v[1]), tf.sub(u[2], v[2])];
        const vcross = (u: V, v: V): V => [
          tf.sub(tf.mul(u[1], v[2]), tf.mul(u[2], v[1])),
          tf.sub(tf.mul(u[2], v[0]), tf.mul(u[0], v[2])),
          tf.sub(tf.mul(u[0], v[1]), tf.mul(u[1], v[0])),
        ];
        // The tiny epsilon vanishes in float32 next to any real |u|² (~1e-2 nm² for bonded
        // references) and only keeps a degenerate (collinear) reference from giving NaN gradients.
        const unit = (u: V): V => {
          const inv = tf.rsqrt(tf.add(tf.add(tf.add(tf.square(u[0]), tf.square(u[1])), tf.square(u[2])), 1e-30));
          return [tf.mul(u[0], inv), tf.mul(u[1], inv), tf.mul(u[2], inv)];
        };
        for (let r = 3; r < N; r++) {
          const [i, j, k, l] = zm[r]!;
          // NeRF: local frame (bc, m, nv) at j, with bc along k→j and nv normal to the (l, k, j) plane.
          const bc = unit(vsub(pos[j]!, pos[k]!));
          const nv = unit(vcross(vsub(pos[k]!, pos[l]!), bc));
          const m = vcross(nv, bc);
          const b = col(bonds, r - 1),
            ca = col(cosA, r - 2),
            sa = col(sinA, r - 2);
          const d0 = tf.neg(tf.mul(b, ca));
          const bs = tf.mul(b, sa);
          const d1 = tf.mul(bs, col(cosT, r - 3)),
            d2 = tf.mul(bs, col(sinT, r - 3));
          pos[i] = [0, 1, 2].map((c) =>
            tf.add(tf.add(tf.add(pos[j]![c]!, tf.mul(bc[c]!, d0)), tf.mul(m[c]!, d1)), tf.mul(nv[c]!, d2)),
          ) as V;
        }
        const x = tf.concat(pos.flat(), 1) as tf.Tensor2D;
        // log|b2| + Σ_{r≥3} (log b² + log|sin θ|), via squares so that no abs gradient is needed.
        const rest = tf.add(
          tf.log(tf.square(tf.slice(bonds, [0, 2], [n, N - 3]))),
          tf.mul(tf.log(tf.square(tf.slice(sinA, [0, 1], [n, N - 3]))), 0.5),
        );
        const logDetJ = tf.add(tf.sum(rest, 1), tf.mul(tf.log(tf.square(tf.reshape(b2, [n]))), 0.5)) as tf.Tensor1D;
        return { x, logDetJ };
      });
    },
    forward64(y, n) {
      if (y.length !== n * d)
        throw new RangeError(`internal-coordinates transform: forward64 expects ${n} × ${d} numbers, got ${y.length}`);
      const x = new Float64Array(n * D);
      const logDetJ = new Float64Array(n);
      for (let f = 0; f < n; f++) {
        const o = f * d,
          xo = f * D;
        x[xo + 3 * z1] = y[o + bondIndex(1)]!;
        const b2 = y[o + bondIndex(2)]!,
          t2 = y[o + angleIndex(2, N)]!;
        x[xo + 3 * z2] = x[xo + 3 * zm[2]![1]]! + ux2 * b2 * Math.cos(t2);
        x[xo + 3 * z2 + 1] = b2 * Math.sin(t2);
        for (let r = 3; r < N; r++) {
          const [i, j, k, l] = zm[r]!;
          const pj = at(x, xo, j),
            pk = at(x, xo, k),
            pl = at(x, xo, l);
          const bc = sub(pj, pk);
          const lb = norm(bc);
          bc[0] /= lb;
          bc[1] /= lb;
          bc[2] /= lb;
          const nv = cross(sub(pk, pl), bc);
          const ln = norm(nv);
          nv[0] /= ln;
          nv[1] /= ln;
          nv[2] /= ln;
          const m = cross(nv, bc);
          const b = y[o + bondIndex(r)]!,
            th = y[o + angleIndex(r, N)]!,
            ph = y[o + torsionIndex(r, N)]!;
          const d0 = -b * Math.cos(th),
            d1 = b * Math.sin(th) * Math.cos(ph),
            d2 = b * Math.sin(th) * Math.sin(ph);
          for (let c = 0; c < 3; c++) x[xo + 3 * i + c] = pj[c]! + bc[c]! * d0 + m[c]! * d1 + nv[c]! * d2;
        }
        logDetJ[f] = logDet64(y, o);
      }
      return { x, logDetJ };
    },
    inverse64(x, n) {
      if (x.length !== n * D)
        throw new RangeError(`internal-coordinates transform: inverse64 expects ${n} × ${D} numbers, got ${x.length}`);
      const y = new Float64Array(n * d);
      const logDetJ = new Float64Array(n);
      for (let f = 0; f < n; f++) {
        const o = f * d,
          xo = f * D;
        for (let r = 1; r < N; r++) {
          const [i, j, k, l] = zm[r]!;
          const pi = at(x, xo, i),
            pj = at(x, xo, j);
          const ji = sub(pi, pj);
          y[o + bondIndex(r)] = norm(ji);
          if (r < 2) continue;
          const jk = sub(at(x, xo, k), pj);
          // atan2 keeps full precision near 0 and π, where acos loses it.
          y[o + angleIndex(r, N)] = Math.atan2(norm(cross(ji, jk)), dot(ji, jk));
          if (r < 3) continue;
          const b1 = sub(at(x, xo, k), at(x, xo, l)),
            b2 = sub(pj, at(x, xo, k));
          const n2 = cross(b2, ji);
          const phi = Math.atan2(norm(b2) * dot(b1, n2), dot(cross(b1, b2), n2));
          y[o + torsionIndex(r, N)] = phi === -Math.PI ? Math.PI : phi;
        }
        logDetJ[f] = -logDet64(y, o);
        if (!Number.isFinite(logDetJ[f]!)) {
          throw new RangeError(
            `internal-coordinates transform: configuration ${f} has coincident or collinear atoms; its internal coordinates are undefined`,
          );
        }
      }
      return { y, logDetJ };
    },
  };
}
