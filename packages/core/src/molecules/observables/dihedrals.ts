/**
 * Torsion angles and the backbone dihedrals of peptides, found from atom names:
 * φ = C(i−1)–N(i)–CA(i)–C(i), ψ = N(i)–CA(i)–C(i)–N(i+1). For alanine dipeptide (ACE-ALA-NME)
 * this gives the 4-6-8-14 and 6-8-14-16 quadruples (zero-based atom indices).
 */
import type { Topology } from '../../contracts/force-field.js';

export type Quad = [number, number, number, number];

/** Dihedral angle in radians, (−π, π], of atoms a-b-c-d of configuration `frame` (IUPAC sign). */
export function dihedral(x: ArrayLike<number>, D: number, frame: number, q: Quad): number {
  const o = frame * D;
  const p = (a: number, k: number) => x[o + 3 * a + k]!;
  const b1 = [p(q[1], 0) - p(q[0], 0), p(q[1], 1) - p(q[0], 1), p(q[1], 2) - p(q[0], 2)];
  const b2 = [p(q[2], 0) - p(q[1], 0), p(q[2], 1) - p(q[1], 1), p(q[2], 2) - p(q[1], 2)];
  const b3 = [p(q[3], 0) - p(q[2], 0), p(q[3], 1) - p(q[2], 1), p(q[3], 2) - p(q[2], 2)];
  const cross = (u: number[], v: number[]) => [
    u[1]! * v[2]! - u[2]! * v[1]!,
    u[2]! * v[0]! - u[0]! * v[2]!,
    u[0]! * v[1]! - u[1]! * v[0]!,
  ];
  const dot = (u: number[], v: number[]) => u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  // Blondel & Karplus: atan2(|b2| b1·(b2×b3), (b1×b2)·(b2×b3)), the IUPAC sign that mdtraj and
  // OpenMM use (alanine dipeptide's C7eq/β region has φ < 0).
  const n2 = cross(b2, b3);
  return Math.atan2(Math.sqrt(dot(b2, b2)) * dot(b1, n2), dot(cross(b1, b2), n2));
}

/** Dihedral of every frame. */
export function dihedralSeries(x: ArrayLike<number>, D: number, n: number, q: Quad): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dihedral(x, D, i, q);
  return out;
}

/** φ and ψ quadruples of every residue that has both neighbours. */
export function backboneDihedrals(top: Topology): { phi: Quad[]; psi: Quad[]; residues: number[] } {
  const byRes = new Map<number, Map<string, number>>();
  top.atoms.forEach((a, i) => {
    if (!byRes.has(a.residueIndex)) byRes.set(a.residueIndex, new Map());
    byRes.get(a.residueIndex)!.set(a.name.trim(), i);
  });
  const phi: Quad[] = [],
    psi: Quad[] = [],
    residues: number[] = [];
  for (const [r, names] of [...byRes.entries()].sort((a, b) => a[0] - b[0])) {
    const prev = byRes.get(r - 1),
      next = byRes.get(r + 1);
    const N = names.get('N'),
      CA = names.get('CA'),
      C = names.get('C');
    const Cp = prev?.get('C'),
      Nn = next?.get('N');
    if (N === undefined || CA === undefined || C === undefined || Cp === undefined || Nn === undefined) continue;
    phi.push([Cp, N, CA, C]);
    psi.push([N, CA, C, Nn]);
    residues.push(r);
  }
  return { phi, psi, residues };
}
