/** 1-D Wasserstein-1 distance between (weighted) empirical distributions: ∫ |F_a − F_b| dt. */

/**
 * W1 between samples `a` and `b`, optionally weighted (linear weights, normalised here).
 * Non-finite values (and their weights) are left out. Same units as the values.
 */
export function wasserstein1(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  weightsA?: ArrayLike<number>,
  weightsB?: ArrayLike<number>,
): number {
  const pts: Array<[number, number, number]> = []; // value, weight, side (0 = a, 1 = b)
  let wa = 0,
    wb = 0;
  for (let i = 0; i < a.length; i++) {
    const w = weightsA ? weightsA[i]! : 1;
    if (Number.isFinite(a[i]!) && Number.isFinite(w) && w > 0) {
      pts.push([a[i]!, w, 0]);
      wa += w;
    }
  }
  for (let i = 0; i < b.length; i++) {
    const w = weightsB ? weightsB[i]! : 1;
    if (Number.isFinite(b[i]!) && Number.isFinite(w) && w > 0) {
      pts.push([b[i]!, w, 1]);
      wb += w;
    }
  }
  if (wa === 0 || wb === 0) return NaN;
  pts.sort((p, q) => p[0] - q[0]);
  let Fa = 0,
    Fb = 0,
    s = 0;
  for (let k = 0; k < pts.length; k++) {
    const [v, w, side] = pts[k]!;
    if (side === 0) Fa += w / wa;
    else Fb += w / wb;
    if (k + 1 < pts.length) s += Math.abs(Fa - Fb) * (pts[k + 1]![0] - v);
  }
  return s;
}
