import type { CommandModule } from 'yargs';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { extname } from 'node:path';
import {
  createRng,
  drawSamples,
  openRun,
  selectBackend,
  targetBeta,
  type SampleSet,
  type Topology,
} from '@embedcg/core';
import { writeDcd, writePdb } from '@embedcg/core/molecules';
import { log } from '../context.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { UsageError } from '../errors.js';
import { applyChirality, chiralityOption, type ChiralityMode } from '../chirality.js';
import { checkLatentSamples, latentSamplesOption } from '../evaluation.js';
import { WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFile, siblings } from '../output-paths.js';

interface SampleArgs extends RunAccessArgs {
  run: string;
  n: number;
  out: string;
  seed: number;
  energies: boolean;
  chirality: ChiralityMode;
  latentSamples?: number;
}

/** CSV with a header: x1..xD, then logw (and energy) when computed. */
export async function writeSamplesCsv(path: string, s: SampleSet, withWeights: boolean): Promise<void> {
  const out = createWriteStream(path);
  const cols = Array.from({ length: s.dimension }, (_, k) => `x${k + 1}`);
  if (withWeights) cols.push('logw', 'energy');
  out.write(cols.join(',') + '\n');
  for (let i = 0; i < s.n; i++) {
    const row: string[] = [];
    for (let k = 0; k < s.dimension; k++) row.push(String(s.x[i * s.dimension + k]));
    if (withWeights) row.push(String(s.logw[i]), String(s.energies[i]));
    if (!out.write(row.join(',') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** DCD + PDB topology + one log weight per frame. */
export function writeSamplesDcd(
  path: string,
  s: SampleSet,
  topology: Topology | undefined,
  withWeights: boolean,
): string[] {
  if (!topology)
    throw new UsageError(
      `${path}: DCD output needs a molecular force field (this run's force field has no atoms); write .csv instead`,
    );
  const nAtoms = topology.atoms.length;
  const base = path.slice(0, -extname(path).length);
  writeDcd(path, s.x, nAtoms, { title: 'embedcg samples' });
  writePdb(
    `${base}.pdb`,
    { atoms: topology.atoms, nFrames: 1, positions: s.x.slice(0, nAtoms * 3) },
    { title: 'embedcg samples topology', bonds: topology.bonds },
  );
  const files = [path, `${base}.pdb`];
  if (withWeights) {
    writeFileSync(`${base}.logw.txt`, Array.from(s.logw, (v) => String(v)).join('\n') + '\n');
    files.push(`${base}.logw.txt`);
  }
  return files;
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: 'sample <run>',
  describe: 'Draw configurations from a trained model, with importance weights',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('n', numberOption('n', WHOLE_POSITIVE, { default: 10000, describe: 'Number of samples' }))
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Output: .csv, or .dcd (+ .pdb topology and .logw.txt) for molecules',
      })
      .option('seed', numberOption('seed', WHOLE_NONNEGATIVE, { default: 1, describe: 'Seed of the draw' }))
      .option('energies', {
        type: 'boolean',
        default: true,
        describe: 'Evaluate energies for log weights (--no-energies to skip)',
      })
      .option('chirality', chiralityOption)
      .option('latent-samples', latentSamplesOption)
      .example('$0 sample runs/dw -n 20000 --out s.csv', 'CSV with x1,x2,logw,energy')
      .example(
        '$0 sample runs/ala2 -n 100000 --out s.dcd --chirality filter',
        'DCD + PDB + log weights, wrong enantiomers dropped',
      ),
  handler: async (argv) => {
    if (!Number.isInteger(argv.n) || argv.n < 1) throw new UsageError(`-n must be a positive integer, got ${argv.n}`);
    const ext = extname(argv.out).toLowerCase();
    if (ext !== '.csv' && ext !== '.dcd')
      throw new UsageError(`--out ${argv.out}: unsupported extension "${ext}"; use .csv or .dcd`);
    checkOutputFile('--out', argv.out);
    if (ext === '.dcd') for (const p of siblings(argv.out, ext, ['.pdb', '.logw.txt'])) checkOutputFile('--out', p);
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      const p = run.plugins;
      const drawn = await drawSamples({
        model: p.model,
        transform: p.transform,
        forceField: argv.energies ? p.forceField : undefined,
        n: argv.n,
        beta: targetBeta(run.config),
        rng: createRng(argv.seed),
        batchSize: run.config.evaluation.batchSize,
        latentSamples: checkLatentSamples(argv.latentSamples, p.model) ?? run.config.evaluation.latentSamples,
      });
      const s = applyChirality(argv.chirality, drawn, p.forceField).samples;
      const files =
        ext === '.csv'
          ? (await writeSamplesCsv(argv.out, s, argv.energies), [argv.out])
          : writeSamplesDcd(argv.out, s, p.forceField.topology, argv.energies);
      log(`wrote ${s.n} samples: ${files.join(', ')}`);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
