/**
 * Internal coordinates (the Z-matrix bijection of internal-coordinate Boltzmann generators, e.g.
 * Midgley et al., "Flow Annealed Importance Sampling Bootstrap"): the model works in
 * y = [bonds (N−1), angles (N−2), torsions (N−3)], one of each per Z-matrix row in row order, the
 * force field in x ∈ R^(3N).
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
import type { Topology } from '../../contracts/force-field.js';
import type { CoordinateTransform } from '../../contracts/transform.js';
import type { RigidBodyAnchors } from './rigid-body.js';
import { angleIndex, bondIndex, torsionIndex, validateZMatrix, type ZMatrixRow } from './z-matrix.js';
import { internalToCartesianTf } from './internal-coordinates-tf.js';
import { internalToCartesianFused } from './internal-coordinates-fused.js';
import { logDetJ64, measureInternal64, placeAtoms64 } from './internal-coordinates-64.js';

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
  /**
   * The forward map as one Float64 op with a hand-written gradient (default true), or as the
   * composition of about 1,400 small tfjs ops (`training.fusedKernels: false`).
   */
  fused?: boolean;
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
  const fused = options.fused ?? true;
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
      return fused ? internalToCartesianFused(y, zm, ux2) : internalToCartesianTf(y, zm, ux2);
    },
    forward64(y, n) {
      if (y.length !== n * d)
        throw new RangeError(`internal-coordinates transform: forward64 expects ${n} × ${d} numbers, got ${y.length}`);
      const x = new Float64Array(n * D);
      const logDetJ = new Float64Array(n);
      for (let f = 0; f < n; f++) {
        placeAtoms64(y, f * d, x, f * D, zm, ux2);
        logDetJ[f] = logDetJ64(y, f * d, N);
      }
      return { x, logDetJ };
    },
    inverse64(x, n) {
      if (x.length !== n * D)
        throw new RangeError(`internal-coordinates transform: inverse64 expects ${n} × ${D} numbers, got ${x.length}`);
      const y = new Float64Array(n * d);
      const logDetJ = new Float64Array(n);
      for (let f = 0; f < n; f++) {
        measureInternal64(x, f * D, y, f * d, zm);
        logDetJ[f] = -logDetJ64(y, f * d, N);
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
