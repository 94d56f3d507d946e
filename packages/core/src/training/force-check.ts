/**
 * The force check a new run makes before its first step. A force field whose forces are not −∇U
 * (a wrong sign, a missing term, a unit slip) trains to junk with no other sign of it: the model
 * follows the forces, the metrics only show a poor fit at the end. So before training, the forces
 * are compared with central finite differences of the energies where the model will sample: at
 * the force field's initial positions (when it has them) and at a few draws from the initial
 * model, mapped through the transform. Array lengths and finite values are checked on the way.
 * The testkit's checks do the work (force-field-fd.ts, force-field-output.ts).
 *
 * The check draws from a random stream of its own and evaluates the plugin's force field itself,
 * not the run's counting wrapper, so a seeded run trains exactly as it would without it, and its
 * cost is reported apart: n·(1 + 2·k) evaluations for n configurations and k components each.
 */
import type { ForceField } from '../contracts/force-field.js';
import type { Model } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { RunConfig } from '../config/run-config.js';
import { PluginError } from '../errors.js';
import type { PluginRef } from '../plugin-loader.js';
import { ConformanceError } from '../testkit/errors.js';
import { checkForcesFiniteDifference } from '../testkit/force-field-fd.js';
import { finiteProblem, lengthProblem } from '../testkit/force-field-output.js';
import { typicalLength } from '../testkit/probes.js';
import { createRng } from '../util/random.js';
import { drawConfigurations } from './sampling.js';

/** What run.json records of the check (`forceCheck`). */
export type ForceCheckRecord =
  | { enabled: false }
  | {
      enabled: true;
      /** Configurations checked (initial positions included). */
      configurations: number;
      /** Components differenced per configuration. */
      components: number;
      /** Energy evaluations the check made: configurations · (1 + 2 · components); not training's. */
      evaluations: number;
      /** The finite-difference check's summary (largest error over tolerance). */
      result: string;
    };

export interface ForceCheckInput {
  config: RunConfig;
  /** The plugin's force field itself (not the run's counting wrapper). */
  forceField: ForceField;
  model: Model;
  transform?: CoordinateTransform;
  log?: (message: string) => void;
}

/** The check's random stream: from the run's seed, apart from the trainer's (seed·7919 + 17 and + 29). */
const checkSeed = (seed: number) => seed * 7919 + 43;

/** The initial positions (if any) and `count` draws from the initial model, in force-field space. */
function checkConfigurations(o: ForceCheckInput, count: number): { points: Float64Array; labels: string[] } {
  const ff = o.forceField;
  const D = ff.dimension;
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  if (ff.initialPositions?.length === D) {
    rows.push(Float64Array.from(ff.initialPositions));
    labels.push('the initial positions');
  }
  // With dimensions that do not fit, the draws are left to the trainer, which names the mismatch.
  if ((o.transform ? o.transform.outputDimension : o.model.dimension) === D) {
    const { x } = drawConfigurations(o.model, o.transform, count, createRng(checkSeed(o.config.seed)));
    for (let i = 0; i < count; i++) {
      const row = x.slice(i * D, (i + 1) * D);
      // A non-finite draw is the model's problem, met (and reported) by the trainer.
      if (!row.every(Number.isFinite)) continue;
      rows.push(row);
      labels.push(`draw ${i + 1} of ${count} from the initial model`);
    }
  }
  const points = new Float64Array(rows.length * D);
  rows.forEach((r, i) => points.set(r, i * D));
  return { points, labels };
}

/** A force field that counts the configurations it evaluates. */
function counting(ff: ForceField): { ff: ForceField; count: () => number } {
  let evaluations = 0;
  const counted: ForceField = {
    name: ff.name,
    dimension: ff.dimension,
    topology: ff.topology,
    initialPositions: ff.initialPositions,
    evaluate: (x, n, opts) => {
      evaluations += n;
      return ff.evaluate(x, n, opts);
    },
  };
  return { ff: counted, count: () => evaluations };
}

/** RMS of the forces of the configurations with a finite energy (0 when there is none). */
function rmsForce(forces: Float64Array, energies: Float64Array, D: number): number {
  let sum = 0;
  let count = 0;
  energies.forEach((e, i) => {
    if (!Number.isFinite(e)) return;
    for (let k = i * D; k < (i + 1) * D; k++) sum += forces[k]! ** 2;
    count += D;
  });
  return count ? Math.sqrt(sum / count) : 0;
}

function refusal(ref: PluginRef, ff: ForceField, problem: string, evaluations: number): PluginError {
  return new PluginError(
    `force field "${ff.name}" (plugin "${ref.name}" of package "${ref.package}") fails the force check at the start of training: ${problem}.\n` +
      'Its forces must be −dU/dx of its energies (kJ/mol/nm), finite wherever the energy is, n·dimension of them for n configurations. ' +
      `To train anyway (a force field too expensive for the check's ${evaluations} evaluations, say), ` +
      'set training.forceCheck.enabled to false (--set training.forceCheck.enabled=false).',
  );
}

/**
 * Check the force field of a new run before its first step (see the module comment). Throws a
 * PluginError naming the plugin, the configuration and the worst component when the forces are
 * not −∇U, or when energies or forces are not finite or have the wrong length.
 */
export async function checkForcesAtStart(o: ForceCheckInput): Promise<ForceCheckRecord> {
  const s = o.config.training.forceCheck;
  const log = o.log ?? (() => {});
  if (!s.enabled) {
    log('force check skipped (training.forceCheck.enabled is false)');
    return { enabled: false };
  }
  const { ff, count } = counting(o.forceField);
  const ref = o.config.forceField;
  const D = ff.dimension;
  const { points, labels } = checkConfigurations(o, s.configurations);
  const n = labels.length;
  const components = Math.min(s.components, D);
  const planned = n * (1 + 2 * components);
  const set = { points, n, labels };
  const base = await ff.evaluate(points, n);
  const problem = lengthProblem(base, n, D, false) ?? finiteProblem(ff, set, base);
  if (problem) throw refusal(ref, ff, `a batch of ${n} configurations: ${problem}`, planned);
  let result: string;
  try {
    result = await checkForcesFiniteDifference(ff, {
      points,
      labels,
      base,
      h: 1e-3 * typicalLength(ff),
      rtol: s.tolerance,
      forceScale: rmsForce(base.forces, base.energies, D),
      maxCoordinates: components,
      rng: createRng(checkSeed(o.config.seed) + 1),
    });
  } catch (e) {
    if (!(e instanceof ConformanceError)) throw e;
    const detail = e.message.replace(/^forces vs finite differences: /, '');
    throw refusal(ref, ff, detail.startsWith(`${ff.name}: `) ? detail.slice(ff.name.length + 2) : detail, planned);
  }
  const evaluations = count();
  log(`force check: ${result}, ${evaluations} energy evaluations (not counted in training's)`);
  return { enabled: true, configurations: n, components, evaluations, result };
}
