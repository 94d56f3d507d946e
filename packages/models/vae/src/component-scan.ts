/**
 * Placing mixture components by a scan of the target (option `priorMixture.scan`, run by
 * `VaeModel.initialize` before the first training step).
 *
 * Why: the components' basins are settled in the first hot steps. A component that starts on the
 * slope between two basins slides into the larger one (on alanine, components started at φ ≈ 120°
 * reached φ ≈ 150° within 500 steps and then β), and a basin no component holds is lost at every
 * later β. Random or evenly spread centres put components wherever the untrained decoder maps
 * them, which is mostly on slopes. The scan decodes many latent values, scores the structures with
 * the force field, and starts the components at the best basin bottoms among them (structures
 * with no better one nearby), so each component starts at the bottom of a different basin.
 */

/** Resolved `priorMixture.scan`. */
export interface ComponentScanOptions {
  /** Latent values decoded (each paired with a component, in turn). */
  candidates: number;
  /** Standard deviation of the scanned latent values, per latent. */
  spread: number;
  /** A basin bottom has no better candidate within this distance (standardised units of the compared coordinates). */
  radius: number;
  /** With fewer basin bottoms than components: the fraction of the candidates, lowest energy first, the rest are spread over. */
  keep: number;
}

export const DEFAULT_COMPONENT_SCAN: Readonly<ComponentScanOptions> = Object.freeze({
  candidates: 4096,
  spread: 3,
  radius: 1,
  keep: 0.05,
});

/** Difference a − b, wrapped into [−period/2, period/2) when period > 0. */
function wrappedDifference(a: number, b: number, period: number): number {
  const diff = a - b;
  return period > 0 ? diff - period * Math.floor(diff / period + 0.5) : diff;
}

/** Squared distance of rows a and b of `points` (rows `width` long; periods[j] > 0: column j circular). */
function rowDistanceSq(
  points: ArrayLike<number>,
  width: number,
  periods: ArrayLike<number>,
  a: number,
  b: number,
): number {
  let s = 0;
  for (let j = 0; j < width; j++)
    s += wrappedDifference(points[a * width + j]!, points[b * width + j]!, periods[j]!) ** 2;
  return s;
}

/**
 * Basin bottoms: the finite-valued rows with no row of higher `logTarget` within `radius` of them,
 * best first. On alanine's 4096 decoded structures, radius 1 rad over (φ, ψ) finds the β, C5/PII,
 * αR, αL and C7ax bottoms; a ranking by energy alone does not reach φ > 0, whose unrelaxed
 * structures lie 30 kJ/mol above the best.
 */
export function basinBottoms(
  logTarget: ArrayLike<number>,
  points: ArrayLike<number>,
  width: number,
  periods: ArrayLike<number>,
  radius: number,
): number[] {
  const n = logTarget.length;
  const r2 = radius * radius;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(logTarget[i]!)) continue;
    let bottom = true;
    for (let j = 0; j < n && bottom; j++) {
      if (j !== i && logTarget[j]! > logTarget[i]! && rowDistanceSq(points, width, periods, i, j) < r2) bottom = false;
    }
    if (bottom) out.push(i);
  }
  return out.sort((a, b) => logTarget[b]! - logTarget[a]!);
}

/**
 * Greedy farthest-point selection: starting from the rows `initial`, adds the row of `among`
 * farthest from every one chosen so far until k are chosen. Rows of `points` are `width` long;
 * `periods[j]` > 0 makes column j circular. Returns the chosen row indices in order of choice.
 */
export function farthestPoints(
  points: ArrayLike<number>,
  width: number,
  periods: ArrayLike<number>,
  among: readonly number[],
  k: number,
  initial: readonly number[],
): number[] {
  if (initial.length === 0) throw new RangeError('farthestPoints: needs at least one initial row');
  const chosen = [...initial];
  const nearest = among.map((i) => Math.min(...chosen.map((c) => rowDistanceSq(points, width, periods, i, c))));
  while (chosen.length < k) {
    let best = -1;
    for (let m = 0; m < among.length; m++)
      if (!chosen.includes(among[m]!) && (best < 0 || nearest[m]! > nearest[best]!)) best = m;
    if (best < 0)
      throw new RangeError(
        `farthestPoints: cannot choose ${k} rows from ${among.length} candidates and ${initial.length} initial rows`,
      );
    const next = among[best]!;
    chosen.push(next);
    among.forEach((i, m) => {
      nearest[m] = Math.min(nearest[m]!, rowDistanceSq(points, width, periods, i, next));
    });
  }
  return chosen;
}

/**
 * The candidates the k components start at: the k best basin bottoms (radius `radius`); when there
 * are fewer, the rest by farthest-point selection among the `keep` fraction of highest log target.
 * `logTarget` has one value per candidate; `points` the candidates' compared coordinates.
 */
export function chooseScanCandidates(
  logTarget: ArrayLike<number>,
  points: ArrayLike<number>,
  width: number,
  periods: ArrayLike<number>,
  k: number,
  o: { radius: number; keep: number },
): { chosen: number[]; bottoms: number } {
  const finite = Array.from({ length: logTarget.length }, (_, i) => i).filter((i) => Number.isFinite(logTarget[i]!));
  if (finite.length < k) {
    throw new RangeError(
      `vae model: priorMixture.scan decoded ${logTarget.length} structures but only ${finite.length} had a finite energy, fewer than the ${k} components; ` +
        'raise priorMixture.scan.candidates or lower priorMixture.scan.spread',
    );
  }
  const bottoms = basinBottoms(logTarget, points, width, periods, o.radius);
  if (bottoms.length >= k) return { chosen: bottoms.slice(0, k), bottoms: bottoms.length };
  finite.sort((a, b) => logTarget[b]! - logTarget[a]!);
  const kept = finite.slice(0, Math.max(k, Math.ceil(o.keep * logTarget.length)));
  return { chosen: farthestPoints(points, width, periods, kept, k, bottoms), bottoms: bottoms.length };
}
