// A quick look at a training alanine run's latest checkpoint: the basin populations (core's
// statePopulations, as the bench scores them) of N raw draws, so that a collapse into β shows
// before the run ends. A light process (seconds), not a second training run.
//   node tools/peek-alanine.mjs runs/NAME [N]
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  assemblePlugins, backboneDihedrals, statePopulations, createRng, dihedralSeries, findCheckpoint, loadModelWeights, loadRunConfig, readCheckpointState, selectBackend,
} from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import * as vae from '@embedcg/model-vae';
import * as flow from '@embedcg/model-flow';
import { sharedDir } from './bench/lib.mjs';

const runDir = process.argv[2];
const n = Number(process.argv[3] ?? 4000);
const { config, configDir } = loadRunConfig(join(runDir, 'config.json'));
const dir = join(sharedDir, 'data', 'alanine-dipeptide');
config.forceField.options.prmtop = join(dir, 'alanine-dipeptide-implicit.prmtop');
config.forceField.options.coordinates = join(dir, 'alanine-dipeptide-implicit.inpcrd');
await selectBackend('wasm', () => {});
const plugins = await assemblePlugins(config, {
  configDir, preloaded: { '@embedcg/forcefield-amber': amber.plugins, '@embedcg/model-vae': vae.plugins, '@embedcg/model-flow': flow.plugins }, log: () => {},
});
const cp = findCheckpoint(runDir);
if (!cp) {
  console.error(`${runDir} holds no checkpoint yet`);
  process.exit(1);
}
loadModelWeights(cp, plugins.model);
const state = readCheckpointState(cp);
const x = tf.tidy(() => {
  const { y } = plugins.model.draw(n, createRng(123));
  return plugins.transform ? plugins.transform.forward(y).x : y;
});
const X = Float64Array.from(x.dataSync());
const D = plugins.forceField.dimension;
const top = plugins.forceField.topology;
const { phi, psi } = backboneDihedrals(top);
const f = dihedralSeries(X, D, n, phi[0]), p = dihedralSeries(X, D, n, psi[0]);
const pop = statePopulations(f, p);
// φ > 0 samples with φ < 120° are C7ax/αL; the rest can be the β basin's tail wrapped past −180°.
let genuine = 0;
for (const v of f) if (v > 0 && v < (2 * Math.PI) / 3) genuine++;
pop.phiPositiveBelow120 = genuine / n;
// Circular mean and spread (°) of φ and ψ: a narrow spread at a hot β is the collapse starting.
const circ = (a) => {
  let c = 0, s = 0;
  for (const v of a) { c += Math.cos(v); s += Math.sin(v); }
  const r = Math.hypot(c, s) / a.length;
  return { mean: Math.round(Math.atan2(s, c) * 180 / Math.PI), sd: Math.round(Math.sqrt(-2 * Math.log(r)) * 180 / Math.PI) };
};
console.log(JSON.stringify({ step: state.step, level: state.level, betaNow: state.beta, phase: state.phase, n, ...pop, phi: circ(f), psi: circ(p) }));
// For latent models: the decoder's φ/ψ centre over a grid of z in [−2, 2]^d (how much the CVs move
// the backbone) and its σ there, from the model-space torsion coordinates.
const model = plugins.model;
if (model.decode && model.latentDimension && plugins.transform?.names) {
  const { backboneTorsions } = await import('@embedcg/core');
  const bt = backboneTorsions(plugins.transform.names);
  const [iPhi, iPsi] = [bt.phi[0], bt.psi[0]];
  const d = model.latentDimension, g = 5;
  const grid = [];
  for (let k = 0; k < g ** d; k++) for (let j = 0, r = k; j < d; j++, r = Math.floor(r / g)) grid.push(-2 + (4 * (r % g)) / (g - 1));
  const zt = tf.tensor2d(grid, [g ** d, d]);
  const dec = model.decode(zt).arraySync(), lv = model.decodeLogVariance(zt).arraySync();
  const deg = (v) => Math.round((((v + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI) * 180 / Math.PI);
  const sd = (row, i) => Math.round(Math.exp(0.5 * row[i]) * 180 / Math.PI);
  console.log('decode over z grid (φ°, ψ°) ±σ:', dec.map((r, k) => `${deg(r[iPhi])},${deg(r[iPsi])}±${sd(lv[k], iPhi)},${sd(lv[k], iPsi)}`).join('  '));
}
await plugins.forceField.dispose?.();
