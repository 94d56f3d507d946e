/**
 * The names inside a run folder: the one place they are spelled. This module imports nothing, so
 * a reader of run folders can take its names (or, like @embedcg/viz, only its types) without
 * loading the trainer.
 *
 * A run folder after `embedcg train CONFIG --out RUN` (or `trainRun`):
 *
 *   RUN/config.json           the run config as validated, every default filled in
 *   RUN/run.json              metadata: run format, config source, plugins, backend, versions
 *   RUN/history.jsonl         one JSON object per logged step and per level boundary
 *   RUN/checkpoint/           the newest complete checkpoint (model, Adam, trainer state)
 *   RUN/checkpoint.old/       the previous one, only while a new one is being swapped in
 *   RUN/checkpoint.tmp/       a checkpoint being written; never read
 *   RUN/metrics.json          evaluation metrics, written when training has finished
 *   RUN/train.lock            present while a process trains in the folder
 *   RUN/report/index.html     the HTML report (`embedcg report`), with one PNG per plot beside it
 */

/** File and folder names of a run folder, relative to it. */
export const RUN_LAYOUT = {
  /**
   * The run config as the run uses it: validated, with every default filled in. `evaluate`,
   * `sample`, `report` and a resume rebuild the run's plugins from it.
   */
  config: 'config.json',
  /**
   * Metadata about the run: `runFormat` (see {@link RUN_FORMAT}), where the config came from
   * (`configPath`, `configDir`, `configExtends`, `configOverrides`), the backend, the plugin and
   * core versions, the start time and the command. Informational except `runFormat` and
   * `configDir` (where the plugins' relative data paths resolve when the run is reopened; plugin
   * code never resolves from it then).
   */
  run: 'run.json',
  /**
   * One JSON object per line: a `{"type":"step",…}` record every `training.historyEvery` steps and
   * a `{"type":"level",…}` record at each level or rung boundary. Appended as training goes; on
   * resume cut back to the line count the checkpoint recorded, so no step appears twice.
   */
  history: 'history.jsonl',
  /**
   * The newest complete checkpoint: `weights.json`/`weights.bin` (model variables, tfjs weights
   * format), `optimizer.json`/`optimizer.bin` (Adam's moments and running powers) and `state.json`
   * (the trainer state: step, β, phase, RNG and schedule state, history line count).
   */
  checkpoint: 'checkpoint',
  /** A checkpoint being built; swapped in by renames, so a crash never leaves a half-written checkpoint. */
  checkpointTmp: 'checkpoint.tmp',
  /** The previous checkpoint while the new one is renamed into place; read only if `checkpoint/` is missing. */
  checkpointOld: 'checkpoint.old',
  /** Metrics of the trained model (the same `embedcg evaluate RUN --json` prints), written once training is done. */
  metrics: 'metrics.json',
  /**
   * `{pid, hostname, started}` of the process training in the folder, while it trains: a second
   * `train` into the folder (a resume, or `--force`) is refused while that process lives. A lock
   * whose process is gone (killed, crashed) is taken over.
   */
  trainLock: 'train.lock',
  /** The HTML report and its PNGs, written by `embedcg report` (@embedcg/viz `writeReport`). */
  report: 'report',
  /** The report's page inside {@link RUN_LAYOUT.report}. */
  reportIndex: 'index.html',
} as const;

/** The literal names of {@link RUN_LAYOUT}; readers that must not load core type their copies with it. */
export type RunLayout = typeof RUN_LAYOUT;

/** Files inside a checkpoint folder. */
export const CHECKPOINT_LAYOUT = {
  /** Trainer state, JSON. */
  state: 'state.json',
  /** Model variables: `weights.json` (manifest) and `weights.bin` (float32 values). */
  weights: 'weights',
  /** Adam state: `optimizer.json` and `optimizer.bin`. */
  optimizer: 'optimizer',
} as const;

/**
 * The run format this core writes, recorded as `runFormat` in run.json.
 *
 * - 1: runs written before run.json carried a format (no `runFormat`); `checkpoint/state.json`
 *   held the counters of every phase, whatever the current one.
 * - 2: `runFormat: 2` in run.json; the same files, and `state.json` holds the counters every phase
 *   shares plus the current phase's (trainer-state.ts reads both).
 */
export const RUN_FORMAT = 2;

/** Run formats this core opens, evaluates and resumes. */
export const READABLE_RUN_FORMATS: readonly number[] = [1, 2];
