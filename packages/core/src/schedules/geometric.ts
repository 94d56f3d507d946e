/** A fixed geometric ladder β_k = β_0 (β_target/β_0)^(k/levels), fixed steps per level. */
import { defineSchedule, API_VERSION } from '../plugin.js';
import type { TemperingSchedule } from '../contracts/schedule.js';
import { CORE_VERSION } from '../version.js';

export interface GeometricOptions {
  initialFraction: number;
  /** Number of steps up the ladder from β_0 to the target. */
  levels: number;
}

export function geometricLadder(beta0: number, target: number, levels: number): number[] {
  return Array.from({ length: levels + 1 }, (_, k) =>
    k === levels ? target : beta0 * (target / beta0) ** (k / levels),
  );
}

export const geometricPlugin = defineSchedule<GeometricOptions>({
  name: 'geometric',
  version: CORE_VERSION,
  apiVersion: API_VERSION,
  description: 'Fixed geometric ladder of β with a fixed number of steps per level',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      initialFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.01 },
      levels: { type: 'integer', minimum: 1, default: 20 },
    },
  },
  create(o): TemperingSchedule {
    return {
      name: 'geometric',
      samplesNeeded: 0,
      initialBeta: (t) => o.initialFraction * t,
      levelComplete: (ctx) => ctx.stepInLevel >= (ctx.level === 0 ? ctx.initialSteps : ctx.stepsPerLevel),
      nextBeta: (ctx) => {
        const ladder = geometricLadder(o.initialFraction * ctx.targetBeta, ctx.targetBeta, o.levels);
        return { beta: ladder[Math.min(ctx.level + 1, o.levels)]! };
      },
      getState: () => ({}),
      setState: () => {},
    };
  },
});
