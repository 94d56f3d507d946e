/** What `train()` records per step (history.jsonl) and returns. */
import type { TrainerState } from './trainer-state.js';

export interface StepRecord {
  type: 'step';
  step: number;
  level: number;
  beta: number;
  betaFraction: number;
  loss: number;
  /**
   * Where this step's milliseconds went: the sampling pass (networks, no tape), the force field,
   * the taped pass with its gradients (networks again, plus the forward-KL term), and Adam.
   */
  ms: { draw: number; forceField: number; gradient: number; update: number };
  /** Adam's learning rate at this step. */
  learningRate: number;
  /** Importance-weighted forward KL term (without its constant), when training.forwardKLWeight > 0. */
  forwardLoss?: number;
  /** 'reweight' for the weighted maximum-likelihood steps of training.reweighting, 'polish' for its reverse-KL steps at β* after the ladder; else absent. */
  phase?: 'reweight' | 'polish';
  ess: number;
  dropped: number;
  /** Global gradient norm before clipping (training.gradClipNorm). */
  gradNorm?: number;
  /** The largest βU among the batch's kept rows (reverse-KL steps). */
  maxBetaEnergy?: number;
  energyEvaluations: number;
  wallSeconds: number;
}

export interface TrainResult {
  state: TrainerState;
  /** 'done' when the schedule and final stage finished; 'stopped' when interrupted on request. */
  status: 'done' | 'stopped';
  /** Seconds spent in the force field and in the rest (networks) during this call. */
  timing: { forceFieldSeconds: number; totalSeconds: number };
}
