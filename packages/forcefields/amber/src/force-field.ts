/**
 * The AMBER force field as an embedcg ForceField: parameters from a prmtop or a system.json,
 * optional starting coordinates, vacuum / OBC1 / OBC2.
 */
import { basename, resolve } from 'node:path';
import { InputError, type EvaluateOptions, type ForceField, type Topology } from '@embedcg/core';
import { AmberEvaluator, type AmberEnergyBatch } from './evaluator.js';
import { readPrmtop } from './prmtop.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { loadSystemJson, type SystemParameters } from './system.js';
import { checkFrameAtoms, readCoordinateFrames } from './coordinates.js';
import type { SolventModel } from './compiled.js';

/** Options of {@link createAmberForceField}. Paths resolve against `baseDir`. */
export interface AmberForceFieldOptions {
  /** AMBER prmtop file. Exactly one of prmtop / system. */
  prmtop?: string;
  /** system.json file (or already loaded parameters). */
  system?: string | SystemParameters;
  /** inpcrd/rst7/PDB/DCD file whose (first) frame becomes `initialPositions`. */
  coordinates?: string;
  /** Default 'obc2'. For a system.json, 'obc1'/'obc2' reuse its GB radii and scales. */
  solvent?: SolventModel;
  solventDielectric?: number;
  soluteDielectric?: number;
  /** Threads for large batches (calling thread included). Default: number of cores. */
  workers?: number;
  /** Folder that relative paths resolve against. Default: the current directory. */
  baseDir?: string;
}

/** An AMBER ForceField; `evaluate` returns AmberEnergyBatch (sync for small batches). */
export interface AmberForceField extends ForceField {
  readonly system: SystemParameters;
  readonly evaluator: AmberEvaluator;
  readonly terms: string[];
  evaluate(positions: Float64Array, n: number, options?: EvaluateOptions): AmberEnergyBatch | Promise<AmberEnergyBatch>;
  /** In-thread evaluation regardless of batch size. */
  evaluateSync(positions: Float64Array, n: number, options?: EvaluateOptions): AmberEnergyBatch;
  dispose(): Promise<void>;
}

/** Build an AMBER force field from a prmtop or a system.json. */
export function createAmberForceField(options: AmberForceFieldOptions): AmberForceField {
  const base = options.baseDir ?? process.cwd();
  const solvent = options.solvent ?? 'obc2';
  if (!['vacuum', 'obc1', 'obc2'].includes(solvent))
    throw new InputError(`amber: solvent must be "vacuum", "obc1" or "obc2", got ${JSON.stringify(solvent)}`);
  if ((options.prmtop === undefined) === (options.system === undefined)) {
    throw new InputError('amber: give exactly one of "prmtop" (an AMBER topology) or "system" (a system.json)');
  }
  let system: SystemParameters;
  let source: string;
  if (options.prmtop !== undefined) {
    source = resolve(base, options.prmtop);
    const gbOptions: { solvent: SolventModel; solventDielectric?: number; soluteDielectric?: number } = { solvent };
    if (options.solventDielectric !== undefined) gbOptions.solventDielectric = options.solventDielectric;
    if (options.soluteDielectric !== undefined) gbOptions.soluteDielectric = options.soluteDielectric;
    system = prmtopToSystem(readPrmtop(source), gbOptions);
  } else if (typeof options.system === 'string') {
    source = resolve(base, options.system);
    system = loadSystemJson(source);
  } else {
    source = 'system parameters';
    system = options.system!;
  }
  if (solvent !== 'vacuum' && !system.gb) {
    throw new InputError(
      `${source}: solvent "${solvent}" needs GB parameters, but the system has none; use solvent "vacuum" or export the system with implicit solvent`,
      source,
    );
  }
  const name = `amber(${basename(source)}, ${solvent})`;
  const evalOptions: ConstructorParameters<typeof AmberEvaluator>[1] = { solvent, name };
  if (options.solventDielectric !== undefined) evalOptions.solventDielectric = options.solventDielectric;
  if (options.soluteDielectric !== undefined) evalOptions.soluteDielectric = options.soluteDielectric;
  if (options.workers !== undefined) evalOptions.workers = options.workers;
  const evaluator = new AmberEvaluator(system, evalOptions);

  let initialPositions: Float64Array | undefined;
  if (options.coordinates !== undefined) {
    const path = resolve(base, options.coordinates);
    const frames = readCoordinateFrames(path);
    checkFrameAtoms(path, frames, system, source);
    initialPositions = frames.positions.slice(0, 3 * system.atoms.length);
  }

  const charges = system.nonbonded.particles.map((p) => p[0]);
  const topology: Topology = {
    atoms: system.atoms.map((a, i) => ({ ...a, charge: charges[i]! })),
    bonds: system.bonds.map(([i, j]) => [i, j] as [number, number]),
  };
  const ff: AmberForceField = {
    name,
    dimension: evaluator.dimension,
    topology,
    system,
    evaluator,
    terms: evaluator.terms,
    evaluate: (positions, n, opts) => evaluator.evaluate(positions, n, opts),
    evaluateSync: (positions, n, opts) => evaluator.evaluateSync(positions, n, opts),
    dispose: () => evaluator.dispose(),
  };
  if (initialPositions) (ff as { initialPositions?: Float64Array }).initialPositions = initialPositions;
  return ff;
}
