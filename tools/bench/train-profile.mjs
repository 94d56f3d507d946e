// `npm run bench -- train-profile [--steps N] [--warmup N] [--only a,b] [--set key=value]... [--no-stacks]`
// `npm run bench -- train-profile --compare ROUNDS [--warmup N] [--only a,b] [--off simd|columns|mlp|direct|adam|rows|a,b]`
// Where one training step's time goes, for the alanine flow and VAE-components examples (shared
// prmtop, OBC2) and the double-well main job: the step's parts (draw, force field, gradient pass,
// Adam) unprofiled, then a profiled run with the time per kernel type and per source file (top ten
// with shares) and the kernel count per step. `--set training.fusedKernels=false` profiles the
// unfused path. Writes bench-results/train-profile.json.
// --compare times the fused and the unfused path (training.fusedKernels true / false) of each job in
// one process, one step of each in turn (order alternating) for ROUNDS rounds, and reports the
// median step times and their ratio: on a shared, noisy machine only such a ratio means much. A
// third session runs the fused path with the SIMD activation kernels switched off around its steps
// ("no SIMD"), so that their share of the gain is measured in the same run; `--off columns` switches
// off the column-copy kernels there instead (back to the customGrad copies), `--off mlp` the
// whole-MLP op (back to layer by layer), `--off direct` the direct kernel calls of the dense
// layers (back to tfjs's matMul and transpose ops), `--off adam` HostAdam's SIMD update (back to
// its float32-rounded loop), `--off rows` the row gathers and mixture-prior ops (back to one-hot
// products and composed tfjs ops); several comma-separated.
// Writes bench-results/train-profile-compare.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { assemblePlugins, loadRunConfig, selectBackend, writeRunFiles } from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import { openSession } from '../../packages/core/dist/training/session.js';
import { reverseStep } from '../../packages/core/dist/training/reverse-step.js';
import { setSimdKernelsEnabled } from '../../packages/core/dist/nn/simd/simd-kernels.js';
import { setColumnKernelsEnabled } from '../../packages/core/dist/nn/simd/column-kernels.js';
import { setMlpOpEnabled } from '../../packages/core/dist/nn/mlp-op.js';
import { setDirectKernelsEnabled } from '../../packages/core/dist/nn/direct-kernels.js';
import { setSimdAdamEnabled } from '../../packages/core/dist/training/host-adam-simd.js';
import { setRowOpsEnabled } from '../../packages/core/dist/nn/gather-rows.js';
import { arg, machine, printTable, repoRoot, sharedDir } from './lib.mjs';
import { startKernelProfile, tallyRows } from './kernel-profile-lib.mjs';

const steps = Number(arg('steps', 3));
const warmup = Number(arg('warmup', 2));
const stacks = !process.argv.includes('--no-stacks');
const sets = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--set' ? [a] : []));
const jobs = [
  // At batch 256, the baseline (the example now trains at 512 on two workers).
  {
    job: 'alanine-flow',
    file: 'examples/alanine-dipeptide-flow.json',
    alanine: true,
    sets: ['training.batchSize=256', 'training.workers=1'],
  },
  { job: 'alanine-vae-components', file: 'examples/alanine-dipeptide-vae-components.json', alanine: true },
  { job: 'double-well', file: 'examples/double-well.json', alanine: false },
];
const only = arg('only', undefined)?.split(',');
const off = arg('off', 'simd').split(',');
const offLabel = off.map((k) => (k === 'simd' ? 'SIMD' : k)).join('+');
/** The "no SIMD" session's switch: the kernels `--off` names are off around its steps. */
const switchKernels = (on) => {
  if (off.includes('simd')) setSimdKernelsEnabled(on);
  if (off.includes('columns')) setColumnKernelsEnabled(on);
  if (off.includes('mlp')) setMlpOpEnabled(on);
  if (off.includes('direct')) setDirectKernelsEnabled(on);
  if (off.includes('adam')) setSimdAdamEnabled(on);
  if (off.includes('rows')) setRowOpsEnabled(on);
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const sumMs = (map) => [...map.values()].reduce((a, r) => a + r.ms, 0);

async function openJob({ job, file, alanine, sets: jobSets = [] }, extraSets = [], tag = '') {
  const { config, configDir } = loadRunConfig(join(repoRoot, file), [...jobSets, ...sets, ...extraSets]);
  if (alanine) {
    const d = join(sharedDir, 'data', 'alanine-dipeptide');
    config.forceField.options = {
      prmtop: join(d, 'alanine-dipeptide-implicit.prmtop'),
      coordinates: join(d, 'alanine-dipeptide-implicit.inpcrd'),
      solvent: 'obc2',
    };
  }
  const backend = await selectBackend(config.training.backend, () => {});
  const log = () => {};
  const plugins = await assemblePlugins(config, {
    configDir,
    preloaded: { '@embedcg/forcefield-amber': amber.plugins },
    log,
  });
  const runDir = join(repoRoot, 'runs', `train-profile-${job}${tag}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  writeRunFiles(runDir, config, { configDir, backend, started: new Date().toISOString() });
  const session = await openSession({ runDir, config, ...plugins, log });
  return { session, plugins, backend, batch: config.training.batchSize, runDir };
}

async function profileJob(spec) {
  const { session, plugins, backend, batch, runDir } = await openJob(spec);
  for (let i = 0; i < warmup; i++) await reverseStep(session);
  const wall = [];
  const parts = { draw: [], forceField: [], gradient: [], update: [] };
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const rec = await reverseStep(session);
    wall.push(performance.now() - t0);
    for (const k of Object.keys(parts)) parts[k].push(rec.ms[k]);
  }
  const profiled = async (withStacks) => {
    const prof = startKernelProfile({ stacks: withStacks });
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await reverseStep(session);
    return { ms: performance.now() - t0, ...prof.stop() };
  };
  const { ms: profiledMs, count, byKernel } = await profiled(false);
  const bySource = stacks ? await profiled(true) : undefined;
  await plugins.forceField.dispose?.();
  plugins.model.dispose();
  rmSync(runDir, { recursive: true, force: true });
  const kernelMs = sumMs(byKernel);
  const summary = {
    job: spec.job,
    backend,
    batch,
    'ms/step': median(wall),
    'draw ms': median(parts.draw),
    'ff ms': median(parts.forceField),
    'gradient ms': median(parts.gradient),
    'adam ms': median(parts.update),
    'kernels/step': Math.round(count / steps),
    'profiled ms/step': profiledMs / steps,
    'in kernels': kernelMs / profiledMs,
  };
  return {
    summary,
    kernels: tallyRows(byKernel, profiledMs, steps),
    // Stack capture slows the pass down, so a source's share is of the pass's kernel time.
    sources: bySource ? tallyRows(bySource.bySource, sumMs(bySource.bySource), steps) : [],
  };
}

/** Fused and unfused sessions of one job, stepped in turn; median step times and their ratio. */
async function compareJob(spec, rounds) {
  // Two models in one process need distinct variable scopes.
  const paths = [
    { name: 'fused', s: await openJob(spec, ['training.fusedKernels=true'], '-fused') },
    {
      name: 'noSimd',
      s: await openJob(spec, ['training.fusedKernels=true', 'model.options.scope=nosimd'], '-nosimd'),
    },
    {
      name: 'unfused',
      s: await openJob(spec, ['training.fusedKernels=false', 'model.options.scope=unfused'], '-unfused'),
    },
  ];
  const ms = { fused: [], noSimd: [], unfused: [] };
  for (let r = -warmup; r < rounds; r++) {
    for (const p of r % 2 ? paths : [...paths].reverse()) {
      switchKernels(p.name !== 'noSimd');
      const t0 = performance.now();
      await reverseStep(p.s.session);
      if (r >= 0) ms[p.name].push(performance.now() - t0);
    }
  }
  switchKernels(true);
  for (const p of paths) {
    await p.s.plugins.forceField.dispose?.();
    p.s.plugins.model.dispose();
    rmSync(p.s.runDir, { recursive: true, force: true });
  }
  const ratios = ms.fused.map((f, i) => ms.unfused[i] / f);
  const simdRatios = ms.fused.map((f, i) => ms.noSimd[i] / f);
  return {
    job: spec.job,
    batch: paths[0].s.batch,
    rounds,
    'fused ms/step': median(ms.fused),
    [`no ${offLabel} ms/step`]: median(ms.noSimd),
    'unfused ms/step': median(ms.unfused),
    [`${offLabel} speed-up (ratio of medians)`]: median(ms.noSimd) / median(ms.fused),
    [`${offLabel} speed-up (median of ratios)`]: median(simdRatios),
    'speed-up (ratio of medians)': median(ms.unfused) / median(ms.fused),
    'speed-up (median of ratios)': median(ratios),
  };
}

tf.enableProdMode();
const compareRounds = arg('compare', undefined);
if (compareRounds !== undefined) {
  const rows = [];
  for (const spec of jobs.filter((j) => !only || only.includes(j.job))) {
    rows.push(await compareJob(spec, Number(compareRounds)));
    console.error(`${spec.job}: done`);
  }
  console.log(`\ntrain-profile --compare: fused vs fused without ${offLabel} vs unfused, interleaved steps (medians)`);
  printTable(rows);
  const out = {
    name: 'train-profile-compare',
    date: new Date().toISOString(),
    machine: machine(),
    sets,
    off,
    results: rows,
    targets: [],
  };
  mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench-results', 'train-profile-compare.json'), JSON.stringify(out, null, 2));
  console.log('\nwrote bench-results/train-profile-compare.json');
  process.exit(0);
}
const results = [];
for (const spec of jobs.filter((j) => !only || only.includes(j.job))) {
  const r = await profileJob(spec);
  results.push(r);
  console.log(`\n${spec.job}: ${r.summary['ms/step'].toFixed(1)} ms/step, ${r.summary['kernels/step']} kernels/step`);
  console.log('top kernel types (exclusive time, engine bookkeeping included; share of the profiled step):');
  printTable(r.kernels);
  if (stacks) {
    console.log(
      'top sources (time of the kernels each file launches, forward and backward; share of the kernel time):',
    );
    printTable(r.sources);
  }
}
console.log('\ntrain-profile: per step (medians of unprofiled steps; "in kernels" = share of the profiled step)');
printTable(results.map((r) => r.summary));
const out = {
  name: 'train-profile',
  date: new Date().toISOString(),
  machine: machine(),
  sets,
  steps,
  results,
  targets: [],
};
mkdirSync(join(repoRoot, 'bench-results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench-results', 'train-profile.json'), JSON.stringify(out, null, 2));
console.log('\nwrote bench-results/train-profile.json');
