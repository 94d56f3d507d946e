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
import { createRng } from '../../util/random.js';
import { essFraction, normalizedWeights } from '../../util/stats.js';
import { paretoSmooth, type ParetoSmoothed } from '../../util/psis.js';
import {
  HISTOGRAM_EPSILON,
  RAMACHANDRAN_BINS,
  jensenShannon,
  klDivergence,
  ramachandranHistogram,
} from '../../evaluation/divergence.js';
import { wasserstein1 } from '../../evaluation/wasserstein.js';
import { backboneDihedrals, dihedralSeries } from '../observables/dihedrals.js';
import { wrongChiralityRate } from '../transforms/chirality.js';
import { chiralCentres, radiusOfGyration } from './geometry.js';
import { POPULATIONS, statePopulations, type PopulationName } from './states.js';
import { deltaFMetrics, referenceRunMetrics } from './molecular-delta-f.js';
import { cvMetrics } from './molecular-cv.js';
import { residueMetrics, type ResidueAngles } from './molecular-residues.js';

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
  /**
   * Reference frames (MD), several runs concatenated: their configurations, or (a compact MD series)
   * only φ/ψ of every residue and the energies, in which case the metrics that need positions (radius
   * of gyration, CV quality, chirality from the first frame) are left out.
   */
  reference?: ReferenceSet;
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

/** Reference frames: configurations, or φ/ψ per residue (`angles`, in topology order) and energies. */
export interface ReferenceSet {
  /** n × 3·atoms, nm; absent for a series of angles. */
  x?: Float64Array;
  n: number;
  /** U(x), kJ/mol, when known (needed for the energy distance). */
  energies?: Float64Array;
  /** φ/ψ of every residue with both, in the order of `residueAngles`; used instead of x when given. */
  angles?: Angles[];
  /** Frames of each independent run, in order (sum = n); the spread between runs is reported. */
  runLengths?: number[];
  /** Latent CVs of the reference frames (n × latentDim), for the CV-quality classifiers. */
  latent?: Float64Array;
  latentDim?: number;
}

/** φ and ψ of the first residue that has both, one value per frame. */
export interface Angles {
  phi: Float64Array;
  psi: Float64Array;
}

/** The samples' importance weights, when they have usable ones. */
export interface SampleWeights {
  /** Self-normalised linear weights. */
  W?: Float64Array;
  /** Whether W is finite and not all zero. */
  haveW: boolean;
  /** Pareto-smoothed weights and k̂ (with haveW). */
  smoothed?: ParetoSmoothed;
}

export function anglesOf(top: Topology, s: ConfigurationSet): Angles {
  return residueAngles(top, s)[0]!;
}

/** φ and ψ of every residue that has both, in chain order, labelled "ALA2" (name, 1-based number). */
export function residueAngles(top: Topology, s: { x?: Float64Array; n: number }): ResidueAngles[] {
  const bb = backboneDihedrals(top);
  if (bb.phi.length === 0)
    throw new RangeError(
      'molecular evaluation: the topology has no backbone φ/ψ (atoms named C, N, CA, C, N in consecutive residues)',
    );
  const D = 3 * top.atoms.length;
  if (!s.x || s.x.length !== s.n * D)
    throw new RangeError(
      `molecular evaluation: ${s.x?.length ?? 0} coordinates for ${s.n} frames of ${top.atoms.length} atoms`,
    );
  const x = s.x;
  return bb.residues.map((r, k) => ({
    label: residueLabel(top, r),
    phi: dihedralSeries(x, D, s.n, bb.phi[k]!),
    psi: dihedralSeries(x, D, s.n, bb.psi[k]!),
  }));
}

/** "ALA2": the residue's name and its 1-based number (as `embedcg md` and the MD series label it). */
export function residueLabel(top: Topology, residueIndex: number): string {
  const atom = top.atoms.find((a) => a.residueIndex === residueIndex);
  return `${atom?.residueName ?? 'RES'}${residueIndex + 1}`;
}

type Populations = Record<PopulationName, number>;

/** Sample count, ESS, k̂, state populations (raw, reweighted) and the wrong-enantiomer rate. */
function sampleMetrics(
  m: MolecularMetrics,
  input: MolecularEvaluationInput,
  sa: Angles,
): { w: SampleWeights; popRaw: Populations; popRw?: Populations } {
  const s = input.samples;
  const logw = s.logw;
  const W = logw ? normalizedWeights(logw) : undefined;
  const haveW = W !== undefined && W.every(Number.isFinite) && W.some((v) => v > 0);
  m['mol.samples'] = s.n;
  if (logw) m['mol.ess'] = essFraction(logw);
  // Pareto-smoothed weights: k̂ says whether reweighted numbers can be trusted (≤ 0.7), and the
  // smoothed ΔF damps the few huge φ > 0 weights that make the raw estimate jump.
  const smoothed = haveW ? paretoSmooth(logw!) : undefined;
  if (smoothed) m['mol.khat'] = smoothed.khat;
  const popRaw = statePopulations(sa.phi, sa.psi);
  const popRw = haveW ? statePopulations(sa.phi, sa.psi, logw) : undefined;
  for (const st of POPULATIONS) {
    m[`mol.population.${st}.raw`] = popRaw[st];
    if (popRw) m[`mol.population.${st}.reweighted`] = popRw[st];
  }
  const top = input.topology;
  const centres = chiralCentres(top);
  const ref = input.reference;
  const chiralRef =
    input.chiralityReference ?? (ref?.x && ref.n > 0 ? ref.x.subarray(0, 3 * top.atoms.length) : undefined);
  if (centres.length && chiralRef) {
    m['mol.chirality.wrongRate'] = wrongChiralityRate(Float64Array.from(s.x), s.n, centres, chiralRef);
  }
  return { w: { W, haveW, smoothed }, popRaw, popRw };
}

/** Reference populations and the factor by which the model's are off, per state and worst. */
function populationFactors(m: MolecularMetrics, ra: Angles, popRaw: Populations, popRw?: Populations): void {
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
}

/** Ramachandran KL(ref ‖ model) and JS, raw and reweighted, and their noise floors. */
function ramachandranMetrics(m: MolecularMetrics, sa: Angles, ra: Angles, w: SampleWeights, bins: number, eps: number) {
  const hRef = ramachandranHistogram(ra.phi, ra.psi, undefined, bins);
  const hRaw = ramachandranHistogram(sa.phi, sa.psi, undefined, bins);
  m['mol.ramachandran.klRaw'] = klDivergence(hRef, hRaw, eps);
  m['mol.ramachandran.jsRaw'] = jensenShannon(hRef, hRaw, eps);
  if (w.haveW) {
    const hRw = ramachandranHistogram(sa.phi, sa.psi, w.W, bins);
    m['mol.ramachandran.klReweighted'] = klDivergence(hRef, hRw, eps);
    m['mol.ramachandran.jsReweighted'] = jensenShannon(hRef, hRw, eps);
  }
  const half = Math.floor(ra.phi.length / 2);
  const h1 = ramachandranHistogram(ra.phi.subarray(0, half), ra.psi.subarray(0, half), undefined, bins);
  const h2 = ramachandranHistogram(ra.phi.subarray(half), ra.psi.subarray(half), undefined, bins);
  m['mol.ramachandran.noiseFloor.kl'] = klDivergence(h1, h2, eps);
  m['mol.ramachandran.noiseFloor.js'] = jensenShannon(h1, h2, eps);
}

/** Energy distribution in kT and radius of gyration in nm (1-D Wasserstein), with noise floors. */
function distributionMetrics(
  m: MolecularMetrics,
  input: MolecularEvaluationInput,
  ref: ReferenceSet,
  w: SampleWeights,
): void {
  const s = input.samples;
  const nr = ref.n,
    half = Math.floor(nr / 2);
  if (s.energies && ref.energies) {
    const bu = (e: Float64Array) => Float64Array.from(e, (v) => input.beta * v);
    const bs = bu(s.energies),
      br = bu(ref.energies);
    m['mol.energy.w1RawKT'] = wasserstein1(bs, br);
    if (w.haveW) m['mol.energy.w1ReweightedKT'] = wasserstein1(bs, br, w.W);
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
  if (!ref.x) return; // a series of angles: no radius of gyration
  const masses = input.topology.atoms.map((a) => a.mass);
  const rgModel = radiusOfGyration(s.x, s.n, masses);
  const rgRef = radiusOfGyration(ref.x, nr, masses);
  m['mol.rg.w1RawNm'] = wasserstein1(rgModel, rgRef);
  if (w.haveW) m['mol.rg.w1ReweightedNm'] = wasserstein1(rgModel, rgRef, w.W);
  m['mol.rg.noiseFloorNm'] = wasserstein1(rgRef.subarray(0, half), rgRef.subarray(half));
}

/** The molecular metrics; see the file comment for units and conventions. */
export function molecularMetrics(input: MolecularEvaluationInput): MolecularMetrics {
  const { topology: top } = input;
  const bins = input.bins ?? RAMACHANDRAN_BINS,
    eps = input.epsilon ?? HISTOGRAM_EPSILON;
  const m: MolecularMetrics = {};
  // The dipeptide's metrics (mol.ramachandran.*, mol.deltaF.*, …) are those of the first residue;
  // a longer peptide adds every residue's and the joint states' (molecular-residues.ts).
  const sAll = residueAngles(top, input.samples);
  const sa = sAll[0]!;
  const { w, popRaw, popRw } = sampleMetrics(m, input, sa);
  const ref = input.reference;
  if (!ref) return m;
  const rAll = ref.angles ?? residueAngles(top, ref);
  if (rAll.length !== sAll.length || rAll.some((r) => r.phi.length !== ref.n || r.psi.length !== ref.n))
    throw new RangeError(
      `molecular evaluation: the reference gives φ/ψ of ${rAll.length} residue(s), the topology has ${sAll.length}, or not ${ref.n} frames each`,
    );
  const ra = rAll[0]!;
  m['mol.reference.frames'] = ref.n;
  populationFactors(m, ra, popRaw, popRw);
  ramachandranMetrics(m, sa, ra, w, bins, eps);
  deltaFMetrics(m, sa, ra, w, {
    rng: createRng(input.seed ?? 11),
    replicates: input.bootstrap ?? 200,
    blockLength: input.referenceBlockLength ?? Math.max(1, Math.floor(ref.n / 40)),
  });
  referenceRunMetrics(m, ra, ref.runLengths, bins, eps);
  distributionMetrics(m, input, ref, w);
  if (ref.latent && ref.latentDim) cvMetrics(m, ra, ref.latent, ref.latentDim);
  if (sAll.length > 1) residueMetrics(m, sAll, rAll, w, ref.runLengths, eps);
  return m;
}
