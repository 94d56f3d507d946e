/** Per-configuration geometry: radius of gyration and the handedness of chiral centres. */
import { chiralityCenters, type ChiralityCenter } from '../transforms/chirality.js';
import type { Topology } from '../../contracts/force-field.js';

/** Mass-weighted radius of gyration (nm) of every frame; equal masses when the topology has none. */
export function radiusOfGyration(x: ArrayLike<number>, n: number, masses: ArrayLike<number>): Float64Array {
  const N = masses.length,
    D = 3 * N;
  let M = 0;
  for (let i = 0; i < N; i++) M += masses[i]!;
  const m = M > 0 ? Array.from(masses) : new Array(N).fill(1);
  if (M <= 0) M = N;
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let cx = 0,
      cy = 0,
      cz = 0;
    for (let i = 0; i < N; i++) {
      cx += m[i]! * x[f * D + 3 * i]!;
      cy += m[i]! * x[f * D + 3 * i + 1]!;
      cz += m[i]! * x[f * D + 3 * i + 2]!;
    }
    cx /= M;
    cy /= M;
    cz /= M;
    let s = 0;
    for (let i = 0; i < N; i++) {
      s +=
        m[i]! * ((x[f * D + 3 * i]! - cx) ** 2 + (x[f * D + 3 * i + 1]! - cy) ** 2 + (x[f * D + 3 * i + 2]! - cz) ** 2);
    }
    out[f] = Math.sqrt(s / M);
  }
  return out;
}

/**
 * Backbone CA centres by atom names (N, CA, C and CB of one residue), for topologies without bonds;
 * with bonds, `chiralityCenters` finds every stereocentre. Neighbours are [N, C, CB, −1]: the first
 * three set the sign and the fourth is not needed.
 */
export function backboneChiralCentres(top: Topology): ChiralityCenter[] {
  const byRes = new Map<number, Map<string, number>>();
  top.atoms.forEach((a, i) => {
    if (!byRes.has(a.residueIndex)) byRes.set(a.residueIndex, new Map());
    const m = byRes.get(a.residueIndex)!;
    if (!m.has(a.name.trim())) m.set(a.name.trim(), i);
  });
  const out: ChiralityCenter[] = [];
  for (const [, m] of [...byRes].sort((p, q) => p[0] - q[0])) {
    const ca = m.get('CA'),
      n = m.get('N'),
      c = m.get('C'),
      cb = m.get('CB');
    if (ca !== undefined && n !== undefined && c !== undefined && cb !== undefined)
      out.push({ center: ca, neighbours: [n, c, cb, -1] });
  }
  return out;
}

/** Stereocentres from the bonds when the topology has them, else backbone CAs by name. */
export function chiralCentres(top: Topology): ChiralityCenter[] {
  const found = top.bonds.length > 0 ? chiralityCenters(top) : [];
  return found.length > 0 ? found : backboneChiralCentres(top);
}
