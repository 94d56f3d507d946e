/** Shared by core's tests of fused ops against the compositions they replace. */

/** max|a − b| / max|b|: relative in the max norm (entries that cancel to near zero are judged on the array's scale). */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0,
    worst = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst / scale;
}
