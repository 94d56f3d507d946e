/**
 * A gradient tape held open across an await, so that a step tapes its draw once: the draw runs
 * with the tape on, the force field answers (asynchronously), and the loss built afterwards inside
 * `tf.variableGrads` differentiates through the draw already on the tape.
 *
 * tfjs's `gradients()` opens its own tape only at depth 0 and appends to an open one, and leaves
 * clean-up to depth 0; so with the tape opened here, `tf.variableGrads` sees the draw's nodes, and
 * `closeTape` frees the tensors the nodes saved for the backward pass, as `gradients()` would
 * have. The same draw drawn again under `tf.variableGrads` (the way before) costs one more forward
 * pass and gives the same numbers, so the results are unchanged. Relies on tfjs-core's Engine
 * (`startTape`, `endTape`, `state.activeTape`), checked with 4.22.
 */
import * as tf from '@embedcg/core/tf';
import type { ModelDraw } from '../contracts/model.js';

interface TapeEngine {
  startTape(): void;
  endTape(): void;
  state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null };
}

const engine = (): TapeEngine => tf.engine() as unknown as TapeEngine;

/**
 * Whether a gradient tape is recording (under `tf.variableGrads`, `tf.grads` or an open tape): a
 * fused op may then keep what its backward needs from its forward, which it would otherwise
 * recompute, and skip that work on forward-only calls (evaluation draws).
 */
export function gradientTapeActive(): boolean {
  return engine().state.gradientDepth > 0;
}

/** Open the tape; refused inside another gradient computation (the tape would be that one's). */
export function openTape(): void {
  const e = engine();
  if (typeof e.startTape !== 'function' || e.state.gradientDepth !== 0)
    throw new Error('openTape: the tfjs engine is already taping (or has no startTape)');
  e.startTape();
}

/** Close the tape opened by `openTape` and free what its nodes saved for the backward pass. */
export function closeTape(): void {
  const e = engine();
  e.endTape();
  if (e.state.gradientDepth !== 0) return;
  for (const node of e.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
  e.state.activeTape = null;
}

/** A model draw with the tape open; its tensors outlive the call (dispose them with `disposeDraw`). */
export function tapedDraw(draw: () => ModelDraw): ModelDraw {
  return tf.tidy(() => draw() as unknown as tf.TensorContainer) as unknown as ModelDraw;
}

export function disposeDraw(d: ModelDraw | undefined): void {
  if (d) tf.dispose([d.y, d.logQ, d.z, d.choiceLogProb, d.proposalLogRatio].filter((t) => t !== undefined));
}
