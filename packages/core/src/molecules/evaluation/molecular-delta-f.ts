/**
 * ΔF(φ>0 vs φ<0) in kT of model samples against the reference, with moving-block bootstrap
 * intervals, and the spread between independent reference runs (the reference's own uncertainty).
 */
import { resampleIndices, bootstrapInterval } from '../../evaluation/bootstrap.js';
import { jensenShannon, ramachandranHistogram } from '../../evaluation/divergence.js';
import type { Rng } from '../../util/random.js';
import { deltaFFromProbability, phiPositiveProbability, statePopulations } from './states.js';
import type { Angles, MolecularMetrics, SampleWeights } from './molecular.js';

export interface DeltaFSettings {
  rng: Rng;
  /** Bootstrap replicates. */
  replicates: number;
  /** Block length (frames) of the reference's moving-block bootstrap. */
  blockLength: number;
}

/** ΔF of the reference and of the model (raw, reweighted, PSIS), with intervals of the error. */
export function deltaFMetrics(
  m: MolecularMetrics,
  sa: Angles,
  ra: Angles,
  w: SampleWeights,
  { rng, replicates: B, blockLength }: DeltaFSettings,
): void {
  const nr = ra.phi.length,
    ns = sa.phi.length;
  const dfRef = deltaFFromProbability(phiPositiveProbability(ra.phi));
  m['mol.deltaF.referenceKT'] = dfRef;
  const refReps = new Float64Array(B);
  for (let b = 0; b < B; b++)
    refReps[b] = deltaFFromProbability(
      phiPositiveProbability(ra.phi, undefined, resampleIndices(nr, rng, blockLength)),
    );
  const [rl, ru] = bootstrapInterval(refReps);
  m['mol.deltaF.referenceLowerKT'] = rl;
  m['mol.deltaF.referenceUpperKT'] = ru;
  const variants: Array<['Raw' | 'Reweighted' | 'Psis', Float64Array | undefined]> = [['Raw', undefined]];
  if (w.haveW) variants.push(['Reweighted', w.W]);
  // The PSIS interval resamples with the weights smoothed once (not re-smoothed per replicate).
  if (w.smoothed) variants.push(['Psis', w.smoothed.logWeights.map(Math.exp)]);
  for (const [label, weights] of variants) {
    const df = deltaFFromProbability(phiPositiveProbability(sa.phi, weights));
    m[`mol.deltaF.model${label}KT`] = df;
    m[`mol.deltaF.error${label}KT`] = df - dfRef;
    const reps = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const dm = deltaFFromProbability(phiPositiveProbability(sa.phi, weights, resampleIndices(ns, rng)));
      reps[b] = dm - refReps[b]!;
    }
    const [lo, hi] = bootstrapInterval(reps);
    m[`mol.deltaF.error${label}LowerKT`] = lo;
    m[`mol.deltaF.error${label}UpperKT`] = hi;
    if (!Number.isFinite(df) && label === 'Raw') {
      // No φ > 0 sample: the rule of three bounds P(φ>0) ≤ 3/n (95 %), so ΔF ≥ this.
      m['mol.deltaF.modelRawLowerBoundKT'] = deltaFFromProbability(3 / ns);
    }
  }
}

/** Per-run φ > 0 and αR populations, the ΔF spread between runs, and JS of run 1 vs the rest. */
export function referenceRunMetrics(
  m: MolecularMetrics,
  ra: Angles,
  runs: number[] | undefined,
  bins: number,
  eps: number,
): void {
  if (!runs || runs.length <= 1 || runs.reduce((a, b) => a + b, 0) !== ra.phi.length) return;
  const dfs: number[] = [];
  let start = 0;
  runs.forEach((len, r) => {
    const p = phiPositiveProbability(ra.phi.subarray(start, start + len));
    m[`mol.reference.run${r + 1}.phiPositive`] = p;
    m[`mol.reference.run${r + 1}.alphaR`] = statePopulations(
      ra.phi.subarray(start, start + len),
      ra.psi.subarray(start, start + len),
    ).alphaR;
    dfs.push(deltaFFromProbability(p));
    start += len;
  });
  m['mol.reference.runs'] = runs.length;
  m['mol.deltaF.referenceRunSpreadKT'] = Math.max(...dfs) - Math.min(...dfs);
  const h0 = ramachandranHistogram(ra.phi.subarray(0, runs[0]), ra.psi.subarray(0, runs[0]), undefined, bins);
  const hr = ramachandranHistogram(ra.phi.subarray(runs[0]), ra.psi.subarray(runs[0]), undefined, bins);
  m['mol.ramachandran.runVsRuns.js'] = jensenShannon(h0, hr, eps);
}
