/**
 * The KL-increase rule of Stupp & Koutsourelakis (docs/science/schedules.md), the default schedule.
 * β is expressed as a fraction of the target so one set of options fits any system.
 */
import { defineSchedule, API_VERSION } from '../plugin.js';
import type { BetaDecision, LevelContext, ScheduleSamples, TemperingSchedule } from '../contracts/schedule.js';
import { logSumExp, mean, normalizedWeights } from '../util/stats.js';
import { CORE_VERSION } from '../version.js';

export interface KlIncreaseOptions {
  /** β_0 / β_target. */
  initialFraction: number;
  /** Largest step Δβ / β_target. */
  maxStepFraction: number;
  /** Smallest step Δβ / β_target, so the ladder always moves. */
  minStepFraction: number;
  /** Accept Δβ when the relative KL increase r ≤ delta. */
  delta: number;
  /** Factor Δβ shrinks by while r > delta. */
  shrink: number;
  /** Samples M drawn at each level to choose the next β. */
  samples: number;
}

interface State {
  logZ?: number;
}

/** Choose Δβ by the KL-increase rule; pure, for tests. Returns the step and the quantities of §5. */
export function klIncreaseStep(
  beta: number,
  samples: ScheduleSamples,
  logZ: number | undefined,
  o: { maxStep: number; minStep: number; delta: number; shrink: number },
): { deltaBeta: number; deltaLogZ: number; logZ: number; kl: number; r: number } {
  const u = samples.energies,
    l = samples.logQ;
  const M = u.length;
  const logw = new Float64Array(M);
  for (let i = 0; i < M; i++) logw[i] = -beta * u[i]! - l[i]!;
  const ubar = mean(u),
    lbar = mean(l);
  const fresh = logSumExp(logw) - Math.log(M);
  let logZk = logZ ?? fresh;
  // The carried log Ẑ accumulates the noise of every Δlog Z; at low ESS it can drift until the
  // KL estimate turns negative, which is impossible and pins Δβ at its minimum. Then restart
  // from this level's own estimate, whose KL is ≥ 0 by Jensen's inequality.
  if (logZk + beta * ubar + lbar < 0) logZk = fresh;
  const kl = logZk + beta * ubar + lbar;
  const W = normalizedWeights(logw);
  const logWi = new Float64Array(M);
  for (let i = 0; i < M; i++) logWi[i] = Math.log(W[i]!);
  const increase = (db: number): { dlz: number; r: number } => {
    const t = new Float64Array(M);
    for (let i = 0; i < M; i++) t[i] = logWi[i]! - db * u[i]!;
    const dlz = logSumExp(t);
    // A KL estimate at or below zero is sampling noise around a very good model: measure the
    // increase against a floor so the rule stays a relative one instead of dividing by ~0.
    return { dlz, r: (dlz + db * ubar) / Math.max(kl, 1e-3) };
  };
  let db = o.maxStep;
  let inc = increase(db);
  while (inc.r > o.delta && db * o.shrink >= o.minStep) {
    db *= o.shrink;
    inc = increase(db);
  }
  if (inc.r > o.delta) {
    db = o.minStep;
    inc = increase(db);
  }
  return { deltaBeta: db, deltaLogZ: inc.dlz, logZ: logZk + inc.dlz, kl, r: inc.r };
}

export function createKlIncreaseSchedule(o: KlIncreaseOptions): TemperingSchedule {
  let state: State = {};
  return {
    name: 'kl-increase',
    samplesNeeded: o.samples,
    initialBeta: (target) => o.initialFraction * target,
    levelComplete: (ctx: LevelContext) => ctx.stepInLevel >= (ctx.level === 0 ? ctx.initialSteps : ctx.stepsPerLevel),
    nextBeta(ctx: LevelContext, samples?: ScheduleSamples): BetaDecision {
      if (!samples) throw new Error('kl-increase schedule needs samples');
      const step = klIncreaseStep(ctx.beta, samples, state.logZ, {
        maxStep: o.maxStepFraction * ctx.targetBeta,
        minStep: o.minStepFraction * ctx.targetBeta,
        delta: o.delta,
        shrink: o.shrink,
      });
      const beta = Math.min(ctx.beta + step.deltaBeta, ctx.targetBeta);
      state = { logZ: step.logZ };
      return {
        beta,
        info: { kl: step.kl, r: step.r, deltaBeta: step.deltaBeta, deltaLogZ: step.deltaLogZ, logZ: step.logZ },
      };
    },
    getState: () => ({ ...state }),
    setState: (s) => {
      state = { ...(s as State) };
    },
  };
}

export const klIncreasePlugin = defineSchedule<KlIncreaseOptions>({
  name: 'kl-increase',
  version: CORE_VERSION,
  apiVersion: API_VERSION,
  description: 'Adaptive β: the largest step whose estimated relative KL increase stays below delta (default)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      initialFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.01 },
      maxStepFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.05 },
      minStepFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.001 },
      delta: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
      shrink: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.6 },
      samples: { type: 'integer', minimum: 10, default: 1000 },
    },
  },
  create: (o) => createKlIncreaseSchedule(o),
});
