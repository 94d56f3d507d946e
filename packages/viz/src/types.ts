/**
 * The data shapes that embedcg's trainer writes and this package reads and plots.
 *
 * A run directory RUN/ holds `config.json` (the run config; arbitrary JSON with a "name"),
 * `metrics.json` (flat object of numbers/strings) and `history.jsonl` (one {@link HistoryRecord}
 * per line). Units are OpenMM's (nm, kJ/mol) unless a field says kT.
 */

/** One optimiser step, written after every training step. */
export interface HistoryStep {
  type: 'step';
  step: number;
  /** Tempering level index (0 = hottest). */
  level: number;
  /** Inverse temperature in use, 1/(kJ/mol). */
  beta: number;
  /** β / β_target, in [0, 1]. */
  betaFraction: number;
  /** Training loss, kT (dimensionless). */
  loss: number;
  /** Cumulative force-field evaluations (configurations). */
  energyEvaluations: number;
  /** Cumulative wall time, s. */
  wallSeconds: number;
  /** Effective sample size of the batch, when computed (null when it was NaN). */
  ess?: number | null;
}

/** One tempering level finished (or started), written once per level. */
export interface HistoryLevel {
  type: 'level';
  level: number;
  beta: number;
  betaFraction?: number;
  /** ESS that chose the next β; absent or null for the final stage. */
  ess?: number | null;
  kl?: number;
  energyEvaluations: number;
  wallSeconds: number;
}

/** One line of history.jsonl. Unknown record types are kept but ignored by the plots. */
export type HistoryRecord = HistoryStep | HistoryLevel;

/** Contents of metrics.json: a flat object of numbers and strings. */
export type RunMetrics = Record<string, number | string | null>;

/** Everything a run directory holds that the report needs. */
export interface RunFiles {
  /** Parsed config.json. */
  config: Record<string, unknown>;
  /** Parsed metrics.json, `{}` when the file does not exist (run still going). */
  metrics: RunMetrics;
  /** Parsed history.jsonl, `[]` when the file does not exist. */
  history: HistoryRecord[];
}

/** A set of n configurations drawn from a model (or a reference sampler). */
export interface SampleSet {
  /** n × dimension coordinates, configuration-major (nm for molecules). */
  positions: Float64Array;
  n: number;
  dimension: number;
  /** Log importance weights (unnormalised) of each sample. */
  logw?: Float64Array;
  /** n × latentDim latent coordinates (CVs). */
  latent?: Float64Array;
  latentDim?: number;
  /** Potential energies, kJ/mol. */
  energies?: Float64Array;
  /** Inverse temperature the energies refer to, 1/(kJ/mol). */
  beta?: number;
}

/** One atom as the viewer needs it (a structural subset of core's Atom). */
export interface TopologyAtom {
  name: string;
  element: string;
  mass?: number;
  residueName: string;
  residueIndex: number;
}

/** Atoms and bonds of a molecule (structurally compatible with core's Topology). */
export interface MoleculeTopology {
  atoms: readonly TopologyAtom[];
  /** Bonded pairs of zero-based atom indices. */
  bonds: ReadonlyArray<ArrayLike<number>>;
}

/** Numeric arrays accepted by the plots. */
export type NumArray = ArrayLike<number>;
