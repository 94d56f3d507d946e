/**
 * The rule of the code of Schöberl, Zabaras & Koutsourelakis' embedded-physics paper: stay at a level until the loss stops
 * changing, then raise β by a fixed factor.
 */
import { defineSchedule, API_VERSION } from '../plugin.js';
import type { LevelContext, TemperingSchedule } from '../contracts/schedule.js';
import { mean } from '../util/stats.js';
import { CORE_VERSION } from '../version.js';

export interface LossPlateauOptions {
  initialFraction: number;
  /** β_{k+1} = min(β_k · factor, target). */
  factor: number;
  /** Compare the mean loss of the last `window` steps with the `window` before. */
  window: number;
  /** Level done when |Δ mean loss| / |mean loss| < tolerance. */
  tolerance: number;
  /** Bounds on steps per level. */
  minSteps: number;
  maxSteps: number;
}

/** Has the loss plateaued? Pure, for tests. */
export function lossPlateaued(losses: readonly number[], window: number, tolerance: number): boolean {
  if (losses.length < 2 * window) return false;
  const a = mean(losses.slice(-2 * window, -window));
  const b = mean(losses.slice(-window));
  return Math.abs(b - a) / Math.max(Math.abs(b), 1e-8) < tolerance;
}

export const lossPlateauPlugin = defineSchedule<LossPlateauOptions>({
  name: 'loss-plateau',
  version: CORE_VERSION,
  apiVersion: API_VERSION,
  description:
    "The embedded-physics paper's rule: advance β by a factor once the relative loss change falls below a tolerance",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      initialFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.01 },
      factor: { type: 'number', exclusiveMinimum: 1, default: 1.5 },
      window: { type: 'integer', minimum: 1, default: 50 },
      tolerance: { type: 'number', exclusiveMinimum: 0, default: 0.01 },
      minSteps: { type: 'integer', minimum: 1, default: 100 },
      maxSteps: { type: 'integer', minimum: 1, default: 2000 },
    },
  },
  create(o): TemperingSchedule {
    if (o.minSteps > o.maxSteps) throw new Error(`minSteps (${o.minSteps}) must not exceed maxSteps (${o.maxSteps})`);
    return {
      name: 'loss-plateau',
      samplesNeeded: 0,
      initialBeta: (t) => o.initialFraction * t,
      levelComplete: (ctx: LevelContext) =>
        ctx.stepInLevel >= o.maxSteps ||
        (ctx.stepInLevel >= o.minSteps && lossPlateaued(ctx.losses, o.window, o.tolerance)),
      nextBeta: (ctx) => ({ beta: Math.min(ctx.beta * o.factor, ctx.targetBeta) }),
      getState: () => ({}),
      setState: () => {},
    };
  },
});
