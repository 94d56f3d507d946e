/**
 * `embedcg energy`: energies (and per-term energies, optionally forces) of every frame of a
 * coordinate file, with the native AMBER engine or OpenMM.
 */
import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { EnergyBatch, ForceField } from '@embedcg/core';
import { createAmberForceField, readCoordinateFrames, type CoordinateFrames } from '@embedcg/forcefield-amber';
import { UsageError } from '../errors.js';

interface EnergyArgs {
  prmtop?: string;
  system?: string;
  coords: string;
  solvent: 'vacuum' | 'obc1' | 'obc2';
  forces: boolean;
  json: boolean;
  engine: 'native' | 'openmm';
}

/** Turn any input problem of the native readers into a UsageError (exit code 2, one message). */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

async function openmmForceField(argv: EnergyArgs): Promise<ForceField> {
  let mod: { createOpenMMForceField: (o: Record<string, unknown>) => Promise<ForceField> };
  try {
    mod = (await import('@embedcg/forcefield-openmm' as string)) as typeof mod;
  } catch (e) {
    throw new UsageError(
      `--engine openmm needs the package @embedcg/forcefield-openmm, which could not be loaded (${(e as Error).message})`,
    );
  }
  try {
    return await mod.createOpenMMForceField({
      ...(argv.prmtop ? { prmtop: argv.prmtop } : { systemJson: argv.system }),
      solvent: argv.solvent,
      platform: 'Reference',
    });
  } catch (e) {
    throw new UsageError(`--engine openmm: ${(e as Error).message}`);
  }
}

function formatTable(rows: Array<Record<string, string>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: Record<string, string>) =>
    cols.map((c, i) => (i === 0 ? r[c]!.padEnd(width[i]!) : r[c]!.padStart(width[i]!))).join('  ');
  return [
    line(Object.fromEntries(cols.map((c) => [c, c]))),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
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
    const frames: CoordinateFrames = asUsage(() => readCoordinateFrames(argv.coords));
    const ff: ForceField =
      argv.engine === 'openmm'
        ? await openmmForceField(argv)
        : asUsage(() =>
            createAmberForceField({
              ...(argv.prmtop ? { prmtop: argv.prmtop } : { system: argv.system! }),
              solvent: argv.solvent,
            }),
          );
    let batch: EnergyBatch;
    try {
      const nAtoms = ff.dimension / 3;
      if (frames.nAtoms !== nAtoms)
        throw new UsageError(`${argv.coords}: has ${frames.nAtoms} atoms, but the system has ${nAtoms}`);
      try {
        batch = await ff.evaluate(frames.positions, frames.nFrames, { terms: true, energiesOnly: !argv.forces });
      } catch (e) {
        throw new UsageError(`${argv.coords}: ${(e as Error).message}`);
      }
    } finally {
      await ff.dispose?.();
    }
    const dim = ff.dimension;
    const termNames = Object.keys(batch.terms ?? {});
    if (argv.json) {
      const out = {
        frames: Array.from({ length: frames.nFrames }, (_, f) => {
          const e = batch.energies[f]!;
          const frame: Record<string, unknown> = {
            energy: Number.isFinite(e) ? e : String(e),
            terms: Object.fromEntries(termNames.map((t) => [t, batch.terms![t]![f]])),
          };
          if (argv.forces) {
            const fr: number[][] = [];
            for (let a = 0; a < dim / 3; a++) fr.push([0, 1, 2].map((k) => batch.forces[f * dim + 3 * a + k]!));
            frame.forces = fr;
          }
          return frame;
        }),
      };
      process.stdout.write(JSON.stringify(out) + '\n');
      return;
    }
    const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
    const rows = Array.from({ length: frames.nFrames }, (_, f) => ({
      frame: String(f),
      energy: fmt(batch.energies[f]!),
      ...Object.fromEntries(termNames.map((t) => [t, fmt(batch.terms![t]![f]!)])),
    }));
    process.stdout.write(`${ff.name}: ${frames.nFrames} frame(s) from ${argv.coords}, kJ/mol\n${formatTable(rows)}\n`);
    if (argv.forces) process.stdout.write('(forces are printed with --json)\n');
  },
};
