/**
 * `embedcg md`: reference Langevin dynamics in OpenMM, writing OUT.dcd, OUT.pdb,
 * OUT.energies.csv (with φ/ψ for peptides) and a checkpoint for --resume.
 */
import type { Argv, CommandModule } from 'yargs';
import { createProgress } from '@embedcg/core';
import { runMD } from '@embedcg/forcefield-openmm';
import { UsageError } from '../errors.js';
import { systemSourceFrom, withSystemOptions, type SystemArgs } from './prepare.js';
import { POSITIVE, WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFile, siblings } from '../output-paths.js';

type MdArgs = SystemArgs & {
  temperature: number;
  steps: number;
  interval: number;
  seed: number;
  out: string;
  friction: number;
  timestep: number;
  minimize: boolean;
  resume: boolean;
};

export const mdCommand: CommandModule<object, MdArgs> = {
  command: 'md',
  describe: 'Run reference Langevin MD in OpenMM (DCD + PDB + energies/φ/ψ CSV, resumable)',
  builder: (y) =>
    withSystemOptions(y)
      .option('temperature', numberOption('temperature', POSITIVE, { default: 300, describe: 'temperature, K' }))
      .option(
        'steps',
        numberOption('steps', WHOLE_POSITIVE, {
          demandOption: true,
          describe: 'total steps (with --resume: continue up to this step)',
        }),
      )
      .option(
        'interval',
        numberOption('interval', WHOLE_POSITIVE, {
          default: 1000,
          describe: 'steps between frames, CSV rows and checkpoints',
        }),
      )
      .option(
        'seed',
        numberOption('seed', WHOLE_NONNEGATIVE, {
          default: 1,
          describe: 'random seed (deterministic on the Reference platform)',
        }),
      )
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'trajectory .dcd; OUT.pdb, OUT.energies.csv, OUT.chk beside it',
      })
      .option('friction', numberOption('friction', POSITIVE, { default: 1, describe: 'Langevin friction, 1/ps' }))
      .option(
        'timestep',
        numberOption('timestep', POSITIVE, { default: 0.001, describe: 'time step, ps (0.001 = 1 fs)' }),
      )
      .option('minimize', { type: 'boolean', default: false, describe: 'minimise before dynamics' })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'continue from the checkpoint, appending to the trajectory',
      })
      .example(
        '$0 md --prmtop ala2.prmtop --coords ala2.inpcrd --solvent obc2 --temperature 330 --steps 1000000 --interval 1000 --seed 1 --out traj.dcd',
        'alanine dipeptide, 1 ns',
      ) as unknown as Argv<MdArgs>,
  handler: async (argv) => {
    const source = systemSourceFrom(argv);
    for (const k of ['steps', 'interval', 'seed'] as const) {
      if (!Number.isInteger(argv[k]) || argv[k] < (k === 'interval' ? 1 : 0))
        throw new UsageError(
          `--${k} must be a ${k === 'interval' ? 'positive' : 'non-negative'} integer, got ${argv[k]}`,
        );
    }
    for (const k of ['temperature', 'friction', 'timestep'] as const) {
      if (!(argv[k] > 0) && !(k === 'friction' && argv[k] === 0))
        throw new UsageError(`--${k} must be positive, got ${argv[k]}`);
    }
    if (!argv.resume && !source.coordinates && !source.pdb)
      throw new UsageError('md needs starting coordinates: --coords F (or --pdb)');
    // OUT.dcd and, beside it, what the OpenMM side writes (the names of its cmd_md).
    const ext = argv.out.toLowerCase().endsWith('.dcd') ? argv.out.slice(-4) : '';
    for (const p of siblings(argv.out, ext, ['.dcd', '.pdb', '.energies.csv', '.chk', '.chk.json']))
      checkOutputFile('--out', p);
    const progress = createProgress(`md ${argv.out}`);
    const r = await runMD(
      {
        ...source,
        out: argv.out,
        temperature: argv.temperature,
        steps: argv.steps,
        interval: argv.interval,
        seed: argv.seed,
        friction: argv.friction,
        timestep: argv.timestep,
        minimize: argv.minimize,
        resume: argv.resume,
        platform: argv.platform,
        python: argv.python,
      },
      (p) => {
        const todo = p.total - p.startStep;
        const rate = (p.step - p.startStep) / Math.max(p.elapsed, 1e-9);
        progress.update(todo > 0 ? (p.step - p.startStep) / todo : 1, {
          step: `${p.step}/${p.total}`,
          'ns/day': (rate * argv.timestep * 86400) / 1000,
          'E kJ/mol': p.potential,
        });
      },
    );
    progress.done(
      `md: ${r.step} steps, ${r.frames} frames, ${r.stepsPerSecond.toFixed(0)} steps/s → ${r.files.dcd}, ${r.files.pdb}, ${r.files.csv}`,
    );
  },
};
