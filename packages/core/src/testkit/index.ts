/**
 * The conformance testkit: the checks every embedcg plugin in this repository passes, for
 * third-party plugin authors to run against their own. Works with any test runner: each check
 * throws a `ConformanceError` describing the failure, and `runPluginConformance` runs all that
 * apply to a descriptor and returns their results.
 *
 *   import { runPluginConformance } from '@embedcg/core/testkit';
 *   test('my force field conforms', async () => { await runPluginConformance(myPlugin); });
 */
import * as tf from '@tensorflow/tfjs';
import type { ForceField } from '../contracts/force-field.js';
import type { Model, TargetProbe } from '../contracts/model.js';
import { API_VERSION, type AnyPlugin, type PluginContext } from '../plugin.js';
import { validateAgainst, formatIssues } from '../config/validate.js';
import { checkDescriptor } from '../plugin-loader.js';
import { createRng } from '../util/random.js';

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

export interface CheckResult {
  check: string;
  passed: boolean;
  detail: string;
}

function fail(check: string, msg: string): never {
  throw new ConformanceError(`${check}: ${msg}`);
}

/** Configurations to probe: around the force field's initial positions, else standard normals × scale. */
export function probePoints(ff: ForceField, n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  const D = ff.dimension;
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < D; k++) {
      const base = ff.initialPositions ? ff.initialPositions[k]! : 0;
      out[i * D + k] = base + scale * rng.normal();
    }
  }
  return out;
}

export interface ForceCheckOptions {
  /** Configurations to test (flat). Default: 8 probe points. */
  points?: Float64Array;
  /** Finite-difference step (in coordinate units). */
  h?: number;
  /** Allowed error relative to the force RMS (plus `atol`). */
  rtol?: number;
  atol?: number;
  /** Coordinates to check per configuration (all by default; molecules may sample). */
  maxCoordinates?: number;
}

/** Forces equal −∇U by central finite differences. */
export async function checkForcesFiniteDifference(ff: ForceField, o: ForceCheckOptions = {}): Promise<string> {
  const D = ff.dimension;
  const pts = o.points ?? probePoints(ff, 8, 1, ff.initialPositions ? 0.01 : 1);
  const n = pts.length / D;
  const h = o.h ?? 1e-5;
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const base = await ff.evaluate(pts, n);
  const coords = Math.min(D, o.maxCoordinates ?? D);
  const step = D / coords;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const x = pts.slice(i * D, (i + 1) * D);
    let rms = 0;
    for (let k = 0; k < D; k++) rms += base.forces[i * D + k]! ** 2;
    rms = Math.sqrt(rms / D);
    const probes = new Float64Array(2 * coords * D);
    for (let c = 0; c < coords; c++) {
      const k = Math.floor(c * step);
      for (const [j, s] of [
        [0, 1],
        [1, -1],
      ] as const) {
        const row = probes.subarray((2 * c + j) * D, (2 * c + j + 1) * D);
        row.set(x);
        row[k] = x[k]! + s * h;
      }
    }
    const e = await ff.evaluate(probes, 2 * coords, { energiesOnly: true });
    for (let c = 0; c < coords; c++) {
      const k = Math.floor(c * step);
      const fd = -(e.energies[2 * c]! - e.energies[2 * c + 1]!) / (2 * h);
      const an = base.forces[i * D + k]!;
      const err = Math.abs(fd - an);
      const tol = rtol * Math.max(rms, Math.abs(an)) + atol;
      worst = Math.max(worst, err / tol);
      if (!(err <= tol)) {
        fail(
          'forces vs finite differences',
          `${ff.name}: configuration ${i}, coordinate ${k}: force ${an} but −dU/dx by finite differences ${fd} (|error| ${err.toExponential(2)} > tolerance ${tol.toExponential(2)})`,
        );
      }
    }
  }
  return `max error/tolerance ${worst.toFixed(3)} over ${n} configurations`;
}

/** Evaluating n configurations at once gives the same numbers as one at a time. */
export async function checkBatchInvariance(
  ff: ForceField,
  o: { points?: Float64Array; rtol?: number } = {},
): Promise<string> {
  const D = ff.dimension;
  const pts = o.points ?? probePoints(ff, 5, 2, ff.initialPositions ? 0.01 : 1);
  const n = pts.length / D;
  const rtol = o.rtol ?? 1e-12;
  const all = await ff.evaluate(pts, n);
  for (let i = 0; i < n; i++) {
    const one = await ff.evaluate(pts.slice(i * D, (i + 1) * D), 1);
    const e0 = all.energies[i]!,
      e1 = one.energies[0]!;
    if (!(Math.abs(e0 - e1) <= rtol * Math.max(1, Math.abs(e0))))
      fail('batch invariance', `${ff.name}: configuration ${i}: energy ${e0} in a batch of ${n} but ${e1} alone`);
    for (let k = 0; k < D; k++) {
      const a = all.forces[i * D + k]!,
        b = one.forces[k]!;
      if (!(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(a))))
        fail(
          'batch invariance',
          `${ff.name}: configuration ${i}, coordinate ${k}: force ${a} in a batch but ${b} alone`,
        );
    }
  }
  // A zero-size batch is legal and returns empty arrays.
  const empty = await ff.evaluate(new Float64Array(0), 0);
  if (empty.energies.length !== 0)
    fail('batch invariance', `${ff.name}: an empty batch returned ${empty.energies.length} energies`);
  return `${n} configurations`;
}

/** NaN coordinates and wrong lengths are clear errors, never NaN results. */
export async function checkBadInput(ff: ForceField): Promise<string> {
  const D = ff.dimension;
  const pts = probePoints(ff, 2, 3, ff.initialPositions ? 0.01 : 1);
  pts[D + 1] = NaN;
  let threw = false;
  try {
    await ff.evaluate(pts, 2);
  } catch (e) {
    threw = true;
    if (!/1/.test((e as Error).message))
      fail(
        'bad input',
        `${ff.name}: the error for NaN coordinates does not name configuration 1: "${(e as Error).message}"`,
      );
  }
  if (!threw) fail('bad input', `${ff.name}: NaN coordinates were accepted`);
  threw = false;
  try {
    await ff.evaluate(new Float64Array(D + 1), 1);
  } catch {
    threw = true;
  }
  if (!threw) fail('bad input', `${ff.name}: a positions array of the wrong length was accepted`);
  return 'NaN and wrong-length input rejected';
}

/** The schema's defaults alone make valid options, and the descriptor is well-formed. */
export function checkSchemaDefaults(p: AnyPlugin, options: Record<string, unknown> = {}): Record<string, unknown> {
  checkDescriptor(p, 'testkit');
  const opts = structuredClone(options);
  const issues = validateAgainst(p.optionsSchema, opts);
  if (issues.length)
    fail(
      'schema-valid defaults',
      `plugin "${p.name}": options ${JSON.stringify(options)} with defaults filled are invalid:\n${formatIssues(issues)}`,
    );
  return opts;
}

/** The same seed gives the same samples; another seed gives others. */
export async function checkModelDeterminism(create: (seed: number) => Promise<Model> | Model): Promise<string> {
  const draw = async (modelSeed: number, rngSeed: number) => {
    const m = await create(modelSeed);
    const v = tf.tidy(() => m.draw(16, createRng(rngSeed)).y.dataSync() as Float32Array).slice();
    m.dispose();
    return v;
  };
  const a = await draw(1, 5),
    b = await draw(1, 5),
    c = await draw(2, 6);
  if (!a.every((v, i) => v === b[i])) fail('determinism', 'the same seeds gave different samples');
  if (a.every((v, i) => v === c[i])) fail('determinism', 'different seeds gave identical samples');
  return 'seeded draws reproduce';
}

/** A model's draw has the declared shapes, finite log-densities, and gradients for every variable. */
export function checkModelDraw(m: Model): string {
  const n = 8;
  const { value, grads } = tf.variableGrads(() => {
    const d = m.draw(n, createRng(11));
    if (d.y.shape[0] !== n || d.y.shape[1] !== m.dimension)
      fail('model draw', `y has shape [${d.y.shape}], expected [${n}, ${m.dimension}]`);
    if (d.logQ.shape.length !== 1 || d.logQ.shape[0] !== n)
      fail('model draw', `logQ has shape [${d.logQ.shape}], expected [${n}]`);
    if (m.latentDimension && d.z && d.z.shape[1] !== m.latentDimension)
      fail('model draw', `z has ${d.z.shape[1]} columns, expected ${m.latentDimension}`);
    const lq = d.logQ.dataSync();
    if (!lq.every(Number.isFinite)) fail('model draw', 'logQ has non-finite values');
    const loss = tf.add(tf.mean(d.logQ), tf.mean(tf.sum(tf.square(d.y), 1))) as tf.Scalar;
    if (!d.choiceLogProb) return loss;
    if (d.choiceLogProb.shape.length !== 1 || d.choiceLogProb.shape[0] !== n)
      fail('model draw', `choiceLogProb has shape [${d.choiceLogProb.shape}], expected [${n}]`);
    if (!d.choiceLogProb.dataSync().every((v) => Number.isFinite(v) && v <= 1e-6))
      fail('model draw', 'choiceLogProb must hold finite log-probabilities (≤ 0)');
    // The choice's probabilities are variables too: they need a gradient path through it.
    return tf.add(loss, tf.mean(d.choiceLogProb)) as tf.Scalar;
  }, m.variables());
  const missing = m.variables().filter((v) => !grads[v.name]);
  tf.dispose([value, grads]);
  if (missing.length) fail('model draw', `no gradient for variables ${missing.map((v) => v.name).join(', ')}`);
  checkTrainingDraw(m, n);
  const names = m.variables().map((v) => v.name);
  if (new Set(names).size !== names.length)
    fail('model draw', 'variable names are not unique (checkpoints store them by name)');
  return `${m.variables().length} variables, shapes ok`;
}

/** A training draw ({ training: true }) has the same shapes; a proposal's log-ratios are finite and replace choiceLogProb. */
function checkTrainingDraw(m: Model, n: number): void {
  tf.tidy(() => {
    const d = m.draw(n, createRng(12), { training: true });
    if (d.y.shape[0] !== n || d.y.shape[1] !== m.dimension)
      fail('model training draw', `y has shape [${d.y.shape}], expected [${n}, ${m.dimension}]`);
    if (!d.logQ.dataSync().every(Number.isFinite)) fail('model training draw', 'logQ has non-finite values');
    if (!d.proposalLogRatio) return;
    if (d.choiceLogProb)
      fail(
        'model training draw',
        'reports both proposalLogRatio and choiceLogProb; the proposal weights already carry the choice gradient',
      );
    if (d.proposalLogRatio.shape.length !== 1 || d.proposalLogRatio.shape[0] !== n)
      fail('model training draw', `proposalLogRatio has shape [${d.proposalLogRatio.shape}], expected [${n}]`);
    if (!d.proposalLogRatio.dataSync().every(Number.isFinite))
      fail('model training draw', 'proposalLogRatio has non-finite values');
  });
}

/**
 * A model's optional `initialize`: it probes only well-formed, finite configurations, resolves to a
 * line or undefined, and leaves a model whose draws still pass {@link checkModelDraw}. The probe's
 * target is a standard normal in model space.
 */
export async function checkModelInitialize(m: Model): Promise<string> {
  if (!m.initialize) return 'no initialize (optional)';
  const D = m.dimension;
  let rows = 0;
  const probe: TargetProbe = {
    beta: 1,
    rng: createRng(13),
    async logTarget(y: Float64Array, n: number) {
      if (!Number.isInteger(n) || n < 1 || y.length !== n * D)
        fail('model initialize', `probed ${y.length} values as ${n} rows of ${D}`);
      if (!y.every(Number.isFinite)) fail('model initialize', 'probed non-finite coordinates');
      rows += n;
      return Float64Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < D; j++) s += y[i * D + j]! ** 2;
        return -0.5 * s;
      });
    },
  };
  const said = await m.initialize(probe);
  if (said !== undefined && typeof said !== 'string')
    fail('model initialize', `resolved to ${typeof said}, expected a string or undefined`);
  checkModelDraw(m);
  return `probed ${rows} configurations; draws still conform`;
}

export interface ConformanceOptions {
  /** Options to create the plugin with (defaults are filled in). */
  options?: Record<string, unknown>;
  /** Extra context fields (forceField, modelDimension, configDir). */
  context?: Partial<PluginContext>;
  /** Force-field checks: probe points and tolerances. */
  forces?: ForceCheckOptions;
  /** Throw when a check fails (default true). */
  throwOnFailure?: boolean;
}

/** Run every check that applies to the plugin's kind. */
export async function runPluginConformance(plugin: AnyPlugin, o: ConformanceOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const run = async (check: string, f: () => Promise<string> | string) => {
    try {
      results.push({ check, passed: true, detail: await f() });
    } catch (e) {
      results.push({ check, passed: false, detail: (e as Error).message });
    }
  };
  const ctx = (seed: number): PluginContext => ({ configDir: process.cwd(), seed, log: () => {}, ...o.context });
  let opts: Record<string, unknown> = {};
  await run('descriptor and schema-valid defaults', () => {
    if (plugin.apiVersion !== API_VERSION)
      fail('descriptor', `apiVersion ${plugin.apiVersion} ≠ core's ${API_VERSION}`);
    opts = checkSchemaDefaults(plugin, o.options);
    return 'ok';
  });
  if (plugin.kind === 'forcefield') {
    const ff = (await plugin.create(structuredClone(opts), ctx(0))) as ForceField;
    try {
      await run('forces vs finite differences', () => checkForcesFiniteDifference(ff, o.forces));
      await run('batch invariance', () => checkBatchInvariance(ff, { points: o.forces?.points }));
      await run('bad input', () => checkBadInput(ff));
      await run('determinism', async () => {
        const ff2 = (await plugin.create(structuredClone(opts), ctx(0))) as ForceField;
        try {
          const pts = o.forces?.points ?? probePoints(ff, 3, 4, ff.initialPositions ? 0.01 : 1);
          const a = await ff.evaluate(pts, pts.length / ff.dimension);
          const b = await ff2.evaluate(pts, pts.length / ff.dimension);
          if (!a.energies.every((v, i) => v === b.energies[i]))
            fail('determinism', 'two instances with the same options and seed disagree');
          return 'two instances agree exactly';
        } finally {
          await ff2.dispose?.();
        }
      });
    } finally {
      await ff.dispose?.();
    }
  } else if (plugin.kind === 'model') {
    const make = async (seed: number) => (await plugin.create(structuredClone(opts), ctx(seed))) as Model;
    await run('model draw', async () => {
      const m = await make(0);
      try {
        return checkModelDraw(m);
      } finally {
        m.dispose();
      }
    });
    await run('determinism', () => checkModelDeterminism(make));
    await run('initialize', async () => {
      const m = await make(0);
      try {
        return await checkModelInitialize(m);
      } finally {
        m.dispose();
      }
    });
  } else {
    await run('create', async () => {
      await plugin.create(structuredClone(opts), ctx(0));
      return 'created';
    });
  }
  const failed = results.filter((r) => !r.passed);
  if (failed.length && (o.throwOnFailure ?? true)) {
    throw new ConformanceError(
      `plugin "${plugin.name}" failed ${failed.length} conformance check(s):\n${failed.map((f) => `  - ${f.check}: ${f.detail}`).join('\n')}`,
    );
  }
  return results;
}
