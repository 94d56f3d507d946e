/**
 * Rigid-body removal (as in Schöberl, Zabaras & Koutsourelakis, "Embedded-physics machine
 * learning for coarse-graining and collective variable discovery without data"): the model works
 * in y ∈ R^(3N−6), the force field in x ∈ R^(3N). Three anchor atoms fix the frame: the `origin`
 * atom sits at 0, the `axis` atom on the x axis (y = z = 0), the `plane` atom in the xy plane
 * (z = 0). y is x with those 6 zero coordinates left out, in the original order.
 *
 * Density convention: T inserts constant zeros, so it is an isometric bijection from R^(3N−6)
 * onto the canonical-frame submanifold of R^(3N); its log-volume factor there is 0
 * (`logDetJ = 0`). The force field is invariant to rigid motions, so a Boltzmann density on the
 * submanifold carries everything the full one does (the rotational/translational volume is a
 * constant that only shifts log Z).
 *
 * `inverse64` rotates any x into the canonical frame first: translate the origin atom to 0,
 * rotate so the axis atom lies on +x and the plane atom in the xy plane with y > 0 (a proper
 * rotation, so chirality is kept). `forward` of a y whose axis-atom x or plane-atom y is negative
 * is still a valid, rigidly rotated configuration; only y with both positive round-trip exactly.
 */
import * as tf from '@embedcg/core/tf';
import type { Topology } from '../../contracts/force-field.js';
import type { CoordinateTransform } from '../../contracts/transform.js';
import { InputError } from '../../errors.js';

/** The three anchor atoms (zero-based indices). */
export interface RigidBodyAnchors {
  origin: number;
  axis: number;
  plane: number;
}

export interface RigidBodyOptions extends RigidBodyAnchors {
  /** Number of atoms N of the system (x has 3N coordinates). */
  nAtoms: number;
}

/** Indices (into x) of the 6 coordinates the canonical frame fixes at zero, ascending. */
export function fixedCoordinates(a: RigidBodyAnchors): number[] {
  return [3 * a.origin, 3 * a.origin + 1, 3 * a.origin + 2, 3 * a.axis + 1, 3 * a.axis + 2, 3 * a.plane + 2].sort(
    (p, q) => p - q,
  );
}

/**
 * Default anchors from atom names: N, CA and C of the first residue that has all three (for
 * ACE-ALA-NME the alanine, atoms 6, 8, 14), as that paper fixes them. Undefined when no residue has them.
 */
export function backboneAnchors(top: Topology): RigidBodyAnchors | undefined {
  const byRes = new Map<number, Map<string, number>>();
  top.atoms.forEach((a, i) => {
    if (!byRes.has(a.residueIndex)) byRes.set(a.residueIndex, new Map());
    const m = byRes.get(a.residueIndex)!;
    if (!m.has(a.name.trim())) m.set(a.name.trim(), i);
  });
  for (const r of [...byRes.keys()].sort((p, q) => p - q)) {
    const m = byRes.get(r)!;
    const N = m.get('N'),
      CA = m.get('CA'),
      C = m.get('C');
    if (N !== undefined && CA !== undefined && C !== undefined) return { origin: N, axis: CA, plane: C };
  }
  return undefined;
}

function checkAnchors(o: RigidBodyOptions): void {
  const { nAtoms, origin, axis, plane } = o;
  if (!Number.isInteger(nAtoms) || nAtoms < 3)
    throw new InputError(`rigid-body transform: needs at least 3 atoms, got nAtoms = ${nAtoms}`);
  for (const [k, v] of [
    ['origin', origin],
    ['axis', axis],
    ['plane', plane],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= nAtoms) {
      throw new InputError(`rigid-body transform: option ${k} = ${v} is not an atom index in 0..${nAtoms - 1}`);
    }
  }
  if (origin === axis || origin === plane || axis === plane) {
    throw new InputError(
      `rigid-body transform: origin, axis and plane must be three different atoms, got ${origin}, ${axis}, ${plane}`,
    );
  }
}

/**
 * Put n configurations into the canonical frame (a copy). Throws, naming the configuration,
 * when the anchors are coincident or collinear (the frame is then undefined).
 */
export function canonicalFrame(x: Float64Array, n: number, a: RigidBodyAnchors & { nAtoms: number }): Float64Array {
  const D = 3 * a.nAtoms;
  if (x.length !== n * D)
    throw new RangeError(`rigid-body transform: expected ${n} × ${D} coordinates, got ${x.length}`);
  const out = new Float64Array(x.length);
  for (let f = 0; f < n; f++) {
    const o = f * D;
    const ox = x[o + 3 * a.origin]!,
      oy = x[o + 3 * a.origin + 1]!,
      oz = x[o + 3 * a.origin + 2]!;
    let e1x = x[o + 3 * a.axis]! - ox,
      e1y = x[o + 3 * a.axis + 1]! - oy,
      e1z = x[o + 3 * a.axis + 2]! - oz;
    const l1 = Math.hypot(e1x, e1y, e1z);
    const vx = x[o + 3 * a.plane]! - ox,
      vy = x[o + 3 * a.plane + 1]! - oy,
      vz = x[o + 3 * a.plane + 2]! - oz;
    if (!(l1 > 1e-12))
      throw new RangeError(
        `rigid-body transform: configuration ${f}: axis atom ${a.axis} coincides with origin atom ${a.origin}`,
      );
    e1x /= l1;
    e1y /= l1;
    e1z /= l1;
    const p = vx * e1x + vy * e1y + vz * e1z;
    let e2x = vx - p * e1x,
      e2y = vy - p * e1y,
      e2z = vz - p * e1z;
    const l2 = Math.hypot(e2x, e2y, e2z);
    if (!(l2 > 1e-12 * Math.max(1, Math.hypot(vx, vy, vz)))) {
      throw new RangeError(
        `rigid-body transform: configuration ${f}: atoms ${a.origin}, ${a.axis}, ${a.plane} are collinear; the frame is undefined`,
      );
    }
    e2x /= l2;
    e2y /= l2;
    e2z /= l2;
    // e3 = e1 × e2 keeps det R = +1: a rotation, never a reflection (chirality is preserved).
    const e3x = e1y * e2z - e1z * e2y,
      e3y = e1z * e2x - e1x * e2z,
      e3z = e1x * e2y - e1y * e2x;
    for (let i = 0; i < a.nAtoms; i++) {
      const k = o + 3 * i;
      const dx = x[k]! - ox,
        dy = x[k + 1]! - oy,
        dz = x[k + 2]! - oz;
      out[k] = e1x * dx + e1y * dy + e1z * dz;
      out[k + 1] = e2x * dx + e2y * dy + e2z * dz;
      out[k + 2] = e3x * dx + e3y * dy + e3z * dz;
    }
    // Exact zeros where the frame says so (rounding would leave ~1e-17 residues).
    out[o + 3 * a.origin] = out[o + 3 * a.origin + 1] = out[o + 3 * a.origin + 2] = 0;
    out[o + 3 * a.axis + 1] = out[o + 3 * a.axis + 2] = out[o + 3 * a.plane + 2] = 0;
  }
  return out;
}

/** The rigid-body-removal transform (see the file comment for the conventions). */
export function createRigidBodyTransform(options: RigidBodyOptions): CoordinateTransform {
  checkAnchors(options);
  const D = 3 * options.nAtoms;
  const d = D - 6;
  const fixed = new Set(fixedCoordinates(options));
  // For each x coordinate, the y column it copies, or d (an appended zero column) when fixed.
  const source = new Int32Array(D);
  const kept = new Int32Array(d);
  for (let k = 0, j = 0; k < D; k++) {
    if (fixed.has(k)) source[k] = d;
    else {
      source[k] = j;
      kept[j++] = k;
    }
  }
  // Runs of consecutive x coordinates that are either all copied from y or all fixed at zero.
  const runs: Array<{ fromY: boolean; start: number; length: number }> = [];
  for (let k = 0; k < D; k++) {
    const fromY = source[k]! < d;
    const last = runs[runs.length - 1];
    if (last && last.fromY === fromY) last.length++;
    else runs.push({ fromY, start: fromY ? source[k]! : 0, length: 1 });
  }
  return {
    name: 'rigid-body',
    inputDimension: d,
    outputDimension: D,
    forward(y) {
      if (y.shape[1] !== d)
        throw new RangeError(`rigid-body transform: forward expects n × ${d}, got ${y.shape.join(' × ')}`);
      const n = y.shape[0];
      // Slices of y and zero blocks, concatenated: exact (no arithmetic), and the gradient is a
      // slice of the upstream gradient, which every backend implements (a gather's scatter-add
      // gradient is missing on wasm).
      return tf.tidy(() => {
        const pieces = runs.map((r) => (r.fromY ? tf.slice(y, [0, r.start], [n, r.length]) : tf.zeros([n, r.length])));
        return { x: tf.concat(pieces, 1) as tf.Tensor2D, logDetJ: tf.zeros([n]) as tf.Tensor1D };
      });
    },
    forward64(y, n) {
      if (y.length !== n * d)
        throw new RangeError(`rigid-body transform: forward64 expects ${n} × ${d} numbers, got ${y.length}`);
      const x = new Float64Array(n * D);
      for (let f = 0; f < n; f++) for (let j = 0; j < d; j++) x[f * D + kept[j]!] = y[f * d + j]!;
      return { x, logDetJ: new Float64Array(n) };
    },
    inverse64(x, n) {
      const c = canonicalFrame(x, n, options);
      const y = new Float64Array(n * d);
      for (let f = 0; f < n; f++) for (let j = 0; j < d; j++) y[f * d + j] = c[f * D + kept[j]!]!;
      return { y, logDetJ: new Float64Array(n) };
    },
  };
}
