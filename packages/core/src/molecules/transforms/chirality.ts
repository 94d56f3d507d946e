/**
 * Chirality of stereocentres (a known failure of internal-coordinate Boltzmann generators, e.g.
 * Midgley et al., "Flow Annealed Importance Sampling Bootstrap"): an internal-coordinate model can
 * put a substituent on the wrong side (D-Ala instead of L-Ala), which no bond, angle or energy
 * barrier it sees forbids. The handedness of a centre with four different substituents is the sign of the signed
 * volume of three of them about it; comparing it with a reference structure finds the wrong
 * enantiomers, for reporting or filtering by the caller.
 */
import type { Topology } from '../../contracts/force-field.js';

/** A stereocentre and its four bonded neighbours (ascending indices; the first three set the sign). */
export interface ChiralityCenter {
  center: number;
  neighbours: [number, number, number, number];
}

/**
 * Atoms with exactly four bonded neighbours whose substituents all differ. Substituents are
 * compared by element trees grown away from the centre to `depth` bonds, so two branches that
 * first differ further out count as equal (the centre is then missed, never invented).
 */
export function chiralityCenters(top: Topology, depth = 6): ChiralityCenter[] {
  const N = top.atoms.length;
  const nbrs: number[][] = Array.from({ length: N }, () => []);
  for (const [a, b] of top.bonds) {
    if (a === b || a < 0 || b < 0 || a >= N || b >= N || nbrs[a]!.includes(b)) continue;
    nbrs[a]!.push(b);
    nbrs[b]!.push(a);
  }
  const element = (i: number) => (top.atoms[i]!.element || top.atoms[i]!.name.trim()[0] || '?').toUpperCase();
  // Paths never revisit their own atoms, so rings are unrolled only up to `depth`.
  const tree = (i: number, path: number[], left: number): string => {
    if (left === 0) return element(i);
    const next = nbrs[i]!.filter((m) => !path.includes(m));
    return `${element(i)}(${next
      .map((m) => tree(m, [...path, m], left - 1))
      .sort()
      .join(',')})`;
  };
  const centers: ChiralityCenter[] = [];
  for (let c = 0; c < N; c++) {
    if (nbrs[c]!.length !== 4) continue;
    const subs = nbrs[c]!.map((m) => tree(m, [c, m], depth));
    if (new Set(subs).size < 4) continue;
    centers.push({ center: c, neighbours: [...nbrs[c]!].sort((p, q) => p - q) as [number, number, number, number] });
  }
  return centers;
}

/** Signed volume (a−c)·((b−c)×(d−c)) of a centre's first three neighbours in configuration f. */
export function signedVolume(x: ArrayLike<number>, D: number, f: number, center: ChiralityCenter): number {
  const o = f * D,
    c = center.center;
  const p = (i: number, k: number) => x[o + 3 * i + k]! - x[o + 3 * c + k]!;
  const [a, b, d] = center.neighbours;
  const u = [p(a, 0), p(a, 1), p(a, 2)],
    v = [p(b, 0), p(b, 1), p(b, 2)],
    w = [p(d, 0), p(d, 1), p(d, 2)];
  return (
    u[0]! * (v[1]! * w[2]! - v[2]! * w[1]!) -
    u[1]! * (v[0]! * w[2]! - v[2]! * w[0]!) +
    u[2]! * (v[0]! * w[1]! - v[1]! * w[0]!)
  );
}

/**
 * Per configuration, 1 when any centre's handedness differs from the reference configuration's
 * (a flat volume counts as wrong). `reference` is one configuration; its length sets 3N.
 */
export function wrongChirality(
  x: Float64Array,
  n: number,
  centers: readonly ChiralityCenter[],
  reference: ArrayLike<number>,
): Uint8Array {
  const D = reference.length;
  if (x.length !== n * D) throw new RangeError(`chirality check: expected ${n} × ${D} coordinates, got ${x.length}`);
  const want = centers.map((c) => {
    const v = signedVolume(reference, D, 0, c);
    if (!(v !== 0 && Number.isFinite(v)))
      throw new RangeError(`chirality check: the reference is flat or undefined at centre atom ${c.center}`);
    return Math.sign(v);
  });
  const wrong = new Uint8Array(n);
  for (let f = 0; f < n; f++)
    wrong[f] = centers.some((c, m) => Math.sign(signedVolume(x, D, f, c)) !== want[m]) ? 1 : 0;
  return wrong;
}

/** Fraction of the n configurations with at least one centre of the wrong handedness. */
export function wrongChiralityRate(
  x: Float64Array,
  n: number,
  centers: readonly ChiralityCenter[],
  reference: ArrayLike<number>,
): number {
  if (n === 0) return 0;
  return wrongChirality(x, n, centers, reference).reduce((s, w) => s + w, 0) / n;
}
