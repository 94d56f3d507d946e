/**
 * createOpenMMForceField: an embedcg ForceField evaluated by OpenMM in a pool of Python processes.
 */
import { isAbsolute, basename, resolve } from 'node:path';
import { checkPositions, type EnergyBatch, type EvaluateOptions, type ForceField, type Topology } from '@embedcg/core';
import { findPython } from './python.js';
import { OpenMMPool } from './pool.js';
import { checkSystemFiles, setupFailure, type SystemFiles } from './system-check.js';
import type { Frame } from './protocol.js';

export type Solvent = 'vacuum' | 'obc1' | 'obc2';
export type OpenMMPlatformName = 'Reference' | 'CPU' | 'CUDA' | 'OpenCL';

/** How to build the OpenMM system (exactly one of prmtop, system, systemJson, pdb + forcefield). */
export interface SystemSource {
  /** AMBER prmtop (parm7); implicit solvent from `solvent`. */
  prmtop?: string;
  /** Serialized OpenMM System XML (XmlSerializer); topology from `pdb` when given. */
  system?: string;
  /** An embedcg system.json (the format `embedcg prepare` writes). */
  systemJson?: string;
  /** PDB file: topology + positions; with `forcefield`, the system is built by OpenMM's ForceField. */
  pdb?: string;
  /**
   * A capped peptide's sequence, e.g. "ACE-ALA-ALA-ALA-NME": built from ideal internal coordinates,
   * hydrogens from OpenMM's Modeller, parameterised by `forcefield`.
   */
  sequence?: string;
  /** OpenMM force-field XML names, e.g. ["amber96.xml", "amber96_obc.xml"]. */
  forcefield?: string[];
  /** Starting coordinates: a file (.inpcrd/.rst7, .pdb, State .xml) or n_atoms×3 numbers in nm. */
  coordinates?: string | Float64Array | number[];
  /** Implicit solvent for a prmtop: vacuum (default), obc1 (CustomGBForce) or obc2 (GBSAOBCForce). */
  solvent?: Solvent;
  /** Relative paths resolve against this folder (default: the working directory). */
  baseDir?: string;
}

export interface OpenMMForceFieldOptions extends SystemSource {
  /** OpenMM platform: Reference (default; fastest for small molecules), CPU, CUDA, OpenCL. */
  platform?: OpenMMPlatformName;
  /** Number of Python processes evaluating in parallel (default 1). */
  processes?: number;
  /** Timeout of one request to one process, ms (default 120000). */
  timeoutMs?: number;
  /** Python interpreter with OpenMM (default: /usr/bin/python3, then python3 on PATH). */
  python?: string;
  /** Most configurations sent to one process in one request (default 4096). */
  maxBatch?: number;
  /** Where restarts are reported (default: stderr). */
  log?: (message: string) => void;
}

/** The OpenMM force field, with its pool and the names of its energy terms. */
export interface OpenMMForceField extends ForceField {
  readonly topology: Topology;
  /** OpenMM Force class names, the keys of per-term energies. */
  readonly terms: string[];
  readonly platform: string;
  readonly openmmVersion: string;
  readonly python: string;
  readonly pool: OpenMMPool;
  evaluate(positions: Float64Array, n: number, options?: EvaluateOptions): Promise<EnergyBatch>;
  dispose(): Promise<void>;
}

/** Turn a SystemSource into the JSON spec + arrays the Python server understands. */
export function systemSpec(src: SystemSource): { spec: Record<string, unknown>; arrays: Record<string, Float64Array> } {
  const abs = (p: string | undefined) =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(src.baseDir ?? process.cwd(), p);
  const kinds = [
    src.prmtop && 'prmtop',
    src.system && 'system',
    src.systemJson && 'systemJson',
    src.pdb && src.forcefield?.length && 'pdb+forcefield',
    src.sequence && src.forcefield?.length && 'sequence+forcefield',
  ].filter(Boolean);
  if (kinds.length === 0)
    throw new Error(
      'openmm: no system given: set prmtop, system (OpenMM XML), systemJson, pdb + forcefield or sequence + forcefield',
    );
  if (kinds.length > 1) throw new Error(`openmm: give only one system source, got ${kinds.join(', ')}`);
  const spec: Record<string, unknown> = {
    prmtop: abs(src.prmtop),
    systemXml: abs(src.system),
    systemJson: abs(src.systemJson),
    pdb: abs(src.pdb),
    sequence: src.sequence,
    forcefield: src.forcefield,
    solvent: src.solvent ?? 'vacuum',
  };
  const arrays: Record<string, Float64Array> = {};
  if (typeof src.coordinates === 'string') spec.coordinates = abs(src.coordinates);
  else if (src.coordinates) arrays.coordinates = Float64Array.from(src.coordinates);
  return { spec, arrays };
}

/**
 * Start `processes` OpenMM servers on the given system and return the force field.
 * Call `dispose()` when done (children are also killed at process exit).
 */
export async function createOpenMMForceField(options: OpenMMForceFieldOptions): Promise<OpenMMForceField> {
  const { spec, arrays } = systemSpec(options);
  // The files first: a bad one is refused, naming it, before (and whether or not) OpenMM starts.
  checkSystemFiles(spec as SystemFiles);
  const python = findPython(options.python);
  const processes = options.processes ?? 1;
  if (!Number.isInteger(processes) || processes < 1)
    throw new RangeError(`openmm: processes must be a positive integer, got ${processes}`);
  const maxBatch = options.maxBatch ?? 4096;
  const source = options.prmtop ?? options.systemJson ?? options.system ?? options.pdb ?? '?';
  const name = `openmm(${basename(source)}${options.prmtop ? `, ${options.solvent ?? 'vacuum'}` : ''})`;
  const pool = new OpenMMPool({
    python: python.python,
    size: processes,
    timeoutMs: options.timeoutMs ?? 120_000,
    init: { header: { cmd: 'init', platform: options.platform ?? 'Reference', ...spec }, arrays },
    log: options.log,
    label: name,
  });
  const init = await pool.start().catch((e: unknown) => {
    throw setupFailure(name, String(spec.prmtop ?? spec.systemJson ?? spec.systemXml ?? spec.pdb), e);
  });
  const natoms = Number(init.header.natoms);
  const dimension = 3 * natoms;
  const terms = init.header.terms as string[];
  // A System XML without a PDB knows only masses: its names and residues are placeholders.
  const served = toTopology(init.header.topology);
  const topology: Topology = spec.systemXml && !spec.pdb ? { ...served, elementsOnly: true } : served;

  async function evaluate(positions: Float64Array, n: number, opts: EvaluateOptions = {}): Promise<EnergyBatch> {
    checkPositions({ name, dimension }, positions, n);
    const energiesOnly = !!opts.energiesOnly;
    const wantTerms = !!opts.terms;
    const energies = new Float64Array(n);
    const forces = new Float64Array(energiesOnly ? 0 : n * dimension);
    const termArrays: Record<string, Float64Array> = {};
    if (wantTerms) for (const t of terms) termArrays[t] = new Float64Array(n);
    // Split the batch so every process gets a share; cap the share to bound message size.
    const chunk = Math.max(1, Math.min(maxBatch, Math.ceil(n / processes)));
    const jobs: Array<Promise<void>> = [];
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const sub = positions.subarray(start * dimension, (start + count) * dimension);
      jobs.push(
        pool.run({ cmd: 'evaluate', n: count, energiesOnly, terms: wantTerms }, { positions: sub }).then((f: Frame) => {
          energies.set(f.arrays.energies!, start);
          if (!energiesOnly) forces.set(f.arrays.forces!, start * dimension);
          if (wantTerms) for (const t of terms) termArrays[t]!.set(f.arrays[`term:${t}`]!, start);
        }),
      );
    }
    await Promise.all(jobs);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(energies[i])) {
        throw new Error(
          `${name}: OpenMM returned a NaN energy for configuration ${i} (overlapping atoms or a broken geometry?)`,
        );
      }
    }
    if (!energiesOnly) {
      for (let j = 0; j < forces.length; j++) {
        if (Number.isNaN(forces[j]!)) {
          const i = Math.floor(j / dimension);
          throw new Error(
            `${name}: OpenMM returned a NaN force for configuration ${i} (atom ${Math.floor((j % dimension) / 3)}; energy ${energies[i]})`,
          );
        }
      }
    }
    return wantTerms ? { energies, forces, terms: termArrays } : { energies, forces };
  }

  return {
    name,
    dimension,
    topology,
    terms,
    platform: String(init.header.platform),
    openmmVersion: String(init.header.openmmVersion),
    python: python.python,
    pool,
    initialPositions: init.arrays.positions,
    evaluate,
    dispose: () => pool.dispose(),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- topology JSON from the Python server
function toTopology(t: any): Topology {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    atoms: (t.atoms as any[]).map((a) => ({
      name: String(a.name),
      element: String(a.element),
      mass: Number(a.mass),
      residueName: String(a.residueName),
      residueIndex: Number(a.residueIndex),
    })),
    bonds: (t.bonds as Array<[number, number]>).map(([i, j]) => [i, j] as [number, number]),
  };
}
