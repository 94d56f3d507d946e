/** Numerically stable statistics on Float64 arrays, shared by training, metrics and schedules. */

export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  if (!Number.isFinite(max)) return max;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.exp(values[i]! - max);
  return max + Math.log(s);
}

/** log( (1/n) Σ exp(v_i) ). */
export function logMeanExp(values: ArrayLike<number>): number {
  return logSumExp(values) - Math.log(values.length);
}

/** Self-normalised weights W_i = exp(v_i) / Σ exp(v_j). */
export function normalizedWeights(logWeights: ArrayLike<number>): Float64Array {
  const lse = logSumExp(logWeights);
  const out = new Float64Array(logWeights.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(logWeights[i]! - lse);
  return out;
}

/** Kish effective sample size as a fraction of n: (Σw)² / (n Σw²). */
export function essFraction(logWeights: ArrayLike<number>): number {
  const n = logWeights.length;
  if (n === 0) return 0;
  const lse = logSumExp(logWeights);
  if (!Number.isFinite(lse)) return 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) s2 += Math.exp(2 * (logWeights[i]! - lse));
  return 1 / (n * s2);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Weighted mean with self-normalised weights from log weights (or plain mean without). */
export function weightedMean(values: ArrayLike<number>, logWeights?: ArrayLike<number>): number {
  if (!logWeights) return mean(values);
  const w = normalizedWeights(logWeights);
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * values[i]!;
  return s;
}

/** Average ranks (ties share their mean rank), 1-based. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]!] = avg;
    i = j + 1;
  }
  return r;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma,
      db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}
