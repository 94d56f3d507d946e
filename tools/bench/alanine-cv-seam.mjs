// What the literal φ-sign CV target (classifier balanced accuracy ≥ 0.95, issue #8) asks of a CV:
// the bench's own classifiers (molecularMetrics) on the reference frames, with CVs made from the
// true φ and ψ plus Gaussian noise of σ degrees, in two charts:
//   plane:  (φ in a chart cut at 0, so the β basin stays whole across ±180°, ψ), like the VAE's
//           latent, whose linear skip unwraps φ;
//   circle: (cos φ, sin φ, ψ), where the ±180° seam is no boundary at all.
// The noise stands for how finely a learned CV resolves φ. Reference: bench-results/alanine-ref.
//   npm run bench -- alanine-cv-seam [--skip 100] [--sigmas 0,2,5,10,20]
import { join } from 'node:path';
import { createPlugin, createRng } from '@embedcg/core';
import { backboneDihedrals, dihedralSeries, molecularMetrics } from '@embedcg/core/molecules';
import * as amber from '@embedcg/forcefield-amber';
import { repoRoot, sharedDir, target, writeResults } from './lib.mjs';
import { arg, loadReference } from './alanine-lib.mjs';

const skip = Number(arg('skip', 100));
const sigmas = arg('sigmas', '0,2,5,10,20').split(',').map(Number);
const data = join(sharedDir, 'data', 'alanine-dipeptide');
const { instance: ff } = await createPlugin(
  'forcefield',
  {
    package: '@embedcg/forcefield-amber',
    name: 'amber',
    options: {
      prmtop: join(data, 'alanine-dipeptide-implicit.prmtop'),
      coordinates: join(data, 'alanine-dipeptide-implicit.inpcrd'),
      solvent: 'obc2',
    },
  },
  { configDir: repoRoot, seed: 0, log: () => {} },
  { searchDirs: [], preloaded: { '@embedcg/forcefield-amber': amber.plugins } },
);
const ref = await loadReference(ff, skip, { energies: false });
if (!ref) {
  console.error('alanine-cv-seam: no reference MD yet (see the command above)');
  process.exit(2);
}
const { phi: phiQuads, psi: psiQuads } = backboneDihedrals(ff.topology);
const phi = dihedralSeries(ref.x, ff.dimension, ref.n, phiQuads[0]);
const psi = dihedralSeries(ref.x, ff.dimension, ref.n, psiQuads[0]);
// A small model-sample set: molecularMetrics compares one, but only its CV scores are read here.
const m = Math.min(2000, ref.n);
const samples = { x: ref.x.subarray(0, m * ff.dimension), n: m, energies: new Float64Array(m) };
const DEG = Math.PI / 180;
const results = [];
const targets = [];
for (const chart of ['plane', 'circle']) {
  for (const sigma of sigmas) {
    const rng = createRng(11 + sigma);
    const dim = chart === 'plane' ? 2 : 3;
    const latent = new Float64Array(ref.n * dim);
    for (let i = 0; i < ref.n; i++) {
      const f = phi[i] + sigma * DEG * rng.normal();
      const p = psi[i] + sigma * DEG * rng.normal();
      if (chart === 'plane') latent.set([phi[i] > 0 ? f - 2 * Math.PI : f, p], i * 2);
      else latent.set([Math.cos(f), Math.sin(f), p], i * 3);
    }
    const mol = molecularMetrics({
      topology: ff.topology,
      beta: 1,
      samples,
      chiralityReference: ff.initialPositions,
      bootstrap: 1,
      seed: 7,
      reference: { x: ref.x, n: ref.n, energies: ref.energies, runLengths: ref.runLengths, latent, latentDim: dim },
    });
    const g = (k) => mol[`mol.cv.${k}`];
    results.push({
      chart,
      'σ (deg)': sigma,
      'φ-sign knn': g('phiSign.knn.balancedAccuracy'),
      'φ-sign logistic': g('phiSign.logistic.balancedAccuracy'),
      'C7ax/αL knn': g('c7axAlphaL.knn.balancedAccuracy'),
      'recall tail': g('phiSign.knn.recall.betaTail'),
      'recall C7ax/αL': g('phiSign.knn.recall.c7axAlphaL'),
      'recall φ<0': g('phiSign.knn.recall.negative'),
    });
  }
}
// The finest noise at which the plane chart still meets the literal target, for the table.
const passing = results.filter((r) => r.chart === 'plane' && r['φ-sign knn'] >= 0.95).map((r) => r['σ (deg)']);
targets.push(
  target(
    'plane chart: largest σ (deg) with literal φ-sign k-NN ≥ 0.95',
    passing.length ? Math.max(...passing) : NaN,
    '>=',
    0,
  ),
);
results.push({
  chart: 'reference',
  frames: ref.n,
  runs: ref.files.length,
  'β tail frames': phi.filter((p) => p >= 120 * DEG).length,
});
writeResults('alanine-cv-seam', results, targets);
await ff.dispose?.();
