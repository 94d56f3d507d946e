// ΔF(φ>0 vs φ<0) of a trained alanine model from many samples (issue #7's ΔF target). The
// reweighted estimate's noise comes from the few φ > 0 samples whose fast coordinates fit, so it
// needs far more samples than the Ramachandran metrics: this draws N (default 1e6) in batches,
// keeps only φ and log w, and reports the estimate with a bootstrap interval, the Kish ESS of all
// samples and of the φ > 0 ones, and the reference MD's ΔF with its block-bootstrap interval.
//   npm run bench -- alanine-deltaf --run runs/alanine-defensive-seed1 [--samples 1000000] [--seed 11] [--name NAME]
import {
  backboneDihedrals, bootstrapInterval, deltaFFromProbability, dihedralSeries, drawSamples, essFraction, createRng, openRun,
  phiPositiveProbability, readDcd, resampleIndices, selectBackend, targetBeta,
} from '@embedcg/core';
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { repoRoot, target, writeResults } from './lib.mjs';
import { arg, refDir } from './alanine-lib.mjs';

const runDir = resolve(repoRoot, arg('run', 'runs/alanine-defensive-seed1'));
const n = Number(arg('samples', 1_000_000));
const seed = Number(arg('seed', 11));
const name = arg('name', `alanine-deltaf-${basename(runDir)}`);
await selectBackend('wasm', () => {});
const { config, plugins, state } = await openRun(runDir, { searchDirs: [repoRoot] });
const ff = plugins.forceField;
try {
  const beta = targetBeta(config);
  const { phi: [phiQuad] } = backboneDihedrals(ff.topology);
  const D = ff.dimension;
  const phi = new Float64Array(n), logw = new Float64Array(n);
  const rng = createRng(seed);
  const batch = 20_000;
  const t0 = performance.now();
  ff.evaluations = state.energyEvaluations;
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    const s = await drawSamples({ model: plugins.model, transform: plugins.transform, forceField: ff, n: b, beta, rng, batchSize: config.evaluation.batchSize });
    phi.set(dihedralSeries(s.x, D, b, phiQuad), start);
    logw.set(s.logw, start);
    if ((start / batch) % 10 === 0) console.error(`drawn ${start + b} / ${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const pos = [];
  for (let i = 0; i < n; i++) if (phi[i] > 0) pos.push(i);
  const W = Float64Array.from(logw);
  const max = W.reduce((a, v) => (Number.isFinite(v) && v > a ? v : a), -Infinity);
  for (let i = 0; i < n; i++) W[i] = Number.isFinite(W[i]) ? Math.exp(W[i] - max) : 0;
  const df = deltaFFromProbability(phiPositiveProbability(phi, W));
  const bRng = createRng(seed + 1);
  const reps = Float64Array.from({ length: 300 }, () => deltaFFromProbability(phiPositiveProbability(phi, W, resampleIndices(n, bRng))));
  const [lo, hi] = bootstrapInterval(reps);

  // The reference: every complete run's φ, a moving-block bootstrap (blocks of 1/40 of the frames).
  const files = readdirSync(refDir).filter((f) => f.endsWith('.dcd')).sort();
  const refPhi = [];
  const perRun = [];
  for (const f of files) {
    const t = readDcd(join(refDir, f));
    const p = dihedralSeries(t.positions.subarray(100 * D), D, t.nFrames - 100, phiQuad);
    perRun.push(phiPositiveProbability(p));
    refPhi.push(...p);
  }
  const rp = Float64Array.from(refPhi);
  const dfRef = deltaFFromProbability(phiPositiveProbability(rp));
  const refReps = Float64Array.from({ length: 300 }, () => deltaFFromProbability(phiPositiveProbability(rp, undefined, resampleIndices(rp.length, bRng, Math.floor(rp.length / 40)))));
  const [rlo, rhi] = bootstrapInterval(refReps);
  const errReps = reps.map((r, b) => r - refReps[b]);
  const [elo, ehi] = bootstrapInterval(errReps);
  const results = [
    { what: 'samples', run: basename(runDir), n, seed, 'draw s': seconds, ESS: essFraction(logw), 'φ>0 raw': pos.length / n, 'φ>0 n': pos.length, 'φ>0 ESS (samples)': essFraction(pos.map((i) => logw[i])) * pos.length, 'all energy evals': ff.evaluations },
    { what: 'ΔF(φ>0 vs φ<0) kT', model: df, 'model 95% lo': lo, 'model 95% hi': hi, reference: dfRef, 'ref 95% lo': rlo, 'ref 95% hi': rhi, error: df - dfRef, 'error 95% lo': elo, 'error 95% hi': ehi },
    { what: 'reference runs', files: files.length, 'P(φ>0) per run %': perRun.map((p) => (100 * p).toFixed(3)).join(' ') },
  ];
  writeResults(name, results, [
    target('|ΔF(φ>0 vs φ<0) error| reweighted (kT)', Math.abs(df - dfRef), '<=', 0.5),
    target('energy evaluations (training + samples)', ff.evaluations, '<=', 1e8),
  ]);
} finally {
  await ff.dispose();
}
