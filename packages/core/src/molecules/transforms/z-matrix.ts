/**
 * Z-matrices: one row [i, j, k, l] per atom places atom i at distance b from j, with angle
 * θ = ∠(i, j, k) and torsion φ = dihedral(l, k, j, i). The first three rows are the frame (row 0
 * at the origin, row 1 on +x, row 2 in the xy plane), so they have only 0, 1 and 2 references.
 * The internal coordinates y hold one bond per row from row 1, one angle from row 2 and one
 * torsion from row 3, in row order: y = [bonds (N−1), angles (N−2), torsions (N−3)].
 */
import { InputError } from '../../errors.js';

/** One row [atom, bonded to, angle reference, torsion reference]; −1 where the frame has none. */
export type ZMatrixRow = readonly [number, number, number, number];

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
