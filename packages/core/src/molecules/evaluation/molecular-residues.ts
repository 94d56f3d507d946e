/**
 * Molecular yardsticks of a peptide with several residues (alanine tetrapeptide and longer): for
 * every residue its Ramachandran Jensen–Shannon divergence (32² and 64² bins, nats), its β, αR,
 * C7ax/αL and φ > 0 populations and ΔF(φ>0 vs φ<0), and the joint populations of the backbone
 * states (each residue β, αR or φ > 0: 3^N states, those holding ≥ 1e-3 of the mass listed).
 * The spread between independent reference runs is reported beside each as its noise floor.
 *
 * Keys: `mol.residue.<label>.…` per residue (label = residue name and 1-based number, "ALA2"),
 * `mol.joint.<states>.…` per joint state (one letter per residue: b = β, a = αR, p = φ > 0), and
 * `mol.residues.…` for the worst residue.
 */
import { jensenShannon, ramachandranHistogram } from '../../evaluation/divergence.js';
import { POPULATIONS, deltaFFromProbability, phiPositiveProbability, stateOf, statePopulations } from './states.js';
import type { Angles, MolecularMetrics, SampleWeights } from './molecular.js';

/** Angles of one residue, with its label. */
export type ResidueAngles = Angles & { label: string };

/** Joint states holding at least this mass (reference or model) are listed. */
export const JOINT_MASS_FLOOR = 1e-3;
/** Letters of the states in joint-state names: β, αR, φ > 0 (stateOf's 0, 1, 2). */
const LETTERS = ['b', 'a', 'p'];

/** max(p/q, q/p): how far a population is off (1 = equal, Infinity when one side is empty). */
export function populationFactor(p: number, q: number): number {
  if (p > 0 && q > 0) return Math.max(p / q, q / p);
  return p === q ? 1 : Infinity;
}

/** Slices of `a` by run lengths (the whole as one run when none are given). */
function runsOf(a: Float64Array, runs: number[] | undefined): Float64Array[] {
  if (!runs || runs.length <= 1 || runs.reduce((x, y) => x + y, 0) !== a.length) return [a];
  let start = 0;
  return runs.map((len) => a.subarray(start, (start += len)));
}

/** Per-residue JS (32², 64²), raw and reweighted, with the split-half and run-vs-runs noise floors. */
function residueDivergences(
  m: MolecularMetrics,
  key: string,
  s: Angles,
  r: Angles,
  w: SampleWeights,
  runs: number[] | undefined,
  eps: number,
): void {
  for (const bins of [32, 64]) {
    const k = `${key}.js${bins}`;
    const hRef = ramachandranHistogram(r.phi, r.psi, undefined, bins);
    m[`${k}.raw`] = jensenShannon(hRef, ramachandranHistogram(s.phi, s.psi, undefined, bins), eps);
    if (w.haveW) m[`${k}.reweighted`] = jensenShannon(hRef, ramachandranHistogram(s.phi, s.psi, w.W, bins), eps);
    const half = Math.floor(r.phi.length / 2);
    const h1 = ramachandranHistogram(r.phi.subarray(0, half), r.psi.subarray(0, half), undefined, bins);
    const h2 = ramachandranHistogram(r.phi.subarray(half), r.psi.subarray(half), undefined, bins);
    m[`${k}.noiseFloor`] = jensenShannon(h1, h2, eps);
    const phiRuns = runsOf(r.phi, runs);
    if (phiRuns.length > 1) {
      const psiRuns = runsOf(r.psi, runs);
      const first = runs![0]!;
      const h0 = ramachandranHistogram(phiRuns[0]!, psiRuns[0]!, undefined, bins);
      const rest = ramachandranHistogram(r.phi.subarray(first), r.psi.subarray(first), undefined, bins);
      m[`${k}.runVsRuns`] = jensenShannon(h0, rest, eps);
    }
  }
}

/** Per-residue populations (raw, reweighted, reference, factors), ΔF and the run-to-run spread. */
function residuePopulations(
  m: MolecularMetrics,
  key: string,
  s: Angles,
  r: Angles,
  w: SampleWeights,
  runs: number[] | undefined,
): void {
  const raw = statePopulations(s.phi, s.psi);
  // statePopulations takes log weights; log of the normalised weights gives them back.
  const rw = w.haveW ? statePopulations(s.phi, s.psi, Float64Array.from(w.W!, Math.log)) : undefined;
  const ref = statePopulations(r.phi, r.psi);
  const perRun = runsOf(r.phi, runs).map((phi, k) => statePopulations(phi, runsOf(r.psi, runs)[k]!));
  for (const st of POPULATIONS) {
    const k = `${key}.population.${st}`;
    m[`${k}.raw`] = raw[st];
    m[`${k}.reference`] = ref[st];
    m[`${k}.factorRaw`] = populationFactor(raw[st], ref[st]);
    if (rw) {
      m[`${k}.reweighted`] = rw[st];
      m[`${k}.factorReweighted`] = populationFactor(rw[st], ref[st]);
    }
    if (perRun.length > 1) {
      const v = perRun.map((p) => p[st]);
      m[`${k}.referenceRunSpreadFactor`] = populationFactor(Math.max(...v), Math.min(...v));
    }
  }
  const dfRef = deltaFFromProbability(phiPositiveProbability(r.phi));
  m[`${key}.deltaF.referenceKT`] = dfRef;
  m[`${key}.deltaF.modelRawKT`] = deltaFFromProbability(phiPositiveProbability(s.phi));
  if (w.haveW) {
    const df = deltaFFromProbability(phiPositiveProbability(s.phi, w.W));
    m[`${key}.deltaF.modelReweightedKT`] = df;
    m[`${key}.deltaF.errorReweightedKT`] = df - dfRef;
  }
  if (perRun.length > 1) {
    const dfs = runsOf(r.phi, runs).map((phi) => deltaFFromProbability(phiPositiveProbability(phi)));
    m[`${key}.deltaF.referenceRunSpreadKT`] = Math.max(...dfs) - Math.min(...dfs);
  }
}

/** Joint backbone state of every frame as an integer in base 3 (first residue most significant); −1 if undefined. */
export function jointStates(residues: Angles[]): Int32Array {
  const n = residues[0]?.phi.length ?? 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let code = 0;
    for (const r of residues) {
      const s = stateOf(r.phi[i]!, r.psi[i]!);
      if (s < 0) {
        code = -1;
        break;
      }
      code = code * 3 + s;
    }
    out[i] = code;
  }
  return out;
}

/** Normalised mass of each joint state code (length 3^N), weighted by linear weights when given. */
export function jointPopulations(codes: Int32Array, nResidues: number, weights?: ArrayLike<number>): Float64Array {
  const p = new Float64Array(3 ** nResidues);
  let total = 0;
  for (let i = 0; i < codes.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (codes[i]! < 0 || !(w > 0) || !Number.isFinite(w)) continue;
    p[codes[i]!]! += w;
    total += w;
  }
  if (total > 0) for (let k = 0; k < p.length; k++) p[k]! /= total;
  return p;
}

/** The letters of a joint state code: "bab" for β, αR, β. */
export function jointStateName(code: number, nResidues: number): string {
  let s = '';
  for (let r = 0; r < nResidues; r++, code = Math.floor(code / 3)) s = LETTERS[code % 3]! + s;
  return s;
}

/** Joint state populations (reference, raw, reweighted) down to JOINT_MASS_FLOOR, worst factor and total variation. */
function jointMetrics(m: MolecularMetrics, s: Angles[], r: Angles[], w: SampleWeights): void {
  const N = r.length;
  const ref = jointPopulations(jointStates(r), N);
  const codes = jointStates(s);
  const raw = jointPopulations(codes, N);
  const rw = w.haveW ? jointPopulations(codes, N, w.W) : undefined;
  let listed = 0,
    worst = 1,
    worstRare = 1,
    tvRaw = 0,
    tvRw = 0;
  for (let c = 0; c < ref.length; c++) {
    tvRaw += Math.abs(raw[c]! - ref[c]!) / 2;
    if (rw) tvRw += Math.abs(rw[c]! - ref[c]!) / 2;
    if (Math.max(ref[c]!, raw[c]!, rw?.[c] ?? 0) < JOINT_MASS_FLOOR) continue;
    const k = `mol.joint.${jointStateName(c, N)}`;
    m[`${k}.reference`] = ref[c]!;
    m[`${k}.raw`] = raw[c]!;
    if (rw) m[`${k}.reweighted`] = rw[c]!;
    listed++;
    if (!rw || ref[c]! < JOINT_MASS_FLOOR) continue;
    const f = populationFactor(rw[c]!, ref[c]!);
    if (ref[c]! >= 0.01) worst = Math.max(worst, f);
    else worstRare = Math.max(worstRare, f);
  }
  m['mol.joint.states'] = listed;
  m['mol.joint.tvRaw'] = tvRaw;
  if (rw) {
    m['mol.joint.tvReweighted'] = tvRw;
    m['mol.joint.worstFactorReweighted'] = worst;
    m['mol.joint.worstFactorRareReweighted'] = worstRare;
  }
}

/** Every per-residue and joint metric, and the worst residue's (see the file comment). */
export function residueMetrics(
  m: MolecularMetrics,
  s: ResidueAngles[],
  r: Angles[],
  w: SampleWeights,
  runs: number[] | undefined,
  eps: number,
): void {
  const worst: Record<string, number> = {};
  const keep = (name: string, v: number | undefined) => {
    if (v !== undefined) worst[name] = Math.max(worst[name] ?? -Infinity, v);
  };
  s.forEach((sa, i) => {
    const key = `mol.residue.${sa.label}`;
    residueDivergences(m, key, sa, r[i]!, w, runs, eps);
    residuePopulations(m, key, sa, r[i]!, w, runs);
    for (const k of ['js32', 'js64'])
      for (const v of ['raw', 'reweighted', 'runVsRuns']) keep(`${k}.${v}`, m[`${key}.${k}.${v}`]);
    for (const st of ['beta', 'alphaR', 'c7axAlphaL'])
      for (const v of ['factorRaw', 'factorReweighted', 'referenceRunSpreadFactor'])
        keep(`${v}.${st}`, m[`${key}.population.${st}.${v}`]);
  });
  m['mol.residues.count'] = s.length;
  for (const [k, v] of Object.entries(worst)) m[`mol.residues.worst.${k}`] = v;
  jointMetrics(m, s, r, w);
}
