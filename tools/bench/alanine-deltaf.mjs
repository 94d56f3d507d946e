// ΔF(φ>0 vs φ<0) of a trained alanine model from many samples (issue #7's ΔF target). The
// reweighted estimate's noise comes from the few φ > 0 samples whose fast coordinates fit, so it
// needs far more samples than the Ramachandran metrics: this draws N (default 1e6) in batches,
// keeps only φ and log w, and reports the estimate with a bootstrap interval, the Kish ESS of all
// samples and of the φ > 0 ones, and the reference MD's ΔF with its block-bootstrap interval.
//   npm run bench -- alanine-deltaf --run runs/alanine-defensive-seed1 [--samples 1000000] [--seed 11] [--name NAME]
import {
  bootstrapInterval,
  normalizedWeights,
  drawSamples,
  essFraction,
  createRng,
  openRun,
  paretoSmooth,
  resampleIndices,
  selectBackend,
  targetBeta,
} from '@embedcg/core';
import {
  backboneDihedrals,
  deltaFFromProbability,
  dihedralSeries,
  phiPositiveProbability,
} from '@embedcg/core/molecules';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { repoRoot, target, writeResults } from './lib.mjs';
import { arg, referencePhi } from './alanine-lib.mjs';

const runDir = resolve(repoRoot, arg('run', 'runs/alanine-defensive-seed1'));
const n = Number(arg('samples', 1_000_000));
const seed = Number(arg('seed', 11));
const name = arg('name', `alanine-deltaf-${basename(runDir)}`);
await selectBackend('wasm', () => {});
const { config, plugins, state } = await openRun(runDir, { searchDirs: [repoRoot] });
const ff = plugins.forceField;
try {
  const beta = targetBeta(config);
  const {
    phi: [phiQuad],
  } = backboneDihedrals(ff.topology);
  const D = ff.dimension;
  const samplesFile = join(repoRoot, 'bench-results', `${name}.samples.bin`);
  const reuse = process.argv.includes('--reuse') && existsSync(samplesFile);
  const phi = new Float64Array(n),
    logw = new Float64Array(n);
  const rng = createRng(seed);
  const batch = 20_000;
  const t0 = performance.now();
  ff.evaluations = state.energyEvaluations;
  if (reuse) {
    const buf = new Float64Array(readFileSync(samplesFile).buffer.slice(0));
    if (buf.length !== 2 * n) throw new Error(`${samplesFile} holds ${buf.length / 2} samples, not --samples ${n}`);
    phi.set(buf.subarray(0, n));
    logw.set(buf.subarray(n));
    ff.evaluations += n;
  }
  for (let start = 0; start < (reuse ? 0 : n); start += batch) {
    const b = Math.min(batch, n - start);
    const s = await drawSamples({
      model: plugins.model,
      transform: plugins.transform,
      forceField: ff,
      n: b,
      beta,
      rng,
      batchSize: config.evaluation.batchSize,
    });
    phi.set(dihedralSeries(s.x, D, b, phiQuad), start);
    logw.set(s.logw, start);
    if ((start / batch) % 10 === 0)
      console.error(`drawn ${start + b} / ${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!reuse) {
    const buf = new Float64Array(2 * n);
    buf.set(phi);
    buf.set(logw, n);
    writeFileSync(samplesFile, new Uint8Array(buf.buffer));
  }
  const pos = [];
  for (let i = 0; i < n; i++) if (phi[i] > 0) pos.push(i);
  const W = normalizedWeightsOf(logw);
  const df = deltaFFromProbability(phiPositiveProbability(phi, W));
  const bRng = createRng(seed + 1);
  const reps = Float64Array.from({ length: 300 }, () =>
    deltaFFromProbability(phiPositiveProbability(phi, W, resampleIndices(n, bRng))),
  );
  const [lo, hi] = bootstrapInterval(reps);

  // The reference: every complete run's φ, a moving-block bootstrap (blocks of 1/40 of the frames).
  const refPhi = [];
  const perRun = [];
  for (const p of referencePhi(ff.topology, D, 100)) {
    perRun.push(phiPositiveProbability(p));
    refPhi.push(...p);
  }
  const rp = Float64Array.from(refPhi);
  const dfRef = deltaFFromProbability(phiPositiveProbability(rp));
  const refReps = Float64Array.from({ length: 300 }, () =>
    deltaFFromProbability(
      phiPositiveProbability(rp, undefined, resampleIndices(rp.length, bRng, Math.floor(rp.length / 40))),
    ),
  );
  const [rlo, rhi] = bootstrapInterval(refReps);
  const errReps = reps.map((r, b) => r - refReps[b]);
  const [elo, ehi] = bootstrapInterval(errReps);
  // PSIS: the same estimate with the largest weights replaced by their Pareto fit.
  const psis = paretoSmooth(logw);
  const Wp = psis.logWeights.map(Math.exp);
  const dfPsis = deltaFFromProbability(phiPositiveProbability(phi, Wp));
  // Runs of `chunk` samples: each consecutive chunk is one such run, estimated on its own.
  const chunk = Number(arg('chunk', 100_000));
  const chunks = [];
  for (let c = 0; c + chunk <= n; c += chunk) {
    const lw = logw.subarray(c, c + chunk),
      ph = phi.subarray(c, c + chunk);
    const p = paretoSmooth(lw);
    const raw = deltaFFromProbability(phiPositiveProbability(ph, normalizedWeightsOf(lw)));
    const sm = deltaFFromProbability(phiPositiveProbability(ph, p.logWeights.map(Math.exp)));
    chunks.push({ raw: raw - dfRef, psis: sm - dfRef, khat: p.khat, ess: essFraction(lw) });
  }
  const within = (key) => chunks.filter((c) => Math.abs(c[key]) <= 0.5).length / chunks.length;
  const rms = (key) => Math.sqrt(chunks.reduce((a, c) => a + c[key] ** 2, 0) / chunks.length);
  const results = [
    {
      what: 'samples',
      run: basename(runDir),
      n,
      seed,
      'draw s': seconds,
      ESS: essFraction(logw),
      'φ>0 raw': pos.length / n,
      'φ>0 n': pos.length,
      'φ>0 ESS (samples)': essFraction(pos.map((i) => logw[i])) * pos.length,
      'all energy evals': ff.evaluations,
    },
    {
      what: 'ΔF(φ>0 vs φ<0) kT',
      model: df,
      'model 95% lo': lo,
      'model 95% hi': hi,
      reference: dfRef,
      'ref 95% lo': rlo,
      'ref 95% hi': rhi,
      error: df - dfRef,
      'error 95% lo': elo,
      'error 95% hi': ehi,
    },
    { what: 'ΔF PSIS kT', model: dfPsis, error: dfPsis - dfRef, khat: psis.khat, 'tail length': psis.tailLength },
    {
      what: `chunks of ${chunk}`,
      chunks: chunks.length,
      'within 0.5 kT raw': within('raw'),
      'within 0.5 kT PSIS': within('psis'),
      'rms error raw': rms('raw'),
      'rms error PSIS': rms('psis'),
      'k̂ median': chunks.map((c) => c.khat).sort((a, b) => a - b)[chunks.length >> 1],
      'errors raw': chunks.map((c) => c.raw.toFixed(2)).join(' '),
      'errors PSIS': chunks.map((c) => c.psis.toFixed(2)).join(' '),
    },
    {
      what: 'reference runs',
      files: perRun.length,
      'P(φ>0) per run %': perRun.map((p) => (100 * p).toFixed(3)).join(' '),
    },
  ];
  writeResults(name, results, [
    target('|ΔF(φ>0 vs φ<0) error| reweighted (kT)', Math.abs(df - dfRef), '<=', 0.5),
    target('|ΔF error| PSIS (kT)', Math.abs(dfPsis - dfRef), '<=', 0.5),
    target('energy evaluations (training + samples)', ff.evaluations, '<=', 1e8),
  ]);
} finally {
  await ff.dispose();
}

/** Self-normalised weights, with zero for non-finite log weights (dropped samples). */
function normalizedWeightsOf(lw) {
  return normalizedWeights(Array.from(lw, (v) => (Number.isFinite(v) ? v : -Infinity)));
}
