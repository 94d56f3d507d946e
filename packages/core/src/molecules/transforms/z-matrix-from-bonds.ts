/** A Z-matrix built from a topology's bonds (the `internal-coordinates` transform's default). */
import type { Topology } from '../../contracts/force-field.js';
import { InputError } from '../../errors.js';
import { backboneAnchors } from './rigid-body.js';
import type { ZMatrixRow } from './z-matrix.js';

function isHeavy(top: Topology, i: number): boolean {
  const a = top.atoms[i]!;
  const e = (a.element || a.name.trim()[0] || '').toUpperCase();
  return e !== 'H' && e !== 'D';
}

/** The bond graph and the order in which atoms are preferred as frame atoms and children. */
interface BondGraph {
  nbrs: number[][];
  /** Sort comparator, better first: heavy, more heavy neighbours, more neighbours, lower index. */
  better: (p: number, q: number) => number;
  bonded: (p: number, q: number) => boolean;
}

function bondGraph(top: Topology): BondGraph {
  const N = top.atoms.length;
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
  const better = (p: number, q: number) =>
    Number(isHeavy(top, q)) - Number(isHeavy(top, p)) ||
    heavyDegree[q]! - heavyDegree[p]! ||
    nbrs[q]!.length - nbrs[p]!.length ||
    p - q;
  return { nbrs, better, bonded: (p, q) => nbrs[p]!.includes(q) };
}

/** N, CA, C of the first residue that has them bonded, else the best-connected heavy atoms. */
function frameAtoms(top: Topology, { nbrs, better, bonded }: BondGraph): [number, number, number] {
  const bb = backboneAnchors(top);
  if (bb && bonded(bb.origin, bb.axis) && bonded(bb.axis, bb.plane)) return [bb.origin, bb.axis, bb.plane];
  const z0 = [...Array(top.atoms.length).keys()].sort(better)[0]!;
  const z1 = [...nbrs[z0]!].sort(better)[0];
  if (z1 !== undefined) {
    const z2 = [
      ...nbrs[z1]!.filter((m) => m !== z0).sort(better),
      ...nbrs[z0]!.filter((m) => m !== z1).sort(better),
    ][0];
    if (z2 !== undefined) return [z0, z1, z2];
  }
  throw new InputError(
    `internal-coordinates transform: atom ${z0} and its bonded neighbours do not make 3 connected atoms; the bond graph is disconnected`,
  );
}

/** Rows placed breadth-first from the frame, and each atom's placement order (−1: unreachable). */
function placeBreadthFirst(
  N: number,
  [z0, z1, z2]: [number, number, number],
  { nbrs, better, bonded }: BondGraph,
): { rows: ZMatrixRow[]; placed: Int32Array } {
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
  return { rows, placed };
}

/**
 * A Z-matrix from the topology's bonds. The frame is N, CA, C of the first residue that has them
 * bonded (the rigid-body anchors of Schöberl, Zabaras & Koutsourelakis, so φ and ψ come out as
 * coordinates), else the best-connected heavy atom, its best-connected neighbour and a neighbour
 * of those. Atoms are then placed breadth-first from the frame, heavy and well-connected children
 * first: each atom i is bonded to j, the angle reference k is the atom j was placed from, and the
 * torsion reference is an atom already bonded to j when there is one (an improper-like torsion
 * that branching makes nearly rigid — easy for a flow) and otherwise a neighbour of k (a proper
 * torsion).
 */
export function buildZMatrix(top: Topology): ZMatrixRow[] {
  const N = top.atoms.length;
  if (N < 3) throw new InputError(`internal-coordinates transform: needs at least 3 atoms, the topology has ${N}`);
  const graph = bondGraph(top);
  const frame = frameAtoms(top, graph);
  const { rows, placed } = placeBreadthFirst(N, frame, graph);
  if (rows.length < N) {
    const missing = [...Array(N).keys()].filter((m) => placed[m]! < 0);
    const shown = missing
      .slice(0, 10)
      .map((m) => `${m} (${top.atoms[m]!.name})`)
      .join(', ');
    throw new InputError(
      `internal-coordinates transform: the bond graph is disconnected: ${missing.length} atom(s) cannot be reached from atom ${frame[0]} by bonds: ` +
        `${shown}${missing.length > 10 ? ', …' : ''}; give an explicit zMatrix`,
    );
  }
  return rows;
}
