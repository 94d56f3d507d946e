/**
 * Checkpoints: model variables, Adam state, RNG state and trainer state, written atomically.
 * A checkpoint is built in `checkpoint.tmp/` and swapped in with renames (the previous one is
 * `checkpoint.old/` for that moment), so a SIGKILL at any moment leaves either the previous or
 * the new checkpoint whole.
 */
import { HostAdam, type AdamPowers, type TrainingOptimizer } from '../training/host-adam.js';
import * as tf from '@embedcg/core/tf';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assignValues, readWeights, variablesToValues, writeWeights } from '../training/weights-io.js';
import { InputError } from '../errors.js';
import { CHECKPOINT_LAYOUT, RUN_LAYOUT } from './layout.js';
import { trainerStateFromJson, type TrainerState } from '../training/trainer-state.js';

/** The checkpoint folder's name in a run folder (`RUN_LAYOUT.checkpoint`). */
export const CHECKPOINT_DIR = RUN_LAYOUT.checkpoint;

export async function writeCheckpoint(
  runDir: string,
  model: { variables(): tf.Variable[]; metadata(): unknown },
  optimizer: TrainingOptimizer | undefined,
  state: TrainerState,
): Promise<void> {
  const final = join(runDir, RUN_LAYOUT.checkpoint);
  const tmp = join(runDir, RUN_LAYOUT.checkpointTmp);
  const old = join(runDir, RUN_LAYOUT.checkpointOld);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeWeights(tmp, CHECKPOINT_LAYOUT.weights, variablesToValues(model.variables()), { model: model.metadata() });
  if (optimizer) {
    const named = await optimizer.getWeights();
    const items = named.map((w) => ({
      name: w.name,
      shape: w.tensor.shape,
      values: Float32Array.from(w.tensor.dataSync()),
    }));
    // HostAdam's tensors are copies made for this call; tfjs's are its live variables.
    if (optimizer instanceof HostAdam) tf.dispose(named.map((w) => w.tensor));
    const powers = adamPowers(optimizer);
    if (powers)
      ADAM_POWERS.forEach((k) =>
        items.push({ name: `${ADAM_POWER_PREFIX}${k}`, shape: [], values: Float32Array.of(powers[k]) }),
      );
    writeWeights(tmp, CHECKPOINT_LAYOUT.optimizer, items);
  }
  writeFileSync(join(tmp, CHECKPOINT_LAYOUT.state), JSON.stringify(state));
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(tmp, final);
  rmSync(old, { recursive: true, force: true });
}

/** The folder of the newest complete checkpoint, or undefined. */
export function findCheckpoint(runDir: string): string | undefined {
  for (const name of [RUN_LAYOUT.checkpoint, RUN_LAYOUT.checkpointOld]) {
    const d = join(runDir, name);
    if (existsSync(join(d, CHECKPOINT_LAYOUT.state)) && existsSync(join(d, `${CHECKPOINT_LAYOUT.weights}.json`)))
      return d;
  }
  return undefined;
}

/** The trainer state of the checkpoint in `dir`, from either run format (see trainer-state.ts). */
export function readCheckpointState(dir: string): TrainerState {
  const path = join(dir, CHECKPOINT_LAYOUT.state);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: cannot read the trainer state (${(e as Error).message})`, path);
  }
  return trainerStateFromJson(raw, path);
}

export function loadModelWeights(dir: string, model: { variables(): tf.Variable[] }): void {
  const { items } = readWeights(dir, CHECKPOINT_LAYOUT.weights);
  assignValues(model.variables(), items, dir);
}

/**
 * Warm start: copy the trained variables of another run into `model` by name. Variables the
 * source does not have keep their fresh initialisation (a VAE given a flow decoder starts as the
 * source's Gaussian decoder, since the flow is zero-initialised); a name with another shape is an
 * error, because it means another architecture, not an extension of it.
 */
export function initModelFrom(
  runDir: string,
  model: { variables(): tf.Variable[] },
): { copied: string[]; fresh: string[] } {
  const cp = findCheckpoint(runDir);
  if (!cp)
    throw new InputError(`--init-from ${runDir}: no checkpoint there (a run directory written by embedcg train)`);
  const { items } = readWeights(cp, CHECKPOINT_LAYOUT.weights);
  const byName = new Map(items.map((it) => [it.name, it]));
  const copied: string[] = [],
    fresh: string[] = [];
  for (const v of model.variables()) {
    const it = byName.get(v.name);
    if (!it) {
      fresh.push(v.name);
      continue;
    }
    if (it.shape.join('x') !== v.shape.join('x')) {
      throw new InputError(
        `--init-from ${runDir}: variable "${v.name}" has shape [${v.shape}] here but [${it.shape}] in that run (another architecture)`,
      );
    }
    copied.push(v.name);
  }
  if (copied.length === 0)
    throw new InputError(
      `--init-from ${runDir}: none of this model's variables are in that run (names differ: check the model plugin and its scope)`,
    );
  for (const name of copied) {
    const it = byName.get(name)!;
    model
      .variables()
      .find((v) => v.name === name)!
      .assign(tf.tensor(it.values, it.shape));
  }
  return { copied, fresh };
}

export async function loadOptimizerState(dir: string, optimizer: TrainingOptimizer): Promise<void> {
  if (!existsSync(join(dir, `${CHECKPOINT_LAYOUT.optimizer}.json`))) return;
  const { items } = readWeights(dir, CHECKPOINT_LAYOUT.optimizer);
  const own = items.filter((it) => !it.name.startsWith(ADAM_POWER_PREFIX));
  const tensors = own.map((it) => ({ name: it.name, tensor: tf.tensor(it.values, it.shape) }));
  await optimizer.setWeights(tensors);
  if (optimizer instanceof HostAdam) tf.dispose(tensors.map((t) => t.tensor));
  const saved = ADAM_POWERS.map((k) => items.find((it) => it.name === `${ADAM_POWER_PREFIX}${k}`)?.values[0]);
  if (saved.some((v) => v === undefined)) return;
  const [accBeta1, accBeta2] = saved as [number, number];
  if (optimizer instanceof HostAdam) optimizer.setPowers({ accBeta1, accBeta2 });
  else {
    const vars = tfAdamPowers(optimizer);
    vars?.[0]!.assign(tf.scalar(accBeta1));
    vars?.[1]!.assign(tf.scalar(accBeta2));
  }
}

/**
 * tfjs's Adam keeps β1^t and β2^t as running float32 products, but `setWeights` recomputes them
 * with pow(), which differs in the last bit; a resumed run would then drift away from the
 * uninterrupted one. So the products themselves are saved next to the moments and restored.
 */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
const ADAM_POWER_PREFIX = 'embedcg-adam/';

function tfAdamPowers(optimizer: tf.Optimizer): tf.Variable[] | undefined {
  const o = optimizer as unknown as Record<string, unknown>;
  const vars = ADAM_POWERS.map((k) => o[k]);
  return vars.every((v) => v instanceof tf.Variable) ? (vars as tf.Variable[]) : undefined;
}

function adamPowers(optimizer: TrainingOptimizer): AdamPowers | undefined {
  if (optimizer instanceof HostAdam) return optimizer.getPowers();
  const vars = tfAdamPowers(optimizer);
  return vars ? { accBeta1: vars[0]!.dataSync()[0]!, accBeta2: vars[1]!.dataSync()[0]! } : undefined;
}
