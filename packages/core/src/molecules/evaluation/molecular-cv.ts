/**
 * CV quality on the reference frames (the claim of Schöberl, Zabaras & Koutsourelakis that the
 * latent variables are collective variables): how well simple classifiers on z separate
 * alanine dipeptide's states, and how strongly z follows sin/cos of φ and ψ.
 */
import { crossValidate, logisticQuadratic, nearestNeighbours } from '../../evaluation/classifier.js';
import { spearman } from '../../util/stats.js';
import { inBetaTail, inC7axAlphaL, stateOf } from './states.js';
import type { Angles, MolecularMetrics } from './molecular.js';

/** Accuracy of the two classifiers on each task; for the φ sign also the recall by region. */
function classifierMetrics(m: MolecularMetrics, ra: Angles, latent: Float64Array, L: number): void {
  const nr = ra.phi.length;
  const phiSign = Uint8Array.from(ra.phi, (p) => (p > 0 ? 1 : 0));
  const indicesWhere = (inRegion: (phi: number) => boolean): number[] => {
    const idx: number[] = [];
    for (let i = 0; i < nr; i++) if (inRegion(ra.phi[i]!)) idx.push(i);
    return idx;
  };
  const negIdx = indicesWhere((p) => p <= 0);
  const zNeg = new Float64Array(negIdx.length * L);
  negIdx.forEach((i, j) => zNeg.set(latent.subarray(i * L, (i + 1) * L), j * L));
  const alpha = Uint8Array.from(negIdx, (i) => (stateOf(ra.phi[i]!, ra.psi[i]!) === 1 ? 1 : 0));
  // The φ-sign cut at ±180° runs through the β basin, whose tail reaches past φ = 180°: frames a
  // few degrees apart land on both sides of it. c7axAlphaL asks for the metastable φ > 0 state
  // (C7ax/αL) against everything else, a cut along the barriers at φ ≈ 0 and φ ≈ 120°.
  const basins = Uint8Array.from(ra.phi, (p) => (inC7axAlphaL(p) ? 1 : 0));
  const tasks: Array<[string, Float64Array, Uint8Array]> = [
    ['phiSign', latent, phiSign],
    ['c7axAlphaL', latent, basins],
    ['alphaBeta', zNeg, alpha],
  ];
  // Where the φ-sign misses fall: the β tail at φ ≥ 120° against C7ax/αL, and the φ < 0 frames
  // called φ > 0 (mostly β next to −180° when the CV blurs the seam).
  const phiSignRegions: Array<[string, number[]]> = [
    ['betaTail', indicesWhere(inBetaTail)],
    ['c7axAlphaL', indicesWhere(inC7axAlphaL)],
    ['negative', negIdx],
  ];
  for (const [region, idx] of phiSignRegions) m[`mol.cv.phiSign.recall.${region}.frames`] = idx.length;
  for (const [task, z, y] of tasks) {
    let bestAcc = 0,
      bestBal = 0;
    for (const [name, clf] of [
      ['logistic', logisticQuadratic],
      ['knn', nearestNeighbours()],
    ] as const) {
      const sc = crossValidate(z, y, L, clf);
      m[`mol.cv.${task}.${name}.accuracy`] = sc.accuracy;
      m[`mol.cv.${task}.${name}.balancedAccuracy`] = sc.balancedAccuracy;
      bestAcc = Math.max(bestAcc, sc.accuracy);
      bestBal = Math.max(bestBal, sc.balancedAccuracy);
      m[`mol.cv.${task}.positives`] = sc.positives;
      if (task === 'phiSign') {
        for (const [region, idx] of phiSignRegions) {
          const hits = idx.reduce((acc, i) => acc + (sc.predictions[i] === y[i] ? 1 : 0), 0);
          m[`mol.cv.phiSign.${name}.recall.${region}`] = idx.length > 0 ? hits / idx.length : NaN;
        }
      }
    }
    m[`mol.cv.${task}.bestAccuracy`] = bestAcc;
    m[`mol.cv.${task}.bestBalancedAccuracy`] = bestBal;
  }
}

/** |Spearman| of the best latent coordinate with sin/cos of each angle. */
function spearmanMetrics(m: MolecularMetrics, ra: Angles, latent: Float64Array, L: number): void {
  const nr = ra.phi.length;
  const zl = Array.from({ length: L }, (_, l) => Float64Array.from({ length: nr }, (_, i) => latent[i * L + l]!));
  for (const [name, f] of [
    ['sinPhi', (i: number) => Math.sin(ra.phi[i]!)],
    ['cosPhi', (i: number) => Math.cos(ra.phi[i]!)],
    ['sinPsi', (i: number) => Math.sin(ra.psi[i]!)],
    ['cosPsi', (i: number) => Math.cos(ra.psi[i]!)],
  ] as const) {
    const v = Float64Array.from({ length: nr }, (_, i) => f(i));
    m[`mol.cv.spearman.${name}`] = Math.max(...zl.map((z) => Math.abs(spearman(z, v))));
  }
}

/** The CV metrics (`mol.cv.*`) of reference frames with latent values (n × L). */
export function cvMetrics(m: MolecularMetrics, ra: Angles, latent: Float64Array, L: number): void {
  classifierMetrics(m, ra, latent, L);
  spearmanMetrics(m, ra, latent, L);
}
