/**
 * `embedcg energy`: energies (and per-term energies, optionally forces) of every frame of a
 * coordinate file, with the native AMBER engine or OpenMM.
 */
import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { InputError, type EnergyBatch, type ForceField } from '@embedcg/core';
import { checkAtomOrder } from '@embedcg/core/molecules';
import { createAmberForceField, loadSystemJson } from '@embedcg/forcefield-amber';
import { UsageError } from '../errors.js';
import { systemForSolvent, withSystemFile } from '../system-solvent.js';
import { warn } from '../context.js';
import { checkFinite, framesPerChunk, openCoordinates, type CoordinateSource } from '../coordinate-chunks.js';
import { ChunkedWriter, jsonPrinter, tablePrinter, type EnergyPrinter } from '../energy-output.js';

interface EnergyArgs {
  prmtop?: string;
  system?: string;
  coords: string;
  solvent: 'vacuum' | 'obc1' | 'obc2';
  forces: boolean;
  json: boolean;
  engine: 'native' | 'openmm';
}

/**
 * The OpenMM engine. A missing package or OpenMM install is for the user to fix (exit 2), and so is
 * a file the native readers or OpenMM refuse (the force field checks a prmtop natively first); a
 * child dying or hanging while it starts is a failure during work (exit 1).
 */
async function openmmForceField(argv: EnergyArgs): Promise<ForceField> {
  let mod: { createOpenMMForceField: (o: Record<string, unknown>) => Promise<ForceField> };
  try {
    mod = (await import('@embedcg/forcefield-openmm' as string)) as typeof mod;
  } catch (e) {
    throw new UsageError(
      `--engine openmm needs the package @embedcg/forcefield-openmm, which could not be loaded (${(e as Error).message})`,
    );
  }
  const create = (source: { prmtop: string } | { systemJson: string }) =>
    mod.createOpenMMForceField({ ...source, solvent: argv.solvent, platform: 'Reference' });
  try {
    if (argv.prmtop) return await create({ prmtop: argv.prmtop });
    const loaded = loadSystemJson(argv.system!);
    const system = systemForSolvent(loaded, argv.solvent, argv.system!);
    if (system === loaded) return await create({ systemJson: argv.system! });
    return await withSystemFile(system, (systemJson) => create({ systemJson }));
  } catch (e) {
    const err = e as Error;
    if (err.name === 'OpenMMUnavailableError') throw new UsageError(`--engine openmm: ${err.message}`);
    if (err.name === 'InputError') throw err;
    throw new Error(`--engine openmm: OpenMM failed to set up the system: ${err.message}`, { cause: e });
  }
}

/** Atom count and, for a PDB, atom order of the coordinates against the force field's system. */
function checkAgainstSystem(coords: CoordinateSource, ff: ForceField, systemPath: string): void {
  const nAtoms = ff.dimension / 3;
  if (coords.nAtoms !== nAtoms)
    throw new InputError(`${coords.path}: has ${coords.nAtoms} atoms, but ${systemPath} has ${nAtoms}`, coords.path);
  if (coords.nFrames === 0) throw new InputError(`${coords.path}: contains no frames`, coords.path);
  if (coords.named && ff.topology) checkAtomOrder(coords.path, coords.named, ff.topology, systemPath, coords.namesFrom);
}

/**
 * Evaluate and print chunk by chunk. Bad coordinates are bad input (exit 2); the force field
 * failing on good ones (a thrown error, an OpenMM child dying) is a failure during work (exit 1).
 */
async function evaluateChunks(
  coords: CoordinateSource,
  ff: ForceField,
  printer: EnergyPrinter,
  forces: boolean,
): Promise<void> {
  for (const chunk of coords.chunks(framesPerChunk(coords.nAtoms))) {
    checkFinite(coords.path, chunk, coords.nAtoms);
    let batch: EnergyBatch;
    try {
      batch = await ff.evaluate(chunk.positions, chunk.count, { terms: true, energiesOnly: !forces });
    } catch (e) {
      const frames = `frames ${chunk.start}–${chunk.start + chunk.count - 1}`;
      throw new Error(`${ff.name}: evaluating ${frames} of ${coords.path} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    await printer.chunk({ start: chunk.start, count: chunk.count, batch });
  }
  await printer.end();
}

export const energyCommand: CommandModule<object, EnergyArgs> = {
  command: 'energy',
  describe: 'Energies and per-term energies (kJ/mol) of every frame of a coordinate file',
  builder: (y) =>
    y
      .option('prmtop', { type: 'string', describe: 'AMBER prmtop file' })
      .option('system', {
        type: 'string',
        alias: 'system-json',
        describe: 'embedcg system.json (from `embedcg prepare`)',
      })
      .option('coords', {
        type: 'string',
        demandOption: true,
        describe: 'coordinates: .inpcrd/.rst7, .pdb (all models) or .dcd (all frames)',
      })
      .option('solvent', {
        type: 'string',
        choices: ['vacuum', 'obc1', 'obc2'],
        default: 'obc2',
        describe: 'implicit solvent',
      })
      .option('forces', { type: 'boolean', default: false, describe: 'also output forces (kJ/mol/nm; with --json)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print JSON {"frames":[{"energy","terms","forces"?}]}',
      })
      .option('engine', {
        type: 'string',
        choices: ['native', 'openmm'],
        default: 'native',
        describe: 'native AMBER engine or OpenMM (Reference platform)',
      })
      .example('$0 energy --prmtop ala2.prmtop --coords ala2.inpcrd --solvent obc2', 'energy terms of one structure')
      .example(
        '$0 energy --prmtop ala2.prmtop --coords traj.dcd --solvent vacuum --json',
        'every frame of a trajectory, as JSON',
      )
      .example(
        '$0 energy --system system.json --coords ala2.pdb --engine openmm --forces --json',
        'the same through OpenMM, with forces',
      ) as unknown as Argv<EnergyArgs>,
  handler: async (argv) => {
    if ((argv.prmtop === undefined) === (argv.system === undefined))
      throw new UsageError('give exactly one of --prmtop FILE or --system system.json');
    for (const [flag, path] of [
      ['--prmtop', argv.prmtop],
      ['--system', argv.system],
      ['--coords', argv.coords],
    ] as const) {
      if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag}: file "${path}" does not exist`);
    }
    const coords = openCoordinates(argv.coords, warn);
    try {
      const ff: ForceField =
        argv.engine === 'openmm'
          ? await openmmForceField(argv)
          : createAmberForceField({
              ...(argv.prmtop ? { prmtop: argv.prmtop } : { system: argv.system! }),
              solvent: argv.solvent,
            });
      try {
        checkAgainstSystem(coords, ff, (argv.prmtop ?? argv.system)!);
        const w = new ChunkedWriter();
        const title = `${ff.name}: ${coords.nFrames} frame(s) from ${argv.coords}, kJ/mol`;
        const printer = argv.json ? jsonPrinter(w, ff.dimension, argv.forces) : tablePrinter(w, title, argv.forces);
        await evaluateChunks(coords, ff, printer, argv.forces);
      } finally {
        await ff.dispose?.();
      }
    } finally {
      coords.close();
    }
  },
};
