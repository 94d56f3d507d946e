// A quick look at a training alanine run's latest checkpoint: the basin populations (core's
// statePopulations, as the bench scores them) of N raw draws, so that a collapse into β shows
// before the run ends. A light process (seconds), not a second training run.
//   node tools/peek-alanine.mjs runs/NAME [N] [--losses]
// With a mixture prior it also prints each component's weight, centre and decoded φ/ψ.
// --losses also evaluates the force field on the draws and prints, per basin, the mean per-sample
// loss ℓ + β*U at the target β* (split into ℓ and β*U): reverse KL moves mass towards the basin
// with the lower mean, so a gap of g nats shrinks the other basin's share by about e^−g.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import {
  assemblePlugins,
  createRng,
  findCheckpoint,
  loadModelWeights,
  loadRunConfig,
  readCheckpointState,
  selectBackend,
} from '@embedcg/core';
import { backboneDihedrals, statePopulations, stateOf, STATES, dihedralSeries } from '@embedcg/core/molecules';
import * as amber from '@embedcg/forcefield-amber';
import * as vae from '@embedcg/model-vae';
import * as flow from '@embedcg/model-flow';
import { sharedDir } from './bench/lib.mjs';

const runDir = process.argv[2];
const n = Number(process.argv[3] && !process.argv[3].startsWith('--') ? process.argv[3] : 4000);
const withLosses = process.argv.includes('--losses');
const loaded = loadRunConfig(join(runDir, 'config.json'));
const { config } = loaded;
// Relative paths in a run's config are relative to the original config's folder (run.json keeps it).
const runJson = join(runDir, 'run.json');
const configDir = (existsSync(runJson) && JSON.parse(readFileSync(runJson, 'utf8')).configDir) || loaded.configDir;
// Bench runs name the shared prmtop relative to tools/bench: point them at ../shared. Runs of the
// examples (the project's own system files) keep their config.
if (config.forceField.options.prmtop) {
  const dir = join(sharedDir, 'data', 'alanine-dipeptide');
  config.forceField.options.prmtop = join(dir, 'alanine-dipeptide-implicit.prmtop');
  config.forceField.options.coordinates = join(dir, 'alanine-dipeptide-implicit.inpcrd');
}
await selectBackend('wasm', () => {});
const plugins = await assemblePlugins(config, {
  configDir,
  preloaded: {
    '@embedcg/forcefield-amber': amber.plugins,
    '@embedcg/model-vae': vae.plugins,
    '@embedcg/model-flow': flow.plugins,
  },
  log: () => {},
});
const cp = findCheckpoint(runDir);
if (!cp) {
  console.error(`${runDir} holds no checkpoint yet`);
  process.exit(1);
}
loadModelWeights(cp, plugins.model);
const state = readCheckpointState(cp);
let logQ;
const x = tf.tidy(() => {
  const draw = plugins.model.draw(n, createRng(123));
  if (!plugins.transform) {
    logQ = tf.keep(draw.logQ);
    return draw.y;
  }
  // log q(x) = log q(y) − log|det ∂x/∂y|, as the trainer scores it.
  const t = plugins.transform.forward(draw.y);
  logQ = tf.keep(tf.sub(draw.logQ, t.logDetJ));
  return t.x;
});
const X = Float64Array.from(x.dataSync());
const D = plugins.forceField.dimension;
const top = plugins.forceField.topology;
const { phi, psi } = backboneDihedrals(top);
const f = dihedralSeries(X, D, n, phi[0]),
  p = dihedralSeries(X, D, n, psi[0]);
const pop = statePopulations(f, p);
// φ > 0 samples with φ < 120° are C7ax/αL; the rest can be the β basin's tail wrapped past −180°.
let genuine = 0;
for (const v of f) if (v > 0 && v < (2 * Math.PI) / 3) genuine++;
pop.phiPositiveBelow120 = genuine / n;
// Circular mean and spread (°) of φ and ψ: a narrow spread at a hot β is the collapse starting.
const circ = (a) => {
  let c = 0,
    s = 0;
  for (const v of a) {
    c += Math.cos(v);
    s += Math.sin(v);
  }
  const r = Math.hypot(c, s) / a.length;
  return {
    mean: Math.round((Math.atan2(s, c) * 180) / Math.PI),
    sd: Math.round((Math.sqrt(-2 * Math.log(r)) * 180) / Math.PI),
  };
};
console.log(
  JSON.stringify({
    step: state.step,
    level: state.level,
    betaNow: state.beta,
    phase: state.phase,
    n,
    ...pop,
    phi: circ(f),
    psi: circ(p),
  }),
);
if (withLosses) {
  // The target β* of the run (mol/kJ), from its temperature.
  const betaStar = 1 / (0.0083144626 * config.target.temperature);
  const { energies } = await plugins.forceField.evaluate(X, n, { energiesOnly: true });
  const lq = logQ.dataSync();
  const sums = STATES.map(() => ({ n: 0, l: 0, u: 0 }));
  for (let i = 0; i < n; i++) {
    const s = stateOf(f[i], p[i]);
    if (s < 0 || !Number.isFinite(energies[i])) continue;
    sums[s].n++;
    sums[s].l += lq[i];
    sums[s].u += betaStar * energies[i];
  }
  console.log(
    'per basin at β*: ' +
      STATES.map((name, k) => {
        const t = sums[k];
        return t.n
          ? `${name} n=${t.n} ℓ+βU ${((t.l + t.u) / t.n).toFixed(2)} (ℓ ${(t.l / t.n).toFixed(2)}, βU ${(t.u / t.n).toFixed(2)})`
          : `${name} n=0`;
      }).join('; '),
  );
}
logQ.dispose();
// For latent models: the decoder's φ/ψ centre over a grid of z in [−2, 2]^d (how much the CVs move
// the backbone) and its σ there, from the model-space torsion coordinates.
const model = plugins.model;
if (model.decode && model.latentDimension && plugins.transform?.names) {
  const { backboneTorsions } = await import('@embedcg/core/molecules');
  const bt = backboneTorsions(plugins.transform.names);
  const [iPhi, iPsi] = [bt.phi[0], bt.psi[0]];
  const d = model.latentDimension,
    g = 5;
  const grid = [];
  for (let k = 0; k < g ** d; k++)
    for (let j = 0, r = k; j < d; j++, r = Math.floor(r / g)) grid.push(-2 + (4 * (r % g)) / (g - 1));
  const zt = tf.tensor2d(grid, [g ** d, d]);
  const dec = model.decode(zt).arraySync(),
    lv = model.decodeLogVariance(zt).arraySync();
  const deg = (v) =>
    Math.round(((((((v + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI) * 180) / Math.PI);
  const sd = (row, i) => Math.round((Math.exp(0.5 * row[i]) * 180) / Math.PI);
  console.log(
    'decode over z grid (φ°, ψ°) ±σ:',
    dec.map((r, k) => `${deg(r[iPhi])},${deg(r[iPsi])}±${sd(lv[k], iPhi)},${sd(lv[k], iPsi)}`).join('  '),
  );
}
// A mixture prior (model-vae priorMixture): each component's weight, centre, width and where the
// decoder puts its centre on the Ramachandran plane.
if (model.priorMixture && plugins.transform?.names) {
  const { backboneTorsions } = await import('@embedcg/core/molecules');
  const bt = backboneTorsions(plugins.transform.names);
  const pm = model.priorMixture,
    d = model.latentDimension;
  const w = pm.weights(),
    c = pm.centres.arraySync(),
    sd = pm.logStd.arraySync();
  const dec = tf.tidy(() => model.decode(tf.tensor2d(c)).arraySync());
  const deg = (v) =>
    Math.round(((((((v + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI) * 180) / Math.PI);
  console.log(
    'prior components: ' +
      Array.from(
        w,
        (wk, k) =>
          `π ${wk.toFixed(3)} at z (${c[k].map((v) => v.toFixed(2)).join(', ')}) ±(${sd[k].map((v) => Math.exp(v).toFixed(2)).join(', ')}) → φ/ψ ${deg(dec[k][bt.phi[0]])}°/${deg(dec[k][bt.psi[0]])}°`,
      ).join('; ') +
      ` (d = ${d})`,
  );
}
await plugins.forceField.dispose?.();
