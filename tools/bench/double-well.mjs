#!/usr/bin/env node
// Double well at β = 1 (examples/double-well.json) on 3 seeds, tempered and untempered with the same
// number of steps, and tempered with the plain N(0, I) prior instead of the example's
// component-decoder mixture; Müller–Brown (examples/muller-brown.json) on 3 seeds, with its mixture
// and with N(0, I). Reports KL, log Z error, ESS, basin masses (raw / reweighted / exact), energy
// evaluations and wall time, and compares the evaluations with the 3.5e6 of the flow paper's model on the same
// double well.
//   npm run bench -- double-well            (BENCH_SEEDS=1,2 to choose seeds; BENCH_ONLY=dw|mb)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, computeMetrics, loadRunConfig, selectBackend, targetBeta, train } from '@embedcg/core';
import { repoRoot, target, writeResults } from './lib.mjs';

const P2_FLOW_EVALUATIONS = 3.5e6;
const seeds = (process.env.BENCH_SEEDS ?? '1,2,3').split(',').map(Number);
const only = process.env.BENCH_ONLY;
await selectBackend('wasm');

/** Train one config to the end in a scratch directory; metrics as `embedcg train` writes them. */
async function runOnce(file, seed, edit = (c) => c) {
  const { config: base, configDir, path } = loadRunConfig(join(repoRoot, 'examples', file));
  const config = edit({ ...structuredClone(base), seed });
  const plugins = await assemblePlugins(config, { configDir, configPath: path });
  const dir = mkdtempSync(join(tmpdir(), 'bench-dw-'));
  try {
    const r = await train({ runDir: dir, config, ...plugins, progress: false });
    const { metrics } = await computeMetrics({
      model: plugins.model,
      transform: plugins.transform,
      forceField: plugins.forceField,
      beta: targetBeta(config),
      samples: config.evaluation.samples,
      seed: config.seed,
      batchSize: config.evaluation.batchSize,
    });
    return {
      metrics,
      steps: r.state.step,
      levels: r.state.level,
      evaluations: plugins.forceField.evaluations,
      wallSeconds: r.state.wallSeconds,
      config,
    };
  } finally {
    plugins.model.dispose();
    await plugins.forceField.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same config with z ~ N(0, I) instead of the example's mixture: what the mixture buys. */
function withoutMixture(c) {
  const { priorMixture: _, ...options } = c.model.options;
  return { ...c, model: { ...c.model, options } };
}

const rows = [];
const targets = [];
const relErr = (a, b) => Math.abs(a / b - 1);

if (only !== 'mb') {
  const dw = [];
  for (const seed of seeds) {
    const t = await runOnce('double-well.json', seed);
    const finalSteps = t.config.training.finalSteps;
    // Same total steps, all at the target: what the run would do without tempering.
    const u = await runOnce('double-well.json', seed, (c) => ({
      ...c,
      schedule: { ...c.schedule, options: { ...c.schedule.options, initialFraction: 1 } },
      training: { ...c.training, initialSteps: Math.max(0, t.steps - finalSteps), finalSteps },
    }));
    const g = await runOnce('double-well.json', seed, withoutMixture);
    for (const [mode, r] of [
      ['tempered', t],
      ['untempered', u],
      ['tempered, N(0, I) prior', g],
    ]) {
      const m = r.metrics;
      const row = {
        system: 'double-well',
        mode,
        seed,
        steps: r.steps,
        levels: r.levels,
        kl: m.kl,
        logZError: m.logZError,
        ess: m.ess,
        minorRaw: m.minorModeMass,
        minorReweighted: m.minorModeMassReweighted,
        minorExact: m.minorModeMassExact,
        energyEvaluations: r.evaluations,
        evalsVsP2: r.evaluations / P2_FLOW_EVALUATIONS,
        wallSeconds: r.wallSeconds,
      };
      rows.push(row);
      if (mode === 'tempered') dw.push(row);
      console.error(JSON.stringify(row));
    }
  }
  const worst = (f) => Math.max(...dw.map(f));
  targets.push(
    target(
      'double-well worst |raw minor mass / exact − 1|',
      worst((r) => relErr(r.minorRaw, r.minorExact)),
      '<=',
      0.25,
    ),
    target(
      'double-well worst |reweighted minor mass / exact − 1|',
      worst((r) => relErr(r.minorReweighted, r.minorExact)),
      '<=',
      0.1,
    ),
    target(
      'double-well worst |log Z error|',
      worst((r) => Math.abs(r.logZError)),
      '<',
      0.02,
    ),
    target(
      'double-well worst KL',
      worst((r) => r.kl),
      '<',
      0.01,
    ),
    target(
      'double-well worst energy evaluations vs the flow paper (3.5e6)',
      worst((r) => r.energyEvaluations),
      '<=',
      P2_FLOW_EVALUATIONS,
    ),
  );
}

if (only !== 'dw') {
  const mb = [];
  for (const [mode, seed] of seeds.flatMap((sd) => [
    ['tempered', sd],
    ['tempered, N(0, I) prior', sd],
  ])) {
    const r = await runOnce('muller-brown.json', seed, mode === 'tempered' ? undefined : withoutMixture);
    const m = r.metrics;
    const basins = Object.keys(m)
      .filter((k) => k.startsWith('basinMassExact.'))
      .map((k) => k.slice('basinMassExact.'.length));
    const row = {
      system: 'muller-brown',
      mode,
      seed,
      steps: r.steps,
      levels: r.levels,
      kl: m.kl,
      logZError: m.logZError,
      ess: m.ess,
      energyEvaluations: r.evaluations,
      wallSeconds: r.wallSeconds,
    };
    for (const b of basins) {
      row[`${b}Raw`] = m[`basinMass.${b}`];
      row[`${b}Reweighted`] = m[`basinMassReweighted.${b}`];
      row[`${b}Exact`] = m[`basinMassExact.${b}`];
    }
    row.worstBasinRelErr = Math.max(...basins.map((b) => relErr(m[`basinMass.${b}`], m[`basinMassExact.${b}`])));
    rows.push(row);
    if (mode === 'tempered') mb.push(row);
    console.error(JSON.stringify(row));
  }
  targets.push(
    target(
      'muller-brown worst |raw basin mass / exact − 1| (all basins, all seeds)',
      Math.max(...mb.map((r) => r.worstBasinRelErr)),
      '<=',
      0.25,
    ),
  );
}

writeResults('double-well', rows, targets);
