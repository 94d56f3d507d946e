/**
 * Adam's learning rate at a step. Adam reads its rate at every update, so the decay needs no
 * optimizer state of its own, and a resumed run picks up the same rate from the phase counters.
 */
import type { TrainingSettings } from '../config/run-config.js';
import type { PhaseState } from './trainer-state.js';

/**
 * training.learningRate while tempering; over the final stage decayed geometrically to
 * finalLearningRate when one is set; after it (reweighting, polish) reweighting.learningRate,
 * else finalLearningRate, else learningRate.
 */
export function learningRateAt(p: PhaseState, cfg: TrainingSettings): number {
  const lrFinal = cfg.finalLearningRate;
  if (p.phase === 'reweight' || p.phase === 'polish')
    return cfg.reweighting?.learningRate ?? lrFinal ?? cfg.learningRate;
  return p.phase === 'final' && lrFinal !== undefined && cfg.finalSteps > 0
    ? cfg.learningRate * (lrFinal / cfg.learningRate) ** (p.finalStepsDone / cfg.finalSteps)
    : cfg.learningRate;
}

/** Set Adam's rate for its next update (it reads the field at every update). */
export function setLearningRate(optimizer: unknown, rate: number): number {
  (optimizer as { learningRate: number }).learningRate = rate;
  return rate;
}
