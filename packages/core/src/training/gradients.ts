/** One Adam update from a step's gradients: a finiteness check, global-norm clipping, fixed variable order. */
import * as tf from '@embedcg/core/tf';
import { TrainingError } from '../errors.js';
import { HostAdam, type TrainingOptimizer } from './host-adam.js';

/** Where a step stands, for the message when its loss or gradient is not finite. */
export interface StepPlace {
  step: number;
  level: number;
  beta: number;
  /** The folder of the checkpoint that stays. */
  checkpointDir: string;
}

/**
 * The squared global norm of `grads`. A non-finite loss or norm stops training with a
 * TrainingError (the tape's value and gradients disposed first).
 */
function checkedNormSq(value: tf.Scalar, grads: tf.NamedTensorMap, loss: number, at: StepPlace): number {
  const names = Object.keys(grads);
  const normSq = tf.tidy(() => tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!)))).dataSync()[0]!);
  checkFinite(value, grads, loss, normSq, at);
  return normSq;
}

function checkFinite(value: tf.Scalar, grads: tf.NamedTensorMap, loss: number, normSq: number, at: StepPlace): void {
  if (!Number.isFinite(loss) || !Number.isFinite(normSq)) {
    tf.dispose([value, grads]);
    throw new TrainingError(
      `non-finite ${Number.isFinite(loss) ? 'gradient' : 'loss'} at step ${at.step} (level ${at.level}, β = ${at.beta.toPrecision(4)}). ` +
        `Training stopped; the last good checkpoint in ${at.checkpointDir} is kept. ` +
        `Try a smaller learning rate, a lower training.energyGuard.maxEnergy, or training.energyGuard.dropFraction > 0.`,
    );
  }
}

/**
 * A step's update from its loss and gradients: the finiteness check, global-norm clipping to
 * `clipNorm` (0 = none) and Adam. With a HostAdam (`training.fusedKernels`) the gradients are read
 * once and all of it runs on the host; with tfjs's Adam it runs as tfjs ops. The caller disposes
 * `value` and `grads` either way. Returns the global norm before clipping, which the history
 * records so that a diverging run shows where its gradients blew up.
 */
export function applyStep(
  optimizer: TrainingOptimizer,
  variables: tf.Variable[],
  step: { value: tf.Scalar; grads: tf.NamedTensorMap; loss: number },
  at: StepPlace,
  clipNorm: number,
): number {
  const { value, grads, loss } = step;
  if (!(optimizer instanceof HostAdam)) {
    const normSq = checkedNormSq(value, grads, loss, at);
    clipAndApply(optimizer, variables, grads, normSq, clipNorm);
    return Math.sqrt(normSq);
  }
  const host: Record<string, Float32Array> = {};
  let normSq = 0;
  for (const [name, g] of Object.entries(grads)) {
    const a = g.dataSync() as Float32Array;
    for (let i = 0; i < a.length; i++) normSq += a[i]! * a[i]!;
    host[name] = a;
  }
  checkFinite(value, grads, loss, normSq, at);
  const norm = Math.sqrt(normSq);
  optimizer.step(variables, host, clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1);
  return norm;
}

/** Scale `grads` to global norm `clipNorm` when larger (0 = no clipping), then apply them with Adam. */
function clipAndApply(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  grads: tf.NamedTensorMap,
  normSq: number,
  clipNorm: number,
): void {
  const norm = Math.sqrt(normSq);
  if (clipNorm > 0 && norm > clipNorm) {
    const s = clipNorm / norm;
    for (const k of Object.keys(grads)) {
      const old = grads[k]!;
      grads[k] = tf.mul(old, s);
      old.dispose();
    }
  }
  // Adam keys its moment slots by position in the gradient list, and tf.variableGrads leaves out
  // variables a loss does not reach (a model's logProb path may skip one its draw path uses).
  // So every update lists all trainable variables in one fixed order, with zeros for the unreached.
  const full: tf.NamedTensorMap = {};
  const zeros: tf.Tensor[] = [];
  for (const v of variables) {
    let g = grads[v.name];
    if (!g) {
      g = tf.zerosLike(v);
      zeros.push(g);
    }
    full[v.name] = g;
  }
  optimizer.applyGradients(full as Record<string, tf.Variable>);
  tf.dispose(zeros);
}
