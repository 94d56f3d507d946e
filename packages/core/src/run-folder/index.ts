/**
 * The run folder: the one module that knows its layout and writes its files.
 *
 * Layout (names in layout.ts, the single source; @embedcg/viz types its copies against it):
 *
 *   config.json     the validated config             written once, when a run starts
 *   run.json        run format and provenance        written once; a resume of format 1 bumps runFormat
 *   history.jsonl   step and level records           appended; cut back to the checkpoint's line count on resume
 *   checkpoint/     model, Adam, trainer state       replaced atomically (checkpoint.tmp/, checkpoint.old/)
 *   metrics.json    evaluation of the trained model  written when training finishes
 *   report/         HTML report and PNGs             written by `embedcg report` (viz)
 *
 * Flow: `trainRun` (and `embedcg train`, a wrapper over it) loads the config, assembles the
 * plugins, `RunFolder.create`s a new run (or checks the format of the one it resumes), runs the
 * trainer (`train`, which appends history and writes checkpoints through the `RunFolder`), and
 * writes metrics.json. `openRun` reopens a finished or stopped run for evaluate, sample, report,
 * cvs and decode; it refuses a run format this core does not read (`READABLE_RUN_FORMATS`).
 * Whole files are written to a temporary name and renamed into place.
 */
export { RUN_LAYOUT, CHECKPOINT_LAYOUT, RUN_FORMAT, READABLE_RUN_FORMATS, type RunLayout } from './layout.js';
export { RunFolder, writeRunFiles } from './run-folder.js';
export { runFormatOf, type RunMeta } from './run-meta.js';
export { HistoryFile } from './history.js';
export {
  writeCheckpoint,
  findCheckpoint,
  readCheckpointState,
  loadModelWeights,
  loadOptimizerState,
  initModelFrom,
  CHECKPOINT_DIR,
} from './checkpoint.js';
export { openRun, type OpenedRun, type OpenRunOptions } from './open-run.js';
export { runMetrics, type RunMetricsResult } from './run-metrics.js';
export { trainRun, type TrainRunOptions, type TrainRunResult } from './train-run.js';
