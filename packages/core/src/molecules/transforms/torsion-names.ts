/**
 * Torsions found by atom names in the coordinate names of the internal-coordinates transform
 * ("torsion C:2-CA-N:2-C:1"; residue numbers are dropped when matching). Model plugins pick their
 * slow coordinates (φ, ψ) and their three-fold rotors this way, so both read the names one way.
 */

/**
 * The coordinate names an option needs (scaleByKind, 'backbone', 'methyls'), or a clear error
 * saying which option needed them and what the run's transform gave. `who` prefixes the error
 * ("vae model"), `otherwise` ends it with what the user can do instead.
 */
export function requireCoordinateNames(
  names: readonly string[] | undefined,
  dimension: number,
  o: { who: string; option: string; transformName?: string; otherwise?: string },
): readonly string[] {
  if (names && names.length === dimension) return names;
  throw new RangeError(
    `${o.who}: option ${o.option} needs a transform that names its ${dimension} coordinates (the internal-coordinates transform); ` +
      (names
        ? `the names given cover ${names.length} coordinates`
        : `this run's transform is ${o.transformName !== undefined ? `"${o.transformName}", which does not name its coordinates` : 'absent'}`) +
      (o.otherwise ? `. ${o.otherwise}` : ''),
  );
}

const strip = (label: string) => label.replace(/:\d+$/, '');
const isH = (label: string) => /^H/i.test(strip(label));
const isC = (label: string) => /^C/i.test(strip(label));

interface Torsion {
  i: number;
  atoms: string[];
}

function torsionsOf(names: readonly string[]): Torsion[] {
  return names
    .map((n, i) => ({ i, atoms: n.startsWith('torsion ') ? n.slice(8).split('-') : [] }))
    .filter((t) => t.atoms.length === 4);
}

/** Indices of φ = C–N–CA–C and ψ = N–CA–C–N (either direction); empty lists when absent. */
export function backboneTorsions(names: readonly string[]): { phi: number[]; psi: number[] } {
  const torsions = torsionsOf(names);
  const matches = (atoms: string[], pattern: string[]) => {
    const a = atoms.map(strip);
    return a.every((x, k) => x === pattern[k]) || a.every((x, k) => x === pattern[3 - k]);
  };
  return {
    phi: torsions.filter((t) => matches(t.atoms, ['C', 'N', 'CA', 'C'])).map((t) => t.i),
    psi: torsions.filter((t) => matches(t.atoms, ['N', 'CA', 'C', 'N'])).map((t) => t.i),
  };
}

/**
 * Indices of the rotor torsion of every methyl carbon (a carbon three hydrogens are bonded to):
 * the torsion that places its first hydrogen, i.e. whose first atom is not a hydrogen. The other
 * two hydrogens are placed by torsions relative to the first, which stay near ±120°, so this one
 * torsion carries the whole three-fold rotation.
 */
export function methylRotorTorsions(names: readonly string[]): number[] {
  const hydrogens = new Map<string, number>();
  for (const n of names) {
    if (!n.startsWith('bond ')) continue;
    const [a, b] = n.slice(5).split('-') as [string, string];
    if (isC(a) && isH(b)) hydrogens.set(a, (hydrogens.get(a) ?? 0) + 1);
    if (isH(a) && isC(b)) hydrogens.set(b, (hydrogens.get(b) ?? 0) + 1);
  }
  const out: number[] = [];
  for (const t of torsionsOf(names)) {
    const [l, , j, i] = t.atoms as [string, string, string, string];
    if (hydrogens.get(j) === 3 && isH(i) && !isH(l)) out.push(t.i);
  }
  return out;
}
