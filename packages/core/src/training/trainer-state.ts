/** The trainer state a checkpoint saves and a resume restores. */
export interface TrainerState {
  step: number;
  level: number;
  beta: number;
  targetBeta: number;
  stepInLevel: number;
  losses: number[];
  phase: 'tempering' | 'final' | 'reweight' | 'polish' | 'done';
  finalStepsDone: number;
  /** Annealing by reweighting: the current rung and the steps done on it. */
  rung?: number;
  rungStepsDone?: number;
  /** Reverse-KL steps at β* done after the reweighting ladder. */
  polishStepsDone?: number;
  energyEvaluations: number;
  wallSeconds: number;
  rngState: number[];
  scheduleState: unknown;
  lastDeltaBeta?: number;
  /** Line count of history.jsonl at this checkpoint, so a resume can drop later lines. */
  historyLines: number;
}
