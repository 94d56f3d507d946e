/** `runPluginConformance`: every check that applies to a plugin's kind, collected as results. */
import type { ForceField } from '../contracts/force-field.js';
import type { Model } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { TemperingSchedule } from '../contracts/schedule.js';
import { API_VERSION, type AnyPlugin, type PluginContext } from '../plugin.js';
import { validateAgainst } from '../config/validate.js';
import { ConformanceError, fail, type CheckResult } from './errors.js';
import { checkSchemaDefaults } from './schema.js';
import type { ProbeOptions } from './probes.js';
import { checkFiniteOutput, checkOutputShapes } from './force-field-output.js';
import { checkForcesFiniteDifference, type ForceCheckOptions } from './force-field-fd.js';
import { checkBadInput, checkBatchInvariance, checkForceFieldDeterminism } from './force-field.js';
import { checkModelDeterminism, checkModelDraw, checkModelInitialize } from './model.js';
import {
  checkDrawLogProb,
  checkNormalization,
  type DrawDensityOptions,
  type NormalizationOptions,
} from './model-density.js';
import {
  checkTransformFloat32,
  checkTransformLogDet,
  checkTransformRoundTrip,
  type TransformCheckOptions,
} from './transform.js';
import {
  checkScheduleInitialBeta,
  checkScheduleLadder,
  checkScheduleLevelComplete,
  checkScheduleState,
  type ScheduleCheckOptions,
} from './schedule.js';

export interface ConformanceOptions {
  /** Options to create the plugin with (defaults are filled in). */
  options?: Record<string, unknown>;
  /** Extra context fields (forceField, modelDimension, configDir). */
  context?: Partial<PluginContext>;
  /** Force-field checks: probe points and tolerances. */
  forces?: ForceCheckOptions;
  /** Force-field checks: how to spread the probe configurations (unless `forces.points` is given). */
  probes?: ProbeOptions;
  /** Models: tolerances of draw logQ vs logProb. */
  density?: DrawDensityOptions;
  /** Models of dimension 1 or 2: the ∫q = 1 quadrature, or false to skip it. */
  normalization?: NormalizationOptions | false;
  /** Transforms: points and tolerances (the force field defaults to `context.forceField`). */
  transform?: TransformCheckOptions;
  /** Schedules: targets and limits. */
  schedule?: ScheduleCheckOptions;
  /** Run only the checks with these names. */
  include?: string[];
  /** Skip the checks with these names. */
  exclude?: string[];
  /** Throw when a check fails (default true). */
  throwOnFailure?: boolean;
}

type Run = (check: string, f: () => Promise<string> | string) => Promise<void>;

async function forceFieldChecks(create: (seed: number) => Promise<ForceField>, o: ConformanceOptions, run: Run) {
  const probes = o.forces?.probes ?? o.probes;
  const points = o.forces?.points;
  const ff = await create(0);
  try {
    await run('output shapes', () => checkOutputShapes(ff, { points, probes }));
    await run('finite output', () => checkFiniteOutput(ff, { points, probes }));
    await run('forces vs finite differences', () => checkForcesFiniteDifference(ff, { ...o.forces, probes }));
    await run('batch invariance', () => checkBatchInvariance(ff, { points, probes }));
    await run('bad input', () => checkBadInput(ff, { probes }));
    await run('determinism', async () => {
      const ff2 = await create(0);
      try {
        return await checkForceFieldDeterminism(ff, ff2, { points, probes });
      } finally {
        await ff2.dispose?.();
      }
    });
  } finally {
    await ff.dispose?.();
  }
}

async function modelChecks(make: (seed: number) => Promise<Model>, o: ConformanceOptions, run: Run) {
  const withModel = (f: (m: Model) => Promise<string> | string) => async () => {
    const m = await make(0);
    try {
      return await f(m);
    } finally {
      m.dispose();
    }
  };
  await run('model draw', withModel(checkModelDraw));
  await run('determinism', () => checkModelDeterminism(make));
  await run('initialize', withModel(checkModelInitialize));
  await run(
    'draw logQ vs logProb',
    withModel((m) => checkDrawLogProb(m, o.density)),
  );
  const normalization = o.normalization;
  if (normalization !== false)
    await run(
      'normalization',
      withModel((m) => checkNormalization(m, normalization)),
    );
}

async function transformChecks(t: CoordinateTransform, o: ConformanceOptions, run: Run) {
  const to = { forceField: o.context?.forceField, ...o.transform };
  await run('transform round trip', () => checkTransformRoundTrip(t, to));
  await run('log-Jacobian', () => checkTransformLogDet(t, to));
  await run('float32 forward', () => checkTransformFloat32(t, to));
}

async function scheduleChecks(create: () => Promise<TemperingSchedule>, o: ConformanceOptions, run: Run) {
  await run('initial β', () => checkScheduleInitialBeta(create, o.schedule));
  await run('β ladder', () => checkScheduleLadder(create, o.schedule));
  await run('level completion', () => checkScheduleLevelComplete(create, o.schedule));
  await run('state round trip', () => checkScheduleState(create, o.schedule));
}

/**
 * Run every check that applies to the plugin's kind (force field, model, transform, schedule; an
 * observable is only created), optionally filtered by check name. Throws a `ConformanceError`
 * listing the failed checks unless `throwOnFailure` is false; returns the results.
 */
export async function runPluginConformance(plugin: AnyPlugin, o: ConformanceOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const wanted = (check: string) => (!o.include || o.include.includes(check)) && !o.exclude?.includes(check);
  const run: Run = async (check, f) => {
    if (!wanted(check)) return;
    try {
      results.push({ check, passed: true, detail: await f() });
    } catch (e) {
      results.push({ check, passed: false, detail: (e as Error).message });
    }
  };
  const ctx = (seed: number): PluginContext => ({ configDir: process.cwd(), seed, log: () => {}, ...o.context });
  let opts: Record<string, unknown> = structuredClone(o.options ?? {});
  validateAgainst(plugin.optionsSchema, opts);
  await run('descriptor and schema-valid defaults', () => {
    if (plugin.apiVersion !== API_VERSION)
      fail('descriptor', `apiVersion ${plugin.apiVersion} ≠ core's ${API_VERSION}`);
    opts = checkSchemaDefaults(plugin, o.options);
    return 'ok';
  });
  const create = async <T>(seed: number) => (await plugin.create(structuredClone(opts), ctx(seed))) as T;
  if (plugin.kind === 'forcefield') await forceFieldChecks((s) => create<ForceField>(s), o, run);
  else if (plugin.kind === 'model') await modelChecks((s) => create<Model>(s), o, run);
  else if (plugin.kind === 'transform') {
    // A transform that cannot be created fails whatever the filters say: nothing else can run.
    const t = await create<CoordinateTransform>(0).catch((e: unknown) => e as Error);
    if (t instanceof Error) results.push({ check: 'create', passed: false, detail: t.message });
    else {
      await run('create', () => `${t.inputDimension} → ${t.outputDimension} coordinates`);
      await transformChecks(t, o, run);
    }
  } else if (plugin.kind === 'schedule') await scheduleChecks(() => create<TemperingSchedule>(0), o, run);
  else {
    await run('create', async () => {
      await create(0);
      return 'created';
    });
  }
  const failed = results.filter((r) => !r.passed);
  if (failed.length && (o.throwOnFailure ?? true)) {
    const line = (f: CheckResult) => (f.detail.startsWith(`${f.check}: `) ? f.detail : `${f.check}: ${f.detail}`);
    throw new ConformanceError(
      `plugin "${plugin.name}" failed ${failed.length} conformance check(s):\n${failed.map((f) => `  - ${line(f)}`).join('\n')}`,
    );
  }
  return results;
}
