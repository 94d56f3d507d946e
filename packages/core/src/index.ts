/**
 * @embedcg/core — plugin contracts, run configs, training machinery and metrics.
 * Plugins import only from here, from '@embedcg/core/testkit', from '@embedcg/core/tf'
 * (TensorFlow.js) and, for molecular systems (PDB, system.json, Z-matrix, chirality, torsion
 * names), from '@embedcg/core/molecules'.
 */
export * from './contracts/force-field.js';
export type * from './contracts/model.js';
export type * from './contracts/transform.js';
export type * from './contracts/schedule.js';
export * from './plugin.js';
export * from './errors.js';
export { CORE_VERSION } from './version.js';
export { createRng, type Rng } from './util/random.js';
export * from './util/stats.js';
export * from './util/psis.js';
export { selectBackend, type BackendName } from './backend.js';
// TensorFlow.js, bundled into core (tools/bundle-tf.mjs): plugins take `tf` from here or from
// '@embedcg/core/tf', so a process holds one copy of it.
export * as tf from '@embedcg/core/tf';
export { validateAgainst, formatIssues, type ValidationIssue } from './config/validate.js';
export * from './config/run-config.js';
export type { ForceCheckSettings } from './config/force-check-settings.js';
export { checkForcesAtStart, type ForceCheckInput, type ForceCheckRecord } from './training/force-check.js';
export { mergeConfig, resolveExtends, type ResolvedConfig } from './config/extends.js';
export { applyOverrides, parseOverride, type ConfigOverride } from './config/overrides.js';
export { configDifferences, formatConfigDifferences, type ConfigDifference } from './config/config-diff.js';
export {
  loadPluginPackage,
  listInstalledPackageNames,
  discoverPlugins,
  checkDescriptor,
  createPlugin,
  resolvePluginOptions,
  type PluginRef,
  type PluginPackage,
  type ResolveOptions,
} from './plugin-loader.js';
export { resolveOptionsInCode, findRetiredOption } from './plugin-options.js';
export { plugins } from './builtin-plugins.js';
export * from './schedules/index.js';
export { CountingForceField } from './counting-force-field.js';
export { energyOp } from './training/energy-op.js';
export { guardEnergies, type GuardedBatch } from './training/energy-guard.js';
export {
  drawSamples,
  drawConfigurations,
  withLatentSamples,
  type SampleSet,
  type DrawOptions,
} from './training/sampling.js';
export { selectSamples } from './training/select-samples.js';
export {
  rungBetas,
  fillBuffer,
  resample,
  type ReweightingSettings,
  type Buffer as ReweightingBuffer,
} from './training/reweighting.js';
export { train, HISTORY_FILE, type TrainerOptions, type TrainResult, type StepRecord } from './training/trainer.js';
export { computeMetrics, encodeConfigurations, basinMasses, type MetricsOptions } from './training/metrics.js';
export { createProgress, formatDuration, type ProgressSink } from './training/progress.js';
export {
  trainerStateFromJson,
  type TrainerState,
  type TrainerCounters,
  type PhaseState,
  type Phase,
} from './training/trainer-state.js';
export { writeWeights, readWeights, type NamedValues } from './training/weights-io.js';
export {
  assemblePlugins,
  checkRunConfig,
  resolveOptionsFor,
  resolveRunConfig,
  type RunPlugins,
  type AssembleOptions,
} from './run.js';
export {
  RUN_LAYOUT,
  CHECKPOINT_LAYOUT,
  RUN_FORMAT,
  READABLE_RUN_FORMATS,
  RunFolder,
  writeRunFiles,
  runFormatOf,
  HistoryFile,
  writeCheckpoint,
  findCheckpoint,
  readCheckpointState,
  loadModelWeights,
  initModelFrom,
  CHECKPOINT_DIR,
  openRun,
  runMetrics,
  trainRun,
  type RunLayout,
  type RunMeta,
  type OpenedRun,
  type OpenRunOptions,
  type RunMetricsResult,
  type TrainRunOptions,
  type TrainRunResult,
} from './run-folder/index.js';
export {
  rigidBodyPlugin,
  internalCoordinatesPlugin,
  type RigidBodyPluginOptions,
  type InternalCoordinatesPluginOptions,
} from './molecular-transform-plugins.js';
export * from './evaluation/index.js';
export { denseOp } from './nn/dense-op.js';
export { gatherRows, scatterAddRows, rowOpsEnabled, setRowOpsEnabled } from './nn/gather-rows.js';
export { takeColumns, putColumns, sliceColumns, joinColumns, concatColumns } from './nn/simd/column-kernels.js';
export { gradientTapeActive } from './training/open-tape.js';
/** Benchmarks and tests: fused ops call kernels through the engine (seen by tf.profile) while off. */
export { setDirectKernelsEnabled } from './nn/direct-kernels.js';
export {
  ACTIVATIONS,
  activations,
  activationFn,
  fusedActivations,
  type Activation,
  type ActivationFn,
} from './nn/activations.js';
export { glorotUniformScaledBound, glorotUniformScaledAfter, type WeightInit } from './nn/init.js';
export {
  Mlp,
  applyDense,
  createDense,
  createVariable,
  type Dense,
  type DenseInit,
  type MlpOptions,
} from './nn/dense.js';
export { modelDimension, modelVector, referenceInModelSpace } from './model-context.js';
