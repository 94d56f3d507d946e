/** Per-configuration geometry: radius of gyration and the handedness of chiral centres. */
import type { Topology } from '../contracts/force-field.js';

/** Mass-weighted radius of gyration (nm) of every frame; equal masses when the topology has none. */
export function radiusOfGyration(x: ArrayLike<number>, n: number, masses: ArrayLike<number>): Float64Array {
  const N = masses.length, D = 3 * N;
  let M = 0;
  for (let i = 0; i < N; i++) M += masses[i]!;
  const m = M > 0 ? Array.from(masses) : new Array(N).fill(1);
  if (M <= 0) M = N;
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let cx = 0, cy = 0, cz = 0;
    for (let i = 0; i < N; i++) {
      cx += m[i]! * x[f * D + 3 * i]!; cy += m[i]! * x[f * D + 3 * i + 1]!; cz += m[i]! * x[f * D + 3 * i + 2]!;
    }
    cx /= M; cy /= M; cz /= M;
    let s = 0;
    for (let i = 0; i < N; i++) {
      s += m[i]! * ((x[f * D + 3 * i]! - cx) ** 2 + (x[f * D + 3 * i + 1]! - cy) ** 2 + (x[f * D + 3 * i + 2]! - cz) ** 2);
    }
    out[f] = Math.sqrt(s / M);
  }
  return out;
}

/** A chiral centre CA with substituents N, C and CB of the same residue (zero-based indices). */
export interface ChiralCentre {
  residueIndex: number;
  ca: number;
  n: number;
  c: number;
  cb: number;
}

/** Every residue with atoms named CA, N, C and CB (glycine and caps have none). */
export function chiralCentres(top: Topology): ChiralCentre[] {
  const byRes = new Map<number, Map<string, number>>();
  top.atoms.forEach((a, i) => {
    if (!byRes.has(a.residueIndex)) byRes.set(a.residueIndex, new Map());
    const m = byRes.get(a.residueIndex)!;
    if (!m.has(a.name.trim())) m.set(a.name.trim(), i);
  });
  const out: ChiralCentre[] = [];
  for (const [r, m] of [...byRes].sort((p, q) => p[0] - q[0])) {
    const ca = m.get('CA'), n = m.get('N'), c = m.get('C'), cb = m.get('CB');
    if (ca !== undefined && n !== undefined && c !== undefined && cb !== undefined) out.push({ residueIndex: r, ca, n, c, cb });
  }
  return out;
}

/** Signed chirality volume (N−CA)·((C−CA)×(CB−CA)) of frame f, nm³; mirror images flip its sign. */
export function chiralityVolume(x: ArrayLike<number>, D: number, f: number, k: ChiralCentre): number {
  const p = (i: number, ax: number) => x[f * D + 3 * i + ax]! - x[f * D + 3 * k.ca + ax]!;
  const u = [p(k.n, 0), p(k.n, 1), p(k.n, 2)], v = [p(k.c, 0), p(k.c, 1), p(k.c, 2)], w = [p(k.cb, 0), p(k.cb, 1), p(k.cb, 2)];
  return u[0]! * (v[1]! * w[2]! - v[2]! * w[1]!) + u[1]! * (v[2]! * w[0]! - v[0]! * w[2]!) + u[2]! * (v[0]! * w[1]! - v[1]! * w[0]!);
}

/**
 * Fraction of frames in which any chiral centre has the opposite handedness to `reference`
 * (one configuration, length D). NaN when there are no chiral centres.
 */
export function wrongChiralityRate(x: ArrayLike<number>, n: number, D: number, centres: ChiralCentre[], reference: ArrayLike<number>): number {
  if (centres.length === 0 || n === 0) return NaN;
  const signs = centres.map((k) => Math.sign(chiralityVolume(reference, D, 0, k)));
  let wrong = 0;
  for (let f = 0; f < n; f++) {
    if (centres.some((k, j) => Math.sign(chiralityVolume(x, D, f, k)) !== signs[j])) wrong++;
  }
  return wrong / n;
}
