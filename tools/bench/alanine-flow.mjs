// Alanine dipeptide with the exact-density flow in internal coordinates (issue: flows), ff96 + OBC2
// at 330 K on the shared prmtop: a time-boxed training run (resumable), then N = 1e5 samples scored
// against the reference MD (alanine-reference.mjs: bench-results/alanine-ref/*.dcd, else the committed series): ESS, ΔF(φ>0 vs φ<0), Ramachandran JS
// on 32×32 bins (reweighted) and KL(ref‖model) on 64×64 bins, each beside its noise floor.
//   npm run bench -- alanine-flow [--minutes 60] [--resume] [--eval-only] [--samples 100000] [--run runs/NAME]
//                                 [--config alanine-slowfast-defensive.config.json --name alanine-slowfast-defensive] [--seed S] [--set key.path=value …]
//                                 [--e2e]
// --e2e adds issue 25's end-to-end targets: ESS ≥ 20 %, k̂ ≤ 0.7, JS(32×32) ≤ 0.007 and ≤ 300 s of training.
// --config alanine-slowfast-defensive.config.json: the current recipe, the example's slow-fast-flow
// (a spline flow over φ, ψ and the methyl rotors, a conditional Gaussian over the other 55
// coordinates) on the shared prmtop. Past variants: docs/results/alanine-dipeptide-flow.md.
import { molecularMetrics } from '@embedcg/core/molecules';
import * as flow from '@embedcg/model-flow';
import { target, writeResults } from './lib.mjs';
import { arg, loadReference, molecularRows, sampleAlanine, trainAlanine } from './alanine-lib.mjs';

const skip = Number(arg('skip', 100));
const nSamples = Number(arg('samples', 100_000));
const name = arg('name', 'alanine-flow');
const e2e = process.argv.includes('--e2e');
const { config, plugins, state, beta, rows } = await trainAlanine({
  configFile: arg('config', 'alanine-flow.config.json'),
  runName: name,
  preloaded: { '@embedcg/model-flow': flow.plugins },
  defaultMinutes: 60,
});
const ff = plugins.forceField;
try {
  const results = [...rows];
  const targets = [];
  const { metrics, samples } = await sampleAlanine({ config, plugins, state, beta, n: nSamples });
  results.push({
    what: 'samples',
    n: samples.n,
    ESS: metrics.ess,
    logZ: metrics.logZ,
    'non-finite U': metrics.nonFiniteEnergyFraction,
    'mean U kJ/mol': metrics.meanEnergy,
    'all energy evals': ff.evaluations,
  });
  // Without trajectories, the committed series (φ/ψ and energies) serve: no metric here needs coordinates.
  const ref = await loadReference(ff, skip, { coordinates: false });
  const input = {
    topology: ff.topology,
    beta,
    samples: { x: samples.x, n: samples.n, energies: samples.energies, logw: samples.logw },
    chiralityReference: ff.initialPositions,
    ...(ref
      ? {
          reference: { x: ref.x, angles: ref.angles, n: ref.n, energies: ref.energies, runLengths: ref.runLengths },
          seed: 7,
        }
      : {}),
  };
  const mol64 = molecularMetrics({ ...input, bins: 64 });
  results.push(...molecularRows(mol64, ref));
  targets.push(target('ESS (N = 1e5)', metrics.ess, '>=', 0.1));
  const mol32 = ref && molecularMetrics({ ...input, bins: 32 });
  if (ref) {
    const g = (m, k) => m[`mol.${k}`];
    results.push({
      what: 'Ramachandran 32×32 (nats)',
      'JS raw': g(mol32, 'ramachandran.jsRaw'),
      'JS rw': g(mol32, 'ramachandran.jsReweighted'),
      'JS floor (halves)': g(mol32, 'ramachandran.noiseFloor.js'),
      'JS run1 vs rest': g(mol32, 'ramachandran.runVsRuns.js'),
    });
    targets.push(
      target('|ΔF(φ>0 vs φ<0) error| reweighted (kT)', Math.abs(g(mol64, 'deltaF.errorReweightedKT')), '<=', 0.5),
    );
    targets.push(target('Ramachandran JS reweighted, 32×32 (nats)', g(mol32, 'ramachandran.jsReweighted'), '<=', 0.02));
    for (const st of ['beta', 'alphaR', 'phiPositive']) {
      targets.push(target(`basin ${st} present in raw samples (population)`, g(mol64, `population.${st}.raw`), '>', 0));
    }
  }
  if (e2e) {
    // Issue 25's end-to-end targets (ΔF's own, from 1e6 samples, is alanine-deltaf's).
    targets.push(target('E2E: ESS (N = 1e5)', metrics.ess, '>=', 0.2));
    targets.push(target('E2E: k̂', metrics.khat, '<=', 0.7));
    if (mol32)
      targets.push(target('E2E: JS reweighted, 32×32 (nats)', mol32['mol.ramachandran.jsReweighted'], '<=', 0.007));
    targets.push(target('E2E: training wall time (s)', state.wallSeconds, '<=', 300));
  }
  targets.push(target('energy evaluations (training + samples)', ff.evaluations, '<=', 1e8));
  targets.push(target('training wall time (s)', state.wallSeconds, '<=', 4 * 3600));
  targets.push(target('training finished the schedule', state.phase === 'done' ? 1 : 0, '>=', 1));
  writeResults(name, results, targets);
  console.log(JSON.stringify({ metrics, mol64 }, null, 1));
} finally {
  await ff.dispose();
}
