/**
 * `SystemParameters`: a force field's parameters in OpenMM's conventions (nm, kJ/mol, radians,
 * elementary charges; one list per OpenMM Force), and its JSON file format `system.json`
 * ("embedcg-system" version 1), which the OpenMM bridge writes from any OpenMM System and native engines evaluate.
 * It lives in core because it is the contract between exporters and engines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';

/** One atom of the system (mass in dalton). */
export interface SystemAtom {
  name: string;
  element: string;
  mass: number;
  residueName: string;
  residueIndex: number;
}

/** GB/SA implicit-solvent parameters (OpenMM GBSAOBCForce / CustomGBForce OBC semantics). */
export interface GbParameters {
  /** "obc1" (AMBER igb=2) or "obc2" (igb=5). */
  model: 'obc1' | 'obc2';
  solventDielectric: number;
  soluteDielectric: number;
  /** ACE surface-area energy, kJ/mol/nm² (OpenMM default 2.25936); 0 disables the term. */
  surfaceAreaEnergy: number;
  /** Per atom [charge (e), radius (nm), screening scale factor]. */
  particles: Array<[number, number, number]>;
}

/**
 * Force-field parameters of a non-periodic system, term by term as OpenMM Forces hold them:
 * - harmonicBonds: HarmonicBondForce, E = k/2 (r − r0)²
 * - harmonicAngles: HarmonicAngleForce, E = k/2 (θ − θ0)²
 * - periodicTorsions: PeriodicTorsionForce, E = k (1 + cos(nφ − phase)), propers and impropers
 * - nonbonded: NonbondedForce with NoCutoff; an exception replaces the pair's interaction
 * - gb: GBSAOBCForce (OBC2) or the OBC1 CustomGBForce, both with the ACE surface term
 */
export interface SystemParameters {
  format: 'embedcg-system';
  version: 1;
  atoms: SystemAtom[];
  /** Topology bonds (zero-based atom pairs). */
  bonds: Array<[number, number]>;
  /** [i, j, r0 (nm), k (kJ/mol/nm²)]. */
  harmonicBonds: Array<[number, number, number, number]>;
  /** [i, j, k, θ0 (rad), k (kJ/mol/rad²)]. */
  harmonicAngles: Array<[number, number, number, number, number]>;
  /** [i, j, k, l, periodicity, phase (rad), k (kJ/mol)]. */
  periodicTorsions: Array<[number, number, number, number, number, number, number]>;
  nonbonded: {
    /** Per atom [charge (e), sigma (nm), epsilon (kJ/mol)]. */
    particles: Array<[number, number, number]>;
    /** [i, j, chargeProd (e²), sigma (nm), epsilon (kJ/mol)]; replaces the pair's interaction. */
    exceptions: Array<[number, number, number, number, number]>;
  };
  gb: GbParameters | null;
}

type Fail = (path: string, msg: string) => never;
type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseAtoms(value: unknown, fail: Fail): SystemAtom[] {
  if (!Array.isArray(value) || value.length === 0) fail('atoms', 'expected a non-empty array');
  return (value as unknown[]).map((a, i) => {
    const p = `atoms[${i}]`;
    if (!isObj(a)) fail(p, 'expected an object');
    const r = a as Json;
    for (const key of ['name', 'element', 'residueName'] as const)
      if (typeof r[key] !== 'string') fail(`${p}.${key}`, 'expected a string');
    if (typeof r.mass !== 'number' || !Number.isFinite(r.mass) || r.mass < 0)
      fail(`${p}.mass`, `expected a non-negative number (dalton), got ${JSON.stringify(r.mass)}`);
    if (!Number.isInteger(r.residueIndex) || (r.residueIndex as number) < 0)
      fail(`${p}.residueIndex`, 'expected a non-negative integer');
    return {
      name: r.name as string,
      element: r.element as string,
      mass: r.mass as number,
      residueName: r.residueName as string,
      residueIndex: r.residueIndex as number,
    };
  });
}

/**
 * A reader of numeric rows, one kind per column: 'a' atom index, 'n' finite number, 'p' positive
 * integer periodicity.
 */
function rowReader(nAtoms: number, fail: Fail) {
  return <T>(value: unknown, path: string, kinds: string): T[] => {
    if (!Array.isArray(value)) fail(path, 'expected an array');
    return (value as unknown[]).map((row, r) => {
      if (!Array.isArray(row) || row.length !== kinds.length)
        fail(`${path}[${r}]`, `expected an array of ${kinds.length} numbers`);
      (row as unknown[]).forEach((v, c) => {
        const at = `${path}[${r}][${c}]`;
        if (typeof v !== 'number' || !Number.isFinite(v))
          fail(at, `expected a finite number, got ${JSON.stringify(v)}`);
        if (kinds[c] === 'a' && (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= nAtoms))
          fail(at, `atom index ${v} out of range (${nAtoms} atoms)`);
        if (kinds[c] === 'p' && (!Number.isInteger(v) || (v as number) < 1))
          fail(at, `periodicity must be a positive integer, got ${v}`);
      });
      return row as unknown as T;
    });
  };
}

function parseNonbonded(value: unknown, nAtoms: number, fail: Fail): SystemParameters['nonbonded'] {
  const rows = rowReader(nAtoms, fail);
  if (!isObj(value)) fail('nonbonded', 'expected an object with particles and exceptions');
  const nb = value as Json;
  const particles = rows<[number, number, number]>(nb.particles, 'nonbonded.particles', 'nnn');
  if (particles.length !== nAtoms) fail('nonbonded.particles', `has ${particles.length} entries for ${nAtoms} atoms`);
  const exceptions = rows<[number, number, number, number, number]>(
    nb.exceptions ?? [],
    'nonbonded.exceptions',
    'aannn',
  );
  const seen = new Set<number>();
  exceptions.forEach(([i, j], r) => {
    if (i === j) fail(`nonbonded.exceptions[${r}]`, `pairs an atom with itself (${i})`);
    const key = Math.min(i, j) * nAtoms + Math.max(i, j);
    if (seen.has(key)) fail(`nonbonded.exceptions[${r}]`, `duplicate exception for atoms ${i} and ${j}`);
    seen.add(key);
  });
  return { particles, exceptions };
}

function parseGb(value: unknown, nAtoms: number, fail: Fail): GbParameters | null {
  if (value === null || value === undefined) return null;
  if (!isObj(value)) fail('gb', 'expected null or an object');
  const g = value as Json;
  if (g.model !== 'obc1' && g.model !== 'obc2')
    fail('gb.model', `expected "obc1" or "obc2", got ${JSON.stringify(g.model)}`);
  const num = (key: string, dflt: number, positive: boolean) => {
    const v = g[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0))
      fail(`gb.${key}`, `expected a ${positive ? 'positive' : 'non-negative'} number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const gp = rowReader(nAtoms, fail)<[number, number, number]>(g.particles, 'gb.particles', 'nnn');
  if (gp.length !== nAtoms) fail('gb.particles', `has ${gp.length} entries for ${nAtoms} atoms`);
  gp.forEach(([, radius], r) => {
    if (radius <= 0.009)
      fail(`gb.particles[${r}][1]`, `radius ${radius} nm must exceed the 0.009 nm dielectric offset`);
  });
  return {
    model: g.model as 'obc1' | 'obc2',
    solventDielectric: num('solventDielectric', 78.5, true),
    soluteDielectric: num('soluteDielectric', 1.0, true),
    surfaceAreaEnergy: num('surfaceAreaEnergy', 2.25936, false),
    particles: gp,
  };
}

/** Validate a parsed JSON value as `SystemParameters`; errors name `source` and the JSON path. */
export function parseSystemJson(obj: unknown, source = 'system.json'): SystemParameters {
  const fail: Fail = (path, msg) => {
    throw new InputError(`${source}: ${path}: ${msg}`, source);
  };
  if (!isObj(obj)) fail('(root)', 'expected a JSON object');
  const o = obj as Json;
  if (o.format !== 'embedcg-system') fail('format', `expected "embedcg-system", got ${JSON.stringify(o.format)}`);
  if (o.version !== 1)
    fail('version', `unsupported version ${JSON.stringify(o.version)} (this reader knows version 1)`);
  const atoms = parseAtoms(o.atoms, fail);
  const rows = rowReader(atoms.length, fail);
  return {
    format: 'embedcg-system',
    version: 1,
    atoms,
    bonds: rows<[number, number]>(o.bonds ?? [], 'bonds', 'aa'),
    harmonicBonds: rows<[number, number, number, number]>(o.harmonicBonds ?? [], 'harmonicBonds', 'aann'),
    harmonicAngles: rows<[number, number, number, number, number]>(o.harmonicAngles ?? [], 'harmonicAngles', 'aaann'),
    periodicTorsions: rows<[number, number, number, number, number, number, number]>(
      o.periodicTorsions ?? [],
      'periodicTorsions',
      'aaaapnn',
    ),
    nonbonded: parseNonbonded(o.nonbonded, atoms.length, fail),
    gb: parseGb(o.gb, atoms.length, fail),
  };
}

/** Read and validate a system.json file. */
export function loadSystemJson(path: string): SystemParameters {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read system file (${(e as Error).message})`, path);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`, path);
  }
  return parseSystemJson(obj, path);
}

/** The JSON text of a system (numbers at full double precision). */
export function formatSystemJson(system: SystemParameters): string {
  const rows = (a: unknown[][]) =>
    a.length ? '[\n    ' + a.map((r) => JSON.stringify(r)).join(',\n    ') + '\n  ]' : '[]';
  const parts = [
    `"format": "embedcg-system"`,
    `"version": 1`,
    `"atoms": [\n    ${system.atoms.map((a) => JSON.stringify({ name: a.name, element: a.element, mass: a.mass, residueName: a.residueName, residueIndex: a.residueIndex })).join(',\n    ')}\n  ]`,
    `"bonds": ${rows(system.bonds)}`,
    `"harmonicBonds": ${rows(system.harmonicBonds)}`,
    `"harmonicAngles": ${rows(system.harmonicAngles)}`,
    `"periodicTorsions": ${rows(system.periodicTorsions)}`,
    `"nonbonded": {\n  "particles": ${rows(system.nonbonded.particles)},\n  "exceptions": ${rows(system.nonbonded.exceptions)}\n  }`,
    `"gb": ${system.gb === null ? 'null' : `{\n  "model": ${JSON.stringify(system.gb.model)}, "solventDielectric": ${system.gb.solventDielectric}, "soluteDielectric": ${system.gb.soluteDielectric}, "surfaceAreaEnergy": ${system.gb.surfaceAreaEnergy},\n  "particles": ${rows(system.gb.particles)}\n  }`}`,
  ];
  return '{\n  ' + parts.join(',\n  ') + '\n}\n';
}

/** Write a system.json file. */
export function writeSystemJson(path: string, system: SystemParameters): void {
  writeFileSync(path, formatSystemJson(system));
}
