// Alanine dipeptide with the VAE-style CG model (P1), ff96 + OBC2 at 330 K on the shared prmtop,
// native AMBER engine: a time-boxed training run, then the molecular yardsticks of science.md §7
// against reference MD in bench-results/alanine-ref/*.dcd (one file per independent run) when
// it exists. Make one with `embedcg md` (see the report / the file list printed below).
//   npm run bench -- alanine-vae [--minutes 50] [--resume] [--eval-only] [--skip 100] [--run runs/alanine-vae-bench]
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  assemblePlugins, computeMetrics, encodeConfigurations, findCheckpoint, loadModelWeights, loadRunConfig, molecularMetrics,
  readCheckpointState, readDcd, selectBackend, targetBeta, train, writeRunFiles,
} from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import * as vae from '@embedcg/model-vae';
import { repoRoot, sharedDir, target, writeResults } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const minutes = Number(arg('minutes', 50));
const resume = process.argv.includes('--resume');
const evalOnly = process.argv.includes('--eval-only');
const skip = Number(arg('skip', 100)); // frames (1 ps each) of equilibration dropped per reference run
const runDir = resolve(repoRoot, arg('run', 'runs/alanine-vae-bench'));
const configPath = join(repoRoot, 'tools', 'bench', 'alanine-vae.config.json');

const { config, configDir } = loadRunConfig(configPath);
if (process.env.EMBEDCG_SHARED) {
  const dir = join(sharedDir, 'data', 'alanine-dipeptide');
  config.forceField.options.prmtop = join(dir, 'alanine-dipeptide-implicit.prmtop');
  config.forceField.options.coordinates = join(dir, 'alanine-dipeptide-implicit.inpcrd');
}
const backend = await selectBackend(config.training.backend, (m) => console.error(m));
const preloaded = { '@embedcg/forcefield-amber': amber.plugins, '@embedcg/model-vae': vae.plugins };
const plugins = await assemblePlugins(config, { configDir, preloaded, log: (m) => console.error(m) });
const ff = plugins.forceField;
const beta = targetBeta(config);
const results = [];
const targets = [];

try {
  let state;
  let timing = { forceFieldSeconds: NaN, totalSeconds: NaN };
  let status = 'not run';
  if (evalOnly) {
    const cp = findCheckpoint(runDir);
    if (!cp) throw new Error(`--eval-only: ${runDir} holds no checkpoint`);
    loadModelWeights(cp, plugins.model);
    state = readCheckpointState(cp);
  } else {
    const canResume = resume && findCheckpoint(runDir);
    if (!canResume) writeRunFiles(runDir, config, { configPath, configDir, backend, started: new Date().toISOString() });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), minutes * 60_000);
    const r = await train({ runDir, config, ...plugins, resume: Boolean(canResume), progress: process.stderr.isTTY, signal: abort.signal, log: (m) => console.error(m) });
    clearTimeout(timer);
    state = r.state;
    timing = r.timing;
    status = r.status;
  }
  const trainEvaluations = ff.evaluations || state.energyEvaluations;
  results.push({
    what: 'training', status, steps: state.step, levels: state.level, 'β/β*': state.beta / beta, phase: state.phase,
    'energy evals': state.energyEvaluations, 'wall s (total)': state.wallSeconds,
    'this call s': timing.totalSeconds, 'force field s': timing.forceFieldSeconds,
    'networks s': timing.totalSeconds - timing.forceFieldSeconds, 'ff share': timing.forceFieldSeconds / timing.totalSeconds,
    'ms/step': (1000 * timing.totalSeconds) / Math.max(1, state.step), backend,
  });

  // Model samples at the target β (these evaluations count too).
  ff.evaluations = state.energyEvaluations;
  const { metrics, samples } = await computeMetrics({
    model: plugins.model, transform: plugins.transform, forceField: ff, beta, samples: config.evaluation.samples, seed: config.seed + 1,
    batchSize: config.evaluation.batchSize,
  });
  results.push({ what: 'samples', n: samples.n, ESS: metrics.ess, 'non-finite U': metrics.nonFiniteEnergyFraction, 'mean U kJ/mol': metrics.meanEnergy, 'all energy evals': ff.evaluations });

  const refDir = join(repoRoot, 'bench-results', 'alanine-ref');
  const files = existsSync(refDir) ? readdirSync(refDir).filter((f) => f.endsWith('.dcd')).sort().map((f) => join(refDir, f)) : [];
  let mol;
  if (files.length === 0) {
    console.error(`no reference trajectory in ${refDir}; make one with\n  node packages/cli/dist/bin.js md --prmtop ${join(sharedDir, 'data/alanine-dipeptide/alanine-dipeptide-implicit.prmtop')} --coords ${join(sharedDir, 'data/alanine-dipeptide/alanine-dipeptide-implicit.inpcrd')} --solvent obc2 --temperature 330 --steps 6000000 --interval 1000 --seed 1 --out ${join(refDir, 'run1.dcd')}`);
    mol = molecularMetrics({ topology: ff.topology, beta, samples: { x: samples.x, n: samples.n, energies: samples.energies, logw: samples.logw }, chiralityReference: ff.initialPositions });
  } else {
    const D = ff.dimension;
    const parts = files.map((f) => readDcd(f)).map((t) => t.positions.subarray(Math.min(skip, t.nFrames) * D));
    const runLengths = parts.map((p) => p.length / D);
    const n = runLengths.reduce((a, b) => a + b, 0);
    const x = new Float64Array(n * D);
    let at = 0;
    for (const p of parts) { x.set(p, at); at += p.length; }
    const energies = new Float64Array(n);
    for (let s = 0; s < n; s += 5000) {
      const b = Math.min(5000, n - s);
      energies.set((await ff.inner.evaluate(x.subarray(s * D, (s + b) * D), b, { energiesOnly: true })).energies, s);
    }
    const latent = encodeConfigurations(plugins.model, plugins.transform, x, n);
    mol = molecularMetrics({
      topology: ff.topology, beta, samples: { x: samples.x, n: samples.n, energies: samples.energies, logw: samples.logw },
      reference: { x, n, energies, runLengths, latent, latentDim: plugins.model.latentDimension }, seed: 7,
    });
    results.push({ what: 'reference', files: files.length, frames: n, 'frames per run': runLengths.join('+'), 'skip per run': skip });
  }
  const g = (k) => mol[`mol.${k}`];
  for (const st of ['beta', 'alphaR', 'phiPositive']) {
    results.push({ what: `population ${st}`, raw: g(`population.${st}.raw`), reweighted: g(`population.${st}.reweighted`), reference: g(`population.${st}.reference`), 'factor raw': g(`population.${st}.factorRaw`) });
  }
  if (g('reference.frames')) {
    results.push({ what: 'Ramachandran (nats)', 'KL raw': g('ramachandran.klRaw'), 'KL rw': g('ramachandran.klReweighted'), 'JS raw': g('ramachandran.jsRaw'), 'JS rw': g('ramachandran.jsReweighted'), 'JS floor (halves)': g('ramachandran.noiseFloor.js'), 'JS run1 vs rest': g('ramachandran.runVsRuns.js') });
    results.push({ what: 'ΔF(φ>0 vs φ<0) kT', reference: g('deltaF.referenceKT'), 'ref 95% lo': g('deltaF.referenceLowerKT'), 'ref 95% hi': g('deltaF.referenceUpperKT'), 'ref run spread': g('deltaF.referenceRunSpreadKT'), 'model raw': g('deltaF.modelRawKT'), 'model rw': g('deltaF.modelReweightedKT'), 'err raw': g('deltaF.errorRawKT'), 'err rw': g('deltaF.errorReweightedKT'), 'err rw lo': g('deltaF.errorReweightedLowerKT'), 'err rw hi': g('deltaF.errorReweightedUpperKT'), 'raw ≥ (no φ>0 sample)': g('deltaF.modelRawLowerBoundKT') });
    results.push({ what: 'distances', 'W1 βU raw kT': g('energy.w1RawKT'), 'W1 βU rw kT': g('energy.w1ReweightedKT'), 'W1 βU floor': g('energy.noiseFloorKT'), '<βU> model': g('energy.meanModelKT'), '<βU> ref': g('energy.meanReferenceKT'), 'W1 Rg raw nm': g('rg.w1RawNm'), 'W1 Rg rw nm': g('rg.w1ReweightedNm'), 'W1 Rg floor nm': g('rg.noiseFloorNm') });
    for (const task of ['phiSign', 'alphaBeta']) {
      results.push({ what: `CV classifier ${task}`, 'logistic acc': g(`cv.${task}.logistic.accuracy`), 'logistic bal': g(`cv.${task}.logistic.balancedAccuracy`), 'knn acc': g(`cv.${task}.knn.accuracy`), 'knn bal': g(`cv.${task}.knn.balancedAccuracy`), positives: g(`cv.${task}.positives`) });
    }
    results.push({ what: 'CV |Spearman|', sinPhi: g('cv.spearman.sinPhi'), cosPhi: g('cv.spearman.cosPhi'), sinPsi: g('cv.spearman.sinPsi'), cosPsi: g('cv.spearman.cosPsi') });
    targets.push(target('CV φ-sign balanced accuracy (best classifier)', g('cv.phiSign.bestBalancedAccuracy'), '>=', 0.95));
    targets.push(target('CV α/β balanced accuracy (best classifier)', g('cv.alphaBeta.bestBalancedAccuracy'), '>=', 0.9));
    targets.push(target('raw basin populations: worst factor vs reference', g('population.worstFactorRaw'), '<=', 2));
    targets.push(target('Ramachandran JS raw (nats)', g('ramachandran.jsRaw'), '<=', 0.1));
  }
  results.push({ what: 'chirality', 'wrong rate raw': g('chirality.wrongRate') });
  targets.push(target('training wall time (s)', state.wallSeconds, '<=', 3600));
  targets.push(target('training finished the schedule', state.phase === 'done' ? 1 : 0, '>=', 1));
  writeResults('alanine-vae', results, targets);
  console.log(JSON.stringify({ trainEvaluations, metrics, mol }, null, 1));
} finally {
  await ff.dispose();
}
