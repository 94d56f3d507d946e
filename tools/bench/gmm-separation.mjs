// Does a trained structured-flow model separate slow from fast on the flow paper's Gaussian mixture? Exact
// samples of the target are split by the model into its slow latent z and its standardised fast
// noise ε = (X − μ(z))/σ(z). Separation means the mode is read off z (accuracy ≈ 1) while ε carries
// nothing about it (accuracy ≈ 1/3, chance) and is N(0, I). A nearest-centroid classifier is fitted
// on one half of the samples and scored on the other; the share of each part's variance that the
// mode explains (η², averaged over dimensions) says how much, not only whether. The alignment of A's columns with the true
// slow and fast subspaces is reported too, as the mean squared cosine of the principal angles (1:
// the same subspace; two random 10-D subspaces of 20-D give 0.5). It is not a target: the fast mean
// μ(z) can absorb any linear mixing, so only the split of information, not A itself, is identifiable.
import * as tf from '@embedcg/core/tf';
import { GMM_FAST_DIM, GMM_SLOW_DIM, nearestCentre } from '@embedcg/forcefield-analytic';

function nearestCentroidAccuracy(values, dim, labels, k) {
  const n = labels.length,
    half = Math.floor(n / 2);
  const sums = Array.from({ length: k }, () => new Float64Array(dim)),
    counts = new Array(k).fill(0);
  for (let i = 0; i < half; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < dim; j++) sums[labels[i]][j] += values[i * dim + j];
  }
  const centroids = sums.map((s, m) => s.map((v) => v / Math.max(1, counts[m])));
  let right = 0;
  for (let i = half; i < n; i++) {
    let best = 0,
      bestD = Infinity;
    for (let m = 0; m < k; m++) {
      let d2 = 0;
      for (let j = 0; j < dim; j++) d2 += (values[i * dim + j] - centroids[m][j]) ** 2;
      if (d2 < bestD) [best, bestD] = [m, d2];
    }
    if (best === labels[i]) right++;
  }
  return right / (n - half);
}

/** Share of the variance explained by the mode (correlation ratio η²), averaged over dimensions. */
function modeVarianceShare(values, dim, labels, k) {
  const n = labels.length;
  let share = 0;
  for (let j = 0; j < dim; j++) {
    const sum = new Float64Array(k),
      count = new Float64Array(k);
    let total = 0,
      total2 = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i * dim + j];
      sum[labels[i]] += v;
      count[labels[i]]++;
      total += v;
      total2 += v * v;
    }
    const mean = total / n;
    let between = 0;
    for (let m = 0; m < k; m++) if (count[m] > 0) between += count[m] * (sum[m] / count[m] - mean) ** 2;
    share += between / (total2 - n * mean * mean);
  }
  return share / dim;
}

/** Orthonormal basis (Gram–Schmidt, Float64) of the columns of a rows × cols row-major matrix. */
function orthonormalColumns(a, rows, cols) {
  const q = [];
  for (let c = 0; c < cols; c++) {
    const v = Float64Array.from({ length: rows }, (_, r) => a[r * cols + c]);
    for (const u of q) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += u[r] * v[r];
      for (let r = 0; r < rows; r++) v[r] -= dot * u[r];
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/** Mean squared cosine of the principal angles between two k-D subspaces (orthonormal bases). */
function meanSquaredCosine(q1, q2) {
  let s = 0;
  for (const u of q1)
    for (const v of q2) {
      let dot = 0;
      for (let r = 0; r < u.length; r++) dot += u[r] * v[r];
      s += dot * dot;
    }
  return s / q1.length;
}

export function slowFastSeparation(model, reference, { samples = 6000, seed = 1 } = {}) {
  if (typeof model.splitLatent !== 'function' || typeof model.matrixValues !== 'function') return {};
  const D = GMM_SLOW_DIM + GMM_FAST_DIM,
    d = GMM_SLOW_DIM;
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const x = reference.sample(1, samples, uniform);
  const labels = Array.from({ length: samples }, (_, i) => nearestCentre(x, reference.parameters.centres, i * D));
  const { z, noise } = tf.tidy(() => {
    const r = model.splitLatent(tf.tensor2d(Float32Array.from(x), [samples, D]));
    return { z: r.z.dataSync(), noise: r.noise.dataSync() };
  });
  let m1 = 0,
    m2 = 0;
  for (const e of noise) {
    m1 += e;
    m2 += e * e;
  }
  m1 /= noise.length;
  const A = model.matrixValues();
  const slowCols = new Float64Array(D * d),
    fastCols = new Float64Array(D * (D - d));
  for (let r = 0; r < D; r++)
    for (let c = 0; c < D; c++)
      (c < d ? slowCols : fastCols)[r * (c < d ? d : D - d) + (c < d ? c : c - d)] = A[r * D + c];
  // True slow directions [I; B] (x_z moves x_X = B x_z with it); true fast directions [0; I].
  const B = reference.parameters.B;
  const trueSlow = new Float64Array(D * d),
    trueFast = new Float64Array(D * GMM_FAST_DIM);
  for (let i = 0; i < d; i++) trueSlow[i * d + i] = 1;
  for (let j = 0; j < GMM_FAST_DIM; j++) {
    for (let i = 0; i < d; i++) trueSlow[(d + j) * d + i] = B[j * d + i];
    trueFast[(d + j) * GMM_FAST_DIM + j] = 1;
  }
  return {
    slowModeAccuracy: nearestCentroidAccuracy(z, d, labels, 3),
    fastNoiseModeAccuracy: nearestCentroidAccuracy(noise, D - d, labels, 3),
    slowModeVarianceShare: modeVarianceShare(z, d, labels, 3),
    fastNoiseModeVarianceShare: modeVarianceShare(noise, D - d, labels, 3),
    fastNoiseMean: m1,
    fastNoiseStd: Math.sqrt(m2 / noise.length - m1 * m1),
    slowSubspaceCos2: meanSquaredCosine(orthonormalColumns(slowCols, D, d), orthonormalColumns(trueSlow, D, d)),
    fastSubspaceCos2: meanSquaredCosine(
      orthonormalColumns(fastCols, D, D - d),
      orthonormalColumns(trueFast, D, GMM_FAST_DIM),
    ),
  };
}
