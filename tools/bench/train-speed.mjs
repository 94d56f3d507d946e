// How much faster training runs on the fast path (data-parallel gradient workers, and fused
// kernels where the config schema knows `training.fusedKernels`) than on the baseline path
// (training.workers = 1, fusedKernels = false: unfused and single-thread), measured in one run on
// one machine, the two interleaved so that load from other processes hits both alike:
//   flow step   examples/alanine-dipeptide-flow.json, median wall time per step;
//   VAE step    examples/alanine-dipeptide-vae-components.json, median wall time per step;
//               both on the shared prmtop (sharedDir/data/alanine-dipeptide) with OBC2, as the
//               alanine benches train, new runs of --steps steps, the first --warmup left out;
//   main job    examples/double-well.json (`npm run main`) trained to the end: training wall
//               time (checkpoint state's wallSeconds: no build, no force check, no evaluation),
//               with its accuracy (metrics.json) for the fast path.
// Each is run --reps times per path through the built CLI (a fresh process each), the order
// alternating; a row gives the median of the reps and the ratio baseline / fast. On a machine
// other processes load, wall-time ratios of threaded against single-thread runs say little (the
// scheduler shares the cores between processes, not threads), so the 'bound' rows add, from CPU
// time on one thread (train-speed-lib.mjs), what --workers workers could reach on free cores:
// the step's network work at the full batch over that at one worker's share.
//
//   npm run bench -- train-speed [--reps 3 (0: bound rows only)] [--steps 16] [--warmup 4] [--workers 2] [--only flow,vae,main]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema } from '@embedcg/core';
import { arg, repoRoot, sharedDir, target, writeResults } from './lib.mjs';
import { shareBound } from './train-speed-lib.mjs';

const int = (name, fallback, min) => {
  const v = Number(arg(name, fallback));
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`--${name} must be an integer >= ${min}, got ${arg(name)}`);
  return v;
};
const REPS = int('reps', 3, 0); // 0: only the CPU-time bound rows
const STEPS = int('steps', 16, 2);
const WARMUP = int('warmup', 4, 0);
const WORKERS = int('workers', 2, 1);
if (WARMUP >= STEPS) throw new Error('--warmup must be below --steps');
const ONLY = arg('only', 'flow,vae,main').split(',');
const cli = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const scratch = join(repoRoot, 'runs', 'train-speed');

// The fused-kernel switch exists once branch kern is in; pass it only then, so this bench runs before and after.
const fusedKnown = 'fusedKernels' in (runConfigSchema().properties.training.properties ?? {});
const PATHS = {
  baseline: ['training.workers=1', ...(fusedKnown ? ['training.fusedKernels=false'] : [])],
  fast: [`training.workers=${WORKERS}`, ...(fusedKnown ? ['training.fusedKernels=true'] : [])],
};
const ala = join(sharedDir, 'data', 'alanine-dipeptide');
const SHARED_PRMTOP = [
  'forceField.options.system=null',
  `forceField.options.prmtop=${JSON.stringify(join(ala, 'alanine-dipeptide-implicit.prmtop'))}`,
  `forceField.options.coordinates=${JSON.stringify(join(ala, 'alanine-dipeptide-implicit.inpcrd'))}`,
  'forceField.options.solvent="obc2"',
  'training.historyEvery=1',
];
const CASES = {
  // The flow's step at batch 256 on both paths, the baseline: the example itself now trains
  // at 512 on two workers (docs/results/training-speed.md, "Two workers pay at twice the batch").
  flow: {
    config: 'examples/alanine-dipeptide-flow.json',
    sets: [...SHARED_PRMTOP, 'training.batchSize=256'],
    steps: STEPS,
  },
  vae: { config: 'examples/alanine-dipeptide-vae-components.json', sets: SHARED_PRMTOP, steps: STEPS },
  main: { config: 'examples/double-well.json', sets: [] },
};

function train(caseName, path, rep) {
  const c = CASES[caseName];
  const out = join(scratch, `${caseName}-${path}-${rep}`);
  const sets = [...c.sets, ...PATHS[path]].flatMap((s) => ['--set', s]);
  const steps = c.steps ? ['--max-steps', String(c.steps)] : [];
  const r = spawnSync(
    process.execPath,
    [cli, 'train', c.config, '--out', out, '--force', '--no-progress', ...sets, ...steps],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`${caseName} (${path}) failed:\n${r.stderr}`);
  return out;
}

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median wall milliseconds per step after the warm-up, from history.jsonl's step lines. */
function stepMs(runDir) {
  const steps = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step');
  const ms = [];
  for (let k = WARMUP + 1; k < steps.length; k++) ms.push(1000 * (steps[k].wallSeconds - steps[k - 1].wallSeconds));
  return median(ms);
}

/** The main job's training wall seconds and accuracy. */
function mainJob(runDir) {
  const state = readJson(join(runDir, 'checkpoint', 'state.json'));
  const m = readJson(join(runDir, 'metrics.json'));
  return { seconds: state.wallSeconds, metrics: m };
}

mkdirSync(scratch, { recursive: true });
const measured = {};
for (let rep = 0; rep < REPS; rep++) {
  for (const caseName of ONLY) {
    if (!CASES[caseName]) throw new Error(`--only: unknown case ${caseName} (flow, vae, main)`);
    const order = rep % 2 === 0 ? ['baseline', 'fast'] : ['fast', 'baseline'];
    for (const path of order) {
      const dir = train(caseName, path, rep);
      const value = caseName === 'main' ? mainJob(dir) : { ms: stepMs(dir) };
      ((measured[caseName] ??= {})[path] ??= []).push(value);
      console.error(`${caseName} ${path} rep ${rep + 1}: ${JSON.stringify(value.ms ?? value.seconds)}`);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  }
}

const r1 = (x) => +x.toFixed(1);
const r2 = (x) => +x.toFixed(2);
const results = [];
const targets = [];
const label = `workers=${WORKERS}${fusedKnown ? ' + fused kernels' : ' (no fused kernels in this build)'}`;
for (const [caseName, what, bound] of [
  ['flow', 'alanine flow step', 4],
  ['vae', 'alanine VAE-components step', 3],
]) {
  const m = measured[caseName];
  if (!m) continue;
  const base = median(m.baseline.map((v) => v.ms));
  const fast = median(m.fast.map((v) => v.ms));
  results.push({
    case: what,
    unit: 'ms/step',
    baseline: r1(base),
    fast: r1(fast),
    speedup: r2(base / fast),
    'baseline reps': m.baseline.map((v) => r1(v.ms)).join('/'),
    'fast reps': m.fast.map((v) => r1(v.ms)).join('/'),
  });
  targets.push(target(`${what}: speedup, ${label} vs workers=1 unfused`, r2(base / fast), '>=', bound));
}
if (measured.main) {
  const m = measured.main;
  const base = median(m.baseline.map((v) => v.seconds));
  const fast = median(m.fast.map((v) => v.seconds));
  results.push({
    case: 'main job (double-well) training',
    unit: 's',
    baseline: r1(base),
    fast: r1(fast),
    speedup: r2(base / fast),
    'baseline reps': m.baseline.map((v) => r1(v.seconds)).join('/'),
    'fast reps': m.fast.map((v) => r1(v.seconds)).join('/'),
  });
  targets.push(target(`main job training wall s, ${label}`, r1(fast), '<=', 15));
  // The accuracy the main job must keep on the fast path (every rep).
  const worst = (f) => Math.max(...m.fast.map((v) => f(v.metrics)));
  targets.push(
    target(
      'main job KL, fast path (worst rep)',
      worst((x) => x.kl),
      '<=',
      0.005,
    ),
  );
  targets.push(
    target(
      'main job |log Z error|, fast path (worst rep)',
      worst((x) => Math.abs(x.logZError)),
      '<=',
      0.02,
    ),
  );
  targets.push(
    target(
      'main job reweighted minor-well mass, relative error, fast path (worst rep)',
      // Not rounded: the comparison must see the value itself.
      worst((x) => Math.abs(x['basinMassReweighted.minor'] / x['basinMassExact.minor'] - 1)),
      '<=',
      0.1,
    ),
  );
}
const selectBackend = (await import('@embedcg/core')).selectBackend;
await selectBackend('wasm');
for (const [caseName, what] of [
  ['flow', 'alanine flow'],
  ['vae', 'alanine VAE-components'],
  ['main', 'double-well main job'],
]) {
  if (!ONLY.includes(caseName) || WORKERS < 2) continue;
  const b = await shareBound(CASES[caseName].config, caseName === 'main' ? [] : SHARED_PRMTOP, WORKERS);
  results.push({
    case: `bound: ${what}, CPU ms per step, batch ${b.batch} vs a share of ${b.share} (1 thread)`,
    unit: 'CPU ms',
    baseline: r1(b.fullMs),
    fast: r1(b.shareMs),
    speedup: r2(b.fullMs / b.shareMs),
  });
}
console.log(
  `${REPS} reps per path, alternating order; step rows: median over steps ${WARMUP + 1}..${STEPS} of new runs; load average (1 min) at the end ${r2(loadavg()[0])}`,
);
writeResults('train-speed', results, targets);
