/**
 * Molecular yardsticks for a peptide with backbone dihedrals (built for alanine dipeptide, the
 * test system of Schöberl, Zabaras & Koutsourelakis, "Embedded-physics machine learning for
 * coarse-graining and collective variable discovery without data"): model samples against a
 * reference trajectory. Every number is a flat key of the returned record (prefix `mol.`), so
 * `embedcg evaluate --json` prints them as they are.
 *
 * "raw" uses the model samples as drawn, "reweighted" uses self-normalised importance weights
 * exp(log w). Divergences are in nats, energies in kT, lengths in nm. A "noise floor" is the same
 * metric between the two halves of the reference: differences below it are not resolved.
 */
import type { Topology } from '../../contracts/force-field.js';
import { backboneDihedrals, dihedralSeries } from '../observables/dihedrals.js';
import { createRng } from '../../util/random.js';
import { essFraction, normalizedWeights, spearman } from '../../util/stats.js';
import { paretoSmooth } from '../../util/psis.js';
import { bootstrapInterval, resampleIndices } from '../../evaluation/bootstrap.js';
import { crossValidate, logisticQuadratic, nearestNeighbours } from '../../evaluation/classifier.js';
import {
  HISTOGRAM_EPSILON,
  RAMACHANDRAN_BINS,
  jensenShannon,
  klDivergence,
  ramachandranHistogram,
} from '../../evaluation/divergence.js';
import { chiralCentres, radiusOfGyration } from './geometry.js';
import { wrongChiralityRate } from '../transforms/chirality.js';
import {
  POPULATIONS,
  deltaFFromProbability,
  inBetaTail,
  inC7axAlphaL,
  phiPositiveProbability,
  stateOf,
  statePopulations,
} from './states.js';
import { wasserstein1 } from '../../evaluation/wasserstein.js';

/** Configurations in force-field space (n × 3·atoms, nm). */
export interface ConfigurationSet {
  x: Float64Array;
  n: number;
  /** U(x), kJ/mol, when known (needed for the energy distance). */
  energies?: Float64Array;
}

export interface MolecularEvaluationInput {
  topology: Topology;
  /** Target β, mol/kJ. */
  beta: number;
  /** Model samples, with their log importance weights for the reweighted numbers. */
  samples: ConfigurationSet & { logw?: Float64Array };
  /** Reference frames (MD), several runs concatenated. */
  reference?: ConfigurationSet & {
    /** Frames of each independent run, in order (sum = n); the spread between runs is reported. */
    runLengths?: number[];
    /** Latent CVs of the reference frames (n × latentDim), for the CV-quality classifiers. */
    latent?: Float64Array;
    latentDim?: number;
  };
  /** Structure whose handedness is "right" (default: the first reference frame). */
  chiralityReference?: Float64Array;
  bins?: number;
  epsilon?: number;
  /** Bootstrap replicates for intervals (default 200). */
  bootstrap?: number;
  /** Block length (frames) of the moving-block bootstrap of the reference (default n/40). */
  referenceBlockLength?: number;
  seed?: number;
}

export type MolecularMetrics = Record<string, number>;

interface Angles {
  phi: Float64Array;
  psi: Float64Array;
}

function anglesOf(top: Topology, s: ConfigurationSet): Angles {
  const bb = backboneDihedrals(top);
  if (bb.phi.length === 0)
    throw new RangeError(
      'molecular evaluation: the topology has no backbone φ/ψ (atoms named C, N, CA, C, N in consecutive residues)',
    );
  const D = 3 * top.atoms.length;
  if (s.x.length !== s.n * D)
    throw new RangeError(
      `molecular evaluation: ${s.x.length} coordinates for ${s.n} frames of ${top.atoms.length} atoms`,
    );
  // The first residue with both angles (the alanine of ACE-ALA-NME).
  return { phi: dihedralSeries(s.x, D, s.n, bb.phi[0]!), psi: dihedralSeries(s.x, D, s.n, bb.psi[0]!) };
}

function slice(a: Angles, from: number, to: number): Angles {
  return { phi: a.phi.subarray(from, to), psi: a.psi.subarray(from, to) };
}

/** The molecular metrics; see the file comment for units and conventions. */
export function molecularMetrics(input: MolecularEvaluationInput): MolecularMetrics {
  const { topology: top, beta } = input;
  const bins = input.bins ?? RAMACHANDRAN_BINS,
    eps = input.epsilon ?? HISTOGRAM_EPSILON;
  const B = input.bootstrap ?? 200;
  const rng = createRng(input.seed ?? 11);
  const D = 3 * top.atoms.length;
  const m: MolecularMetrics = {};
  const s = input.samples;
  const sa = anglesOf(top, s);
  const logw = s.logw;
  const W = logw ? normalizedWeights(logw) : undefined;
  const haveW = W !== undefined && W.every(Number.isFinite) && W.some((w) => w > 0);
  m['mol.samples'] = s.n;
  if (logw) m['mol.ess'] = essFraction(logw);
  // Pareto-smoothed weights: k̂ says whether reweighted numbers can be trusted (≤ 0.7), and the
  // smoothed ΔF damps the few huge φ > 0 weights that make the raw estimate jump.
  const smoothed = haveW ? paretoSmooth(logw!) : undefined;
  if (smoothed) m['mol.khat'] = smoothed.khat;

  // State populations.
  const popRaw = statePopulations(sa.phi, sa.psi);
  const popRw = haveW ? statePopulations(sa.phi, sa.psi, logw) : undefined;
  for (const st of POPULATIONS) {
    m[`mol.population.${st}.raw`] = popRaw[st];
    if (popRw) m[`mol.population.${st}.reweighted`] = popRw[st];
  }

  // Geometry: radius of gyration and chirality.
  const masses = top.atoms.map((a) => a.mass);
  const rgModel = radiusOfGyration(s.x, s.n, masses);
  const centres = chiralCentres(top);
  const chiralRef =
    input.chiralityReference ??
    (input.reference && input.reference.n > 0 ? input.reference.x.subarray(0, D) : undefined);
  if (centres.length && chiralRef) {
    m['mol.chirality.wrongRate'] = wrongChiralityRate(Float64Array.from(s.x), s.n, centres, chiralRef);
  }

  const ref = input.reference;
  if (!ref) return m;
  const ra = anglesOf(top, ref);
  const nr = ref.n;
  m['mol.reference.frames'] = nr;
  const popRef = statePopulations(ra.phi, ra.psi);
  let worst = 1,
    worstRw = 1,
    worstBasins = 1;
  for (const st of POPULATIONS) {
    m[`mol.population.${st}.reference`] = popRef[st];
    const factor = (p: number) =>
      p > 0 && popRef[st] > 0 ? Math.max(p / popRef[st], popRef[st] / p) : p === popRef[st] ? 1 : Infinity;
    m[`mol.population.${st}.factorRaw`] = factor(popRaw[st]);
    worst = Math.max(worst, factor(popRaw[st]));
    // The basins (C7eq/C5/PII, αR, C7ax/αL) without the φ > 0 half-plane, whose 120°–180° part is
    // the β basin's tail wrapped past −180°, not a basin of its own.
    if (st !== 'phiPositive') worstBasins = Math.max(worstBasins, factor(popRaw[st]));
    if (popRw) {
      m[`mol.population.${st}.factorReweighted`] = factor(popRw[st]);
      worstRw = Math.max(worstRw, factor(popRw[st]));
    }
  }
  m['mol.population.worstFactorRaw'] = worst;
  m['mol.population.worstFactorBasinsRaw'] = worstBasins;
  if (popRw) m['mol.population.worstFactorReweighted'] = worstRw;

  // Ramachandran divergences, KL(ref ‖ model) and JS.
  const hRef = ramachandranHistogram(ra.phi, ra.psi, undefined, bins);
  const hRaw = ramachandranHistogram(sa.phi, sa.psi, undefined, bins);
  m['mol.ramachandran.klRaw'] = klDivergence(hRef, hRaw, eps);
  m['mol.ramachandran.jsRaw'] = jensenShannon(hRef, hRaw, eps);
  if (haveW) {
    const hRw = ramachandranHistogram(sa.phi, sa.psi, W, bins);
    m['mol.ramachandran.klReweighted'] = klDivergence(hRef, hRw, eps);
    m['mol.ramachandran.jsReweighted'] = jensenShannon(hRef, hRw, eps);
  }
  const half = Math.floor(nr / 2);
  const h1 = ramachandranHistogram(ra.phi.subarray(0, half), ra.psi.subarray(0, half), undefined, bins);
  const h2 = ramachandranHistogram(ra.phi.subarray(half), ra.psi.subarray(half), undefined, bins);
  m['mol.ramachandran.noiseFloor.kl'] = klDivergence(h1, h2, eps);
  m['mol.ramachandran.noiseFloor.js'] = jensenShannon(h1, h2, eps);

  // ΔF(φ>0 vs φ<0) in kT with bootstrap intervals of the model − reference error.
  const pRef = phiPositiveProbability(ra.phi);
  const dfRef = deltaFFromProbability(pRef);
  m['mol.deltaF.referenceKT'] = dfRef;
  const blockLen = input.referenceBlockLength ?? Math.max(1, Math.floor(nr / 40));
  const refReps = new Float64Array(B);
  for (let b = 0; b < B; b++)
    refReps[b] = deltaFFromProbability(phiPositiveProbability(ra.phi, undefined, resampleIndices(nr, rng, blockLen)));
  const [rl, ru] = bootstrapInterval(refReps);
  m['mol.deltaF.referenceLowerKT'] = rl;
  m['mol.deltaF.referenceUpperKT'] = ru;
  const variants: Array<['Raw' | 'Reweighted' | 'Psis', Float64Array | undefined]> = [['Raw', undefined]];
  if (haveW) variants.push(['Reweighted', W]);
  // The PSIS interval resamples with the weights smoothed once (not re-smoothed per replicate).
  if (smoothed) variants.push(['Psis', smoothed.logWeights.map(Math.exp)]);
  for (const [label, w] of variants) {
    const df = deltaFFromProbability(phiPositiveProbability(sa.phi, w));
    m[`mol.deltaF.model${label}KT`] = df;
    m[`mol.deltaF.error${label}KT`] = df - dfRef;
    const reps = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const dm = deltaFFromProbability(phiPositiveProbability(sa.phi, w, resampleIndices(s.n, rng)));
      reps[b] = dm - refReps[b]!;
    }
    const [lo, hi] = bootstrapInterval(reps);
    m[`mol.deltaF.error${label}LowerKT`] = lo;
    m[`mol.deltaF.error${label}UpperKT`] = hi;
    if (!Number.isFinite(df) && label === 'Raw') {
      // No φ > 0 sample: the rule of three bounds P(φ>0) ≤ 3/n (95 %), so ΔF ≥ this.
      m['mol.deltaF.modelRawLowerBoundKT'] = deltaFFromProbability(3 / s.n);
    }
  }

  // Spread between independent reference runs: the reference's own uncertainty.
  const runs = ref.runLengths;
  if (runs && runs.length > 1 && runs.reduce((a, b) => a + b, 0) === nr) {
    const dfs: number[] = [],
      pops: number[] = [];
    let start = 0;
    runs.forEach((len, r) => {
      const p = phiPositiveProbability(ra.phi.subarray(start, start + len));
      m[`mol.reference.run${r + 1}.phiPositive`] = p;
      m[`mol.reference.run${r + 1}.alphaR`] = statePopulations(
        slice(ra, start, start + len).phi,
        slice(ra, start, start + len).psi,
      ).alphaR;
      dfs.push(deltaFFromProbability(p));
      pops.push(p);
      start += len;
    });
    m['mol.reference.runs'] = runs.length;
    m['mol.deltaF.referenceRunSpreadKT'] = Math.max(...dfs) - Math.min(...dfs);
    const h0 = ramachandranHistogram(ra.phi.subarray(0, runs[0]), ra.psi.subarray(0, runs[0]), undefined, bins);
    const hr = ramachandranHistogram(ra.phi.subarray(runs[0]), ra.psi.subarray(runs[0]), undefined, bins);
    m['mol.ramachandran.runVsRuns.js'] = jensenShannon(h0, hr, eps);
  }

  // Energy distribution in kT, and radius of gyration in nm (1-D Wasserstein).
  if (s.energies && ref.energies) {
    const bu = (e: Float64Array) => Float64Array.from(e, (v) => beta * v);
    const bs = bu(s.energies),
      br = bu(ref.energies);
    m['mol.energy.w1RawKT'] = wasserstein1(bs, br);
    if (haveW) m['mol.energy.w1ReweightedKT'] = wasserstein1(bs, br, W);
    m['mol.energy.noiseFloorKT'] = wasserstein1(br.subarray(0, half), br.subarray(half));
    let fin = 0,
      mean = 0;
    for (const v of bs)
      if (Number.isFinite(v)) {
        fin++;
        mean += v;
      }
    m['mol.energy.meanModelKT'] = mean / Math.max(1, fin);
    m['mol.energy.meanReferenceKT'] = br.reduce((a, b) => a + b, 0) / nr;
  }
  const rgRef = radiusOfGyration(ref.x, nr, masses);
  m['mol.rg.w1RawNm'] = wasserstein1(rgModel, rgRef);
  if (haveW) m['mol.rg.w1ReweightedNm'] = wasserstein1(rgModel, rgRef, W);
  m['mol.rg.noiseFloorNm'] = wasserstein1(rgRef.subarray(0, half), rgRef.subarray(half));

  // CV quality on the reference frames.
  if (ref.latent && ref.latentDim) {
    const L = ref.latentDim;
    const phiSign = Uint8Array.from(ra.phi, (p) => (p > 0 ? 1 : 0));
    const indicesWhere = (inRegion: (phi: number) => boolean): number[] => {
      const idx: number[] = [];
      for (let i = 0; i < nr; i++) if (inRegion(ra.phi[i]!)) idx.push(i);
      return idx;
    };
    const negIdx = indicesWhere((p) => p <= 0);
    const zNeg = new Float64Array(negIdx.length * L);
    negIdx.forEach((i, j) => zNeg.set(ref.latent!.subarray(i * L, (i + 1) * L), j * L));
    const alpha = Uint8Array.from(negIdx, (i) => (stateOf(ra.phi[i]!, ra.psi[i]!) === 1 ? 1 : 0));
    // The φ-sign cut at ±180° runs through the β basin, whose tail reaches past φ = 180°: frames a
    // few degrees apart land on both sides of it. c7axAlphaL asks for the metastable φ > 0 state
    // (C7ax/αL) against everything else, a cut along the barriers at φ ≈ 0 and φ ≈ 120°.
    const basins = Uint8Array.from(ra.phi, (p) => (inC7axAlphaL(p) ? 1 : 0));
    const tasks: Array<[string, Float64Array, Uint8Array]> = [
      ['phiSign', ref.latent, phiSign],
      ['c7axAlphaL', ref.latent, basins],
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
    // |Spearman| of the best latent coordinate with sin/cos of each angle.
    const zl = Array.from({ length: L }, (_, l) =>
      Float64Array.from({ length: nr }, (_, i) => ref.latent![i * L + l]!),
    );
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
  return m;
}
