/**
 * Tempering schedules choose the sequence of inverse temperatures β_0 < β_1 < … ≤ β_target and
 * when to leave each level (docs/science/schedules.md). The trainer asks, in this order:
 *
 * 1. `initialBeta(target)` once at the start of a run;
 * 2. `levelComplete(ctx)` after every step at the current level;
 * 3. when the level is complete and β < target: draws `samplesNeeded` samples at the current β and
 *    calls `nextBeta(ctx, samples)`;
 * 4. once β = target, the trainer runs its final stage and stops.
 *
 * State must round-trip through `getState`/`setState` so that a resumed run continues the ladder.
 */
export interface LevelContext {
  /** Index of the current level (0 at β_0). */
  level: number;
  beta: number;
  targetBeta: number;
  /** Steps done at this level. */
  stepInLevel: number;
  /** Loss after each step at this level. */
  losses: readonly number[];
  /** Default steps per level from the training settings. */
  stepsPerLevel: number;
  /** Steps at the first level from the training settings. */
  initialSteps: number;
}

/** Samples drawn from the model at the current β. */
export interface ScheduleSamples {
  /** Energies u_i, kJ/mol. */
  energies: Float64Array;
  /** Log-density terms ℓ_i of the model (exact or bound). */
  logQ: Float64Array;
}

export interface BetaDecision {
  beta: number;
  /** Numbers worth logging (e.g. estimated KL, Δlog Z, r). */
  info?: Record<string, number>;
}

export interface TemperingSchedule {
  readonly name: string;
  /** How many model samples `nextBeta` needs (0 when it needs none). */
  readonly samplesNeeded: number;
  initialBeta(targetBeta: number): number;
  levelComplete(ctx: LevelContext): boolean;
  nextBeta(ctx: LevelContext, samples?: ScheduleSamples): BetaDecision;
  getState(): unknown;
  setState(state: unknown): void;
}
