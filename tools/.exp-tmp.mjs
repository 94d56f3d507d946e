// experiment: tempered vs untempered short runs, minor mass over time
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, selectBackend, train, computeMetrics, validateRunConfig } from '@embedcg/core';
import * as analytic from '@embedcg/forcefield-analytic';
import * as vae from '@embedcg/model-vae';
await selectBackend('wasm');
const args = JSON.parse(process.argv[2]);
const cfg = validateRunConfig({
  name: 'exp', seed: args.seed ?? 1,
  forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
  model: { package: '@embedcg/model-vae', name: 'vae', options: { latentDim: 1, decoderHidden: [32, 32], encoderHidden: [32, 32], encoderActivations: ['selu', 'selu'], ...(args.model ?? {}) } },
  target: { beta: 1 },
  schedule: { package: '@embedcg/core', name: 'kl-increase', options: { initialFraction: 0.01, maxStepFraction: 0.1, delta: 0.1, samples: 1000, ...(args.schedule ?? {}) } },
  training: { batchSize: 256, learningRate: 0.003, initialSteps: 300, stepsPerLevel: 30, finalSteps: 300, checkpointEvery: 100000, historyEvery: 10, ...(args.training ?? {}) },
  evaluation: { samples: 20000 },
});
const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded: { '@embedcg/forcefield-analytic': analytic.plugins, '@embedcg/model-vae': vae.plugins } });
const dir = mkdtempSync(join(tmpdir(), 'exp-'));
const t0 = performance.now();
let resume = false;
for (;;) {
  const r = await train({ runDir: dir, config: cfg, ...plugins, progress: false, resume, stopAfterSteps: args.chunk ?? 200 });
  resume = true;
  const { metrics: m } = await computeMetrics({ model: plugins.model, forceField: plugins.forceField.inner, beta: r.state.beta, samples: 20000, seed: 5 });
  console.log(`step ${r.state.step} level ${r.state.level} β ${r.state.beta.toFixed(4)} minor raw ${(+m.minorModeMass).toFixed(5)} rw ${(+m.minorModeMassReweighted).toFixed(5)} exact ${(+m.minorModeMassExact).toFixed(5)} kl ${(+m.kl).toFixed(4)} ess ${(+m.ess).toFixed(3)} t ${((performance.now() - t0) / 1000).toFixed(1)}`);
  if (r.status === 'done') break;
}
