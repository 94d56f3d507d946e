/**
 * The embedcg system.json format (version 1): an OpenMM system's parameters as plain numbers,
 * for engines that evaluate the force field themselves (e.g. @embedcg/forcefield-amber).
 * Units are OpenMM's; semantics are those of the named OpenMM forces with NoCutoff.
 */
export interface SystemJson {
  format: 'embedcg-system';
  version: 1;
  atoms: Array<{ name: string; element: string; mass: number; residueName: string; residueIndex: number }>;
  /** Topology bonds (zero-based atom pairs). */
  bonds: Array<[number, number]>;
  /** [i, j, r0 (nm), k (kJ/mol/nm²)]: E = k/2 (r − r0)² (HarmonicBondForce). */
  harmonicBonds: Array<[number, number, number, number]>;
  /** [i, j, k, θ0 (rad), k (kJ/mol/rad²)]: E = k/2 (θ − θ0)² (HarmonicAngleForce). */
  harmonicAngles: Array<[number, number, number, number, number]>;
  /** [i, j, k, l, periodicity, phase (rad), k (kJ/mol)]: E = k (1 + cos(nφ − phase)). */
  periodicTorsions: Array<[number, number, number, number, number, number, number]>;
  /** NonbondedForce, NoCutoff: exceptions replace the pair's Coulomb + LJ (zeros = excluded). */
  nonbonded: {
    particles: Array<[number, number, number]>;
    exceptions: Array<[number, number, number, number, number]>;
  };
  /** GB/SA implicit solvent: obc2 = GBSAOBCForce; obc1 = OpenMM's AMBER OBC1 CustomGBForce. */
  gb: null | {
    model: 'obc1' | 'obc2';
    solventDielectric: number;
    soluteDielectric: number;
    /** ACE surface-area energy, kJ/mol/nm² (0 = none). */
    surfaceAreaEnergy: number;
    /** [charge (e), radius (nm), scale]. */
    particles: Array<[number, number, number]>;
  };
}

/** Serialise a system.json with one array row per line: diff-friendly and still compact. */
export function formatSystemJson(system: SystemJson): string {
  const rows = (a: unknown[], indent: string) =>
    a.length === 0 ? '[]' : `[\n${a.map((r) => indent + '  ' + JSON.stringify(r)).join(',\n')}\n${indent}]`;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(system)) {
    let v: string;
    if (Array.isArray(value)) v = rows(value, '  ');
    else if (value && typeof value === 'object') {
      const inner = Object.entries(value).map(([k, x]) => `    ${JSON.stringify(k)}: ${Array.isArray(x) ? rows(x, '    ') : JSON.stringify(x)}`);
      v = `{\n${inner.join(',\n')}\n  }`;
    } else v = JSON.stringify(value);
    lines.push(`  ${JSON.stringify(key)}: ${v}`);
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}
