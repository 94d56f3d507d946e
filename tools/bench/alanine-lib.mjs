// What the alanine dipeptide benchmarks share: a time-boxed (resumable) training run on the shared
// prmtop, model samples at 330 K, the reference MD in bench-results/alanine-ref/*.dcd (one file per
// independent `embedcg md` run), and the rows of the molecular yardsticks (docs/science/metrics.md).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  assemblePlugins,
  computeMetrics,
  createRng,
  essFraction,
  findCheckpoint,
  initModelFrom,
  loadModelWeights,
  loadRunConfig,
  paretoSmooth,
  readCheckpointState,
  selectBackend,
  targetBeta,
  train,
  withLatentSamples,
  writeRunFiles,
} from '@embedcg/core';
import { backboneDihedrals, dihedralSeries, statePopulations } from '@embedcg/core/molecules';
import * as amber from '@embedcg/forcefield-amber';
import { arg, repoRoot, sharedDir } from './lib.mjs';

export { arg };
export { loadReference, referenceHint, referencePhi, refDir, seriesDir } from './alanine-reference.mjs';

/**
 * Assemble the plugins of a bench config (force field pointed at the shared prmtop) and train it
 * for at most `minutes`, resuming with --resume or only loading the last checkpoint with --eval-only.
 */
export async function trainAlanine({ configFile, runName, preloaded, defaultMinutes }) {
  const minutes = Number(arg('minutes', defaultMinutes));
  const resume = process.argv.includes('--resume');
  const evalOnly = process.argv.includes('--eval-only');
  const runDir = resolve(repoRoot, arg('run', `runs/${runName}`));
  const configPath = join(repoRoot, 'tools', 'bench', configFile);
  // --seed S reruns a config with another seed (weights, draws and evaluation samples all follow
  // it); --set key.path=value (repeatable) changes any key, as `embedcg train --set` does.
  const sets = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--set' ? [a] : []));
  if (arg('seed', undefined) !== undefined) sets.push(`seed=${arg('seed', undefined)}`);
  const { config, configDir, sources } = loadRunConfig(configPath, sets);
  const dir = join(sharedDir, 'data', 'alanine-dipeptide');
  config.forceField.options.prmtop = join(dir, 'alanine-dipeptide-implicit.prmtop');
  config.forceField.options.coordinates = join(dir, 'alanine-dipeptide-implicit.inpcrd');
  const backend = await selectBackend(config.training.backend, (m) => console.error(m));
  const plugins = await assemblePlugins(config, {
    configDir,
    preloaded: { '@embedcg/forcefield-amber': amber.plugins, ...preloaded },
    log: (m) => console.error(m),
  });
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
    if (!canResume)
      writeRunFiles(runDir, config, {
        configPath,
        ...(sources.length > 1 ? { configExtends: sources.slice(1) } : {}),
        ...(sets.length ? { configOverrides: sets } : {}),
        configDir,
        backend,
        started: new Date().toISOString(),
      });
    const initFrom = arg('init-from', undefined);
    if (initFrom && !canResume) {
      const { copied, fresh } = initModelFrom(resolve(repoRoot, initFrom), plugins.model);
      console.error(`warm start from ${initFrom}: ${copied.length} variables copied, ${fresh.length} fresh`);
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), minutes * 60_000);
    const r = await train({
      runDir,
      config,
      ...plugins,
      resume: Boolean(canResume),
      progress: process.stderr.isTTY,
      signal: abort.signal,
      log: (m) => console.error(m),
      // training.workers > 1: the workers load the same packages by name (amber from the workspace).
      workerPlugins: { configDir, searchDirs: [repoRoot] },
      backend,
    });
    clearTimeout(timer);
    ({ state, timing, status } = r);
  }
  const beta = targetBeta(config);
  const trainingRow = {
    what: 'training',
    status,
    steps: state.step,
    levels: state.level,
    'β/β*': state.beta / beta,
    phase: state.phase,
    'energy evals': state.energyEvaluations,
    'wall s (total)': state.wallSeconds,
    'this call s': timing.totalSeconds,
    'force field s': timing.forceFieldSeconds,
    'networks s': timing.totalSeconds - timing.forceFieldSeconds,
    'ff share': timing.forceFieldSeconds / timing.totalSeconds,
    'ms/step': (1000 * timing.totalSeconds) / Math.max(1, state.step),
    backend,
  };
  // The first rows of every alanine bench's table: the training run and, when history has it, the step-time split.
  const timingRow = stepTimeRow(runDir);
  return { config, plugins, state, beta, rows: timingRow ? [trainingRow, timingRow] : [trainingRow], runDir };
}

/** Mean milliseconds per step in each phase, from the `ms` of history.jsonl's step lines (this code's runs). */
export function stepTimeRow(runDir) {
  const path = join(runDir, 'history.jsonl');
  if (!existsSync(path)) return undefined;
  const steps = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step' && r.ms);
  if (steps.length === 0) return undefined;
  const mean = (k) => steps.reduce((a, r) => a + r.ms[k], 0) / steps.length;
  const row = {
    what: 'ms per step (history sample)',
    steps: steps.length,
    draw: mean('draw'),
    'force field': mean('forceField'),
    'gradient pass': mean('gradient'),
    'Adam update': mean('update'),
  };
  row.total = row.draw + row['force field'] + row['gradient pass'] + row['Adam update'];
  row['ff share'] = row['force field'] / row.total;
  return row;
}

/**
 * n model samples at the target β, counted on top of the training evaluations. `--latent-samples K`
 * overrides the config's evaluation.latentSamples.
 */
export async function sampleAlanine({ config, plugins, state, beta, n }) {
  plugins.forceField.evaluations = state.energyEvaluations;
  const { metrics, samples } = await computeMetrics({
    model: plugins.model,
    transform: plugins.transform,
    forceField: plugins.forceField,
    beta,
    samples: n,
    seed: config.seed + 1,
    batchSize: config.evaluation.batchSize,
    latentSamples: Number(arg('latent-samples', config.evaluation.latentSamples)),
  });
  return { metrics, samples };
}

/**
 * The same draws reweighted with ℓ from K latent samples each (no energy evaluated again): how much
 * of the weights' spread is the encoder's, which more latent samples remove, and how much is the
 * model's. One row per K: ESS, PSIS k̂, the reweighted populations and the mean ℓ + βU (the KL
 * bound up to log Z; it falls as the bound tightens).
 */
export function latentSampleRows({ samples, plugins, topology, Ks = [1, 4, 16, 64], seed = 17 }) {
  if (!plugins.model.logProbEstimate || !samples.z) return [];
  const { phi, psi } = backboneDihedrals(topology);
  const f = dihedralSeries(samples.x, samples.dimension, samples.n, phi[0]);
  const p = dihedralSeries(samples.x, samples.dimension, samples.n, psi[0]);
  return Ks.map((K) => {
    const t0 = performance.now();
    const s = withLatentSamples(samples, plugins.model, plugins.transform, K, createRng(seed + K));
    const pop = statePopulations(f, p, s.logw);
    let bound = 0,
      finite = 0;
    for (let i = 0; i < s.n; i++)
      if (Number.isFinite(s.energies[i])) {
        bound += s.logQ[i] + s.beta * s.energies[i];
        finite++;
      }
    return {
      what: `weights, ${K} latent sample${K > 1 ? 's' : ''}`,
      ESS: essFraction(s.logw),
      khat: paretoSmooth(s.logw).khat,
      'rw β': pop.beta,
      'rw αR': pop.alphaR,
      'rw φ>0': pop.phiPositive,
      'rw C7ax/αL': pop.c7axAlphaL,
      'mean ℓ+βU': bound / finite,
      s: (performance.now() - t0) / 1000,
    };
  });
}

/** Table rows of a molecularMetrics result (keys `mol.*`). */
export function molecularRows(mol, ref) {
  const g = (k) => mol[`mol.${k}`];
  const rows = [];
  if (ref)
    rows.push({
      what: 'reference',
      files: ref.files.length,
      frames: ref.n,
      'frames per run': ref.runLengths.join('+'),
    });
  for (const st of ['beta', 'alphaR', 'phiPositive', 'c7axAlphaL']) {
    rows.push({
      what: `population ${st}`,
      raw: g(`population.${st}.raw`),
      reweighted: g(`population.${st}.reweighted`),
      reference: g(`population.${st}.reference`),
      'factor raw': g(`population.${st}.factorRaw`),
    });
  }
  if (g('reference.frames')) {
    rows.push({
      what: 'Ramachandran (nats)',
      'KL raw': g('ramachandran.klRaw'),
      'KL rw': g('ramachandran.klReweighted'),
      'JS raw': g('ramachandran.jsRaw'),
      'JS rw': g('ramachandran.jsReweighted'),
      'JS floor (halves)': g('ramachandran.noiseFloor.js'),
      'KL floor (halves)': g('ramachandran.noiseFloor.kl'),
      'JS run1 vs rest': g('ramachandran.runVsRuns.js'),
    });
    rows.push({
      what: 'ΔF(φ>0 vs φ<0) kT',
      reference: g('deltaF.referenceKT'),
      'ref 95% lo': g('deltaF.referenceLowerKT'),
      'ref 95% hi': g('deltaF.referenceUpperKT'),
      'ref run spread': g('deltaF.referenceRunSpreadKT'),
      'model raw': g('deltaF.modelRawKT'),
      'model rw': g('deltaF.modelReweightedKT'),
      'err raw': g('deltaF.errorRawKT'),
      'err rw': g('deltaF.errorReweightedKT'),
      'err rw lo': g('deltaF.errorReweightedLowerKT'),
      'err rw hi': g('deltaF.errorReweightedUpperKT'),
    });
    rows.push({
      what: 'distances',
      'W1 βU raw kT': g('energy.w1RawKT'),
      'W1 βU rw kT': g('energy.w1ReweightedKT'),
      'W1 βU floor': g('energy.noiseFloorKT'),
      '<βU> model': g('energy.meanModelKT'),
      '<βU> ref': g('energy.meanReferenceKT'),
      'W1 Rg raw nm': g('rg.w1RawNm'),
      'W1 Rg rw nm': g('rg.w1ReweightedNm'),
      'W1 Rg floor nm': g('rg.noiseFloorNm'),
    });
  }
  rows.push({ what: 'chirality', 'wrong rate raw': g('chirality.wrongRate') });
  return rows;
}
