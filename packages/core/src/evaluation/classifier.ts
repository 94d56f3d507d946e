/**
 * CV quality (docs/science/metrics.md): how well latent CVs z separate known states, measured by simple
 * classifiers trained on half the reference frames and tested on the other half (then the
 * halves swapped). Halves are contiguous in time, so correlated MD frames do not leak from the
 * training half into the test half.
 *
 * Rare states (φ > 0 holds < 1 % of the mass) make plain accuracy look good for a classifier
 * that always answers "φ < 0", so the balanced accuracy (mean recall of the two classes) is
 * reported beside it. Both classifiers weight the classes equally for the same reason.
 */

export interface ClassifierScore {
  /** Fraction of test frames classified correctly. */
  accuracy: number;
  /** Mean of the recalls of class 0 and class 1 (0.5 = chance). */
  balancedAccuracy: number;
  /** Frames scored and how many of them are class 1. */
  n: number;
  positives: number;
  /** Each frame's out-of-fold prediction (0 or 1), so callers can see where the misses fall. */
  predictions: Uint8Array;
}

export type Classifier = (
  trainX: Float64Array,
  trainY: Uint8Array,
  dim: number,
) => (x: Float64Array, i: number) => number;

/** Quadratic features [1, z, z_a z_b] of standardised z (a ≤ b). */
function quadraticFeatures(
  z: Float64Array,
  i: number,
  dim: number,
  mu: number[],
  sd: number[],
  out: Float64Array,
): void {
  let k = 0;
  out[k++] = 1;
  const s: number[] = [];
  for (let a = 0; a < dim; a++) s.push((z[i * dim + a]! - mu[a]!) / sd[a]!);
  for (let a = 0; a < dim; a++) out[k++] = s[a]!;
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) out[k++] = s[a]! * s[b]!;
}

/** Solve A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[n]! / row[i]!));
}

/** Mean and standard deviation (1 where it is 0) of each of the dim columns of n rows. */
function standardisation(X: Float64Array, n: number, dim: number): { mu: number[]; sd: number[] } {
  const mu: number[] = [],
    sd: number[] = [];
  for (let a = 0; a < dim; a++) {
    let m = 0,
      v = 0;
    for (let i = 0; i < n; i++) m += X[i * dim + a]!;
    m /= n;
    for (let i = 0; i < n; i++) v += (X[i * dim + a]! - m) ** 2;
    mu.push(m);
    sd.push(Math.sqrt(v / n) || 1);
  }
  return { mu, sd };
}

/** Gradient and Hessian of the penalised, class-weighted log-loss at w (features F, n × P). */
function gradientAndHessian(
  F: Float64Array,
  P: number,
  Y: Uint8Array,
  cw: number[],
  w: number[],
  lambda: number,
  margin: (weights: number[], i: number) => number,
): { g: number[]; H: number[][] } {
  const g = new Array<number>(P).fill(0);
  const H = Array.from({ length: P }, () => new Array<number>(P).fill(0));
  for (let i = 0; i < Y.length; i++) {
    const p = 1 / (1 + Math.exp(-margin(w, i)));
    const c = cw[Y[i]!]!;
    const r = c * (p - Y[i]!),
      sw = c * Math.max(p * (1 - p), 1e-12);
    for (let k = 0; k < P; k++) {
      const fk = F[i * P + k]!;
      g[k]! += r * fk;
      for (let l = 0; l <= k; l++) H[k]![l]! += sw * fk * F[i * P + l]!;
    }
  }
  for (let k = 0; k < P; k++) {
    g[k]! += lambda * w[k]!;
    H[k]![k]! += lambda;
    for (let l = 0; l < k; l++) H[l]![k] = H[k]![l]!;
  }
  return { g, H };
}

/**
 * Logistic regression on quadratic features of z (so a ring- or band-shaped boundary is
 * learnable in a 2-D latent space), class-balanced, small L2 penalty, fitted by Newton's method
 * with a backtracking line search.
 */
export const logisticQuadratic: Classifier = (X, Y, dim) => {
  const n = Y.length;
  const { mu, sd } = standardisation(X, n, dim);
  const P = 1 + dim + (dim * (dim + 1)) / 2;
  const n1 = Y.reduce((s, v) => s + v, 0),
    n0 = n - n1;
  const cw = [n0 > 0 ? n / (2 * n0) : 0, n1 > 0 ? n / (2 * n1) : 0];
  const w = new Array(P).fill(0);
  const f = new Float64Array(P);
  const lambda = 1e-5 * n;
  // Features once: the loss is evaluated again at each trial step of the line search.
  const F = new Float64Array(n * P);
  for (let i = 0; i < n; i++) {
    quadraticFeatures(X, i, dim, mu, sd, f);
    F.set(f, i * P);
  }
  const margin = (weights: number[], i: number) => {
    let t = 0;
    for (let k = 0; k < P; k++) t += weights[k]! * F[i * P + k]!;
    return t;
  };
  // Penalised, class-weighted log-loss; log(1 + e^t) − y·t written to stay finite for any t.
  const loss = (weights: number[]) => {
    let L = 0;
    for (let i = 0; i < n; i++) {
      const t = margin(weights, i);
      L += cw[Y[i]!]! * ((t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - Y[i]! * t);
    }
    return L + 0.5 * lambda * weights.reduce((a, v) => a + v * v, 0);
  };
  let current = loss(w);
  for (let it = 0; it < 100; it++) {
    const { g, H } = gradientAndHessian(F, P, Y, cw, w, lambda, margin);
    const step = solve(H, g);
    // Damped Newton: on (nearly) separable classes a full step overshoots, and undamped iterations
    // can end far from the optimum; halving until the loss falls keeps every step a descent.
    let alpha = 1;
    let trial = w.map((v, k) => v - step[k]!);
    let next = loss(trial);
    while (!(next <= current) && alpha > 1e-6) {
      alpha /= 2;
      trial = w.map((v, k) => v - alpha * step[k]!);
      next = loss(trial);
    }
    if (!(next <= current)) break;
    const change = Math.max(...step.map((v) => Math.abs(alpha * v)));
    for (let k = 0; k < P; k++) w[k] = trial[k]!;
    current = next;
    if (change < 1e-8) break;
  }
  const fx = new Float64Array(P);
  return (x, i) => {
    quadraticFeatures(x, i, dim, mu, sd, fx);
    let t = 0;
    for (let k = 0; k < P; k++) t += w[k] * fx[k]!;
    return t > 0 ? 1 : 0;
  };
};

/**
 * k-nearest neighbours (Euclidean in z), votes weighted by inverse class frequency. At most
 * `maxTrain` training frames are kept, for speed; the rarer class keeps all of its frames (up to
 * half of that) and the other is thinned evenly. Thinning both alike would keep only a few dozen of
 * the φ > 0 frames of a long trajectory, and rare states that occupy several places in z would
 * then have no neighbours to vote for them.
 */
export function nearestNeighbours(k = 15, maxTrain = 4000): Classifier {
  return (X, Y, dim) => {
    const n = Y.length;
    const byClass: number[][] = [[], []];
    for (let i = 0; i < n; i++) byClass[Y[i]!]!.push(i);
    const rare = byClass[0]!.length <= byClass[1]!.length ? 0 : 1;
    const thin = (list: number[], max: number) => {
      const stride = Math.max(1, Math.ceil(list.length / Math.max(1, max)));
      return list.filter((_, j) => j % stride === 0);
    };
    const keptRare = thin(byClass[rare]!, Math.floor(maxTrain / 2));
    const idx = [...keptRare, ...thin(byClass[1 - rare]!, maxTrain - keptRare.length)];
    const n1 = idx.reduce((s, i) => s + Y[i]!, 0),
      n0 = idx.length - n1;
    const vote = [n0 > 0 ? 1 / n0 : 0, n1 > 0 ? 1 / n1 : 0];
    const kk = Math.min(k, idx.length);
    const bestD = new Float64Array(kk),
      bestY = new Uint8Array(kk);
    return (x, q) => {
      bestD.fill(Infinity);
      for (const i of idx) {
        let d = 0;
        for (let a = 0; a < dim; a++) d += (X[i * dim + a]! - x[q * dim + a]!) ** 2;
        if (d >= bestD[kk - 1]!) continue;
        let j = kk - 1;
        while (j > 0 && bestD[j - 1]! > d) {
          bestD[j] = bestD[j - 1]!;
          bestY[j] = bestY[j - 1]!;
          j--;
        }
        bestD[j] = d;
        bestY[j] = Y[i]!;
      }
      let s0 = 0,
        s1 = 0;
      for (let j = 0; j < kk; j++)
        if (bestY[j]) s1 += vote[1]!;
        else s0 += vote[0]!;
      return s1 > s0 ? 1 : 0;
    };
  };
}

/** Two-fold cross-validation on contiguous halves; scores pooled over both test halves. */
export function crossValidate(
  z: Float64Array,
  labels: Uint8Array,
  dim: number,
  classifier: Classifier,
): ClassifierScore {
  const n = labels.length;
  if (z.length !== n * dim) throw new RangeError(`classifier: ${z.length} latent values for ${n} frames × ${dim}`);
  const half = Math.floor(n / 2);
  const parts: Array<[number, number]> = [
    [0, half],
    [half, n],
  ];
  const correct = [0, 0],
    total = [0, 0];
  const predictions = new Uint8Array(n);
  for (let fold = 0; fold < 2; fold++) {
    const [a, b] = parts[fold]!,
      [c, d] = parts[1 - fold]!;
    const predict = classifier(z.slice(a * dim, b * dim), labels.slice(a, b), dim);
    for (let i = c; i < d; i++) {
      const y = labels[i]!;
      total[y]!++;
      predictions[i] = predict(z, i) === 1 ? 1 : 0;
      if (predictions[i] === y) correct[y]!++;
    }
  }
  const recall = [0, 1].map((c) => (total[c]! > 0 ? correct[c]! / total[c]! : NaN));
  const present = recall.filter((r) => !Number.isNaN(r));
  return {
    accuracy: (correct[0]! + correct[1]!) / Math.max(1, total[0]! + total[1]!),
    balancedAccuracy: present.reduce((s, r) => s + r, 0) / Math.max(1, present.length),
    n: total[0]! + total[1]!,
    positives: total[1]!,
    predictions,
  };
}
