/**
 * SystemParameters flattened into typed arrays for the evaluator's inner loops. A plain object
 * of typed arrays, so it crosses to worker threads by structured clone unchanged.
 */
import type { SystemParameters } from './system.js';

/** Coulomb constant of OpenMM's NonbondedForce and GBSAOBCForce, kJ·nm/(mol·e²). */
export const ONE_4PI_EPS0 = 138.93545764438198;
/** The constant written into OpenMM's CustomGBForce OBC1 expressions (customgbforces.py). */
export const ONE_4PI_EPS0_CUSTOM_GB = 138.935485;
/** GB dielectric offset (nm) and ACE probe radius (nm), as in OpenMM. */
export const GB_OFFSET = 0.009;
export const GB_PROBE_RADIUS = 0.14;

/** Which solvent model the evaluator runs. */
export type SolventModel = 'vacuum' | 'obc1' | 'obc2';

export interface CompiledGb {
  /** 1 = OBC1 (CustomGBForce formula), 2 = OBC2 (GBSAOBCForce). */
  model: 1 | 2;
  /** Offset radius (radius − 0.009 nm), scaled offset radius (scale × offset radius), full radius. */
  offsetRadius: Float64Array;
  scaledRadius: Float64Array;
  radius: Float64Array;
  charge: Float64Array;
  /** −K (1/εsolute − 1/εsolvent): pair energy = prefactor qᵢqⱼ/f, self = prefactor qᵢ²/(2Bᵢ). */
  prefactor: number;
  /** 4π × surface-area energy (kJ/mol/nm²), 0 without the ACE term. */
  surfaceFactor: number;
  /** tanh polynomial coefficients: OBC1 (0.8, 0, 2.909125), OBC2 (1, 0.8, 4.85). */
  alpha: number;
  beta: number;
  gamma: number;
  /** GBSAOBCForce adds the engulfment correction when an atom lies inside a neighbour's scaled sphere; the OBC1 CustomGBForce does not. */
  engulfment: boolean;
}

export interface CompiledSystem {
  nAtoms: number;
  bondIndex: Int32Array;
  bondR0: Float64Array;
  bondK: Float64Array;
  angleIndex: Int32Array;
  angleTheta0: Float64Array;
  angleK: Float64Array;
  /** Unique torsion quadruples (4 atoms each); terms of quadruple q are torsionStart[q]..torsionStart[q+1]. */
  torsionIndex: Int32Array;
  torsionStart: Int32Array;
  /** Per term: integer periodicity, cos(phase), sin(phase), k. cos(nφ) comes from a recurrence, not Math.cos. */
  torsionPeriodicity: Int32Array;
  torsionCosPhase: Float64Array;
  torsionSinPhase: Float64Array;
  torsionK: Float64Array;
  /** Per atom: charge × sqrt(K), sigma/2, sqrt(epsilon): the combining rules become products and sums. */
  scaledCharge: Float64Array;
  halfSigma: Float64Array;
  sqrtEpsilon: Float64Array;
  /** CSR list of exception partners j > i of each atom (sorted), skipped by the all-pairs loop. */
  skipStart: Int32Array;
  skipPartner: Int32Array;
  /** Exceptions with a non-zero interaction: pair, K·chargeProd, 4εσ¹², 4εσ⁶. */
  exceptionIndex: Int32Array;
  exceptionQQ: Float64Array;
  exceptionA: Float64Array;
  exceptionB: Float64Array;
  gb: CompiledGb | null;
}

/** Options that override the system's GB settings when compiling. */
export interface CompileOptions {
  /** 'vacuum' drops GB; 'obc1'/'obc2' selects the model (needs GB parameters). Default: the system's. */
  solvent?: SolventModel;
  solventDielectric?: number;
  soluteDielectric?: number;
}

/** Flatten a system for evaluation. Throws when a GB model is asked for but the system has no GB parameters. */
export function compileSystem(system: SystemParameters, options: CompileOptions = {}): CompiledSystem {
  const n = system.atoms.length;
  const hb = system.harmonicBonds;
  const ha = system.harmonicAngles;
  const pt = system.periodicTorsions;
  const nb = system.nonbonded;
  const sqrtK = Math.sqrt(ONE_4PI_EPS0);

  const skipLists: number[][] = Array.from({ length: n }, () => []);
  const live: number[] = [];
  for (let e = 0; e < nb.exceptions.length; e++) {
    const [i, j, qq, , eps] = nb.exceptions[e]!;
    skipLists[Math.min(i, j)]!.push(Math.max(i, j));
    if (qq !== 0 || eps !== 0) live.push(e);
  }
  const skipStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    skipLists[i]!.sort((a, b) => a - b);
    skipStart[i + 1] = skipStart[i]! + skipLists[i]!.length;
  }
  const skipPartner = Int32Array.from(skipLists.flat());

  const exceptionIndex = new Int32Array(2 * live.length);
  const exceptionQQ = new Float64Array(live.length);
  const exceptionA = new Float64Array(live.length);
  const exceptionB = new Float64Array(live.length);
  live.forEach((e, k) => {
    const [i, j, qq, sigma, eps] = nb.exceptions[e]!;
    exceptionIndex[2 * k] = i;
    exceptionIndex[2 * k + 1] = j;
    exceptionQQ[k] = ONE_4PI_EPS0 * qq;
    const s6 = sigma ** 6;
    exceptionA[k] = 4 * eps * s6 * s6;
    exceptionB[k] = 4 * eps * s6;
  });

  const solvent = options.solvent ?? (system.gb ? system.gb.model : 'vacuum');
  let gb: CompiledGb | null = null;
  if (solvent !== 'vacuum') {
    if (!system.gb)
      throw new Error(
        `implicit solvent ${solvent} needs GB parameters, but the system has none (use solvent "vacuum", or export the system with GB)`,
      );
    const g = system.gb;
    const epsIn = options.soluteDielectric ?? g.soluteDielectric;
    const epsOut = options.solventDielectric ?? g.solventDielectric;
    const obc1 = solvent === 'obc1';
    const k = obc1 ? ONE_4PI_EPS0_CUSTOM_GB : ONE_4PI_EPS0;
    gb = {
      model: obc1 ? 1 : 2,
      offsetRadius: Float64Array.from(g.particles, (p) => p[1] - GB_OFFSET),
      scaledRadius: Float64Array.from(g.particles, (p) => (p[1] - GB_OFFSET) * p[2]),
      radius: Float64Array.from(g.particles, (p) => p[1]),
      charge: Float64Array.from(g.particles, (p) => p[0]),
      prefactor: -k * (1 / epsIn - 1 / epsOut),
      surfaceFactor: 4 * Math.PI * g.surfaceAreaEnergy,
      alpha: obc1 ? 0.8 : 1.0,
      beta: obc1 ? 0 : 0.8,
      gamma: obc1 ? 2.909125 : 4.85,
      engulfment: !obc1,
    };
  }

  return {
    nAtoms: n,
    bondIndex: Int32Array.from(hb.flatMap((b) => [b[0], b[1]])),
    bondR0: Float64Array.from(hb, (b) => b[2]),
    bondK: Float64Array.from(hb, (b) => b[3]),
    angleIndex: Int32Array.from(ha.flatMap((a) => [a[0], a[1], a[2]])),
    angleTheta0: Float64Array.from(ha, (a) => a[3]),
    angleK: Float64Array.from(ha, (a) => a[4]),
    ...groupTorsions(pt),
    scaledCharge: Float64Array.from(nb.particles, (p) => p[0] * sqrtK),
    halfSigma: Float64Array.from(nb.particles, (p) => p[1] / 2),
    sqrtEpsilon: Float64Array.from(nb.particles, (p) => Math.sqrt(p[2])),
    skipStart,
    skipPartner,
    exceptionIndex,
    exceptionQQ,
    exceptionA,
    exceptionB,
    gb,
  };
}

/** Group torsion terms by atom quadruple so that the geometry of a multi-term torsion is computed once. */
function groupTorsions(pt: SystemParameters['periodicTorsions']) {
  const byQuad = new Map<string, number[]>();
  pt.forEach((t, k) => {
    const key = `${t[0]},${t[1]},${t[2]},${t[3]}`;
    const list = byQuad.get(key);
    if (list) list.push(k);
    else byQuad.set(key, [k]);
  });
  const quads = [...byQuad.values()];
  const order = quads.flat();
  const torsionStart = new Int32Array(quads.length + 1);
  quads.forEach((q, i) => {
    torsionStart[i + 1] = torsionStart[i]! + q.length;
  });
  return {
    torsionIndex: Int32Array.from(quads.flatMap((q) => pt[q[0]!]!.slice(0, 4) as number[])),
    torsionStart,
    torsionPeriodicity: Int32Array.from(order, (k) => pt[k]![4]),
    torsionCosPhase: Float64Array.from(order, (k) => Math.cos(pt[k]![5])),
    torsionSinPhase: Float64Array.from(order, (k) => Math.sin(pt[k]![5])),
    torsionK: Float64Array.from(order, (k) => pt[k]![6]),
  };
}
