/**
 * `embedcg prepare`: build a system in OpenMM and export it as system.json (+ the structure as PDB),
 * for engines that evaluate the force field natively.
 */
import type { Argv, CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { prepareSystem, type SystemSource, type Solvent } from '@embedcg/forcefield-openmm';
import { UsageError } from '../errors.js';
import { checkOutputFile } from '../output-paths.js';

/** CLI options naming a system; shared by `prepare` and `md`. */
export interface SystemArgs {
  prmtop?: string;
  pdb?: string;
  /** Only `prepare` has --sequence. */
  sequence?: string;
  forcefield?: string[];
  'system-xml'?: string;
  'system-json'?: string;
  coords?: string;
  solvent?: string;
  platform: string;
  python?: string;
}

export function withSystemOptions<T>(y: Argv<T>) {
  return y
    .option('prmtop', { type: 'string', describe: 'AMBER prmtop file' })
    .option('pdb', { type: 'string', describe: 'PDB file (with --forcefield, or topology for --system-xml)' })
    .option('forcefield', {
      type: 'string',
      array: true,
      describe: 'OpenMM force-field XML names, e.g. amber96.xml amber96_obc.xml',
    })
    .option('system-xml', { type: 'string', describe: 'serialized OpenMM System XML' })
    .option('system-json', { type: 'string', describe: 'embedcg system.json' })
    .option('coords', { type: 'string', describe: 'coordinates (.inpcrd/.rst7, .pdb or OpenMM State .xml)' })
    .option('solvent', {
      type: 'string',
      choices: ['vacuum', 'obc1', 'obc2'],
      describe: 'implicit solvent of a prmtop (default vacuum)',
    })
    .option('platform', {
      type: 'string',
      default: 'Reference',
      choices: ['Reference', 'CPU', 'CUDA', 'OpenCL'],
      describe: 'OpenMM platform',
    })
    .option('python', {
      type: 'string',
      describe: 'Python interpreter with OpenMM (default /usr/bin/python3, then python3 on PATH)',
    });
}

/** Check the system options (files exist, exactly one source) and turn them into a SystemSource. */
export function systemSourceFrom(argv: SystemArgs): SystemSource {
  for (const [flag, path] of [
    ['--prmtop', argv.prmtop],
    ['--pdb', argv.pdb],
    ['--system-xml', argv['system-xml']],
    ['--system-json', argv['system-json']],
    ['--coords', argv.coords],
  ] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag}: file "${path}" does not exist`);
  }
  const sources = [
    argv.prmtop && '--prmtop',
    argv['system-xml'] && '--system-xml',
    argv['system-json'] && '--system-json',
    argv.pdb && argv.forcefield?.length && '--pdb + --forcefield',
    argv.sequence && argv.forcefield?.length && '--sequence + --forcefield',
  ].filter(Boolean);
  if (sources.length === 0) {
    throw new UsageError(
      argv.sequence
        ? '--sequence needs --forcefield (e.g. --forcefield amber96.xml amber96_obc.xml)'
        : argv.pdb
          ? '--pdb needs --forcefield (e.g. --forcefield amber96.xml amber96_obc.xml), or use --system-xml'
          : 'name a system: --prmtop F [--solvent obc2], --pdb F --forcefield X.xml…, --system-xml F or --system-json F',
    );
  }
  if (sources.length > 1) throw new UsageError(`give one system source, got ${sources.join(' and ')}`);
  if (argv.forcefield?.length && argv.solvent && argv.solvent !== 'vacuum') {
    throw new UsageError(
      '--solvent applies to --prmtop; with --forcefield add the implicit-solvent XML instead (e.g. amber96_obc.xml)',
    );
  }
  return {
    prmtop: argv.prmtop,
    pdb: argv.pdb,
    sequence: argv.sequence,
    forcefield: argv.forcefield,
    system: argv['system-xml'],
    systemJson: argv['system-json'],
    coordinates: argv.coords,
    solvent: argv.solvent as Solvent | undefined,
  };
}

type PrepareArgs = SystemArgs & { out: string; 'out-pdb'?: string; minimize: boolean };

export const prepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare',
  describe: 'Build a system in OpenMM and export it as embedcg system.json (for the native engine)',
  builder: (y) =>
    withSystemOptions(y)
      .option('sequence', {
        type: 'string',
        describe:
          'build a capped peptide from its sequence, e.g. ACE-ALA-ALA-ALA-NME (with --forcefield; always minimised)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'system.json to write' })
      .option('out-pdb', { type: 'string', describe: 'also write the structure as PDB (needs coordinates)' })
      .option('minimize', {
        type: 'boolean',
        default: false,
        describe: 'minimise the coordinates in OpenMM before writing --out-pdb',
      })
      .example(
        '$0 prepare --pdb ala2.pdb --forcefield amber96.xml amber96_obc.xml --out system.json',
        'from a PDB and OpenMM force-field files',
      )
      .example(
        '$0 prepare --sequence ACE-ALA-ALA-ALA-NME --forcefield amber96.xml amber96_obc.xml --out system.json --out-pdb peptide.pdb',
        'a capped peptide from its sequence, built from ideal internal coordinates and minimised',
      )
      .example(
        '$0 prepare --prmtop ala2.prmtop --solvent obc2 --out system.json',
        'from an AMBER prmtop',
      ) as unknown as Argv<PrepareArgs>,
  handler: async (argv) => {
    const source = systemSourceFrom(argv);
    if (source.sequence && source.coordinates)
      throw new UsageError('--sequence builds its own coordinates: drop --coords');
    if ((argv['out-pdb'] || argv.minimize) && !source.coordinates && !source.pdb && !source.sequence) {
      throw new UsageError('--out-pdb and --minimize need coordinates: give --coords (or --pdb)');
    }
    checkOutputFile('--out', argv.out);
    if (argv['out-pdb'] !== undefined) checkOutputFile('--out-pdb', argv['out-pdb']);
    const r = await prepareSystem({
      ...source,
      out: argv.out,
      outPdb: argv['out-pdb'],
      minimize: argv.minimize,
      platform: argv.platform,
      python: argv.python,
    });
    const s = r.system;
    const counts = `${s.atoms.length} atoms, ${s.harmonicBonds.length} bonds, ${s.harmonicAngles.length} angles, ${s.periodicTorsions.length} torsions, ${s.nonbonded.exceptions.length} exceptions, GB ${s.gb ? s.gb.model : 'none'}`;
    process.stderr.write(
      `wrote ${argv.out} (${counts})${argv['out-pdb'] ? ` and ${argv['out-pdb']}` : ''}${r.minimizedEnergy !== undefined ? `; minimised energy ${r.minimizedEnergy.toFixed(4)} kJ/mol` : ''}\n`,
    );
  },
};
