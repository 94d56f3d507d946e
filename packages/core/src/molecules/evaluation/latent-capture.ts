/**
 * What each latent coordinate captures: the question Schöberl, Zabaras & Koutsourelakis answer for
 * alanine dipeptide's two CVs, asked of a peptide with any number of residues. For configurations
 * with latent values z (a model's draws with the z each came from, or frames with their encoder
 * means), and every torsion that can hold a state (each residue's φ and ψ, each methyl rotor):
 *
 * - the mutual information between z_k and the torsion, in nats, from a 2-D histogram (z_k in
 *   equal-count bins, the angle in equal-width bins of the circle; a rotor's angle is its phase
 *   3θ). The plug-in estimate is biased up by about (B − 1)² / 2n, reported as `miBias`; log B is
 *   the most a B × B histogram can show.
 * - the circular-linear correlation R ∈ [0, 1] of z_k with the angle (Mardia): the multiple
 *   correlation of z_k with cos and sin of the angle. It sees a z_k that moves the angle once
 *   around its circle; the mutual information sees any dependence.
 *
 * and how each state is laid out in z: per residue β (with its tail past φ = ±180°), αR and
 * C7ax/αL (0 < φ < 120°), and the joint states (one letter per residue: b, a, l) holding at least
 * `jointFloor` of the samples, the mean and sd of each z_k in the state and the balanced accuracy
 * of the best single threshold on z_k that separates it from the rest, and of a quadratic logistic
 * classifier on all of z (two-fold cross-validated). Samples count as drawn (raw, no weights).
 */
import type { Topology } from '../../contracts/force-field.js';
import { crossValidate, logisticQuadratic } from '../../evaluation/classifier.js';
import { pearson } from '../../util/stats.js';
import { dihedralSeries } from '../observables/dihedrals.js';
import { methylRotors } from '../observables/methyl-rotors.js';
import { residueAngles, residueLabel } from './molecular.js';
import { inC7axAlphaL, stateOf } from './states.js';

/** A torsion whose capture is measured; `values` are the angle (rotors: 3θ), radians, per frame. */
export interface CaptureTorsion {
  name: string;
  kind: 'phi' | 'psi' | 'rotor';
  values: Float64Array;
}

/** How one state is laid out along each latent coordinate. */
export interface StateLayout {
  /** "ALA2.beta", or "joint.bab". */
  name: string;
  count: number;
  fraction: number;
  /** Per latent coordinate: mean and sd in the state, and the best threshold's balanced accuracy. */
  mean: number[];
  sd: number[];
  cut: number[];
  /** Balanced accuracy of the quadratic logistic classifier on all of z (NaN for a state of one class only). */
  allZ: number;
}

export interface LatentCapture {
  n: number;
  latentDim: number;
  bins: number;
  miBias: number;
  torsions: Array<Pick<CaptureTorsion, 'name' | 'kind'>>;
  /** [k][t]: mutual information (nats) and circular-linear R of z_k with torsion t. */
  mi: number[][];
  circular: number[][];
  states: StateLayout[];
}

export interface LatentCaptureInput {
  topology: Topology;
  /** Configurations, n × 3·atoms, nm. */
  x: Float64Array;
  n: number;
  /** Latent values, n × latentDim. */
  z: Float64Array;
  latentDim: number;
  /** Histogram bins per axis (default 16). */
  bins?: number;
  /** Joint states holding less than this fraction of the samples are not listed (default 0.01). */
  jointFloor?: number;
}

const RESIDUE_STATES = ['beta', 'alphaR', 'c7axAlphaL'] as const;
const LETTERS = ['b', 'a', 'l'];

/** 0 β (with its tail at φ ≥ 120°), 1 αR, 2 C7ax/αL; −1 for non-finite angles. */
export function residueState(phi: number, psi: number): number {
  const s = stateOf(phi, psi);
  if (s < 2) return s;
  return inC7axAlphaL(phi) ? 2 : 0;
}

/** φ and ψ of every residue, then every methyl rotor's phase, of n frames. */
export function captureTorsions(top: Topology, x: Float64Array, n: number): CaptureTorsion[] {
  const out: CaptureTorsion[] = [];
  for (const r of residueAngles(top, { x, n })) {
    out.push({ name: `${r.label}.phi`, kind: 'phi', values: r.phi });
    out.push({ name: `${r.label}.psi`, kind: 'psi', values: r.psi });
  }
  const D = 3 * top.atoms.length;
  for (const m of methylRotors(top)) {
    const theta = dihedralSeries(x, D, n, m.quad);
    out.push({ name: `${residueLabel(top, m.residueIndex)}.${m.carbon}`, kind: 'rotor', values: theta.map(wrap3) });
  }
  return out;
}

/** 3θ wrapped into (−π, π]: the phase of a three-fold rotor. */
function wrap3(theta: number): number {
  const a = 3 * theta;
  return a - 2 * Math.PI * Math.ceil((a - Math.PI) / (2 * Math.PI));
}

/** Equal-count bins (by rank; ties broken by order) of v: a bin index per value. */
export function quantileBins(v: ArrayLike<number>, bins: number): Int32Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const out = new Int32Array(n);
  order.forEach((i, rank) => (out[i] = Math.min(bins - 1, Math.floor((rank * bins) / n))));
  return out;
}

/** Equal-width bins of an angle in (−π, π]. */
export function circularBins(angle: ArrayLike<number>, bins: number): Int32Array {
  return Int32Array.from({ length: angle.length }, (_, i) => {
    const u = (angle[i]! + Math.PI) / (2 * Math.PI);
    return Math.min(bins - 1, Math.max(0, Math.floor((u - Math.floor(u)) * bins)));
  });
}

/** Plug-in mutual information (nats) of two binned variables: Σ p_ab log(p_ab / p_a p_b). */
export function binnedMutualInformation(a: Int32Array, b: Int32Array, binsA: number, binsB: number): number {
  const n = a.length;
  const joint = new Float64Array(binsA * binsB),
    pa = new Float64Array(binsA),
    pb = new Float64Array(binsB);
  for (let i = 0; i < n; i++) {
    joint[a[i]! * binsB + b[i]!]! += 1 / n;
    pa[a[i]!]! += 1 / n;
    pb[b[i]!]! += 1 / n;
  }
  let mi = 0;
  for (let i = 0; i < binsA; i++)
    for (let j = 0; j < binsB; j++) {
      const p = joint[i * binsB + j]!;
      if (p > 0) mi += p * Math.log(p / (pa[i]! * pb[j]!));
    }
  return Math.max(0, mi);
}

/** Mardia's circular-linear correlation R of a linear z with an angle: corr(z, best a cos θ + b sin θ). */
export function circularLinearCorrelation(z: ArrayLike<number>, angle: ArrayLike<number>): number {
  const c = Float64Array.from(angle, Math.cos),
    s = Float64Array.from(angle, Math.sin);
  const rzc = pearson(z, c),
    rzs = pearson(z, s),
    rcs = pearson(c, s);
  const r2 = (rzc * rzc + rzs * rzs - 2 * rzc * rzs * rcs) / Math.max(1e-12, 1 - rcs * rcs);
  return Math.sqrt(Math.min(1, Math.max(0, r2)));
}

/** Balanced accuracy of the best single threshold on v (either side) separating `inside` from the rest. */
export function bestThreshold(v: ArrayLike<number>, inside: Uint8Array): number {
  const n = v.length;
  const pos = inside.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === n) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
  let below = 0,
    best = 0.5;
  // After the first j values (a cut between distinct values), "inside below the cut" recalls below/pos
  // of the state and (n − pos − (j − below))/(n − pos) of the rest; "inside above" the complement.
  for (let j = 1; j < n; j++) {
    below += inside[order[j - 1]!]!;
    if (v[order[j]!]! === v[order[j - 1]!]!) continue;
    const acc = (below / pos + (n - pos - (j - below)) / (n - pos)) / 2;
    best = Math.max(best, acc, 1 - acc);
  }
  return best;
}

/** The layout of the frames where `inside` is 1 (see StateLayout). */
function stateLayout(name: string, inside: Uint8Array, zk: Float64Array[], z: Float64Array, L: number): StateLayout {
  const n = inside.length;
  const count = inside.reduce((a, b) => a + b, 0);
  const mean: number[] = [],
    sd: number[] = [],
    cut: number[] = [];
  for (const v of zk) {
    let s = 0,
      ss = 0;
    for (let i = 0; i < n; i++) if (inside[i]) s += v[i]!;
    const m = s / count;
    for (let i = 0; i < n; i++) if (inside[i]) ss += (v[i]! - m) ** 2;
    mean.push(m);
    sd.push(Math.sqrt(ss / Math.max(1, count - 1)));
    cut.push(bestThreshold(v, inside));
  }
  const allZ = count > 0 && count < n ? crossValidate(z, inside, L, logisticQuadratic).balancedAccuracy : NaN;
  return { name, count, fraction: count / n, mean, sd, cut, allZ };
}

/** Per-residue and joint state layouts (joint states down to `floor` of the samples). */
function stateLayouts(top: Topology, x: Float64Array, n: number, zk: Float64Array[], z: Float64Array, floor: number) {
  const residues = residueAngles(top, { x, n });
  const states = residues.map((r) => Int32Array.from(r.phi, (p, i) => residueState(p, r.psi[i]!)));
  const out: StateLayout[] = [];
  residues.forEach((r, j) =>
    RESIDUE_STATES.forEach((st, s) => {
      const inside = Uint8Array.from(states[j]!, (c) => (c === s ? 1 : 0));
      if (inside.some((b) => b === 1)) out.push(stateLayout(`${r.label}.${st}`, inside, zk, z, zk.length));
    }),
  );
  if (residues.length < 2) return out;
  const codes = Int32Array.from({ length: n }, (_, i) =>
    states.some((s) => s[i]! < 0) ? -1 : states.reduce((c, s) => c * 3 + s[i]!, 0),
  );
  const counts = new Map<number, number>();
  for (const c of codes) if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
  for (const [code, count] of [...counts.entries()].sort((a, b) => b[1] - a[1])) {
    if (count < floor * n) continue;
    const name = states.map((_, j) => LETTERS[Math.floor(code / 3 ** (states.length - 1 - j)) % 3]).join('');
    out.push(
      stateLayout(
        `joint.${name}`,
        Uint8Array.from(codes, (c) => (c === code ? 1 : 0)),
        zk,
        z,
        zk.length,
      ),
    );
  }
  return out;
}

/** Mutual information, circular-linear correlation and state layouts of every latent coordinate. */
export function latentCapture(input: LatentCaptureInput): LatentCapture {
  const { topology: top, x, n, z, latentDim: L } = input;
  const bins = input.bins ?? 16;
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`latent capture: latentDim must be ≥ 1, got ${L}`);
  if (z.length !== n * L) throw new RangeError(`latent capture: ${z.length} latent values for ${n} frames × ${L}`);
  if (n < 2 * bins)
    throw new RangeError(`latent capture: ${n} frames are too few for ${bins} bins (need ≥ ${2 * bins})`);
  const zk = Array.from({ length: L }, (_, k) => Float64Array.from({ length: n }, (_, i) => z[i * L + k]!));
  const torsions = captureTorsions(top, x, n);
  const angleBins = torsions.map((t) => circularBins(t.values, bins));
  const mi = zk.map((v) => {
    const zb = quantileBins(v, bins);
    return angleBins.map((ab) => binnedMutualInformation(zb, ab, bins, bins));
  });
  const circular = zk.map((v) => torsions.map((t) => circularLinearCorrelation(v, t.values)));
  return {
    n,
    latentDim: L,
    bins,
    miBias: (bins - 1) ** 2 / (2 * n),
    torsions: torsions.map(({ name, kind }) => ({ name, kind })),
    mi,
    circular,
    states: stateLayouts(top, x, n, zk, z, input.jointFloor ?? 0.01),
  };
}

/** The capture as flat metric keys `mol.cv.capture.…` (z numbered from 1). */
export function latentCaptureMetrics(c: LatentCapture): Record<string, number> {
  const m: Record<string, number> = {
    'mol.cv.capture.samples': c.n,
    'mol.cv.capture.bins': c.bins,
    'mol.cv.capture.miBias': c.miBias,
  };
  for (let k = 0; k < c.latentDim; k++)
    c.torsions.forEach((t, j) => {
      m[`mol.cv.capture.z${k + 1}.${t.name}.mi`] = c.mi[k]![j]!;
      m[`mol.cv.capture.z${k + 1}.${t.name}.circular`] = c.circular[k]![j]!;
    });
  for (const s of c.states) {
    const key = `mol.cv.capture.state.${s.name}`;
    m[`${key}.fraction`] = s.fraction;
    m[`${key}.allZ`] = s.allZ;
    for (let k = 0; k < c.latentDim; k++) {
      m[`${key}.z${k + 1}.mean`] = s.mean[k]!;
      m[`${key}.z${k + 1}.sd`] = s.sd[k]!;
      m[`${key}.z${k + 1}.cut`] = s.cut[k]!;
    }
  }
  return m;
}
