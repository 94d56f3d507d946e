/**
 * The conformance testkit: the checks every embedcg plugin in this repository passes, for
 * third-party plugin authors to run against their own. Works with any test runner: each check
 * throws a `ConformanceError` describing the failure, and `runPluginConformance` runs all that
 * apply to a descriptor and returns their results.
 *
 *   import { runPluginConformance } from '@embedcg/core/testkit';
 *   test('my force field conforms', async () => { await runPluginConformance(myPlugin); });
 */
export { ConformanceError, type CheckResult } from './errors.js';
export { checkSchemaDefaults } from './schema.js';
export {
  probePoints,
  probeSet,
  typicalLength,
  describeConfiguration,
  type ProbeOptions,
  type ProbeSet,
} from './probes.js';
export { checkOutputShapes, checkFiniteOutput, type OutputCheckOptions } from './force-field-output.js';
export { checkForcesFiniteDifference, type ForceCheckOptions } from './force-field-fd.js';
export { checkBatchInvariance, checkBadInput, checkForceFieldDeterminism } from './force-field.js';
export { checkModelDraw, checkModelDeterminism, checkModelInitialize } from './model.js';
export {
  checkDrawLogProb,
  checkNormalization,
  type DrawDensityOptions,
  type NormalizationOptions,
} from './model-density.js';
export {
  checkTransformRoundTrip,
  checkTransformLogDet,
  checkTransformFloat32,
  transformPoints,
  type TransformCheckOptions,
} from './transform.js';
export { halfLogDetGram } from './linear-algebra.js';
export {
  checkScheduleInitialBeta,
  checkScheduleLadder,
  checkScheduleLevelComplete,
  checkScheduleState,
  scheduleSamples,
  type ScheduleCheckOptions,
  type ScheduleFactory,
} from './schedule.js';
export { runPluginConformance, type ConformanceOptions } from './conformance.js';
