/**
 * The tempering ladder's level boundaries. After each tempering step the schedule decides whether
 * the level is complete; a complete level at the tempering target ends tempering, any other climbs
 * to the β the schedule proposes (from samples of the model, for schedules that need them). Each
 * boundary is a `{"type":"level",…}` history record.
 */
import type { LevelContext } from '../contracts/schedule.js';
import { TrainingError } from '../errors.js';
import { essFraction } from '../util/stats.js';
import { afterTempering } from './phases.js';
import { drawSamples } from './sampling.js';
import type { TrainingSession } from './session.js';
import { withPhase } from './trainer-state.js';

interface NextLevel {
  beta: number;
  /** ESS of the samples the schedule was given (NaN without samples). */
  ess: number;
  /** Basin masses along the ladder and the schedule's own numbers, for the history. */
  info: Record<string, number>;
}

/** The schedule's next β, from samples of the model at the current β when it asks for them. */
async function proposeNextBeta(s: TrainingSession, ctx: LevelContext): Promise<NextLevel> {
  const { schedule, ff } = s;
  if (!(schedule.samplesNeeded > 0)) {
    const d = schedule.nextBeta(ctx);
    return { beta: d.beta, ess: NaN, info: d.info ?? {} };
  }
  const beta = s.state.beta;
  const n = schedule.samplesNeeded;
  const sampled = await drawSamples({
    model: s.model,
    transform: s.transform,
    forceField: ff,
    n,
    beta,
    rng: s.rng,
    batchSize: s.config.evaluation.batchSize,
  });
  const keep: number[] = [];
  for (let i = 0; i < sampled.n; i++) if (Number.isFinite(sampled.energies[i]!)) keep.push(i);
  const energies = Float64Array.from(keep, (i) => sampled.energies[i]!);
  const logQ = Float64Array.from(keep, (i) => sampled.logQ[i]!);
  const ess = essFraction(Float64Array.from(keep, (i) => sampled.logw[i]!));
  // Basin masses along the ladder show when a mode-seeking model loses a basin.
  const info: Record<string, number> = {};
  const D = ff.dimension;
  for (const b of ff.reference?.basins?.(beta) ?? []) {
    let c = 0;
    for (let i = 0; i < sampled.n; i++) if (b.contains(sampled.x.subarray(i * D, (i + 1) * D))) c++;
    info[`basinMass.${b.name}`] = c / sampled.n;
    info[`basinMassExact.${b.name}`] = b.mass;
  }
  const d = schedule.nextBeta(ctx, { energies, logQ });
  return { beta: d.beta, ess, info: { ...info, ...d.info } };
}

/**
 * After a tempering step: when the schedule completes the level, end tempering (at its target) or
 * climb to the next β. Returns whether a new level began (which the trainer checkpoints).
 */
export async function temperingBoundary(s: TrainingSession): Promise<boolean> {
  const state = s.state;
  if (state.phase !== 'tempering') return false;
  const ctx: LevelContext = {
    level: state.level,
    beta: state.beta,
    targetBeta: s.temperTarget,
    stepInLevel: state.stepInLevel,
    losses: state.losses,
    stepsPerLevel: s.cfg.stepsPerLevel,
    initialSteps: s.cfg.initialSteps,
  };
  if (!s.schedule.levelComplete(ctx)) return false;
  const [level, beta] = [state.level, state.beta];
  if (beta >= s.temperTarget) {
    s.state = withPhase(state, afterTempering(s.plan));
    s.history.append({
      type: 'level',
      level,
      beta,
      betaFraction: 1,
      phase: 'final',
      energyEvaluations: s.ff.evaluations,
      wallSeconds: s.wall(),
    });
    return false;
  }
  const next = await proposeNextBeta(s, ctx);
  if (!(next.beta > beta)) {
    throw new TrainingError(
      `schedule "${s.schedule.name}" proposed β = ${next.beta}, which does not increase the current β = ${beta}`,
    );
  }
  const nextBeta = Math.min(next.beta, s.temperTarget);
  s.history.append({
    type: 'level',
    level,
    beta,
    betaFraction: beta / s.target,
    nextBeta,
    ess: next.ess,
    ...next.info,
    energyEvaluations: s.ff.evaluations,
    wallSeconds: s.wall(),
  });
  state.lastDeltaBeta = nextBeta - beta;
  state.beta = nextBeta;
  state.level++;
  state.stepInLevel = 0;
  state.losses = [];
  return true;
}
